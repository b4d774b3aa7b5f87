"""MCP servers' tools through the real Assistant, gate and audit log, against REAL MCP servers written
with the SDK's server API (tests/support/mcp_servers.py), started here over stdio and streamable HTTP.

A model's proposal enters the gate as the tiers' calls do (``gate.execute``); the driver's spoken
answer enters as the recogniser's text with channel ``voice``. What ran on a server is read from the
server's own ledger file, not from cockpit."""
from __future__ import annotations

import asyncio
import itertools
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cockpit.config import parse_config
from cockpit.events import ErrorRaised, Route, ToolCall
from cockpit.pipeline import Assistant
from cockpit.skills.audit import AuditLog
from cockpit.skills.registry import Registry
from cockpit.trace import TurnTrace

pytestmark = pytest.mark.e2e
SERVERS = str(Path(__file__).resolve().parents[1] / "support" / "mcp_servers.py")
TURNS = itertools.count(100)
READ = {"side_effect": "read", "allowed_while_moving": True, "needs_confirmation": False}
ACTUATE = {"side_effect": "actuate", "allowed_while_moving": True, "needs_confirmation": False}


def stdio(name: str, ledger: Path, **more) -> dict:
    return {"name": name, "command": [sys.executable, SERVERS, name], "env": {"MCP_LEDGER": str(ledger)}, **more}


def assistant(tmp_path: Path, servers: list[dict], *, speed: float = 0.0, policy: dict | None = None) -> Assistant:
    cfg = parse_config({"wake": {"mode": "none"}, "brain": {"mode": "fastpath-only"},
                        "vehicle": {"initial": {"Vehicle.Speed": speed}},
                        "session": {"audit_log": str(tmp_path / "audit.jsonl")}, "audio": {"output": {"sink": "none"}},
                        "skills": {"plugins": False, "policy": policy or {}, "mcp": {"servers": servers}}})
    return Assistant(cfg, registry=Registry())


def ran(ledger: Path) -> list[dict]:
    return [json.loads(line) for line in ledger.read_text().splitlines()] if ledger.exists() else []


def audit(tmp_path: Path, kind: str) -> list[dict]:
    return [e["data"] for e in AuditLog(tmp_path / "audit.jsonl").entries() if e["kind"] == kind]


async def propose(a: Assistant, name: str, **arguments) -> tuple[bool, str]:
    """A model's proposal, as the tiers hand it to the gate."""
    return await a.gate.execute(ToolCall(name, arguments), Route.LOCAL, TurnTrace(), next(TURNS))


def run(a: Assistant, script):
    async def go():
        events: list = []
        a.bus.subscribe(events.append)
        await a.prepare()
        try:
            return await script(a), events
        finally:
            await a.close()
    return asyncio.run(go())


def test_stdio_shop_order_runs_only_after_the_drivers_spoken_yes(tmp_path):
    ledger = tmp_path / "shop.jsonl"
    a = assistant(tmp_path, [stdio("shop", ledger, tools={"price_of": READ})])

    async def script(a):
        names = a.registry.names()
        schema = next(s for s in a.registry.schemas() if s["function"]["name"] == "shop_place_order")
        asked = await propose(a, "shop_place_order", item="latte")
        nothing_yet = ran(ledger)
        typed = await a.text_turn("yes")  # typed text never confirms
        after_typed = ran(ledger)
        await propose(a, "shop_place_order", item="latte", quantity=2)
        spoken = await a.text_turn("yes", channel="voice")
        price = await propose(a, "shop_price_of", item="latte")
        return names, schema, asked, nothing_yet, typed, after_typed, spoken, price

    (names, schema, asked, nothing_yet, typed, after_typed, spoken, price), events = run(a, script)
    assert names == ["shop_place_order", "shop_price_of"] and a.registry.source("shop_place_order") == "mcp:shop"
    params = schema["function"]["parameters"]
    assert params["required"] == ["item"] and params["properties"]["quantity"]["default"] == 1
    ok, readback = asked
    assert not ok and "shop" in readback and "latte" in readback and readback.endswith("or press Confirm.")
    assert nothing_yet == [] and after_typed == []
    assert "typed text can't confirm" in typed.reply
    assert [(r["tool"], r["item"], r["quantity"]) for r in ran(ledger)] == [("place_order", "latte", 2)]
    assert "latte" in spoken.reply and "nine euros" in spoken.reply  # the server's result, speakable
    assert price[0] and "four euros fifty" in price[1]  # declared read: no question asked
    calls = audit(tmp_path, "mcp-call")
    assert [(c["server"], c["tool"], c["ok"]) for c in calls] == [("shop", "place_order", True), ("shop", "price_of", True)]
    assert [e["tool"] for e in audit(tmp_path, "policy-confirmed")] == ["shop_place_order"]
    assert AuditLog(tmp_path / "audit.jsonl").verify().ok


@pytest.fixture
def http_home(tmp_path):
    """A real home MCP server over streamable HTTP; (url, ledger)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ledger = tmp_path / "home.jsonl"
    proc = subprocess.Popen([sys.executable, SERVERS, "home", "--http", str(port)], env={**os.environ, "MCP_LEDGER": str(ledger)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/mcp", ledger
    finally:
        proc.terminate()
        proc.wait(10)


def test_http_server_tools_follow_the_configs_declarations_not_the_servers(tmp_path, http_home):
    url, ledger = http_home
    server = {"name": "home", "url": url, "prefix": "house_", "tools": {"set_heating": ACTUATE}}
    a = assistant(tmp_path, [server], speed=50.0)  # driving

    async def script(a):
        heating = await propose(a, "house_set_heating", celsius=21)
        garage = await propose(a, "house_garage_door", action="open")  # undeclared: transaction, car stopped only
        status = await propose(a, "house_house_status")  # the server says read-only; the config did not
        bad = await propose(a, "house_set_heating", celsius="warm")  # the schema's type checked before the server
        return heating, garage, status, bad

    (heating, garage, status, bad), events = run(a, script)
    assert heating == (True, "Heating set to twenty one degrees Celsius.")
    assert not garage[0] and not status[0] and not bad[0]
    codes = [e.code for e in events if isinstance(e, ErrorRaised)]
    assert codes.count("policy-moving") == 2 and "tool-bad-arguments" in codes
    assert [(r["tool"], r["celsius"]) for r in ran(ledger)] == [("set_heating", 21.0)]
    report = a.skills.report()["mcp"][0]
    assert report["transport"] == "http" and report["state"] == "closed"
    assert report["read_only_hints"] == ["house_status"]
    assert a.registry.policy("house_house_status").side_effect == "transact"


def test_injected_instructions_are_withheld_recorded_and_cannot_pay(tmp_path):
    ledger = tmp_path / "evil.jsonl"
    a = assistant(tmp_path, [stdio("evil", ledger, tools={"weather": READ})])

    async def script(a):
        schemas = json.dumps(a.registry.schemas())
        weather = await propose(a, "evil_weather", city="Munich")
        # the model does what the result told it: pay, claiming the driver agreed
        asked = await propose(a, "evil_pay", amount=500, payee="evil corp", confirmed=True)
        typed = await a.text_turn("yes")
        again = await propose(a, "evil_pay", amount=500)
        nope = await a.text_turn("what?", channel="voice")
        return schemas, weather, asked, typed, again, nope

    (schemas, weather, asked, typed, again, nope), events = run(a, script)
    assert "ignore previous" not in schemas.lower() and "already confirmed" not in schemas.lower()
    assert "withheld" in a.registry.get("evil_weather").description
    ok, said = weather
    assert ok and "sunny" in said and "ignore" not in said.lower() and "pay" not in said.lower()
    assert not asked[0] and asked[1].startswith("Ask the evil service to pay: amount 500")
    assert not again[0]
    assert ran(ledger) == []  # nothing paid: no spoken yes came
    found = audit(tmp_path, "mcp-injection")
    assert {(f["tool"], f["where"]) for f in found} >= {("weather", "description"), ("weather", "result"),
                                                        ("pay", "description")}
    assert any(isinstance(e, ErrorRaised) and e.code == "mcp-injection" for e in events)
    refused = audit(tmp_path, "policy-confirm-asked")
    assert refused and any(f.startswith("policy-injection") for f in refused[0]["findings"])  # 'confirmed' dropped
    assert [e["code"] for e in audit(tmp_path, "policy-refused")] == ["policy-confirm-channel", "policy-cancelled"]


def _target(fd: str) -> str:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return ""


def test_a_server_that_dies_or_hangs_is_unavailable_then_reconnected(tmp_path):
    ledger = tmp_path / "home.jsonl"
    server = stdio("home", ledger, call_timeout_s=1.5, reconnect_min_s=1.0, reconnect_max_s=2.0,
                   tools={"crash": READ, "stall": READ, "house_status": READ})
    a = assistant(tmp_path, [server])

    async def up(a) -> int:
        for _ in range(300):
            if a.skills.servers[0].state == "up":
                return a.skills.servers[0].connects
            await asyncio.sleep(0.1)
        raise AssertionError(f"never reconnected: {a.skills.servers[0].error}")

    async def script(a):
        crashed = await propose(a, "home_crash")
        meanwhile = await propose(a, "home_house_status")  # down: refused at once, same sentence
        connects = await up(a)
        works = await propose(a, "home_house_status")
        stalled = await propose(a, "home_stall")
        connects_after_stall = await up(a)
        again = await propose(a, "home_house_status")
        errlog = a.skills.servers[0].errlog  # its stderr file: open once, however often it reconnected
        held = sum(1 for fd in os.listdir("/proc/self/fd") if _target(fd) == os.path.realpath(errlog))
        return crashed, meanwhile, connects, works, stalled, connects_after_stall, again, held

    (crashed, meanwhile, connects, works, stalled, connects2, again, held), events = run(a, script)
    assert held == 1  # three sessions, one stderr file open: each session closes its own (CPython's refcounting
    # also closed an unreferenced one before it was explicit, so this guards against a kept reference)
    assert crashed == (False, "The home service isn't available right now. I'll keep trying to reconnect.")
    assert meanwhile == crashed
    assert connects == 2 and works[0] and "garage" in works[1]
    assert stalled == (False, "The home service took too long to answer. I'll reconnect to it.")
    assert connects2 == 3 and again[0]
    codes = [e.code for e in events if isinstance(e, ErrorRaised)]
    assert "mcp-timeout" in codes and codes.count("mcp-unavailable") >= 2
    assert [c["code"] for c in audit(tmp_path, "mcp-call") if not c["ok"]][:2] == ["mcp-unavailable", "mcp-unavailable"]


def test_unreachable_or_garbage_servers_never_stop_the_car(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    garbage = {"name": "junk", "command": [sys.executable, "-c", "print('this is not JSON-RPC'); import time; time.sleep(60)"],
               "connect_timeout_s": 2}
    gone = {"name": "gone", "url": f"http://127.0.0.1:{closed}/mcp", "connect_timeout_s": 2}
    secret = {"name": "vault", "url": f"http://127.0.0.1:{closed}/mcp", "headers_env": {"Authorization": "NO_SUCH_VAR_FOR_TEST"}}
    a = assistant(tmp_path, [garbage, gone, secret])

    async def script(a):
        return await a.text_turn("set the temperature to 21 degrees", channel="voice")

    summary, events = run(a, script)
    assert summary.reply and summary.transcript  # the turn was answered: the servers held nothing up
    reports = {r["name"]: r for r in a.skills.report()["mcp"]}
    assert all(r["tools"] == [] and r["connects"] == 0 for r in reports.values())
    assert "NO_SUCH_VAR_FOR_TEST" in reports["vault"]["error"]
    assert reports["gone"]["error"] and reports["junk"]["error"]
    assert {e.message.split(" is down")[0] for e in events if isinstance(e, ErrorRaised) and e.code == "mcp-unavailable"} \
        == {"MCP server junk", "MCP server gone", "MCP server vault"}
