"""The home skills and the arrival routine against a REAL Home Assistant core (tests/support/home_assistant.py:
installed from the package registry into .cache/ha/venv, started with the demo integration, a token made
through HA's onboarding and auth API). What changed in the house is read back from Home Assistant itself."""
from __future__ import annotations

import asyncio
import csv
import socket

import pytest

from cockpit.config import parse_config
from cockpit.events import ConfirmationAsked, ErrorRaised, ToolCall
from cockpit.pipeline import Assistant
from cockpit.skills.audit import AuditLog
from cockpit.skills.home import HomeAssistant
from cockpit.skills.remote import ServiceError
from cockpit.vehicle.route import load_route
from support.home_assistant import HomeAssistantCore

pytestmark = [pytest.mark.e2e, pytest.mark.slow,
              pytest.mark.timeout(1800)]  # the first run installs Home Assistant into .cache/ha (minutes)
HOUSE = {"climate": "climate.heatpump", "lights": {"kitchen": "light.kitchen_lights", "bedroom": "light.bed_light"},
         "garage": "cover.garage_door", "sensors": {"outside temperature": "sensor.outside_temperature"}}


@pytest.fixture(scope="module")
def ha(tmp_path_factory):
    needed = (HOUSE["climate"], *HOUSE["lights"].values(), HOUSE["garage"], *HOUSE["sensors"].values())
    core = HomeAssistantCore(tmp_path_factory.mktemp("home-assistant"), entities=needed)
    print(f"\nHome Assistant {core.url} answered {core.started_s:.1f} s after start")
    yield core
    core.stop()


@pytest.fixture
def token(ha, monkeypatch):
    monkeypatch.setenv("COCKPIT_HA_TOKEN", ha.token)
    return ha.token


def make(tmp_path, url: str, speed: float | None = 0.0, feeds: list | None = None, **home) -> Assistant:
    vehicle = {"initial": {"Vehicle.Speed": speed}} if speed is not None else {"feeds": feeds or []}
    vehicle["places"] = {"home": {"latitude": 48.1374, "longitude": 11.5755}, "work": {"latitude": 48.1770, "longitude": 11.5560}}
    cfg = parse_config({"wake": {"mode": "none"}, "brain": {"mode": "fastpath-only"}, "vehicle": vehicle,
                        "session": {"audit_log": str(tmp_path / "audit.jsonl")}, "audio": {"output": {"sink": "none"}},
                        "skills": {"plugins": False}, "home": {"url": url, **HOUSE, **home}})
    return Assistant(cfg)


def say(a: Assistant, *utterances: str):
    async def go():
        events: list = []
        a.bus.subscribe(events.append)
        await a.prepare()
        try:
            return [await a.text_turn(u, channel="voice") for u in utterances], events
        finally:
            await a.close()
    return asyncio.run(go())


def test_the_house_by_voice(tmp_path, ha, token):
    a = make(tmp_path, ha.url)
    assert {a.registry.source(n) for n in ("home_heating", "home_lights", "home_garage", "home_sensor")} == {
        "home-assistant"}
    turns, events = say(a, "set the heating at home to 23 degrees", "turn off the lights at home",
                        "open the garage door", "yes", "what is the outside temperature at home")
    heating, lights, garage_asked, garage_yes, sensor = turns
    assert heating.reply == "The heating at home is set to 23 degrees."
    assert ha.state("climate.heatpump")["attributes"]["temperature"] == 23
    assert lights.reply == "Switched off all the lights at home."
    assert ha.state("light.kitchen_lights")["state"] == "off" and ha.state("light.bed_light")["state"] == "off"
    assert garage_asked.reply.startswith("Open the garage door at home? Shall I go ahead?")
    assert garage_yes.reply == "Opening the garage door at home." and ha.state("cover.garage_door")["state"] in (
        "open", "opening")
    outside = ha.state("sensor.outside_temperature")["state"]
    assert sensor.reply == f"The outside temperature at home is {float(outside):g} °C."  # HA's own reading
    calls = [e["data"] for e in AuditLog(tmp_path / "audit.jsonl").entries() if e["kind"] == "home-call"]
    assert [(c["server"], c["tool"], c["ok"]) for c in calls] == [
        (ha.url, "climate.set_temperature", True), (ha.url, "light.turn_off", True), (ha.url, "cover.open_cover", True)]
    assert not [e for e in events if isinstance(e, ErrorRaised) and e.code.startswith("home-")]


def test_wrong_token_unknown_entity_and_no_house_are_clear(tmp_path, ha, monkeypatch):
    records: list = []
    house = HomeAssistant(ha.url, "COCKPIT_HA_TOKEN", 5.0, lambda kind, **data: records.append((kind, data)))
    monkeypatch.setenv("COCKPIT_HA_TOKEN", "not-a-token")
    with pytest.raises(ServiceError) as wrong:
        house.call("light.turn_on", {"entity_id": "light.bed_light"})
    assert wrong.value.code == "home-unauthorized" and "401" in str(wrong.value)
    monkeypatch.setenv("COCKPIT_HA_TOKEN", ha.token)
    with pytest.raises(ServiceError) as missing:
        house.state("light.no_such_light")
    assert missing.value.code == "home-not-found"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    gone = HomeAssistant(f"http://127.0.0.1:{closed}", "COCKPIT_HA_TOKEN", 2.0, lambda *a, **k: None)
    with pytest.raises(ServiceError) as down:
        gone.state("light.bed_light")
    assert down.value.code == "home-unreachable" and str(closed) in str(down.value)
    assert records == [("home-call", {"server": ha.url, "tool": "light.turn_on", "entity_id": "light.bed_light",
                                      "data": {}, "ok": False, "code": "home-unauthorized",
                                      "reason": str(wrong.value).split("\n")[0]})]
    # through the car: the driver hears one sentence, the turn ends normally
    a = make(tmp_path, f"http://127.0.0.1:{closed}")
    (turn,), events = say(a, "set the heating at home to 20 degrees")
    assert turn.reply == "I can't reach your home right now."
    assert [e.code for e in events if isinstance(e, ErrorRaised)] == ["home-unreachable"]


def _drive_home(tmp_path) -> str:
    """The demo drive reversed: from work to home (t_s, lat, lon)."""
    route = load_route()
    path = tmp_path / "drive-home.csv"
    with open(path, "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["t_s", "lat", "lon"])
        end = route.duration_s
        for t, (lat, lon) in reversed(list(zip(route.times, route.points))):
            out.writerow([round(end - t, 3), lat, lon])
    return str(path)


def test_the_arrival_routine_on_the_simulated_drive_home(tmp_path, ha, token):
    arrival = [{"service": "climate.set_temperature", "entity_id": "climate.heatpump", "data": {"temperature": 22}},
               {"service": "light.turn_on", "entity_id": "light.bed_light"}]
    drive = {"kind": "drive", "route": _drive_home(tmp_path), "start_s": 0}
    a = make(tmp_path, ha.url, speed=None, feeds=[drive], arrival=arrival, arrival_minutes=5, check_every_s=0.2)

    async def go():
        events: list = []
        a.bus.subscribe(events.append)
        await a.prepare()
        try:
            await asyncio.sleep(1.0)  # seven minutes from home, no destination: nothing offered
            far = [e for e in events if isinstance(e, ConfirmationAsked)]
            go_home = await a.text_turn("take me home", channel="voice")
            await asyncio.sleep(1.0)  # destination home, but 7 minutes away (> 5): still nothing
            early = [e for e in events if isinstance(e, ConfirmationAsked)]
            a.car.drive.seek(180.0)  # four minutes from home
            for _ in range(100):
                if any(isinstance(e, ConfirmationAsked) for e in events):
                    break
                await asyncio.sleep(0.1)
            yes = await a.text_turn("yes", channel="voice")
            a.car.drive.seek(300.0)  # closer still: the trip's offer was made, it is not made again
            await asyncio.sleep(1.5)
            return far, go_home, early, yes, events
        finally:
            await a.close()

    far, go_home, early, yes, events = asyncio.run(go())
    assert far == [] and early == [] and go_home.tool_calls == (ToolCall("navigate_to", {"destination": "home"}),)
    asked = [e for e in events if isinstance(e, ConfirmationAsked)]
    assert len(asked) == 1 and asked[0].tool == "home_arrival"
    assert asked[0].readback == "Shall I warm up the house? You're 4 minutes away. Say yes to confirm, or press Confirm."
    assert yes.reply == "Done: the house is getting ready for you."
    assert ha.state("climate.heatpump")["attributes"]["temperature"] == 22
    assert ha.state("light.bed_light")["state"] == "on"
    kinds = [(e["kind"], e["data"].get("tool")) for e in AuditLog(tmp_path / "audit.jsonl").entries()]
    assert ("policy-confirm-asked", "home_arrival") in kinds and ("policy-confirmed", "home_arrival") in kinds
    assert [t for k, t in kinds if k == "home-call"] == ["climate.set_temperature", "light.turn_on"]
