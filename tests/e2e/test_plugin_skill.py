"""The example plug-in (examples/cockpit-skill-ambient, installed by ./run) inside the real Assistant:
loaded with the built-ins, its phrases in the grammar PocketSphinx listens with, called by voice
(espeak-ng speech -> PocketSphinx -> fast path -> gate -> the plug-in), and its declared policy the
one the gate enforces — which skills.policy can tighten and never loosen."""
from __future__ import annotations

import asyncio

import pytest

from cockpit.audio.simmic import simulated_microphone
from cockpit.config import parse_config
from cockpit.events import ErrorRaised, Route, ToolCall
from cockpit.pipeline import Assistant
from cockpit.trace import TurnTrace
from support.offline import GRAMMAR_ALONE

pytestmark = pytest.mark.e2e
AMBIENT = "Vehicle.Cabin.Light.AmbientLight"
ZONES = [f"{AMBIENT}.{r}.{s}" for r in ("Row1", "Row2") for s in ("DriverSide", "PassengerSide")]
LIGHTS = {f"{z}.{leaf}": v for z in ZONES for leaf, v in (("IsLightOn", False), ("Intensity", 50), ("Color", "#FFFFFF"))}


def make(tmp_path, speed: float = 40.0, policy: dict | None = None) -> Assistant:
    cfg = parse_config({"wake": {"mode": "none"}, "brain": {"mode": "fastpath-only"}, "asr": GRAMMAR_ALONE,
                        "vehicle": {"initial": {**LIGHTS, "Vehicle.Speed": speed}},
                        "session": {"audit_log": str(tmp_path / "audit.jsonl")},
                        "audio": {"output": {"sink": "file", "reply_dir": str(tmp_path)}},
                        "skills": {"policy": policy or {}}})
    return Assistant(cfg)


def test_a_spoken_turn_calls_the_example_plugin(tmp_path, speech):
    a = make(tmp_path)
    assert a.registry.source("ambient_light") == "cockpit-skill-ambient"

    async def go():
        events: list = []
        a.bus.subscribe(events.append)
        await a.prepare()
        try:
            return await a.listen(simulated_microphone([speech("set the ambient light to blue", 150)])), events
        finally:
            await a.close()

    (summary,), events = asyncio.run(go())
    assert summary.transcript == "set the ambient light to blue"
    assert summary.route is Route.FASTPATH
    assert summary.tool_calls == (ToolCall("ambient_light", {"brightness": 60, "color": "blue"}),)
    assert all(a.vehicle.read(f"{z}.Color") == "#0040FF" and a.vehicle.read(f"{z}.IsLightOn") for z in ZONES)
    assert "blue" in summary.reply and summary.audio_path
    assert not [e for e in events if isinstance(e, ErrorRaised)]


def test_mandarin_phrases_of_the_plugin_reach_it_too(tmp_path):
    a = make(tmp_path)

    async def go():
        await a.prepare()
        try:
            return await a.text_turn("把氛围灯调成紫色", channel="voice")
        finally:
            await a.close()

    summary = asyncio.run(go())
    assert summary.tool_calls == (ToolCall("ambient_light", {"brightness": 60, "color": "purple"}),)
    assert a.vehicle.read(f"{ZONES[0]}.Color") == "#8000FF"


def test_config_can_tighten_a_plugin_and_never_loosen_a_transaction(tmp_path):
    policy = {"ambient_light": {"allowed_while_moving": False},  # stricter: honoured
              "place_order": {"needs_confirmation": False, "side_effect": "read"},  # looser: ignored
              "ambeint_light": {"needs_confirmation": True}}  # no such tool: named with a hint
    a = make(tmp_path, speed=40.0, policy=policy)
    assert a.registry.policy("place_order") == a.registry.get("place_order").policy
    notes = a.registry.loosening()
    assert any("place_order: side_effect read would loosen the declared transact" in n for n in notes)
    assert any("place_order: needs_confirmation: false would loosen" in n for n in notes)
    assert any("ambeint_light: no such tool (did you mean ambient_light?)" in n for n in notes)

    async def go():
        events: list = []
        a.bus.subscribe(events.append)
        await a.prepare()
        try:
            light = await a.text_turn("set the ambient light to red", channel="voice")
            order = await a.gate.execute(ToolCall("place_order", {"merchant": "Bean There", "item": "latte"}),
                                         Route.LOCAL, TurnTrace(), 99)
            return light, order, events
        finally:
            await a.close()

    light, (ok, said), events = asyncio.run(go())
    assert light.reply == "I can only do that when the car is stopped."  # tightened by the config
    assert a.vehicle.read(f"{ZONES[0]}.Color") == "#FFFFFF"
    assert not ok and said.endswith("Say yes to confirm, or press Confirm.")  # still asks: never loosened
    assert a.pending_confirmation is not None and a.pending_confirmation.call.name == "place_order"
    assert sum(e.code == "policy-config-loosen" for e in events if isinstance(e, ErrorRaised)) == 3
