"""Window tool: open or close one window, a pair, or all of them, to a position."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from cockpit.skills.registry import Outcome, SkillContext, Tool, ToolArgs

_DOOR = "Vehicle.Cabin.Door"
# VSS names doors by driver/passenger side; "left"/"right" in speech assume a left-hand-drive car.
_FRONT_DRIVER = f"{_DOOR}.Row1.DriverSide.Window.Position"
_FRONT_PASSENGER = f"{_DOOR}.Row1.PassengerSide.Window.Position"
_REAR_LEFT = f"{_DOOR}.Row2.DriverSide.Window.Position"
_REAR_RIGHT = f"{_DOOR}.Row2.PassengerSide.Window.Position"

WINDOWS: dict[str, tuple[str, ...]] = {
    "driver": (_FRONT_DRIVER,),
    "passenger": (_FRONT_PASSENGER,),
    "rear_left": (_REAR_LEFT,),
    "rear_right": (_REAR_RIGHT,),
    "rear": (_REAR_LEFT, _REAR_RIGHT),
    "all": (_FRONT_DRIVER, _FRONT_PASSENGER, _REAR_LEFT, _REAR_RIGHT),
}
"""Window name, as the grammar produces it -> VSS window position paths."""

_SPOKEN = {
    "driver": "the driver's window", "passenger": "the passenger's window",
    "rear_left": "the rear left window", "rear_right": "the rear right window",
    "rear": "the rear windows", "all": "all the windows",
}


class WindowSetArgs(ToolArgs):
    window: Literal["driver", "passenger", "rear_left", "rear_right", "rear", "all"] = Field(
        description="Which window or windows.")
    position: int = Field(ge=0, le=100, description="How far open, in percent: 0 is closed, 100 fully open.")


def window_set(args: WindowSetArgs, ctx: SkillContext) -> Outcome:
    """Move the named windows to ``position`` percent open."""
    changes: dict[str, int] = {}
    for path in WINDOWS[args.window]:
        ctx.vehicle.actuate(path, args.position)
        changes[path] = args.position
    what = _SPOKEN[args.window]
    if args.position == 0:
        message = f"Closing {what}."
    elif args.position == 100:
        message = f"Opening {what} fully."
    else:
        message = f"Setting {what} to {args.position} percent open."
    return Outcome(True, message, changes)


TOOLS: tuple[Tool, ...] = (
    Tool("window_set",
         "Open or close windows: set the driver, passenger, rear left, rear right, both rear or "
         "all windows to a position from 0 (closed) to 100 (fully open) percent.",
         WindowSetArgs, "actuate", window_set,
         allowed_while_moving=True, max_speed_kmh=120.0, needs_confirmation=False),
)
