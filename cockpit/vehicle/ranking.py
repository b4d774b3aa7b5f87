"""Ranking places for the driver, and which side of the car a landmark is on: pure functions.

Ranking (:func:`rank`) is a pure function of the hits it is given:

* without a route, cost = straight distance;
* with a route (its first point is the car), a place that projects ahead on it, at most
  :data:`ON_ROUTE_M` off it, costs ``along_m + 2 × offset_m`` (drive on, then off and back);
  a place behind the car or farther off the route costs ``2 × distance`` (turning round);
* preferences break near-ties: among places within ``max(1.5 × best cost, best cost + 300 m)``,
  those serving the preferred diet rank first (of them, a favourite cuisine first), then those
  of a favourite cuisine, then the rest; within each group, and beyond that reach, by cost.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Literal, Sequence

from cockpit.config.vehicle import PreferenceSettings
from cockpit.vehicle import geo
from cockpit.vehicle.places import Poi

__all__ = ["BEHIND_DEG", "Hit", "ON_ROUTE_M", "PASSED_FACTOR", "PREFER_FACTOR", "PREFER_SLACK_M", "SIDE_MIN_DEG",
           "Side", "Sighting", "placed", "rank", "sees", "side_of"]

ON_ROUTE_M = 1500.0
"""A place at most this far off the route counts as on the way."""
PREFER_FACTOR, PREFER_SLACK_M = 1.5, 300.0
"""A preferred place ranks first when its cost is within max(factor × best, best + slack)."""
SIDE_MIN_DEG, BEHIND_DEG = 10.0, 150.0
"""'On my right/left' spans this many degrees off the heading, up to this far back."""
PASSED_FACTOR = 1.5
"""A landmark the car has passed (more than 90° off the heading) ranks as if this much farther."""

Side = Literal["right", "left", "ahead", "behind", "any"]


@dataclass(frozen=True, slots=True)
class Hit:
    """A place found for the driver, and why it ranks where it does."""

    poi: Poi
    distance_m: float
    """Straight-line distance from the car."""
    detour_m: float | None
    """Extra driving to leave the route and come back (2 × offset); None off the route or without one."""
    along_m: float | None
    """How far along the route it is; None off the route or without one."""
    open: bool | None
    """Open at the time asked about; None when no time was given."""
    closes: datetime | None
    """When it next closes (None: never, or no time given)."""
    cost_m: float
    """The ranking cost, metres (see the module docstring)."""


@dataclass(frozen=True, slots=True)
class Sighting:
    """A landmark seen from the car."""

    poi: Poi
    distance_m: float
    bearing: float
    """Degrees clockwise from north, from the car."""
    relative: float
    """Degrees off the car's heading, -180 < r <= 180, + = right."""
    side: str
    """Its side as spoken, :func:`side_of`: 'right'/'left' 10-150° off the heading, else 'ahead'/'behind'."""


def placed(poi: Poi, distance: float, route: Sequence[tuple[float, float]] | None,
           open_: bool | None = None, closes: datetime | None = None) -> Hit:
    """A hit with its route position and cost (the rule in the module docstring)."""
    if not route:
        return Hit(poi, distance, None, None, open_, closes, distance)
    pos = geo.project(route, poi.lat, poi.lon)
    if pos.along_m > 0.0 and pos.offset_m <= ON_ROUTE_M:
        return Hit(poi, distance, 2.0 * pos.offset_m, pos.along_m, open_, closes, pos.along_m + 2.0 * pos.offset_m)
    return Hit(poi, distance, None, None, open_, closes, 2.0 * distance)


def rank(hits: Iterable[Hit], preferences: PreferenceSettings | None = None, limit: int = 3) -> list[Hit]:
    """Cheapest first; a preferred place (diet, then cuisine) near the best cost goes before it."""
    ordered = sorted(hits, key=lambda h: (h.cost_m, h.poi.name))
    if not ordered:
        return []
    best = ordered[0].cost_m
    reach = max(best * PREFER_FACTOR, best + PREFER_SLACK_M)
    diet = preferences.diet if preferences else None
    liked = {c.strip().lower() for c in preferences.cuisines} if preferences else set()

    def key(h: Hit) -> tuple[bool, bool, float, str]:
        near = h.cost_m <= reach
        return (not (near and diet is not None and h.poi.serves(diet)),
                not (near and bool(liked & set(h.poi.cuisines))), h.cost_m, h.poi.name)

    return sorted(ordered, key=key)[:max(0, limit)]


def side_of(relative: float) -> str:
    """'ahead' within 10° of the heading, 'behind' beyond 150°, else 'right' or 'left'."""
    if abs(relative) < SIDE_MIN_DEG:
        return "ahead"
    if abs(relative) > BEHIND_DEG:
        return "behind"
    return "right" if relative > 0 else "left"


def sees(side: Side, relative: float) -> bool:
    """Whether a place ``relative`` degrees off the heading answers 'what's on my ``side``?'.

    'ahead' is the 30° cone of geo.AHEAD_DEG (an ahead-right place is both ahead and right);
    'right', 'left' and 'behind' are :func:`side_of`'s words; 'any' is everything.
    """
    if side not in ("right", "left", "ahead", "behind", "any"):
        raise ValueError(f"side must be right, left, ahead, behind or any, not {side!r}")
    if side == "ahead":
        return abs(relative) <= geo.AHEAD_DEG
    return side == "any" or side_of(relative) == side
