"""Attacks on the HMI API of a real `cockpit run` (a subprocess, real sockets), and the limits.

- Cross-site WebSocket hijacking: a page from another origin opens /ws, orders a latte and types
  "yes". It must fail at the handshake. From an allowed client the typed "yes" must still pay
  nothing: only the driver's voice or a Confirm naming the pending request confirms.
- DNS rebinding: a page that reaches the daemon under its own name (Host: evil.example:PORT)
  must not read /vehicle (the car's position) nor open /ws.
- The simulator page (the daemon's own origin) and a configured head-unit origin keep working.
- Token: vehicle writes and confirmations need it when one is set; a car config refuses to start
  without one.
- Limits: body size, WebSocket message size, text length, messages per second (the connection
  stays).
- Fail closed: an audit log that cannot be written refuses transactions (spoken) while actuations
  run; a truncated log at start becomes a recorded break in a new segment.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from websockets.exceptions import InvalidStatus

from cockpit.config import load_config
from cockpit.skills.audit import AuditLog
from support.daemon import REPO, Daemon, client, gather, of, open_ws, until

pytestmark = pytest.mark.e2e

HEAD_UNIT = "http://headunit.local:3000"
TOKEN = "a-token-for-the-security-tests"
ORDER = "order a large latte from bean there"
TEMPERATURE = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"


def _seed_truncated_log(path) -> None:
    """Two good entries, then a third cut short (a power loss mid-write)."""
    log = AuditLog(path)
    log.append("tool-executed", tool="media_control", arguments={"action": "next"})
    log.append("tool-executed", tool="media_volume", arguments={"level": 3})
    with open(path, "a") as fh:
        fh.write('{"at": 1.0, "kind": "tool-exec')


@pytest.fixture(scope="module")
def car(tmp_path_factory):
    """The default daemon, plus one head-unit origin; its audit log was left truncated."""
    tmp = tmp_path_factory.mktemp("security")
    _seed_truncated_log(tmp / "audit.jsonl")
    d = Daemon(tmp, allowed_origins=[HEAD_UNIT]).ready()
    yield d
    if d.proc.poll() is None:
        d.stop()


def _refused_handshake(connect) -> int:
    with pytest.raises(InvalidStatus) as refused:
        with connect():
            pass
    return refused.value.response.status_code


def _metric(d: Daemon, name: str, **labels: str) -> float:
    """The sum of the series of ``name`` whose labels include ``labels``."""
    status, body = d.get("/metrics")
    assert status == 200
    want = [f'{k}="{v}"' for k, v in labels.items()]
    return sum(float(x.split()[-1]) for x in body.decode().splitlines()
               if x.startswith(name + "{") and all(w in x.split("}")[0] for w in want))


def _refusals(d: Daemon, reason: str) -> float:
    return _metric(d, "cockpit_api_refused_total", reason=reason)


def _errors(d: Daemon, code: str) -> float:
    return _metric(d, "cockpit_errors_total", code=code)


# -- origins ---------------------------------------------------------------------------------------
def test_the_cross_site_attack_fails_at_the_handshake(car):
    before = _refusals(car, "origin")
    for origin in ("http://evil.example", "null", f"https://127.0.0.1:{car.port}", f"http://127.0.0.1:{car.port + 1}",
                   f"http://127.0.0.1.evil.example:{car.port}", "http://headunit.local:3001"):
        assert _refused_handshake(lambda: open_ws(car, origin=origin)) == 403, origin
    assert _refusals(car, "origin") == before + 6
    # the same origin cannot use the HTTP routes either (a form post, a fetch)
    status, body = car.post("/turns/text", {"text": ORDER}, Origin="http://evil.example")
    assert (status, body["code"]) == (403, "api-origin-refused") and "allowed_origins" in body["hint"]
    assert car.post("/confirmations/x", {"confirm": True}, Origin="http://evil.example")[0] == 403
    # nothing reached the brain: no read-back was ever asked
    assert json.loads(car.get("/confirmations")[1]) == {"pending": None}
    assert not [e for e in AuditLog(car.audit).entries() if e["kind"] == "policy-confirm-asked"]
    # logged once for this client and reason, not once per request
    records = [r for r in car.logs() if r["msg"].startswith("API request refused") and r["reason"] == "origin"]
    assert len(records) == 1 and records[0]["peer"] == "127.0.0.1"


def test_the_attack_script_from_an_allowed_client_pays_nothing(car):
    """The issue's script, from a client allowed in (no Origin, like curl): a typed yes cancels."""
    with client(car) as ws:
        ws.send(json.dumps({"type": "text", "text": ORDER}))
        asked, _ = until(ws, "confirmation-asked")
        assert asked["tool"] == "place_order" and asked["readback"].endswith("Say yes to confirm, or press Confirm.")
        until(ws, "turn")
        ws.send(json.dumps({"type": "text", "text": "yes"}))
        seen = gather(ws, lambda s: of(s, "turn"))
    settled = of(seen, "confirmation-settled")
    assert [(s["id"], s["outcome"], s["channel"]) for s in settled] == [(asked["id"], "cancelled", "typed")]
    assert [e["code"] for e in of(seen, "error")] == ["policy-confirm-channel"]
    assert "typed text can't confirm" in of(seen, "turn")[0]["reply"]
    entries = list(AuditLog(car.audit).entries())
    assert not [e for e in entries if e["kind"] in ("policy-confirmed", "tool-executed")
                and e["data"].get("tool") == "place_order"]
    assert [e["data"]["channel"] for e in entries if e["kind"] == "policy-refused"][-1] == "typed"
    # the same over plain HTTP
    assert car.post("/turns/text", {"text": ORDER})[0] == 200
    status, turn = car.post("/turns/text", {"text": "yes"})
    assert status == 200 and "typed text can't confirm" in turn["reply"] and turn["tool_calls"] == []
    assert _errors(car, "policy-confirm-channel") == 2


def test_a_rebinding_host_is_refused(car):
    evil = f"evil.example:{car.port}"
    status, body = car.get("/vehicle", Host=evil)
    assert status == 403 and json.loads(body)["code"] == "api-host-refused"
    assert car.get("/vehicle", Host=evil, Origin=f"http://{evil}")[0] == 403  # what a rebound page sends
    assert car.get("/health", Host=f"127.0.0.1:{car.port + 1}")[0] == 403
    assert _refused_handshake(lambda: open_ws(car, host=evil)) == 403
    assert _refused_handshake(lambda: open_ws(car, host=evil, origin=f"http://{evil}")) == 403
    assert _refusals(car, "host") >= 5
    for name in ("127.0.0.1", "localhost", "[::1]"):  # the daemon's own names
        assert car.get("/vehicle", Host=f"{name}:{car.port}")[0] == 200, name


def test_the_simulator_page_and_a_configured_origin_work(car):
    own = f"http://127.0.0.1:{car.port}"
    status, page = car.get("/", Origin=own)
    assert status == 200 and b"<html" in page.lower()
    assert car.get("/static/app.js", Origin=own)[0] == 200
    for origin in (own, f"http://localhost:{car.port}", HEAD_UNIT):
        with client(car, origin=origin) as ws:
            ws.send(json.dumps({"type": "text", "text": "set the temperature to twenty one degrees"}))
            turn, _ = until(ws, "turn")
            assert turn["tool_calls"][0]["name"] == "climate_set_temperature", origin
    assert car.post("/turns/text", {"text": "next track"}, Origin=HEAD_UNIT)[0] == 200


# -- who may confirm -------------------------------------------------------------------------------
def test_a_confirm_must_name_the_pending_request(car):
    with client(car, origin=HEAD_UNIT) as ws:
        ws.send(json.dumps({"type": "text", "text": ORDER}))
        asked, _ = until(ws, "confirmation-asked")
        until(ws, "turn")
        for wrong in ("0123456789abcdef", asked["id"].upper(), asked["id"][:-1]):
            ws.send(json.dumps({"type": "confirm", "id": wrong}))
            err, _ = until(ws, "error")
            assert err["code"] == "policy-confirm-unknown"
        assert json.loads(car.get("/confirmations")[1])["pending"]["id"] == asked["id"]  # still waiting
        ws.send(json.dumps({"type": "confirm", "id": asked["id"]}))
        seen = gather(ws, lambda s: of(s, "turn"))
        assert of(seen, "turn")[0]["tool_calls"][0]["name"] == "place_order"
        settled = [(s["outcome"], s["channel"]) for s in of(seen, "confirmation-settled")]
        assert settled == [("confirmed", "hmi-confirm")]
        ws.send(json.dumps({"type": "confirm", "id": asked["id"]}))  # stale: pays nothing twice
        err, _ = until(ws, "error")
        assert err["code"] == "policy-confirm-unknown"
    confirmed = [e["data"] for e in AuditLog(car.audit).entries() if e["kind"] == "policy-confirmed"]
    assert [(c["channel"], c["id"]) for c in confirmed] == [("hmi-confirm", asked["id"])]
    # the HTTP route: a cancel
    assert car.post("/turns/text", {"text": ORDER})[0] == 200
    pending = json.loads(car.get("/confirmations")[1])["pending"]
    assert car.post("/confirmations/nope", {"confirm": True}) == (409, {
        "code": "policy-confirm-unknown", "message": "no confirmation is waiting with id 'nope'",
        "hint": "GET /confirmations shows the pending request and its id (also sent as a confirmation-asked event)"})
    status, turn = car.post(f"/confirmations/{pending['id']}", {"confirm": False})
    assert status == 200 and turn["reply"] == "Okay, cancelled." and turn["tool_calls"] == []


# -- the audit log at start ------------------------------------------------------------------------
def test_a_truncated_audit_log_became_a_recorded_break(car):
    warnings = [r for r in car.logs() if "a new segment records it" in r["msg"]]
    assert len(warnings) == 1 and warnings[0]["line"] == 3
    verdict = AuditLog(car.audit).verify()
    assert verdict.ok and verdict.segments == 2
    assert [(b.line, b.recorded) for b in verdict.breaks] == [(3, True)]
    start = list(AuditLog(car.audit).entries())[2]
    assert start["kind"] == "audit-chain-broken" and start["data"]["breaks"][0]["line"] == 3
    assert "cut short" in start["data"]["breaks"][0]["why"]
    assert _errors(car, "audit-chain-broken") == 1


# -- limits ----------------------------------------------------------------------------------------
def test_sizes_are_bounded_and_the_connection_stays(car):
    status, raw = car.request("POST", "/turns/text", json.dumps({"text": "x" * 70_000}).encode(),
                              headers={"Content-Type": "application/json"})
    assert status == 413 and json.loads(raw)["code"] == "api-too-large"
    status, body = car.post("/turns/text", {"text": "next track " * 60})  # 660 characters
    assert status == 413 and "max_text_chars" in body["hint"]
    with client(car) as ws:
        ws.send(json.dumps({"type": "text", "text": "x" * 70_000}))
        err, _ = until(ws, "error")
        assert err["code"] == "api-too-large"
        ws.send(json.dumps({"type": "text", "text": "next track " * 60}))
        err, _ = until(ws, "error")
        assert err["code"] == "api-too-large" and "500" in err["message"]
        ws.send(json.dumps({"type": "text", "text": "next track"}))
        turn, _ = until(ws, "turn")
        assert turn["tool_calls"][0]["name"] == "media_control"


def test_messages_beyond_the_rate_get_an_error_and_the_connection_stays(tmp_path):
    d = Daemon(tmp_path, rate_per_s=2, rate_burst=5).ready()
    try:
        with client(d) as ws:
            start = time.monotonic()
            for _ in range(30):
                ws.send(json.dumps({"type": "cloud", "online": True}))
            elapsed = time.monotonic() - start
            seen = gather(ws, lambda s: len(of(s, "error")) + len(of(s, "connectivity")) >= 30, timeout=30)
            limited = [e for e in of(seen, "error") if e["code"] == "api-rate-limited"]
            # at most the burst plus what the bucket refilled while sending went through
            assert len(limited) >= 30 - 5 - int(elapsed * 2) - 1 and len(of(seen, "connectivity")) >= 5
            time.sleep(1.0)  # the bucket refills: the same connection is served again
            ws.send(json.dumps({"type": "text", "text": "next track"}))
            turn, _ = until(ws, "turn")
            assert turn["tool_calls"][0]["name"] == "media_control"
        statuses = [d.get("/health")[0] for _ in range(30)]
        assert 429 in statuses and statuses[0] == 200
        time.sleep(1.0)  # let the bucket refill for the metrics request itself
        assert _refusals(d, "rate") >= len(limited) + statuses.count(429)
    finally:
        assert d.stop()[0] == 0


# -- the token -------------------------------------------------------------------------------------
def test_with_a_token_vehicle_writes_and_confirmations_need_it(tmp_path):
    d = Daemon(tmp_path, token=TOKEN).ready()
    try:
        status, body = d.post("/vehicle", {"path": "Vehicle.Speed", "value": 0}, method="PUT")
        assert (status, body["code"]) == (401, "api-unauthorized")
        assert d.post("/confirmations/abc", {"confirm": True})[0] == 401
        assert _refused_handshake(lambda: open_ws(d)) == 403  # an unauthenticated client cannot confirm
        assert d.get("/")[0] == 200  # the page itself carries no data
        assert d.post("/vehicle", {"path": "Vehicle.Speed", "value": 0}, method="PUT", token=TOKEN)[0] == 200
        with client(d, token=TOKEN) as ws:  # an authenticated HMI confirms by id
            ws.send(json.dumps({"type": "text", "text": ORDER}))
            asked, _ = until(ws, "confirmation-asked")
            until(ws, "turn")
            assert d.post(f"/confirmations/{asked['id']}", {"confirm": True})[0] == 401  # no token: refused
            ws.send(json.dumps({"type": "confirm", "id": asked["id"]}))
            turn, _ = until(ws, "turn")
            assert turn["tool_calls"][0]["name"] == "place_order"
    finally:
        assert d.stop()[0] == 0


def test_a_car_config_refuses_to_start_without_a_token(tmp_path):
    for name in ("x86-box", "jetson-orin"):
        assert load_config(REPO / "configs" / f"{name}.yaml").service.require_token, name
    cfg = tmp_path / "car.yaml"
    cfg.write_text(f"service: {{require_token: true, port: 0}}\nsession: {{audit_log: {tmp_path / 'a.jsonl'}}}\n")
    env = {k: v for k, v in os.environ.items() if k != "COCKPIT_API_TOKEN"}
    run = subprocess.run([sys.executable, "-m", "cockpit.cli", "run", "--config", str(cfg)], cwd=REPO,
                         capture_output=True, text=True, timeout=60, env=env)
    assert run.returncode == 1 and "service-token-required" in run.stderr
    assert "service.token" in run.stderr and "COCKPIT_API_TOKEN" in run.stderr


# -- fail closed -----------------------------------------------------------------------------------
def test_an_audit_log_that_cannot_be_written_refuses_payment_and_still_actuates(tmp_path):
    (tmp_path / "afile").write_text("not a directory")
    d = Daemon(tmp_path, session={"audit_log": str(tmp_path / "afile" / "audit.jsonl")}).ready()
    try:
        status, turn = d.post("/turns/text", {"text": ORDER})
        assert status == 200 and turn["reply"] == "I can't do that now: I can't record it."
        assert json.loads(d.get("/confirmations")[1]) == {"pending": None}
        for celsius, words in ((19, "nineteen"), (23, "twenty three")):
            assert d.post("/turns/text", {"text": f"set the temperature to {words} degrees"})[1]["error"] is None
            assert json.loads(d.get("/vehicle")[1])["signals"][TEMPERATURE]["value"] == celsius
        assert _errors(d, "audit-write-failed") == 1  # once, at start, not per call
        assert _errors(d, "policy-audit-unavailable") == 1
        assert any("cannot be written" in r["msg"] for r in d.logs())
    finally:
        assert d.stop()[0] == 0
