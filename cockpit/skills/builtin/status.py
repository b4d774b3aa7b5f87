"""Vehicle status tool: read a signal and say it in the driver's words."""
from __future__ import annotations

from typing import Any, Callable, Literal

from pydantic import Field

from cockpit.skills.registry import Outcome, SkillContext, Tool, ToolArgs

FUEL = "Vehicle.Powertrain.FuelSystem.RelativeLevel"
BATTERY = "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current"
RANGE = "Vehicle.Powertrain.Range"
SPEED = "Vehicle.Speed"
OUTSIDE = "Vehicle.Exterior.AirTemperature"
TIRES: dict[str, str] = {
    "front left": "Vehicle.Chassis.Axle.Row1.Wheel.Left.Tire.Pressure",
    "front right": "Vehicle.Chassis.Axle.Row1.Wheel.Right.Tire.Pressure",
    "rear left": "Vehicle.Chassis.Axle.Row2.Wheel.Left.Tire.Pressure",
    "rear right": "Vehicle.Chassis.Axle.Row2.Wheel.Right.Tire.Pressure",
}
TIRE_SPREAD_KPA = 20
"""Tire pressures within this spread of each other are spoken as one number."""

Item = Literal["fuel", "battery", "range", "tire_pressure", "speed", "outside_temperature"]


class VehicleStatusArgs(ToolArgs):
    item: Item = Field(description="What to report: fuel, battery, range, tire_pressure, speed "
                                   "or outside_temperature.")


def _fuel(v: Any) -> str:
    return f"Fuel is at {round(float(v))} percent."


def _battery(v: Any) -> str:
    return f"The battery is at {round(float(v))} percent."


def _range(v: Any) -> str:
    return f"You can drive about {round(float(v) / 1000)} kilometres."


def _speed(v: Any) -> str:
    kmh = round(float(v))
    return "The car is stopped." if kmh == 0 else f"You're going {kmh} kilometres per hour."


def _outside(v: Any) -> str:
    return f"It's {round(float(v))} degrees outside."


_SINGLE: dict[str, tuple[str, str, Callable[[Any], str]]] = {
    "fuel": (FUEL, "the fuel level", _fuel),
    "battery": (BATTERY, "the battery level", _battery),
    "range": (RANGE, "the range", _range),
    "speed": (SPEED, "the speed", _speed),
    "outside_temperature": (OUTSIDE, "the outside temperature", _outside),
}


def _tires(ctx: SkillContext) -> Outcome:
    readings = {name: ctx.vehicle.signals.value(path) for name, path in TIRES.items()}
    known = {name: round(float(v)) for name, v in readings.items() if v is not None}
    if not known:
        return Outcome(False, "I can't read the tire pressures right now.")
    if len(known) == len(TIRES) and max(known.values()) - min(known.values()) <= TIRE_SPREAD_KPA:
        average = round(sum(known.values()) / len(known))
        return Outcome(True, f"All four tires are at about {average} kilopascals.")
    listed = ", ".join(f"{name} {kpa}" for name, kpa in known.items())
    return Outcome(True, f"Tire pressures in kilopascals: {listed}.")


def vehicle_status(args: VehicleStatusArgs, ctx: SkillContext) -> Outcome:
    """Report one status item from the current signals; nothing is set."""
    if args.item == "tire_pressure":
        return _tires(ctx)
    path, what, say = _SINGLE[args.item]
    value = ctx.vehicle.signals.value(path)
    if value is None:
        return Outcome(False, f"I can't read {what} right now.")
    return Outcome(True, say(value))


TOOLS: tuple[Tool, ...] = (
    Tool("vehicle_status",
         "Report the car's fuel level, battery charge, remaining range, tire pressures, "
         "current speed or outside temperature.",
         VehicleStatusArgs, "read", vehicle_status,
         allowed_while_moving=True, needs_confirmation=False),
)
