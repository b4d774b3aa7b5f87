"""The local model's tool list and GBNF hold a plug-in's tool and an MCP server's tools like any other:
llama.cpp on the fixture Qwen, every round constrained to a call (tool_choice: required), so the
random model MUST propose one of them; the gate then judges it as it judges every call."""
from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from cockpit.config import parse_config
from cockpit.events import Route, ToolCalled, ToolResult
from cockpit.pipeline import Assistant
from cockpit.skills.builtin import default_registry
from cockpit.skills.plugins import load_plugins
from cockpit.skills.registry import Registry

SERVERS = str(Path(__file__).resolve().parents[1] / "support" / "mcp_servers.py")


def config(qwen_tiny, tmp_path, **more):
    return parse_config({"brain": {"mode": "local-only", "tool_choice": "required", "max_reply_tokens": 48,
                                   "max_tool_rounds": 1, "local": {"model": str(qwen_tiny), "n_ctx": 4096,
                                                                   "temperature": 0.0}},
                         "vehicle": {"initial": {"Vehicle.Speed": 0.0}},
                         "session": {"audit_log": str(tmp_path / "audit.jsonl")},
                         "audio": {"output": {"sink": "none"}}, **more})


def turn(a: Assistant, text: str):
    async def go():
        events: list = []
        a.bus.subscribe(events.append)
        await a.prepare()
        try:
            return await a.text_turn(text), events
        finally:
            await a.close()
    return asyncio.run(go())


def test_the_model_calls_the_plugin_tool(qwen_tiny, tmp_path):
    everything = default_registry()
    load_plugins(everything)
    a = Assistant(config(qwen_tiny, tmp_path), registry=Registry([everything.get("ambient_light")]))
    summary, events = turn(a, "make the cabin cosy for the evening")
    assert summary.route is Route.LOCAL
    called = [e.call.name for e in events if isinstance(e, ToolCalled)]
    assert called and set(called) == {"ambient_light"}
    results = [e for e in events if isinstance(e, ToolResult)]
    assert results  # ran, or was refused for its arguments (the random model picks them): never ignored


def test_mcp_tools_join_the_models_tool_list_and_grammar_at_prepare(qwen_tiny, tmp_path):
    """The MCP server is connected at prepare, after the tier was built: its tools must reach the prompt's
    tool list and the GBNF all the same. (On this random model the constrained round picks 'none' for
    these words; what it may propose is only ever these tools, and nothing runs unconfirmed.)"""
    ledger = tmp_path / "shop.jsonl"
    cfg = config(qwen_tiny, tmp_path, skills={"mcp": {"servers": [
        {"name": "shop", "command": [sys.executable, SERVERS, "shop"], "env": {"MCP_LEDGER": str(ledger)}}]}})
    a = Assistant(cfg, registry=Registry())
    tier = a.brain.tiers["local"]
    assert tier._required is None  # built before prepare: no tools yet
    summary, events = turn(a, "order a latte from the shop")
    assert summary.route is Route.LOCAL
    assert [t["function"]["name"] for t in tier.tools] == ["shop_place_order", "shop_price_of"]  # "none": the grammar's, no schema
    assert "call-shop-place-order" in tier._required and "call-shop-price-of" in tier._required
    called = {e.call.name for e in events if isinstance(e, ToolCalled)}
    assert called <= {"shop_place_order", "shop_price_of"}
    assert not ledger.exists()  # undeclared MCP tools are transactions: nothing ran without a spoken yes
