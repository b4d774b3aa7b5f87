"""The daemon's support modules: systemd notification over a real socket, JSON logs, Prometheus metrics."""
import asyncio
import io
import json
import logging
import os
import socket
import time
import uuid

import pytest
from prometheus_client.parser import text_string_to_metric_families

from cockpit.events import BargeIn, ErrorRaised, Route, RouteDecided, Stage, StateChanged, ToolCall, TurnSummary
from cockpit.service.logs import JsonFormatter, setup_logging
from cockpit.service.metrics import Metrics
from cockpit.service.notify import Notifier, watchdog_interval_s, watchdog_loop


# -- systemd notification ------------------------------------------------------------------------
@pytest.fixture
def listener(tmp_path):
    """A real datagram socket standing in for systemd; yields (socket, NOTIFY_SOCKET value)."""
    path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(path))
        sock.setblocking(False)
        yield sock, str(path)


def received(sock: socket.socket) -> list[str]:
    """Every datagram waiting on ``sock`` (local datagrams are queued by the time sendto returns)."""
    out = []
    while True:
        try:
            out.append(sock.recv(4096).decode())
        except BlockingIOError:
            return out


def test_notifier_sends_the_sd_notify_datagrams(listener):
    sock, address = listener
    notifier = Notifier(env={"NOTIFY_SOCKET": address})
    assert notifier.enabled
    assert notifier.ready() and notifier.status("listening: 空调 ok\nsecond line") and notifier.watchdog()
    assert notifier.stopping() and notifier.send(STATUS="x", ERRNO=2) and notifier.send_raw("FDSTORE=0")
    assert received(sock) == ["READY=1", "STATUS=listening: 空调 ok second line", "WATCHDOG=1", "STOPPING=1",
                              "STATUS=x\nERRNO=2", "FDSTORE=0"]

    before = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    assert notifier.reloading()
    after = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    [datagram] = received(sock)
    reloading, monotonic = datagram.split("\n")
    assert reloading == "RELOADING=1"
    key, usec = monotonic.split("=")
    assert key == "MONOTONIC_USEC" and before <= int(usec) <= after


def test_notifier_reaches_an_abstract_socket():
    name = f"cockpit-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.setblocking(False)
        assert Notifier(env={"NOTIFY_SOCKET": "@" + name}).ready()
        assert received(sock) == ["READY=1"]


def test_notifier_without_systemd_does_nothing(monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    for notifier in (Notifier(env={}), Notifier()):
        assert not notifier.enabled
        assert not notifier.ready() and not notifier.status("x") and not notifier.watchdog()
        assert not notifier.stopping() and not notifier.reloading() and not notifier.send_raw("READY=1")


def test_notifier_to_a_missing_socket_fails_quietly(tmp_path, caplog):
    notifier = Notifier(env={"NOTIFY_SOCKET": str(tmp_path / "gone.sock")})
    with caplog.at_level(logging.DEBUG, logger="cockpit.service.notify"):
        assert notifier.ready() is False
        assert notifier.watchdog() is False
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1  # once, not on every beat


@pytest.mark.parametrize("env, expected", [
    ({"WATCHDOG_USEC": "20000000"}, 10.0),
    ({"WATCHDOG_USEC": "3000000", "WATCHDOG_PID": str(os.getpid())}, 1.5),
    ({"WATCHDOG_USEC": "3000000", "WATCHDOG_PID": str(os.getpid() + 1)}, None),  # another process's
    ({}, None),
    ({"WATCHDOG_USEC": "soon"}, None),
    ({"WATCHDOG_USEC": "0"}, None),
    ({"WATCHDOG_USEC": "3000000", "WATCHDOG_PID": "me"}, None),
])
def test_watchdog_interval_is_half_the_timeout(env, expected):
    assert watchdog_interval_s(env) == expected


def test_watchdog_stops_petting_when_the_pipeline_is_stuck(listener):
    sock, address = listener
    checks = 0
    enough = asyncio.Event()

    def healthy() -> bool:
        nonlocal checks
        checks += 1
        if checks == 8:
            enough.set()
        return checks <= 3

    async def scenario() -> None:
        task = asyncio.create_task(watchdog_loop(Notifier(env={"NOTIFY_SOCKET": address}), 0.001, healthy))
        try:
            await asyncio.wait_for(enough.wait(), timeout=10)
        finally:
            task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    assert checks >= 8
    assert received(sock) == ["WATCHDOG=1"] * 3


# -- JSON logs -----------------------------------------------------------------------------------
class Opaque:
    def __repr__(self) -> str:
        return "<Opaque>"


def format_record(**kwargs) -> dict:
    logger = logging.getLogger("cockpit.test")
    record = logger.makeRecord(logger.name, kwargs.pop("level", logging.INFO), __file__, 1,
                               kwargs.pop("msg"), kwargs.pop("args", ()), kwargs.pop("exc_info", None),
                               extra=kwargs.pop("extra", None))
    line = JsonFormatter().format(record)
    assert "\n" not in line
    return json.loads(line)


def test_json_log_line_has_the_core_fields_and_extras():
    data = format_record(msg="turn %d done", args=(3,), extra={"turn": 3, "route": "fastpath",
                                                               "timings": {"asr": 12.5}, "level": "x"})
    assert data["level"] == "INFO" and data["logger"] == "cockpit.test" and data["msg"] == "turn 3 done"
    assert data["ts"].endswith("Z") and len(data["ts"]) == len("2024-01-01T00:00:00.000Z")
    assert data["turn"] == 3 and data["route"] == "fastpath" and data["timings"] == {"asr": 12.5}
    assert data["_level"] == "x"  # an extra may not overwrite a core field
    assert not {"args", "levelno", "pathname", "exc"} & set(data)


def test_json_log_keeps_unicode_and_reprs_what_json_cannot_encode():
    record = logging.makeLogRecord({"msg": "打开空调", "thing": Opaque(), "nested": [Opaque()],
                                    "keys": {(1, 2): "tuple key"}})
    line = JsonFormatter().format(record)
    assert "打开空调" in line
    data = json.loads(line)
    assert data["msg"] == "打开空调" and data["thing"] == "<Opaque>" and data["nested"] == ["<Opaque>"]
    assert data["keys"] == repr({(1, 2): "tuple key"})


def test_json_log_carries_the_traceback():
    try:
        raise RuntimeError("mic unplugged")
    except RuntimeError:
        import sys
        data = format_record(msg="capture failed", level=logging.ERROR, exc_info=sys.exc_info())
    assert data["level"] == "ERROR"
    assert data["exc"].startswith("Traceback") and "RuntimeError: mic unplugged" in data["exc"]


@pytest.fixture
def restore_root_logger():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_setup_logging_replaces_the_root_handlers(restore_root_logger):
    stream = io.StringIO()
    setup_logging("json", "debug", stream)
    setup_logging("json", "DEBUG", stream)  # again, as on reload: still one line per record
    logging.getLogger("cockpit.x").debug("空调 on", extra={"zone": "driver"})
    [line] = stream.getvalue().splitlines()
    assert json.loads(line)["zone"] == "driver" and "空调" in line

    setup_logging("text", logging.WARNING, stream)
    logging.getLogger("cockpit.x").info("hidden")
    logging.getLogger("cockpit.x").warning("shown")
    assert stream.getvalue().splitlines()[1].endswith("WARNING cockpit.x: shown")
    with pytest.raises(ValueError):
        setup_logging("xml")
    with pytest.raises(ValueError):
        setup_logging("json", "LOUD")


# -- Prometheus metrics --------------------------------------------------------------------------
def samples(metrics: Metrics) -> dict[tuple[str, frozenset], float]:
    body, content_type = metrics.exposition()
    assert content_type.startswith("text/plain")
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(body.decode()) for s in family.samples}


def turn(route: Route, timings_ms: dict, error: str | None = None, interrupted: bool = False) -> TurnSummary:
    return TurnSummary(t=1.0, turn=1, transcript="open the window", route=route,
                       tool_calls=(ToolCall("window_set", {"position": 100}),), reply="Opening.",
                       timings_ms=timings_ms, error=error, interrupted=interrupted)


def test_metrics_count_turns_stages_errors_and_barge_ins():
    metrics = Metrics(version="9.9.9")
    for event in [
        RouteDecided(t=0.5, turn=1, route=Route.FASTPATH, reason="rule: window"),
        turn(Route.FASTPATH, {"asr": 3.0, "route": 0.2, "total": 40.0}),
        turn(Route.FASTPATH, {"asr": 7.0, "total": 120.0}),
        turn(Route.CLOUD, {"asr": 300.0, "llm": 2500.0, "total": 45_000.0}, error="cloud-timeout"),
        turn(Route.LOCAL, {"total": 900.0}, error="tts-failed", interrupted=True),
        ErrorRaised(t=2.0, turn=3, code="cloud-timeout", message="no answer", stage=Stage.LLM),
        ErrorRaised(t=2.1, turn=4, code="cloud-timeout", message="no answer"),
        ErrorRaised(t=2.2, turn=4, code="asr-no-text", message="nothing heard", stage=Stage.ASR),
        ErrorRaised(t=2.3, turn=5, code="policy-moving", message="stopped only", stage=Stage.TOOL),
        ErrorRaised(t=2.4, turn=5, code="made-up-code", message="a plug-in's own code"),
        BargeIn(t=3.0, turn=4, trigger="vad", audio_time=12.0, speech_s=0.4, dropped_s=1.5),
        StateChanged(t=0.1, turn=1, state="listening", previous="idle"),
        StateChanged(t=0.2, turn=1, state="speaking", previous="listening"),
    ]:
        metrics.observe(event)
    metrics.dropped_frames(5, "mic-queue")
    metrics.dropped_frames(2, "mic-queue")
    metrics.dropped_frames(0, "tts-queue")
    got = samples(metrics)

    def value(name: str, **labels: str) -> float:
        return got[name, frozenset(labels.items())]

    assert value("cockpit_turns_total", route="fastpath", outcome="ok") == 2
    assert value("cockpit_turns_total", route="cloud", outcome="error") == 1
    assert value("cockpit_turns_total", route="local", outcome="interrupted") == 1  # not also an error
    assert value("cockpit_turns_total", route="local", outcome="error") == 0
    assert value("cockpit_turns_total", route="none", outcome="ok") == 0  # exists before the first turn

    assert value("cockpit_turn_stage_seconds_count", stage="asr") == 3
    assert value("cockpit_turn_stage_seconds_sum", stage="asr") == pytest.approx(0.31)
    assert value("cockpit_turn_stage_seconds_bucket", stage="asr", le="0.005") == 1  # 3 ms
    assert value("cockpit_turn_stage_seconds_bucket", stage="asr", le="0.01") == 2  # 7 ms
    assert value("cockpit_turn_stage_seconds_bucket", stage="asr", le="0.25") == 2
    assert value("cockpit_turn_stage_seconds_bucket", stage="asr", le="0.5") == 3  # 300 ms
    assert value("cockpit_turn_stage_seconds_bucket", stage="total", le="30.0") == 3
    assert value("cockpit_turn_stage_seconds_bucket", stage="total", le="+Inf") == 4  # 45 s
    assert value("cockpit_turn_stage_seconds_count", stage="llm") == 1
    assert value("cockpit_turn_stage_seconds_count", stage="route") == 1

    assert value("cockpit_errors_total", code="cloud-timeout", kind="degraded") == 2
    assert value("cockpit_errors_total", code="asr-no-text", kind="fault") == 1
    assert value("cockpit_errors_total", code="policy-moving", kind="refusal") == 1  # refusals apart from faults
    assert value("cockpit_errors_total", code="other", kind="fault") == 1  # labels stay bounded
    assert value("cockpit_barge_ins_total") == 1
    assert value("cockpit_audio_frames_dropped_total", where="mic-queue") == 7
    assert ("cockpit_audio_frames_dropped_total", frozenset({("where", "tts-queue")})) not in got
    assert value("cockpit_state", state="speaking") == 1 and value("cockpit_state", state="listening") == 0
    assert value("cockpit_info", version="9.9.9") == 1


def test_metrics_ignore_garbage_and_keep_registries_apart():
    metrics = Metrics()
    for junk in (None, "turn", 42, object(), {"type": "turn"}, Route.CLOUD,
                 turn(Route.LOCAL, {"asr": "fast"})):  # a timing that is not a number
        metrics.observe(junk)
    other = Metrics()  # a second instance (a reload, another test) does not clash
    other.observe(BargeIn(t=1.0, turn=1, trigger="wake", audio_time=1.0, speech_s=0.2))
    assert samples(metrics)["cockpit_barge_ins_total", frozenset()] == 0
    assert samples(other)["cockpit_barge_ins_total", frozenset()] == 1
    metrics.set_state("idle")
    metrics.set_state("idle")
    assert samples(metrics)["cockpit_state", frozenset({("state", "idle")})] == 1
