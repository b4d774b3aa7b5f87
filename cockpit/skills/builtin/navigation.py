"""Navigation tools: route to a named place, and find the nearest point of interest offline."""
from __future__ import annotations

import math
from typing import Sequence

from pydantic import Field

from cockpit.skills.registry import Outcome, Poi, SkillContext, Tool, ToolArgs

_NAV = "Vehicle.Cabin.Infotainment.Navigation.DestinationSet"
DEST_LAT = f"{_NAV}.Latitude"
DEST_LON = f"{_NAV}.Longitude"
HERE_LAT = "Vehicle.CurrentLocation.Latitude"
HERE_LON = "Vehicle.CurrentLocation.Longitude"

NEARBY_KM = 50.0
"""Points of interest farther than this are not 'nearby'."""
EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG)."""

# Category key (as the grammar produces it) -> (singular, plural) as spoken.
CATEGORY_NOUNS: dict[str, tuple[str, str]] = {
    "fuel": ("gas station", "gas stations"),
    "charging": ("charging station", "charging stations"),
    "cafe": ("cafe", "cafes"),
    "parking": ("car park", "car parks"),
    "restaurant": ("restaurant", "restaurants"),
    "hotel": ("hotel", "hotels"),
    "hospital": ("hospital", "hospitals"),
    "pharmacy": ("pharmacy", "pharmacies"),
    "supermarket": ("supermarket", "supermarkets"),
    "toilets": ("public toilet", "public toilets"),
}


class NavigateArgs(ToolArgs):
    destination: str = Field(min_length=1, max_length=120,
                             description="Where to go: a saved place such as home or work, or a place name.")


class FindNearbyArgs(ToolArgs):
    category: str = Field(min_length=1, max_length=60,
                          description="Kind of place: " + ", ".join(CATEGORY_NOUNS) + ".")


def _key(text: str) -> str:
    words = text.lower().split()
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two WGS 84 points, in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def spoken_distance(km: float) -> str:
    """'350 metres', '1.2 kilometres', '14 kilometres'."""
    if km < 1.0:
        metres = max(10, int(round(km * 1000 / 10.0)) * 10)
        return f"{metres} metres"
    if km < 10.0:
        return f"{km:.1f} kilometres"
    return f"{round(km)} kilometres"


def category_key(text: str) -> str:
    """A category as a caller may phrase it ('Cafes', 'gas station') -> its key ('cafe', 'fuel')."""
    key = _key(text)
    for name, (one, many) in CATEGORY_NOUNS.items():
        if key in (name, one, many):
            return name
    return key[:-1] if key.endswith("s") and key[:-1] in CATEGORY_NOUNS else key


def nearest(pois: Sequence[Poi], category: str, lat: float, lon: float,
            within_km: float = NEARBY_KM) -> list[tuple[float, Poi]]:
    """POIs of ``category`` within ``within_km`` of (lat, lon), nearest first, as (km, poi)."""
    key = category_key(category)
    found = [(haversine_km(lat, lon, p.lat, p.lon), p) for p in pois if category_key(p.category) == key]
    return sorted((hit for hit in found if hit[0] <= within_km), key=lambda hit: hit[0])


def navigate_to(args: NavigateArgs, ctx: SkillContext) -> Outcome:
    """Set the destination to a saved place, or else to a point of interest with that name."""
    wanted = _key(args.destination)
    target: tuple[str, float, float] | None = None
    for name, (lat, lon) in ctx.places.items():
        if _key(name) == wanted:
            target = (name, lat, lon)
            break
    else:
        for poi in ctx.pois:
            if _key(poi.name) == wanted:
                target = (poi.name, poi.lat, poi.lon)
                break
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


def find_nearby(args: FindNearbyArgs, ctx: SkillContext) -> Outcome:
    """Say which point of interest of a category is nearest to the car."""
    key = category_key(args.category)
    one, many = CATEGORY_NOUNS.get(key, (key, key if key.endswith("s") else key + "s"))
    lat = ctx.vehicle.signals.value(HERE_LAT)
    lon = ctx.vehicle.signals.value(HERE_LON)
    if lat is None or lon is None:
        return Outcome(False, "I don't know where the car is right now.")
    hits = nearest(ctx.pois, key, float(lat), float(lon))
    if not hits:
        return Outcome(True, f"I found no {many} nearby.")
    km, poi = hits[0]
    return Outcome(True, f"The nearest {one} is {poi.name}, {spoken_distance(km)} away.")


TOOLS: tuple[Tool, ...] = (
    Tool("navigate_to",
         "Start route guidance to a destination: a saved place (home, work...) or a place name "
         "from the offline map.",
         NavigateArgs, "actuate", navigate_to),
    Tool("navigation_cancel", "Stop route guidance and clear the current destination.",
         ToolArgs, "actuate", navigation_cancel),
    Tool("find_nearby",
         "Find the nearest place of a kind (gas station, charging station, cafe, parking...) "
         "to the car's current location and say how far it is.",
         FindNearbyArgs, "read", find_nearby),
)
