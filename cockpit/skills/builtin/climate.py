"""Climate tools: cabin temperature per zone, fan speed, air conditioning, defrost, seat heating."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from cockpit.skills.registry import Outcome, SkillContext, Tool, ToolArgs
from cockpit.vehicle.sim import SOURCE, SimulatedVehicle

MIN_CELSIUS: float = 16
MAX_CELSIUS: float = 30

_HVAC = "Vehicle.Cabin.HVAC"
STATIONS: dict[str, str] = {
    "driver": f"{_HVAC}.Station.Row1.Driver",
    "passenger": f"{_HVAC}.Station.Row1.Passenger",
}
AC_ACTIVE = f"{_HVAC}.IsAirConditioningActive"
DEFROSTERS: dict[str, str] = {
    "front": f"{_HVAC}.IsFrontDefrosterActive",
    "rear": f"{_HVAC}.IsRearDefrosterActive",
}
"""VSS 4.0 HVAC defroster switches (boolean)."""
_SEAT = "Vehicle.Cabin.Seat.Row1"
SEAT_HEATING: dict[str, str] = {
    "driver": f"{_SEAT}.DriverSide.Heating",
    "passenger": f"{_SEAT}.PassengerSide.Heating",
}
"""VSS 4.0 ``Seat.Heating``: int8 percent, -100 (max cooling) .. 0 (off) .. 100 (max heat)."""
SEAT_HEAT_LEVELS = 3
"""Seat heating levels 1-3 map to a third, two thirds and all of full heat."""

Zone = Literal["driver", "passenger", "all"]


class SetTemperatureArgs(ToolArgs):
    """Give exactly one of ``celsius`` (absolute) or ``delta`` (relative)."""

    celsius: float | None = Field(None, ge=MIN_CELSIUS, le=MAX_CELSIUS,
                                  description="Target temperature in degrees Celsius.")
    delta: float | None = Field(None, ge=-10, le=10,
                                description="Change from the current setting in degrees: "
                                            "positive is warmer, negative is cooler.")
    zone: Zone = Field("all", description="Which side of the front row: driver, passenger or all.")

    @model_validator(mode="after")
    def _exactly_one(self) -> "SetTemperatureArgs":
        if (self.celsius is None) == (self.delta is None):
            got = "both were given" if self.celsius is not None else "neither was given"
            raise ValueError(f"give exactly one of celsius or delta ({got})")
        return self


class SetFanArgs(ToolArgs):
    level: int = Field(ge=0, le=10, description="Fan level: 0 is off, 10 is maximum.")


class SetAcArgs(ToolArgs):
    on: bool = Field(description="True to switch the air conditioning on, false to switch it off.")


class SetDefrostArgs(ToolArgs):
    on: bool = Field(description="True to switch defrosting on, false to switch it off.")
    window: Literal["front", "rear", "all"] = Field(
        "all", description="Which window to defrost: the front windshield, the rear window, or all.")


class SeatHeatingArgs(ToolArgs):
    seat: Literal["driver", "passenger"] = Field("driver", description="Whose front seat: driver or passenger.")
    level: int = Field(ge=0, le=SEAT_HEAT_LEVELS, description="Heating level: 0 is off, 3 is maximum.")


def _actuate_known(vehicle: SimulatedVehicle, path: str, value: Any, off: Any, unit: str | None) -> None:
    """Actuate ``path``, first adding it (switched off) if this car's signals lack it."""
    if vehicle.signals.get(path) is None:
        vehicle.signals.set(path, off, source=SOURCE, unit=unit)
    vehicle.actuate(path, value)


def _zone_words(zone: str) -> str:
    return "the temperature" if zone == "all" else f"the {zone}'s temperature"


def set_temperature(args: SetTemperatureArgs, ctx: SkillContext) -> Outcome:
    """Set one or both front stations, absolutely or relative to each station's setting."""
    zones = list(STATIONS) if args.zone == "all" else [args.zone]
    changes: dict[str, float] = {}
    targets: dict[str, float] = {}
    clamped_at: float | None = None
    for zone in zones:
        path = f"{STATIONS[zone]}.Temperature"
        if args.celsius is not None:
            target = float(args.celsius)
        else:
            wanted = float(ctx.vehicle.read(path)) + float(args.delta or 0.0)
            target = float(min(MAX_CELSIUS, max(MIN_CELSIUS, wanted)))
            if target != wanted:
                clamped_at = target
        ctx.vehicle.actuate(path, target)
        changes[path] = target
        targets[zone] = target
    values = set(targets.values())
    if len(values) == 1:
        (value,) = values
        message = f"Setting {_zone_words(args.zone)} to {value:g} degrees."
    else:
        message = (f"Setting the driver's temperature to {targets['driver']:g} degrees "
                   f"and the passenger's to {targets['passenger']:g} degrees.")
    if clamped_at is not None:
        limit = "maximum" if clamped_at == MAX_CELSIUS else "minimum"
        message += f" {clamped_at:g} degrees is the {limit}."
    return Outcome(True, message, changes)


def set_fan(args: SetFanArgs, ctx: SkillContext) -> Outcome:
    """Set both front fans to ``level`` tenths of full speed."""
    percent = args.level * 10
    changes: dict[str, int] = {}
    for station in STATIONS.values():
        path = f"{station}.FanSpeed"
        ctx.vehicle.actuate(path, percent)
        changes[path] = percent
    message = "Turning the fan off." if args.level == 0 else f"Setting the fan to level {args.level}."
    return Outcome(True, message, changes)


def set_ac(args: SetAcArgs, ctx: SkillContext) -> Outcome:
    """Switch the air conditioning compressor on or off."""
    ctx.vehicle.actuate(AC_ACTIVE, args.on)
    return Outcome(True, f"Turning the air conditioning {'on' if args.on else 'off'}.",
                   {AC_ACTIVE: args.on})


def set_defrost(args: SetDefrostArgs, ctx: SkillContext) -> Outcome:
    """Switch the front and/or rear defroster on or off."""
    windows = list(DEFROSTERS) if args.window == "all" else [args.window]
    changes: dict[str, bool] = {}
    for window in windows:
        path = DEFROSTERS[window]
        _actuate_known(ctx.vehicle, path, args.on, False, None)
        changes[path] = args.on
    where = {"front": "the windshield", "rear": "the rear window",
             "all": "the windshield and the rear window"}[args.window]
    verb = "Defrosting" if args.on else "Stopping defrosting"
    return Outcome(True, f"{verb} {where}.", changes)


def seat_heating(args: SeatHeatingArgs, ctx: SkillContext) -> Outcome:
    """Set a front seat's heating to level 0-3 (0, 33, 67 or 100 percent)."""
    path = SEAT_HEATING[args.seat]
    percent = round(args.level * 100 / SEAT_HEAT_LEVELS)
    _actuate_known(ctx.vehicle, path, percent, 0, "percent")
    whose = "the driver's" if args.seat == "driver" else "the passenger's"
    message = (f"Turning off {whose} seat heating." if args.level == 0
               else f"Setting {whose} seat heating to level {args.level}.")
    return Outcome(True, message, {path: percent})


TOOLS: tuple[Tool, ...] = (
    Tool("climate_set_temperature",
         "Set the cabin temperature for the driver, the passenger or both, either to a value in "
         "degrees Celsius (16-30) or up/down by a number of degrees.",
         SetTemperatureArgs, "actuate", set_temperature,
         allowed_while_moving=True, needs_confirmation=False),
    Tool("climate_set_fan", "Set the climate fan speed, from level 0 (off) to 10 (maximum).",
         SetFanArgs, "actuate", set_fan,
         allowed_while_moving=True, needs_confirmation=False),
    Tool("climate_set_ac", "Switch the air conditioning on or off.", SetAcArgs, "actuate", set_ac,
         allowed_while_moving=True, needs_confirmation=False),
    Tool("climate_set_defrost",
         "Switch defrosting of the front windshield, the rear window or both on or off.",
         SetDefrostArgs, "actuate", set_defrost,
         allowed_while_moving=True, needs_confirmation=False),
    Tool("seat_heating", "Set the driver's or passenger's seat heating from level 0 (off) to 3 (maximum).",
         SeatHeatingArgs, "actuate", seat_heating,
         allowed_while_moving=True, needs_confirmation=False),
)
