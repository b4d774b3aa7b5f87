"""The HMI API's door (cockpit/service/guard.py), in-process: Host and Origin rules, the token,
the rate, the body size, and bounded memory. The same door in front of a real daemon:
tests/e2e/test_api_security.py."""
from __future__ import annotations

import asyncio
import logging

import pytest

from cockpit.config import ConfigError, parse_config
from cockpit.service import guard
from cockpit.service.guard import Admission, Door, Refusals, TokenBucket, host_names


def test_host_names_are_loopback_the_configured_host_and_the_extra_ones():
    assert host_names("127.0.0.1") == ["127.0.0.1", "localhost", "[::1]"]
    assert host_names("0.0.0.0", ["cockpit.local"]) == ["127.0.0.1", "localhost", "[::1]", "cockpit.local"]
    assert host_names("fd00::2")[-1] == "[fd00::2]" and host_names("192.168.8.2")[-1] == "192.168.8.2"


def test_admission_takes_the_daemons_own_names_and_origins_only():
    door = Admission(host_names("127.0.0.1"), 8765, ["http://headunit.local:3000"])
    ok = [(["127.0.0.1:8765"], []), (["LOCALHOST:8765"], ["http://localhost:8765"]), (["[::1]:8765"], []),
          (["127.0.0.1:8765"], ["http://127.0.0.1:8765/"]), (["127.0.0.1:8765"], ["http://headunit.local:3000"])]
    for hosts, origins in ok:
        assert door.refusal(hosts, origins) is None, (hosts, origins)
    refused = {
        "host": [(["evil.example:8765"], []), (["127.0.0.1:8766"], []), (["127.0.0.1"], []), ([], []),
                 (["127.0.0.1:8765", "evil.example:8765"], [])],
        "origin": [(["127.0.0.1:8765"], ["http://evil.example"]), (["127.0.0.1:8765"], ["null"]),
                   (["127.0.0.1:8765"], ["https://127.0.0.1:8765"]), (["127.0.0.1:8765"], ["http://127.0.0.1"]),
                   (["127.0.0.1:8765"], ["http://127.0.0.1:8765", "http://evil.example"])],
    }
    for reason, cases in refused.items():
        for hosts, origins in cases:
            got = door.refusal(hosts, origins)
            assert got is not None and got.reason == reason and got.status == 403, (hosts, origins)
            assert got.code == f"api-{reason}-refused" and got.hint


def test_on_port_80_the_names_come_without_a_port_too():
    door = Admission(["cockpit.local"], 80)
    assert door.refusal(["cockpit.local"], ["http://cockpit.local"]) is None
    assert door.refusal(["cockpit.local:80"], ["http://cockpit.local:80"]) is None


def test_the_settings_name_what_is_wrong_with_an_origin_or_host():
    with pytest.raises(ConfigError, match="allowed_origins.*scheme://host"):
        parse_config({"service": {"allowed_origins": ["headunit.local:3000/app"]}})
    with pytest.raises(ConfigError, match="allowed_hosts.*without scheme or port"):
        parse_config({"service": {"allowed_hosts": ["http://cockpit.local"]}})
    s = parse_config({"service": {"allowed_origins": ["HTTP://HeadUnit.local:3000"]}}).service
    assert s.allowed_origins == ["http://headunit.local:3000"]


def test_token_bucket_on_an_injected_clock():
    now = [0.0]
    bucket = TokenBucket(rate=2.0, burst=3, clock=lambda: now[0])
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    now[0] = 0.5  # one token back
    assert [bucket.take() for _ in range(2)] == [True, False]
    now[0] = 100.0  # never more than the burst saved up
    assert sum(bucket.take() for _ in range(10)) == 3


def test_refusals_are_counted_every_time_and_logged_once_per_client_and_reason(caplog, monkeypatch):
    counted: list[str] = []
    refusals = Refusals(counted.append)
    with caplog.at_level(logging.WARNING, logger="cockpit.api"):
        for _ in range(5):
            refusals.refused("10.0.0.1", "origin", "x")
        refusals.refused("10.0.0.1", "host", "x")
        refusals.refused("10.0.0.2", "origin", "x")
    assert counted == ["origin"] * 5 + ["host", "origin"]
    assert [(r.peer, r.reason) for r in caplog.records] == [("10.0.0.1", "origin"), ("10.0.0.1", "host"),
                                                            ("10.0.0.2", "origin")]
    monkeypatch.setattr(guard, "PEERS", 8)
    for n in range(100):  # a scan from many addresses: memory stays bounded
        refusals.refused(f"10.1.0.{n}", "origin", "x")
    assert len(refusals._seen) == 8


# -- the middleware ----------------------------------------------------------------------------------
async def _echo(scope, receive, send):
    """An app that answers 200 with the body it read."""
    if scope["type"] == "websocket":
        await receive()
        await send({"type": "websocket.accept"})
        return
    body = b""
    while True:
        msg = await receive()
        body += msg.get("body", b"")
        if not msg.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


def _call(door: Door, path: str = "/health", *, kind: str = "http", headers=(), parts=(b"",), peer="127.0.0.1"):
    scope = {"type": kind, "path": path, "query_string": b"", "client": (peer, 1234),
             "headers": [(k.encode(), v.encode()) for k, v in (("host", "127.0.0.1:8765"), *headers)]}
    incoming = [{"type": "websocket.connect"}] if kind == "websocket" else \
        [{"type": "http.request", "body": p, "more_body": i < len(parts) - 1} for i, p in enumerate(parts)]
    sent: list[dict] = []

    async def receive():
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(msg):
        sent.append(msg)
    asyncio.run(door(scope, receive, send))
    return sent


def _door(**kw) -> Door:
    options = {"token": None, "max_body": 16, "rate": 1000.0, "burst": 1000, **kw}
    return Door(_echo, Admission(host_names("127.0.0.1"), 8765), Refusals(), **options)


def test_bodies_over_the_limit_get_413_whether_declared_or_streamed():
    door = _door()
    assert _call(door, parts=(b"x" * 16,))[0]["status"] == 200
    assert _call(door, parts=(b"x" * 16,))[1]["body"] == b"x" * 16  # the app still reads it
    assert _call(door, headers=[("content-length", "17")], parts=(b"x" * 17,))[0]["status"] == 413
    chunked = _call(door, parts=(b"x" * 10, b"x" * 10))  # no length declared: counted as it arrives
    assert chunked[0]["status"] == 413 and b"api-too-large" in chunked[1]["body"]


def test_the_token_guards_everything_but_the_page():
    door = _door(token="t" * 16)
    assert _call(door, "/health")[0]["status"] == 401
    assert _call(door, "/health", headers=[("authorization", "Bearer " + "t" * 16)])[0]["status"] == 200
    assert _call(door, "/health", headers=[("authorization", "Bearer " + "u" * 16)])[0]["status"] == 401
    for path in ("/", "/static/app.js", "/openapi.json"):
        assert _call(door, path)[0]["status"] == 200, path
    refused = _call(door, "/ws", kind="websocket")
    assert refused == [{"type": "websocket.close", "code": 1008, "reason": "api-unauthorized"}]


def test_a_refused_websocket_is_closed_before_it_is_accepted():
    door = _door()
    sent = _call(door, "/ws", kind="websocket", headers=[("origin", "http://evil.example")])
    assert sent == [{"type": "websocket.close", "code": 1008, "reason": "api-origin-refused"}]
    assert _call(door, "/ws", kind="websocket", headers=[("origin", "http://127.0.0.1:8765")]) == [
        {"type": "websocket.accept"}]


def test_http_rate_per_client_address_with_bounded_memory(monkeypatch):
    door = _door(rate=0.001, burst=2)
    assert [_call(door)[0]["status"] for _ in range(3)] == [200, 200, 429]
    assert _call(door, peer="10.0.0.9")[0]["status"] == 200  # another client has its own bucket
    monkeypatch.setattr(guard, "PEERS", 4)
    for n in range(50):
        _call(door, peer=f"10.2.0.{n}")
    assert len(door._buckets) == 4
