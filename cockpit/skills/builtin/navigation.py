"""Navigation tools: route guidance to a saved place or a place on the offline map, and cancel it."""
from __future__ import annotations

from pydantic import Field

from cockpit.skills.registry import Outcome, SkillContext, Tool, ToolArgs

_NAV = "Vehicle.Cabin.Infotainment.Navigation.DestinationSet"
DEST_LAT = f"{_NAV}.Latitude"
DEST_LON = f"{_NAV}.Longitude"


class NavigateArgs(ToolArgs):
    destination: str = Field(min_length=1, max_length=120,
                             description="Where to go: a saved place such as home or work, or a place name.")


def _key(text: str) -> str:
    words = text.lower().split()
    return " ".join(words[1:] if words and words[0] == "the" else words)


def navigate_to(args: NavigateArgs, ctx: SkillContext) -> Outcome:
    """Set the destination to a saved place, or else to a point of interest with that name."""
    wanted = _key(args.destination)
    target: tuple[str, float, float] | None = None
    for name, (lat, lon) in ctx.places.items():
        if _key(name) == wanted:
            target = (name, lat, lon)
            break
    else:
        poi = ctx.pois.by_name(args.destination)
        if poi is not None:
            target = (poi.name, poi.lat, poi.lon)
    if target is None:
        return Outcome(False, f"Sorry, I can't find {args.destination} on the offline map.")
    name, lat, lon = target
    ctx.vehicle.actuate(DEST_LAT, lat)
    ctx.vehicle.actuate(DEST_LON, lon)
    return Outcome(True, f"Navigating to {name}.", {DEST_LAT: lat, DEST_LON: lon})


def navigation_cancel(args: ToolArgs, ctx: SkillContext) -> Outcome:
    """Stop route guidance: clear the destination."""
    if ctx.vehicle.signals.value(DEST_LAT) is None and ctx.vehicle.signals.value(DEST_LON) is None:
        return Outcome(True, "There is no route to cancel.")
    ctx.vehicle.actuate(DEST_LAT, None)
    ctx.vehicle.actuate(DEST_LON, None)
    return Outcome(True, "Route guidance cancelled.", {DEST_LAT: None, DEST_LON: None})


TOOLS: tuple[Tool, ...] = (
    Tool("navigate_to",
         "Start route guidance to a destination: a saved place (home, work...) or a place name "
         "from the offline map.",
         NavigateArgs, "actuate", navigate_to,
         allowed_while_moving=True, needs_confirmation=False),
    Tool("navigation_cancel", "Stop route guidance and clear the current destination.",
         ToolArgs, "actuate", navigation_cancel,
         allowed_while_moving=True, needs_confirmation=False),
)
