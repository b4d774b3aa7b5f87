"""Places around the car, from the offline map: the best one of a kind, and what is on either side.

``find_nearby`` asks the POI store for places of a category (optionally serving a diet, of a
cuisine, open now), ranked along the route being driven and by the driver's preferences.
``whats_around`` answers "what's that on my right?" from the car's position and heading and the
bearing of each mapped place. Both read only fresh signals: with no fix the car's position is
unknown, and cockpit says so instead of guessing from an old one. Each answer carries the places it
named (and, for a side, the sector it looked in) as a PlacesShown event for the map.
"""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from cockpit.config.vehicle import DIETS
from cockpit.events import PlaceMark, PlacesShown, Sector
from cockpit.skills.registry import Outcome, SkillContext, Tool, ToolArgs
from cockpit.vehicle import vss
from cockpit.vehicle.geo import AHEAD_DEG, spoken_distance
from cockpit.vehicle.poi import BEHIND_DEG, SIDE_MIN_DEG, Hit, Poi

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
Diet = Literal["vegetarian", "vegan", "halal", "kosher", "gluten_free"]
assert set(Diet.__args__) == set(DIETS)  # type: ignore[attr-defined]
NO_FIX = "I don't know where the car is right now."


class FindNearbyArgs(ToolArgs):
    category: str = Field(min_length=1, max_length=60,
                          description="Kind of place: " + ", ".join(CATEGORY_NOUNS) + ".")
    diet: Diet | None = Field(None, description="Only places serving this diet.")
    cuisine: str | None = Field(None, min_length=2, max_length=40,
                                description="Only places of this cuisine (italian, indian, pizza...).")
    open_now: bool = Field(False, description="Only places open at this moment.")


class WhatsAroundArgs(ToolArgs):
    side: Literal["right", "left", "ahead", "around"] = Field(
        description="Where the driver is looking, relative to the car: right, left, ahead, or around.")


def _key(text: str) -> str:
    words = text.lower().split()
    return " ".join(words[1:] if words and words[0] == "the" else words)


def category_key(text: str) -> str:
    """A category as a caller may phrase it ('Cafes', 'gas station') -> its key ('cafe', 'fuel')."""
    key = _key(text)
    for name, (one, many) in CATEGORY_NOUNS.items():
        if key in (name, one, many):
            return name
    return key[:-1] if key.endswith("s") and key[:-1] in CATEGORY_NOUNS else key


def _position(ctx: SkillContext) -> tuple[float, float] | None:
    lat, lon = (ctx.vehicle.signals.fresh(p) for p in vss.POSITION)
    return (float(lat.value), float(lon.value)) if lat and lon and lat.value is not None and lon.value is not None else None


def _article(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def _hours(ctx: SkillContext, poi: Poi, now: datetime, is_open: bool | None, closes: datetime | None) -> str:
    if is_open is None:
        return ""
    if is_open:
        return f", open until {closes:%H:%M}" if closes is not None else ", open around the clock"
    opens = ctx.pois.opens_at(poi, now)
    return ", closed now" + (f" until {opens:%H:%M}" if opens is not None and opens.date() == now.date() else "")


def _mark(poi: Poi, distance_m: float, hours: str, is_open: bool | None, side: str = "") -> PlaceMark:
    said = hours.lstrip(", ").replace("closed now", "closed")  # ', closed now until 17:00' -> 'closed until 17:00'
    return PlaceMark(poi.id, poi.name, poi.lat, poi.lon, poi.kind, is_open, said, side, round(distance_m, 1))


SECTORS = {"right": (SIDE_MIN_DEG, BEHIND_DEG), "left": (-BEHIND_DEG, -SIDE_MIN_DEG),
           "ahead": (-AHEAD_DEG, AHEAD_DEG), "around": (-180.0, 180.0)}
"""Side -> the degrees off the heading it spans, as the landmark search judges it (ranking.sees)."""


def _sector(side: str, here: tuple[float, float], heading: float, radius_m: float) -> Sector:
    low, high = SECTORS[side]
    start = (heading + low) % 360.0
    return Sector(here[0], here[1], heading, side, round(start, 1), round(start + high - low, 1), radius_m)


def find_nearby(args: FindNearbyArgs, ctx: SkillContext) -> Outcome:
    """Say which place of a kind is best for the driver now: nearest along the route, tastes first."""
    key = category_key(args.category)
    one, many = CATEGORY_NOUNS.get(key, (key, key if key.endswith("s") else key + "s"))
    words = [w for w in ("open" if args.open_now else "", (args.diet or "").replace("_", "-"), args.cuisine or "") if w]
    here = _position(ctx)
    if here is None:
        return Outcome(False, NO_FIX)
    now = ctx.now()
    route = ctx.route()
    hits: list[Hit] = ctx.pois.find(*here, category=key, when=now if args.open_now else None, diet=args.diet,
                                    cuisine=args.cuisine, route=route, preferences=ctx.preferences,
                                    radius_m=ctx.poi_settings.search_radius_m, limit=3)
    if not hits:
        return Outcome(True, f"I found no {' '.join([*words, many])} nearby.")
    best = hits[0]
    noun = " ".join([*(w for w in words if w != "open"), one])
    is_open = best.open if best.open is not None else ctx.pois.is_open(best.poi, now)
    closes = best.closes if best.open is not None else (ctx.pois.closes_at(best.poi, now) if is_open else None)
    hours = _hours(ctx, best.poi, now, is_open, closes)
    shown = PlacesShown(tool="find_nearby", places=(_mark(best.poi, best.distance_m, hours, is_open),))
    if route and best.along_m is not None:
        return Outcome(True, f"The nearest {noun} on your way is {best.poi.name}, "
                             f"{spoken_distance(best.along_m)} ahead{hours}.", shown=shown)
    return Outcome(True, f"The nearest {noun} is {best.poi.name}, {spoken_distance(best.distance_m)} away{hours}.",
                   shown=shown)


def whats_around(args: WhatsAroundArgs, ctx: SkillContext) -> Outcome:
    """Name the mapped place the driver is looking at, from position, heading and bearings."""
    here = _position(ctx)
    if here is None:
        return Outcome(False, NO_FIX)
    heading = ctx.vehicle.signals.fresh(vss.HEADING)
    if heading is None and args.side != "around":
        return Outcome(False, "I can't tell which way the car is facing right now.")
    side = "any" if args.side == "around" else args.side
    seen = ctx.pois.landmarks(*here, float(heading.value) if heading else 0.0, side=side,
                              radius_m=ctx.poi_settings.landmark_radius_m)
    where = {"right": "on your right", "left": "on your left", "ahead": "ahead", "around": "around you"}[args.side]
    sector = _sector(args.side, here, float(heading.value) if heading else 0.0, ctx.poi_settings.landmark_radius_m)
    if not seen:
        return Outcome(True, f"I don't see anything on the map {where}.",
                       shown=PlacesShown(tool="whats_around", sector=sector))
    now = ctx.now()

    def mark(s) -> tuple[PlaceMark, str]:
        is_open = ctx.pois.is_open(s.poi, now)
        hours = _hours(ctx, s.poi, now, is_open, ctx.pois.closes_at(s.poi, now) if is_open else None)
        return _mark(s.poi, s.distance_m, hours, is_open, s.side), hours
    if args.side == "around":
        named = [f"{s.poi.name} on your {s.side}" if s.side in ("left", "right") else f"{s.poi.name} {s.side}"
                 for s in seen[:3]]
        places = tuple(mark(s)[0] for s in seen[:3])
        return Outcome(True, "Around you: " + ", ".join(named) + ".",
                       shown=PlacesShown(tool="whats_around", places=places, sector=sector))
    s = seen[0]
    place, hours = mark(s)
    return Outcome(True, f"{where.capitalize()}, {spoken_distance(s.distance_m)} away, is {s.poi.name}, "
                         f"{_article(s.poi.kind)}{hours}.",
                   shown=PlacesShown(tool="whats_around", places=(place,), sector=sector))


TOOLS: tuple[Tool, ...] = (
    Tool("find_nearby",
         "Find the best place of a kind (gas station, charging station, cafe, restaurant, parking...) "
         "near the car or ahead on its route, optionally serving a diet, of a cuisine, or open now; "
         "say where it is and whether it is open.",
         FindNearbyArgs, "read", find_nearby,
         allowed_while_moving=True, needs_confirmation=False),
    Tool("whats_around",
         "Say what place or landmark is on the driver's right, left, ahead, or around the car, "
         "from the car's position and heading and the offline map.",
         WhatsAroundArgs, "read", whats_around,
         allowed_while_moving=True, needs_confirmation=False),
)
