"""The places an answer names reach the map: find_nearby and whats_around put them (with their opening
state, and the sector looked in) on their Outcome, and the gate emits them as a PlacesShown event
right after the ToolResult, with the turn's id."""
from __future__ import annotations

import asyncio
from datetime import datetime

import pytest

from cockpit.bus import EventBus
from cockpit.config.vehicle import DriveFeedSettings, PoiSettings
from cockpit.events import Event, PlacesShown, Route, ToolCall, ToolResult
from cockpit.skills.audit import AuditLog
from cockpit.skills.builtin import default_registry
from cockpit.skills.gate import ToolGate
from cockpit.skills.registry import SkillContext
from cockpit.trace import TurnTrace
from cockpit.vehicle import geo, vss
from cockpit.vehicle.drive import DriveFeed
from cockpit.vehicle.poi import PoiStore, sees
from cockpit.vehicle.signals import SignalStore
from cockpit.vehicle.sim import SimulatedVehicle

REGISTRY = default_registry()
FRIDAY_NOON = datetime(2026, 6, 12, 12, 30)


@pytest.fixture(scope="module")
def pois() -> PoiStore:
    return PoiStore.open(PoiSettings())


def at(pois: PoiStore, at_s: float, now: datetime = FRIDAY_NOON) -> SkillContext:
    clock = lambda: 0.0  # noqa: E731 - the drive's signals stay fresh
    car = SimulatedVehicle(store=SignalStore(clock=clock))
    feed = DriveFeed(car.signals, DriveFeedSettings(kind="drive"), clock=clock)
    feed.seek(at_s)
    return SkillContext(car, pois=pois, now=lambda: now, route=feed.ahead)


def shown(ctx: SkillContext, name: str, **arguments) -> PlacesShown:
    outcome = REGISTRY.call(ToolCall(name, arguments), ctx)
    assert isinstance(outcome.shown, PlacesShown), outcome
    return outcome.shown


def test_find_nearby_names_the_answered_place_with_its_opening_state(pois):
    s = shown(at(pois, 80.0), "find_nearby", category="restaurant", diet="vegetarian", open_now=True)
    assert [p.name for p in s.places] == ["Tiffin Garden"] and s.tool == "find_nearby" and s.sector is None
    place, stored = s.places[0], pois.by_name("Tiffin Garden")
    assert (place.id, place.lat, place.lon) == (stored.id, stored.lat, stored.lon) and place.id > 0
    assert place.open is True and place.hours == "open until 14:30"


def test_a_closed_place_is_marked_closed_with_when_it_opens(pois):
    s = shown(at(pois, 80.0), "find_nearby", category="restaurant", diet="vegetarian")
    assert [(p.name, p.open, p.hours) for p in s.places] == [("Green Fork", False, "closed until 17:00")]


@pytest.mark.parametrize("side", ["right", "left", "ahead"])
def test_a_side_answer_carries_the_sector_it_looked_in(pois, side):
    ctx = at(pois, 65.0)
    s = shown(ctx, "whats_around", side=side)
    heading = ctx.vehicle.signals.value(vss.HEADING)
    assert s.sector is not None and s.sector.side == side and s.sector.heading == heading
    assert s.sector.radius_m == ctx.poi_settings.landmark_radius_m
    assert 0 <= s.sector.from_deg < 360 and s.sector.from_deg < s.sector.to_deg < s.sector.from_deg + 360
    for place in s.places:  # every place named lies inside the sector drawn
        bearing = geo.bearing_deg(s.sector.lat, s.sector.lon, place.lat, place.lon)
        assert (bearing - s.sector.from_deg) % 360 <= s.sector.to_deg - s.sector.from_deg
        assert sees(side, geo.relative_bearing(heading, bearing))
    # and the sector is exactly the span the landmark search accepts, no wider
    inside = [r for r in range(-179, 181) if (heading + r - s.sector.from_deg) % 360 <= s.sector.to_deg - s.sector.from_deg]
    assert [r for r in range(-179, 181) if sees(side, r)] == inside


def test_on_my_right_names_the_museum_on_the_right(pois):
    s = shown(at(pois, 65.0), "whats_around", side="right")
    assert [(p.name, p.side, p.open, p.hours) for p in s.places] == [("Lindenhof Museum", "right", True,
                                                                      "open until 18:00")]


def test_around_names_up_to_three_and_a_full_circle(pois):
    s = shown(at(pois, 65.0), "whats_around", side="around")
    assert 1 <= len(s.places) <= 3 and s.sector.to_deg - s.sector.from_deg == 360
    assert {"Lindenhof Museum", "St. Anna Church"} <= {p.name for p in s.places}


def test_nothing_seen_still_shows_where_it_looked(pois):
    ctx = at(pois, 0.0)
    ctx.poi_settings = PoiSettings(landmark_radius_m=1.0)
    outcome = REGISTRY.call(ToolCall("whats_around", {"side": "right"}), ctx)
    assert outcome.message == "I don't see anything on the map on your right."
    assert outcome.shown.places == () and outcome.shown.sector.radius_m == 1.0


def test_no_fix_shows_nothing(pois):
    now = [0.0]
    car = SimulatedVehicle(store=SignalStore(clock=lambda: now[0]))
    DriveFeed(car.signals, DriveFeedSettings(kind="drive"), clock=lambda: now[0]).seek(65.0)
    now[0] = 10.0  # the feed stopped writing: the position is unknown
    ctx = SkillContext(car, pois=pois, now=lambda: FRIDAY_NOON)
    for name, args in (("find_nearby", {"category": "cafe"}), ("whats_around", {"side": "right"})):
        outcome = REGISTRY.call(ToolCall(name, args), ctx)
        assert not outcome.ok and outcome.shown is None


def test_the_gate_emits_the_places_after_the_tool_result_with_the_turn(pois, tmp_path):
    bus, seen = EventBus(), []
    bus.subscribe(seen.append)
    gate = ToolGate(REGISTRY, at(pois, 80.0), AuditLog(tmp_path / "audit.jsonl"), bus, confirm_window_s=10)
    call = ToolCall("find_nearby", {"category": "restaurant", "diet": "vegetarian", "open_now": True})
    asyncio.run(gate.execute(call, Route.FASTPATH, TurnTrace(), turn=7))
    kinds = [e.type for e in seen]
    assert kinds[-2:] == ["tool-result", "places"]
    result, places = seen[-2], seen[-1]
    assert isinstance(result, ToolResult) and isinstance(places, PlacesShown)
    assert places.turn == 7 and places.t >= result.t and places.places[0].name == "Tiffin Garden"
    assert Event.from_dict(places.to_dict()) == places  # what the page receives reads back the same


def test_a_tool_without_places_emits_none(pois, tmp_path):
    bus, seen = EventBus(), []
    bus.subscribe(seen.append)
    gate = ToolGate(REGISTRY, at(pois, 80.0), AuditLog(tmp_path / "audit.jsonl"), bus, confirm_window_s=10)
    asyncio.run(gate.execute(ToolCall("climate_set_temperature", {"temperature": 21}), Route.FASTPATH,
                             TurnTrace(), turn=1))
    assert "places" not in [e.type for e in seen] and "tool-result" in [e.type for e in seen]
