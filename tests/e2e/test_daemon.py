"""`cockpit run` in a subprocess: systemd notifications on a socket the test binds, the HMI API
over real HTTP and WebSocket connections, SIGHUP with a broken config, SIGTERM with the audit
log intact. The offline stack (PocketSphinx grammar, espeak-ng) does the listening and talking."""
from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys

import numpy as np
import pytest
import yaml

from cockpit.scenario import driver_speech
from cockpit.skills.audit import AuditLog
from support.daemon import REPO, Daemon, client, free_port, gather, of, talk, until


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    """One daemon shared by the tests that leave it running (SIGHUP and SIGTERM get their own). The
    fuzz test sends 130 messages back to back: the rate limit (tests/e2e/test_api_security.py) is
    raised out of its way."""
    d = Daemon(tmp_path_factory.mktemp("daemon"), rate_per_s=1000, rate_burst=1000).ready()
    yield d
    if d.proc.poll() is None:
        d.stop()


@pytest.fixture
def own_daemon(tmp_path):
    """A daemon for one test alone, so signals sent to it cannot reach any other test."""
    d = Daemon(tmp_path).ready()
    yield d
    if d.proc.poll() is None:
        d.stop()


def test_ready_status_and_watchdog_reach_systemd(daemon):
    messages = daemon.datagrams(timeout=1.5)
    assert any(m.startswith("STATUS=loading") for m in messages)
    ready = messages.index("READY=1")
    assert any(m.startswith("STATUS=ready on http://127.0.0.1:") for m in messages[ready:])
    assert messages[ready:].count("WATCHDOG=1") >= 3  # every 0.2 s: half of WATCHDOG_USEC


def test_http_api_health_openapi_vehicle_and_a_typed_turn(daemon):
    status, body = daemon.get("/health")
    health = json.loads(body)
    assert status == 200 and health["status"] == "ok" and health["config"] == "test-daemon"
    spec = json.loads(daemon.get("/openapi.json")[1])
    assert {"/health", "/metrics", "/vehicle", "/turns/text", "/ptt", "/connectivity"} <= set(spec["paths"])
    status, turn = daemon.post("/turns/text", {"text": "set the temperature to twenty two degrees"})
    assert status == 200 and turn["route"] == "fastpath"
    assert turn["tool_calls"] == [{"name": "climate_set_temperature", "arguments": {"celsius": 22}}]
    signals = json.loads(daemon.get("/vehicle")[1])["signals"]
    assert signals["Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"]["value"] == 22
    metrics = daemon.get("/metrics")[1].decode()
    assert 'cockpit_turns_total{outcome="ok",route="fastpath"}' in metrics
    assert daemon.post("/turns/text", {"text": ""})[0] == 422  # validated, named, nothing run
    status, err = daemon.post("/vehicle", {"path": "Vehicle.NoSuchThing", "value": 1}, method="PUT")
    assert status == 400 and err["code"].startswith("vehicle")
    status, _ = daemon.post("/ptt", {"down": "sideways"})
    assert status == 422


def test_websocket_typed_turn_streams_events_and_reply_audio(daemon):
    window = "Vehicle.Cabin.Door.Row1.DriverSide.Window.Position"
    with client(daemon) as ws:
        ws.send(json.dumps({"type": "text", "text": "open my window a bit"}))
        seen = gather(ws, lambda s: of(s, "turn") and any(window in v["signals"] for v in of(s, "vehicle")))
    turn = of(seen, "turn")[0]
    assert turn["tool_calls"][0]["name"] == "window_set" and len(of(seen, "tool-result")) == 1
    header = of(seen, "reply-audio")[0]
    wav = seen[seen.index(header) + 1]  # the WAV follows its header as one binary frame
    assert isinstance(wav, bytes) and wav[:4] == b"RIFF" and len(wav) == header["bytes"]
    assert next(v for v in of(seen, "vehicle") if window in v["signals"])["signals"][window] == 25


def test_websocket_push_to_talk_with_microphone_frames(daemon):
    audio = np.concatenate([np.zeros(4800, np.int16), driver_speech("set the fan speed to three"),
                            np.zeros(3200, np.int16)])
    with client(daemon) as ws:
        talk(ws, audio)
        final, _ = until(ws, "transcript")
        turn, _ = until(ws, "turn")
        if turn["reply"].startswith("I heard"):  # PocketSphinx's cross-check read it back: the spoken yes runs it
            assert turn["tool_calls"] == [] and turn["reply"] == 'I heard "set the fan speed to three". Shall I do that?'
            talk(ws, np.concatenate([np.zeros(4800, np.int16), driver_speech("yes"), np.zeros(3200, np.int16)]))
            turn, _ = until(ws, "turn")
    assert turn["tool_calls"] == [{"name": "climate_set_fan", "arguments": {"level": 3}}], final


def test_malformed_and_fuzzed_messages_get_errors_and_the_connection_survives(daemon):
    rng = random.Random(7)
    cases = ["not json", "[]", '{"type": 5}', '{"type": "nope"}', '{"type": "ptt"}', '{"type": "ptt", "down": "x"}',
             '{"type": "text", "text": ""}', '{"type": "vehicle.set", "path": "Vehicle.Nope", "value": 1}',
             json.dumps({"type": "text", "text": "x" * 10_000})]
    cases += ["".join(chr(rng.randrange(1, 0x2FFF)) for _ in range(rng.randrange(1, 80))) for _ in range(60)]
    cases += [json.dumps({"type": rng.choice(["ptt", "text", "cloud", "vehicle.set"]),
                          rng.choice(["down", "text", "online", "path"]): rng.choice([None, 3, [], {}])})
              for _ in range(60)]
    with client(daemon) as ws:
        for text in cases:
            ws.send(text)
            err, _ = until(ws, "error", timeout=10)
            assert err["code"] in ("api-bad-message", "vehicle-signal-invalid", "vehicle-path-invalid") or \
                err["code"].startswith("vehicle"), err
        for blob in (b"\x01", bytes(64_002), bytes(rng.randrange(256) for _ in range(33))):
            ws.send(blob)
            err, _ = until(ws, "error", timeout=10)
            assert err["code"] == "api-bad-message" and "even number of bytes" in err["message"]
        ws.send(bytes(70_000))  # over service.max_message_bytes (64 KiB)
        err, _ = until(ws, "error", timeout=10)
        assert err["code"] == "api-too-large" and "max_message_bytes" in err["message"]
        ws.send(json.dumps({"type": "text", "text": "next track"}))  # still served
        turn, _ = until(ws, "turn")
        assert turn["tool_calls"][0]["name"] == "media_control"
    assert json.loads(daemon.get("/health")[1])["status"] == "ok"


def test_the_page_and_its_files_load_nothing_from_elsewhere(daemon):
    import re
    status, page = daemon.get("/")
    assert status == 200 and b"<html" in page.lower()
    files = sorted((REPO / "cockpit" / "service" / "web").iterdir())
    assert {f.name for f in files} >= {"index.html", "app.js", "mic-worklet.js", "style.css"}
    for f in files:
        status, body = daemon.get(f"/static/{f.name}")
        assert status == 200 and body == f.read_bytes(), f.name
        text = body.decode()
        # no CDN, no web font, no remote script: the page works in a car with no network
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text), f.name
        assert not re.search(r"""(import|url)\s*\(?\s*["'](https?:)?//""", text), f.name


def test_sighup_with_a_broken_config_keeps_running_then_a_good_one_is_applied(own_daemon):
    daemon = own_daemon
    good = daemon.config.read_text()
    daemon.config.write_text("wake: [this is: not valid\n")
    daemon.proc.send_signal(signal.SIGHUP)
    daemon.datagrams(until="reload failed", timeout=30)
    assert any(m.startswith("RELOADING=1\nMONOTONIC_USEC=") for m in daemon.messages)
    health = json.loads(daemon.get("/health")[1])
    assert health["status"] == "ok" and health["config"] == "test-daemon"
    assert daemon.post("/turns/text", {"text": "set the temperature to twenty four degrees"})[1]["route"] == "fastpath"
    daemon.config.write_text(good.replace("test-daemon", "reloaded"))
    daemon.proc.send_signal(signal.SIGHUP)
    daemon.datagrams(until="config reloaded", timeout=60)
    health = json.loads(daemon.get("/health")[1])
    assert health["config"] == "reloaded"
    # the vehicle's state survived the reload
    signals = json.loads(daemon.get("/vehicle")[1])["signals"]
    assert signals["Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"]["value"] == 24


def test_sigterm_exits_cleanly_with_the_audit_log_intact(own_daemon):
    daemon = own_daemon
    for words in ("set the temperature to twenty two degrees", "open my window a bit"):
        assert daemon.post("/turns/text", {"text": words})[0] == 200
    rc, err = daemon.stop()
    assert rc == 0, err[-3000:]
    assert "STOPPING=1" in daemon.datagrams(timeout=0.5)
    verdict = AuditLog(daemon.audit).verify()
    assert verdict.ok and verdict.entries == 2 and not verdict.breaks
    tools = [(e["kind"], e["data"]["tool"]) for e in AuditLog(daemon.audit).entries()]
    assert tools == [("tool-executed", "climate_set_temperature"), ("tool-executed", "window_set")]
    logs = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert any(r["msg"] == "audit log closed" and r["chain_ok"] for r in logs)  # structured JSON logs
    assert any(r["msg"] == "cockpit is ready" and r["url"].startswith("http://127.0.0.1:") for r in logs)


def test_token_is_required_when_configured(tmp_path):
    token = "s3cret-token-for-tests"
    d = Daemon(tmp_path, token=token)
    try:
        d.datagrams(until="READY=1", timeout=120)
        assert d.get("/health")[0] == 401
        assert d.get("/health", token=token)[0] == 200
        assert d.get("/health?token=" + token)[0] == 200
        assert d.get("/")[0] == 200  # the page itself carries no data
        with pytest.raises(Exception), client(d):
            pass
        with client(d, token=token):
            pass
    finally:
        assert d.stop()[0] == 0


def test_bad_config_and_busy_port_fail_at_start_with_the_fix(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("service: {port: 99999}\n")
    run = subprocess.run([sys.executable, "-m", "cockpit.cli", "run", "--config", str(bad)], cwd=REPO,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "service.port" in run.stderr
    remote = tmp_path / "remote.yaml"
    remote.write_text("service: {host: 0.0.0.0}\n")
    run = subprocess.run([sys.executable, "-m", "cockpit.cli", "run", "--config", str(remote)], cwd=REPO,
                         capture_output=True, text=True, timeout=60, env={k: v for k, v in os.environ.items()
                                                                          if k != "COCKPIT_API_TOKEN"})
    assert run.returncode == 2 and "service.token" in run.stderr
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        cfg = tmp_path / "busy.yaml"
        cfg.write_text(yaml.safe_dump({"service": {"port": busy.getsockname()[1]}, "audio": {"output": {"sink": "none"}},
                                       "session": {"audit_log": str(tmp_path / "a.jsonl")}}))
        run = subprocess.run([sys.executable, "-m", "cockpit.cli", "run", "--config", str(cfg)], cwd=REPO,
                             capture_output=True, text=True, timeout=60)
    assert run.returncode != 0 and "cannot listen" in run.stderr and "service.port" in run.stderr


def test_a_microphone_daemon_without_an_input_device_fails_with_the_fix(tmp_path):
    import sounddevice as sd
    if any(d["max_input_channels"] > 0 for d in sd.query_devices()):
        pytest.skip("this machine has a microphone; tests/engines/test_real_microphone.py covers it")
    cfg = tmp_path / "mic.yaml"
    cfg.write_text(yaml.safe_dump({"service": {"port": free_port(), "audio_in": "microphone"},
                                   "audio": {"output": {"sink": "none"}},
                                   "session": {"audit_log": str(tmp_path / "a.jsonl")}}))
    run = subprocess.run([sys.executable, "-m", "cockpit.cli", "run", "--config", str(cfg)], cwd=REPO,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 1 and "no audio input device" in run.stderr and "service.audio_in: api" in run.stderr


def test_with_the_wake_phrase_the_talk_button_only_opens_the_microphone(tmp_path):
    d = Daemon(tmp_path, wake="phrase")
    try:
        d.datagrams(until="READY=1", timeout=120)
        with client(d) as ws:
            for words in ("next track", "hey cockpit, next track"):  # no wake phrase: not a command
                audio = np.concatenate([np.zeros(4800, np.int16), driver_speech(words), np.zeros(3200, np.int16)])
                talk(ws, audio)
            seen = gather(ws, lambda s: of(s, "turn"))
            if of(seen, "turn")[0]["reply"].startswith("I heard"):  # read back by PocketSphinx's cross-check
                talk(ws, np.concatenate([np.zeros(4800, np.int16), driver_speech("yes"), np.zeros(3200, np.int16)]))
                seen += gather(ws, lambda s: of(s, "turn"))
        assert not of(seen, "error")  # the button is not refused in phrase mode
        turns = [t for t in of(seen, "turn") if t["tool_calls"]]
        assert len(turns) == 1 and turns[0]["tool_calls"][0]["name"] == "media_control"
        assert json.loads(d.get("/health")[1])["dropped"]["audio_frames"] == 0
    finally:
        assert d.stop()[0] == 0
