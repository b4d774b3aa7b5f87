"""Built-in tools on the simulated vehicle: what each call sets, says, and refuses."""
from __future__ import annotations

import json
import re
from typing import Any

import pytest

from cockpit.brain import commands_en
from cockpit.brain.fastpath import FastPath
from cockpit.errors import ToolError
from cockpit.events import ToolCall
from cockpit.skills.builtin import default_registry
from cockpit.skills.registry import Outcome, Poi, Registry, SkillContext, Tool, ToolArgs
from cockpit.vehicle.sim import SimulatedVehicle

HVAC = "Vehicle.Cabin.HVAC.Station.Row1"
DOOR = "Vehicle.Cabin.Door"
VOLUME = "Vehicle.Cabin.Infotainment.Media.Volume"
ACTION = "Vehicle.Cabin.Infotainment.Media.Action"
DEST = "Vehicle.Cabin.Infotainment.Navigation.DestinationSet"
HERE = (48.1374, 11.5755)  # the simulated car's default location
KM_PER_DEG_LAT = 111.195
PLACES = {"home": (48.2000, 11.6000), "work": (48.1000, 11.5000), "airport": (48.3538, 11.7861)}
POIS = [
    Poi("Bean There", "cafe", HERE[0] + 1.2 / KM_PER_DEG_LAT, HERE[1]),
    Poi("Slow Brew", "cafe", HERE[0] + 5.0 / KM_PER_DEG_LAT, HERE[1]),
    Poi("Corner Pump", "fuel", HERE[0] + 0.3 / KM_PER_DEG_LAT, HERE[1]),
    Poi("Faraway Volts", "charging", HERE[0] + 80 / KM_PER_DEG_LAT, HERE[1]),
]
REGISTRY = default_registry()


def make_ctx(**initial: Any) -> SkillContext:
    """A context on a fresh car; keyword ``a__b`` means VSS path ``Vehicle.a.b``."""
    signals = {"Vehicle." + k.replace("__", "."): v for k, v in initial.items()}
    return SkillContext(SimulatedVehicle(signals), PLACES, POIS)


def run(ctx: SkillContext, name: str, **arguments: Any) -> tuple[Outcome, dict[str, Any]]:
    """Call a tool; return its outcome and the signals whose values changed."""
    before = ctx.vehicle.snapshot()
    outcome = REGISTRY.call(ToolCall(name, arguments), ctx)
    after = ctx.vehicle.snapshot()
    return outcome, {p: v for p, v in after.items() if before.get(p) != v}


def bad(name: str, **arguments: Any) -> ToolError:
    ctx = make_ctx()
    with pytest.raises(ToolError) as info:
        REGISTRY.call(ToolCall(name, arguments), ctx)
    assert ctx.vehicle.actuations == [], "a refused call must not touch the car"
    return info.value


# --- the fast path's contract --------------------------------------------------------------

def test_every_fast_path_tool_is_registered() -> None:
    assert {tool for tool, _, _ in commands_en.RULES} <= set(REGISTRY.names())


_FILL = {"temperature": 22, "percent": 50, "level": 5, "window": "driver", "zone": "driver",
         "media_action": "pause", "place": "home", "category": "cafe", "status_item": "fuel",
         "size": "large", "menu_item": "latte", "merchant": "Bean There", "diet": "vegetarian", "side": "right"}


@pytest.mark.parametrize("tool,pattern,fixed", commands_en.RULES)
def test_every_grammar_value_validates(tool: str, pattern: str, fixed: dict) -> None:
    slots = dict(re.findall(r"\{(\w+):(\w+)\??\}", pattern))  # {arg:slot?}: an askable slot, filled here
    base = {**fixed, **{arg: _FILL.get(slot, next(iter(commands_en.SLOTS[slot].values.values())))
                        for arg, slot in slots.items()}}
    REGISTRY.validate(ToolCall(tool, base))
    model = REGISTRY.get(tool).args
    for arg, slot in slots.items():
        for value in set(commands_en.SLOTS[slot].values.values()):
            call = ToolCall(tool, {**base, arg: value})
            if slot == "temperature" and not 16 <= value <= 30:
                with pytest.raises(ToolError, match=arg):
                    REGISTRY.validate(call)
            else:
                assert isinstance(REGISTRY.validate(call)[1], model)


@pytest.mark.parametrize("utterance,expected", [
    ("set the temperature to 22 degrees", {f"{HVAC}.Driver.Temperature": 22, f"{HVAC}.Passenger.Temperature": 22}),
    ("set the passenger side temperature to 24.5 degrees", {f"{HVAC}.Passenger.Temperature": 24.5}),
    ("i'm cold", {f"{HVAC}.Driver.Temperature": 23, f"{HVAC}.Passenger.Temperature": 23}),
    ("fan speed 7", {f"{HVAC}.Driver.FanSpeed": 70, f"{HVAC}.Passenger.FanSpeed": 70}),
    ("turn on the a c", {"Vehicle.Cabin.HVAC.IsAirConditioningActive": True}),
    ("open the rear windows halfway", {f"{DOOR}.Row2.DriverSide.Window.Position": 50,
                                       f"{DOOR}.Row2.PassengerSide.Window.Position": 50}),
    ("open the rear left window a bit", {f"{DOOR}.Row2.DriverSide.Window.Position": 25}),
    ("skip this song", {ACTION: "SKIP_FORWARD"}),
    ("volume 7", {VOLUME: 70}),
    ("take me to the airport", {f"{DEST}.Latitude": 48.3538, f"{DEST}.Longitude": 11.7861}),
    ("what's my fuel level", {}),
    ("find the nearest coffee shop", {}),
])
def test_spoken_command_changes_exactly_the_expected_signals(utterance: str, expected: dict) -> None:
    match = FastPath().parse(utterance)
    assert match is not None, utterance
    ctx = make_ctx()
    outcome, changed = run(ctx, match.call.name, **match.call.arguments)
    assert outcome.ok and outcome.message.endswith(".")
    assert changed == expected
    assert dict(outcome.changes) == expected
    assert [(a.path, a.new) for a in ctx.vehicle.actuations] == list(expected.items())


# --- each tool ---------------------------------------------------------------------------

def test_temperature_zone_and_reply() -> None:
    outcome, changed = run(make_ctx(), "climate_set_temperature", celsius=22, zone="driver")
    assert changed == {f"{HVAC}.Driver.Temperature": 22}
    assert outcome.message == "Setting the driver's temperature to 22 degrees."


def test_temperature_delta_is_clamped_and_says_so() -> None:
    ctx = make_ctx(**{"Cabin__HVAC__Station__Row1__Driver__Temperature": 29.0})
    outcome, changed = run(ctx, "climate_set_temperature", delta=2)
    assert changed == {f"{HVAC}.Driver.Temperature": 30, f"{HVAC}.Passenger.Temperature": 23}
    assert "30" in outcome.message and "maximum" in outcome.message
    outcome, changed = run(ctx, "climate_set_temperature", delta=-10, zone="passenger")
    assert changed == {f"{HVAC}.Passenger.Temperature": 16}
    assert "minimum" in outcome.message


def test_fan_off_and_ac() -> None:
    outcome, changed = run(make_ctx(), "climate_set_fan", level=0)
    assert changed == {f"{HVAC}.Driver.FanSpeed": 0, f"{HVAC}.Passenger.FanSpeed": 0}
    assert outcome.message == "Turning the fan off."
    outcome, _ = run(make_ctx(), "climate_set_ac", on=True)
    assert outcome.message == "Turning the air conditioning on."


def test_all_windows_close() -> None:
    windows = {f"Cabin__Door__{s}__Window__Position": 100 for s in
               ("Row1__DriverSide", "Row1__PassengerSide", "Row2__DriverSide", "Row2__PassengerSide")}
    outcome, changed = run(make_ctx(**windows), "window_set", window="all", position=0)
    assert len(changed) == 4 and set(changed.values()) == {0}
    assert outcome.message == "Closing all the windows."


@pytest.mark.parametrize("action,vss", [("pause", "STOP"), ("resume", "PLAY"),
                                        ("next", "SKIP_FORWARD"), ("previous", "SKIP_BACKWARD")])
def test_media_actions_use_vss_values(action: str, vss: str) -> None:
    ctx = make_ctx(**{"Cabin__Infotainment__Media__Action": "UNKNOWN"})
    assert run(ctx, "media_control", action=action)[1] == {ACTION: vss}


def test_mute_unmute_round_trip() -> None:
    ctx = make_ctx(**{"Cabin__Infotainment__Media__Volume": 60})
    outcome, changed = run(ctx, "media_volume", mute=True)
    assert changed == {VOLUME: 0} and outcome.message == "Muting the sound."
    assert run(ctx, "media_volume", mute=True)[1] == {}, "a second mute keeps the saved volume"
    outcome, changed = run(ctx, "media_volume", mute=False)
    assert changed == {VOLUME: 60} and "6" in outcome.message
    outcome, changed = run(ctx, "media_volume", mute=False)
    assert changed == {} and outcome.message == "The sound isn't muted."
    run(ctx, "media_volume", mute=True)
    assert run(ctx, "media_volume", delta=2)[1] == {VOLUME: 80}, "louder while muted unmutes"


def test_volume_steps_clamp() -> None:
    ctx = make_ctx(**{"Cabin__Infotainment__Media__Volume": 90})
    assert run(ctx, "media_volume", delta=2)[1] == {VOLUME: 100}
    outcome, changed = run(ctx, "media_volume", delta=2)
    assert changed == {} and "maximum" in outcome.message


def test_navigate_known_unknown_and_poi() -> None:
    outcome, changed = run(make_ctx(), "navigate_to", destination="HOME")
    assert outcome.ok and outcome.message == "Navigating to home."
    assert changed == {f"{DEST}.Latitude": 48.2, f"{DEST}.Longitude": 11.6}
    ctx = make_ctx()
    outcome, changed = run(ctx, "navigate_to", destination="Atlantis")
    assert not outcome.ok and "can't find Atlantis" in outcome.message
    assert changed == {} and ctx.vehicle.actuations == []
    assert run(make_ctx(), "navigate_to", destination="bean there")[0].message == "Navigating to Bean There."


def test_find_nearby_ranks_by_distance() -> None:
    outcome, changed = run(make_ctx(), "find_nearby", category="cafe")
    assert outcome.message == "The nearest cafe is Bean There, 1.2 kilometres away."
    assert changed == {}
    moved = make_ctx(CurrentLocation__Latitude=HERE[0] + 5.1 / KM_PER_DEG_LAT)
    assert "Slow Brew, 100 metres" in run(moved, "find_nearby", category="Cafes")[0].message
    assert run(make_ctx(), "find_nearby", category="gas station")[0].message.startswith(
        "The nearest gas station is Corner Pump, 300 metres")
    outcome, _ = run(make_ctx(), "find_nearby", category="charging")
    assert outcome.message == "I found no charging stations nearby."


@pytest.mark.parametrize("item,message", [
    ("fuel", "Fuel is at 62 percent."), ("battery", "The battery is at 80 percent."),
    ("range", "You can drive about 450 kilometres."), ("speed", "The car is stopped."),
    ("outside_temperature", "It's 12 degrees outside."),
])
def test_status_reads_without_acting(item: str, message: str) -> None:
    ctx = make_ctx()
    outcome, changed = run(ctx, "vehicle_status", item=item)
    assert (outcome.ok, outcome.message, changed) == (True, message, {})
    assert ctx.vehicle.actuations == []


def test_uneven_tires_are_listed() -> None:
    ctx = make_ctx(Chassis__Axle__Row2__Wheel__Right__Tire__Pressure=180)
    assert "rear right 180" in run(ctx, "vehicle_status", item="tire_pressure")[0].message


# --- refusals ----------------------------------------------------------------------------

def test_out_of_range_names_field_value_and_range() -> None:
    err = bad("climate_set_temperature", celsius=45)
    assert err.code == "tool-bad-arguments"
    assert "celsius=45 is out of range: must be 16-30" in str(err)
    assert "between 16 and 30" in err.hint
    assert "position=150" in str(bad("window_set", window="driver", position=150))


def test_wrong_type_extra_and_missing_arguments() -> None:
    assert "level='high' has the wrong type" in str(bad("climate_set_fan", level="high"))
    assert "window='sunroof' is not allowed" in str(bad("window_set", window="sunroof", position=1))
    assert "speed=3 is not an argument" in str(bad("climate_set_fan", level=1, speed=3))
    assert "position is missing" in str(bad("window_set", window="driver"))


def test_both_celsius_and_delta_is_refused() -> None:
    err = bad("climate_set_temperature", celsius=22, delta=1)
    assert err.code == "tool-bad-arguments" and "celsius" in str(err) and "delta" in str(err)


def test_unknown_tool() -> None:
    err = bad("climate_set_temprature", celsius=22)
    assert err.code == "tool-unknown" and "climate_set_temprature" in str(err)
    assert "climate_set_temperature" in err.hint


def test_handler_errors_propagate_and_duplicates_are_refused() -> None:
    def explode(args: ToolArgs, ctx: SkillContext) -> Outcome:
        raise RuntimeError("handler bug")

    registry = Registry([Tool("explode", "Always fails.", ToolArgs, "read", explode)])
    with pytest.raises(RuntimeError, match="handler bug"):
        registry.call(ToolCall("explode"), make_ctx())
    with pytest.raises(ValueError, match="already registered"):
        registry.register(Tool("explode", "Again.", ToolArgs, "read", explode))


def test_schemas_are_openai_style_json_schema() -> None:
    schemas = REGISTRY.schemas()
    assert json.loads(json.dumps(schemas)) == schemas
    by_name = {s["function"]["name"]: s for s in schemas}
    assert set(by_name) == set(REGISTRY.names())
    for schema in schemas:
        assert schema["type"] == "function" and schema["function"]["description"]
        params = schema["function"]["parameters"]
        assert params["type"] == "object" and "title" not in params
    celsius = by_name["climate_set_temperature"]["function"]["parameters"]["properties"]["celsius"]
    assert (celsius["type"], celsius["minimum"], celsius["maximum"]) == ("number", 16, 30)
    window = by_name["window_set"]["function"]["parameters"]
    assert set(window["required"]) == {"window", "position"}
    assert "rear_left" in window["properties"]["window"]["enum"]
    assert {t: REGISTRY.get(t).side_effect for t in ("find_nearby", "vehicle_status", "window_set")} == {
        "find_nearby": "read", "vehicle_status": "read", "window_set": "actuate"}
