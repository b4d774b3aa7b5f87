"""Fuzzing the HMI WebSocket (cockpit/service/api.py, ws.py) through a real `cockpit run`.

One daemon (offline stack, push-to-talk, API microphone, generous rate limits so every message
is judged on its content) is started in a subprocess and spoken to over a real WebSocket, as the
head unit would. Properties, per message:
- a malformed one (not JSON, not an object, no or an unknown type, a known type with missing or
  wrongly typed fields, an unknown id to confirm, an odd-sized or oversized PCM frame) gets an
  error reply with a registered code and a message;
- whatever was sent — valid commands, typed text of any Unicode, PCM of any content — the
  connection stays: a probe sent right after it is answered, in order; the daemon stays healthy.
"""
from __future__ import annotations

import contextlib
import itertools
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from cockpit.errors import REGISTRY

REPO = Path(__file__).resolve().parents[2]
MAX_PCM = 64000  # 2 s of 16 kHz int16: the largest microphone frame
_probes = itertools.count()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daemon:
    def __init__(self, tmp: Path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = tmp / "cockpit.yaml"
        config.write_text(yaml.safe_dump({
            "name": "fuzz", "wake": {"mode": "ptt"}, "asr": {"engine": "sphinx"}, "brain": {"mode": "fastpath-only"},
            "tts": {"engine": "espeak"}, "audio": {"output": {"sink": "none"}},
            "session": {"audit_log": str(tmp / "audit.jsonl")},
            "service": {"host": "127.0.0.1", "port": self.port, "audio_in": "api", "log_level": "WARNING",
                        "rate_per_s": 10000, "rate_burst": 100000, "stop_timeout_s": 0.5}}))
        self.log = tmp / "daemon.log"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "cockpit.cli", "run", "--config", str(config)],
                                         cwd=REPO, env={**os.environ, "NOTIFY_SOCKET": ""}, stdout=out,
                                         stderr=subprocess.STDOUT)
        self.ws = None
        self._sockets = contextlib.ExitStack()

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"daemon exited {self.proc.returncode}:\n{self.tail()}"
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        pytest.fail(f"the daemon did not answer /health:\n{self.tail()}")

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def socket(self):
        """The open WebSocket (a new one if the last was closed: each example starts connected)."""
        if self.ws is None or self.ws.protocol.state.name != "OPEN":
            self.ws = self._sockets.enter_context(connect(f"ws://127.0.0.1:{self.port}/ws", open_timeout=10,
                                                          max_size=None))
            assert json.loads(self.ws.recv(timeout=10))["type"] == "hello"
        return self.ws

    def stop(self) -> None:
        self._sockets.close()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    d = Daemon(tmp_path_factory.mktemp("fuzz-daemon"))
    try:
        d.wait_ready()
        yield d
    finally:
        d.stop()


def exchange(d: Daemon, message: str | bytes, malformed: bool = False) -> list[dict]:
    """Send ``message`` then a probe; the errors that came back by the probe's own answer, or, for a
    malformed message, until its error came (a confirmation's answer is awaited, so it may come later)."""
    ws = d.socket()
    probe = f"fuzz-probe-{next(_probes)}"
    try:
        ws.send(message)
        ws.send(json.dumps({"type": probe}))
        errors, probed, deadline = [], False, time.monotonic() + 20
        while not probed or (malformed and not errors):
            raw = ws.recv(timeout=max(0.1, deadline - time.monotonic()))
            if isinstance(raw, bytes):
                continue  # a reply's WAV
            msg = json.loads(raw, parse_constant=_not_json)  # strict JSON: a browser's JSON.parse reads it
            if msg.get("type") != "error":
                continue
            if "t" in msg:  # an ErrorRaised event of a turn (typed text): not a reply to a message
                check_errors([msg])
                continue
            if probe in msg.get("message", ""):
                probed = True
            else:
                errors.append(msg)
        return errors
    except (TimeoutError, ConnectionClosed) as exc:
        alive = d.proc.poll() is None
        raise AssertionError(f"no answer to the probe after {str(message)[:80]!r} ({type(exc).__name__}); "
                             f"daemon {'alive' if alive else 'dead'}:\n{d.tail()}") from None


def _not_json(constant: str):
    raise AssertionError(f"the daemon sent {constant}, which is not JSON (a browser cannot parse the message)")


def check_errors(errors: list[dict]) -> None:
    for err in errors:
        assert err["code"] in REGISTRY and err["message"], err


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                       max_size=3), max_leaves=6)
TYPES = ["text", "ptt", "cloud", "vehicle.set", "confirm", "cancel"]
FIELDS = {"text": "text", "ptt": "down", "cloud": "online", "vehicle.set": "path", "confirm": "id", "cancel": "id"}
not_bool = st.none() | st.lists(st.integers(), max_size=2) | st.dictionaries(st.text(max_size=3), st.integers(),
                                                                              max_size=2) | st.just(2.5)


@st.composite
def malformed(draw) -> str:
    """A JSON text message the API must refuse, with an error naming why."""
    kind = draw(st.sampled_from(["not-json", "not-object", "no-type", "bad-type", "missing", "wrong", "no-such-id"]))
    if kind == "not-json":
        return draw(st.text(min_size=1, max_size=40).filter(lambda t: not _is_json(t))
                    | st.sampled_from(["{", '{"type": "ptt"', "[" * 3000, "NaN]", '{"type": "ptt", "down": tru}']))
    if kind == "not-object":
        return json.dumps(draw(json_values.filter(lambda v: not isinstance(v, dict))))
    if kind == "no-type":
        return json.dumps(draw(st.dictionaries(st.text(max_size=5).filter(lambda k: k != "type"), json_values,
                                               max_size=3)))
    if kind == "bad-type":
        value = draw(json_values.filter(lambda v: v not in TYPES))
        return json.dumps({"type": value, **draw(st.dictionaries(st.sampled_from(list(FIELDS.values())), json_values,
                                                                 max_size=2))})
    kind_of = draw(st.sampled_from(TYPES))
    if kind == "missing":
        return json.dumps({"type": kind_of})
    if kind == "no-such-id":
        return json.dumps({"type": draw(st.sampled_from(["confirm", "cancel"])), "id": draw(
            st.text(min_size=1, max_size=64).filter(str.strip))})
    field = FIELDS[kind_of]
    bad = {"text": st.just("") | st.text(min_size=2001, max_size=2100) | not_bool | st.integers(),
           "down": not_bool | st.text(min_size=1, max_size=5).filter(lambda t: t.strip().lower() not in _BOOL_WORDS),
           "online": not_bool | st.text(min_size=1, max_size=5).filter(lambda t: t.strip().lower() not in _BOOL_WORDS),
           "path": st.just("") | not_bool | st.integers() | st.text(min_size=201, max_size=220),
           "id": st.just("") | not_bool | st.integers() | st.text(min_size=65, max_size=80)}[field]
    return json.dumps({"type": kind_of, field: draw(bad)})


_BOOL_WORDS = {"0", "1", "true", "false", "yes", "no", "on", "off", "t", "f", "y", "n"}


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


@given(malformed())
@example("[" * 60_000)  # found: RecursionError out of json.loads ended the connection
@example('{"type": "text", "text": 1' + "0" * 5000 + "}")  # found: ValueError (int digits limit) ended it
@example(json.dumps({"type": "ptt", "down": "maybe"}))
@example(json.dumps({"type": "vehicle.set", "value": 1}))
@example(json.dumps({"type": "vehicle.set", "path": "Vehicle.Speed", "value": float("inf")}))
@settings(max_examples=max(20, settings().max_examples // 2))
def test_every_malformed_message_gets_an_error_and_the_connection_stays(daemon, message):
    errors = exchange(daemon, message, malformed=True)
    assert errors, f"no error for {message[:120]!r}"
    check_errors(errors)


@st.composite
def any_message(draw) -> str:
    """Well-formed messages, including values at the edges: typed text in any script, vehicle writes."""
    kind = draw(st.sampled_from(["ptt", "cloud", "vehicle.set", "text"]))
    if kind == "ptt":
        return json.dumps({"type": "ptt", "down": draw(st.booleans())})
    if kind == "cloud":
        return json.dumps({"type": "cloud", "online": draw(st.booleans())})
    if kind == "vehicle.set":
        return json.dumps({"type": "vehicle.set", "path": draw(st.sampled_from(
            ["Vehicle.Speed", "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature", "Vehicle.Nope"])
            | st.text(min_size=1, max_size=30)), "value": draw(json_values.filter(
                lambda v: not isinstance(v, (list, dict))))})
    return json.dumps({"type": "text", "text": draw(st.text(min_size=1, max_size=40))},
                      ensure_ascii=draw(st.booleans()))


@given(any_message())
@example(json.dumps({"type": "text", "text": "hi \ud800"}))  # a lone surrogate, as JSON can write one
@example(json.dumps({"type": "vehicle.set", "path": "Vehicle.Speed", "value": float("nan")}))  # found: NaN was
# stored and sent to every client ({"Vehicle.Speed": NaN} is not JSON: the simulator page could no longer read it)
@settings(max_examples=max(10, settings().max_examples // 4))
def test_any_well_formed_message_keeps_the_connection(daemon, message):
    check_errors(exchange(daemon, message))


@given(st.one_of(st.integers(0, MAX_PCM // 2).map(lambda n: bytes(2 * n)), st.binary(max_size=200),
                 st.integers(1, 40).map(lambda n: os.urandom(2 * n + 1)),
                 st.integers(MAX_PCM // 2 + 1, 40_000).map(lambda n: bytes(2 * n))))
@example(b"\x01")
@example(bytes(MAX_PCM + 2))
@example(bytes(70_000))
@settings(max_examples=max(10, settings().max_examples // 4))
def test_pcm_frames_of_a_wrong_size_get_an_error_and_the_rest_are_taken(daemon, frame):
    errors = exchange(daemon, frame)
    check_errors(errors)
    bad = len(frame) % 2 or len(frame) > MAX_PCM
    assert bool(errors) == bool(bad), (len(frame), errors)


def test_the_daemon_is_healthy_after_the_fuzzing(daemon):
    with urllib.request.urlopen(daemon.url + "/health", timeout=10) as r:
        health = json.loads(r.read())
    assert health["status"] == "ok" and daemon.proc.poll() is None
    assert "Traceback" not in daemon.log.read_text(errors="replace"), daemon.tail()
