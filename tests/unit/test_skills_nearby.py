"""Places around the car on the bundled demo drive: 'what's on my right?', 'a vegetarian place open now'."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from cockpit.config.vehicle import DriveFeedSettings, PoiSettings, PreferenceSettings
from cockpit.events import ToolCall
from cockpit.skills.builtin import default_registry
from cockpit.skills.registry import Poi, SkillContext
from cockpit.vehicle import vss
from cockpit.vehicle.drive import DriveFeed
from cockpit.vehicle.geo import destination
from cockpit.vehicle.poi import PoiStore
from cockpit.vehicle.signals import SignalStore
from cockpit.vehicle.sim import SimulatedVehicle

REGISTRY = default_registry()
FRIDAY_NOON = datetime(2026, 6, 12, 12, 30)


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture(scope="module")
def pois() -> PoiStore:
    return PoiStore.open(PoiSettings())  # the bundled sample along the demo route


def drive_ctx(pois: PoiStore, at_s: float, now: datetime = FRIDAY_NOON, **kw: Any) -> tuple[SkillContext, DriveFeed, Clock]:
    clock = Clock()
    car = SimulatedVehicle(store=SignalStore(clock=clock))
    feed = DriveFeed(car.signals, DriveFeedSettings(kind="drive"), clock=clock)
    feed.seek(at_s)
    ctx = SkillContext(car, pois=pois, now=lambda: now, route=feed.ahead, **kw)
    return ctx, feed, clock


def say(ctx: SkillContext, name: str, **arguments: Any) -> str:
    outcome = REGISTRY.call(ToolCall(name, arguments), ctx)
    assert ctx.vehicle.actuations == []  # looking around never acts on the car
    return outcome.message


@pytest.mark.parametrize("at_s", [62.0, 65.0, 68.0])
def test_whats_on_my_right_and_left_on_the_demo_drive(pois: PoiStore, at_s: float) -> None:
    ctx, _, _ = drive_ctx(pois, at_s)  # first leg, heading north at 40 km/h, ~690-760 m along
    right = say(ctx, "whats_around", side="right")
    assert right.startswith("On your right, ") and "is Lindenhof Museum, a museum, open until 18:00." in right
    left = say(ctx, "whats_around", side="left")
    assert left.startswith("On your left, ") and "St. Anna Church, a church." in left


def test_around_names_both_sides(pois: PoiStore) -> None:
    ctx, _, _ = drive_ctx(pois, 65.0)
    text = say(ctx, "whats_around", side="around")
    assert "Lindenhof Museum on your right" in text and "St. Anna Church on your left" in text


def test_a_vegetarian_place_open_now_is_found_along_the_route(pois: PoiStore) -> None:
    ctx, _, _ = drive_ctx(pois, 80.0)
    text = say(ctx, "find_nearby", category="restaurant", diet="vegetarian", open_now=True)
    # Green Fork is nearer and vegetarian but opens at 17:00; Gasthaus Adler is open but not vegetarian.
    assert text.startswith("The nearest vegetarian restaurant on your way is Tiffin Garden, ")
    assert text.endswith(" ahead, open until 14:30.")


def test_without_open_now_the_nearest_is_named_with_its_hours(pois: PoiStore) -> None:
    ctx, _, _ = drive_ctx(pois, 80.0)
    text = say(ctx, "find_nearby", category="restaurant", diet="vegetarian")
    assert "Green Fork" in text and text.endswith(", closed now until 17:00.")


def test_in_the_evening_the_answer_changes(pois: PoiStore) -> None:
    ctx, _, _ = drive_ctx(pois, 80.0, now=datetime(2026, 6, 12, 17, 30))
    text = say(ctx, "find_nearby", category="restaurant", diet="vegetarian", open_now=True)
    assert "Green Fork" in text and "open until 23:00" in text


def test_nothing_matching_is_said_plainly(pois: PoiStore) -> None:
    ctx, _, _ = drive_ctx(pois, 80.0, now=datetime(2026, 6, 14, 16, 0))  # Sunday afternoon
    assert say(ctx, "find_nearby", category="restaurant", diet="halal", open_now=True) == \
        "I found no open halal restaurants nearby."


def test_a_stale_fix_means_the_position_is_unknown(pois: PoiStore) -> None:
    ctx, _, clock = drive_ctx(pois, 65.0)
    clock.t += 10.0  # the drive feed stopped writing; its readings hold for 2 s
    assert say(ctx, "whats_around", side="right") == "I don't know where the car is right now."
    assert say(ctx, "find_nearby", category="cafe") == "I don't know where the car is right now."


def test_driver_preference_breaks_a_near_tie() -> None:
    here = (48.0, 11.0)
    near = destination(*here, 0.0, 300.0)
    farther = destination(*here, 0.0, 420.0)
    places = [Poi("Schnitzelhaus", "restaurant", *near, {"amenity": "restaurant", "diet:vegetarian": "no"}),
              Poi("Gruenkern", "restaurant", *farther, {"amenity": "restaurant", "diet:vegetarian": "only"})]
    car = SimulatedVehicle({vss.LATITUDE: here[0], vss.LONGITUDE: here[1]})
    plain = SkillContext(car, pois=places)
    assert "Schnitzelhaus" in say(plain, "find_nearby", category="restaurant")
    veggie = SkillContext(car, pois=places, preferences=PreferenceSettings(diet="vegetarian"))
    assert "Gruenkern" in say(veggie, "find_nearby", category="restaurant")
