"""Geometry on the WGS 84 sphere that the car's situation needs: distance, bearing, sides, routes.

Distances use the haversine formula on the IUGG mean Earth radius; along a route, points are
projected on a local equirectangular plane, which is exact enough (< 0.5 %) over the few tens of
kilometres a driver asks about. Bearings are degrees clockwise from true north, like VSS
``Vehicle.CurrentLocation.Heading``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius (IUGG), metres."""

AHEAD_DEG = 30.0
"""Within this many degrees either side of the heading a place is 'ahead' (or 'behind')."""

_COMPASS = ("north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west")


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points, metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial great-circle bearing from point 1 to point 2, 0 <= b < 360 (0 = north, 90 = east)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(y, x)) % 360.0


def destination(lat: float, lon: float, bearing: float, metres: float) -> tuple[float, float]:
    """The point ``metres`` away from (lat, lon) on initial bearing ``bearing``."""
    d = metres / EARTH_RADIUS_M
    p1, l1, b = math.radians(lat), math.radians(lon), math.radians(bearing)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), (math.degrees(l2) + 540.0) % 360.0 - 180.0


def relative_bearing(heading: float, bearing: float) -> float:
    """Where ``bearing`` lies seen from a car pointing at ``heading``: -180 < r <= 180, + = right."""
    r = (bearing - heading) % 360.0
    return r - 360.0 if r > 180.0 else r


def side(heading: float, bearing: float, ahead_deg: float = AHEAD_DEG) -> str:
    """'ahead', 'right', 'left' or 'behind' for a place at ``bearing`` from a car at ``heading``."""
    r = relative_bearing(heading, bearing)
    if abs(r) <= ahead_deg:
        return "ahead"
    if abs(r) >= 180.0 - ahead_deg:
        return "behind"
    return "right" if r > 0 else "left"


def compass(bearing: float) -> str:
    """The nearest of the eight compass words for a bearing."""
    return _COMPASS[int(((bearing % 360.0) + 22.5) // 45.0) % 8]


@dataclass(frozen=True, slots=True)
class RoutePosition:
    along_m: float
    """Distance from the route's start to the point's projection on it."""
    offset_m: float
    """Distance from the point to the route (its detour, one way)."""


def project(route: Sequence[tuple[float, float]], lat: float, lon: float) -> RoutePosition:
    """Project (lat, lon) on a polyline of (lat, lon) vertices: where along it, and how far off."""
    if not route:
        raise ValueError("a route needs at least one point")
    lat0 = math.radians(route[0][0])
    kx, ky = EARTH_RADIUS_M * math.cos(lat0) * math.pi / 180.0, EARTH_RADIUS_M * math.pi / 180.0

    def xy(p: tuple[float, float]) -> tuple[float, float]:
        return p[1] * kx, p[0] * ky

    px, py = xy((lat, lon))
    best, walked = None, 0.0
    points = [xy(p) for p in route]
    if len(points) == 1:
        return RoutePosition(0.0, math.hypot(px - points[0][0], py - points[0][1]))
    for (ax, ay), (bx, by) in zip(points, points[1:]):
        dx, dy = bx - ax, by - ay
        seg = math.hypot(dx, dy)
        t = 0.0 if seg == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (seg * seg)))
        off = math.hypot(px - (ax + t * dx), py - (ay + t * dy))
        if best is None or off < best.offset_m:
            best = RoutePosition(walked + t * seg, off)
        walked += seg
    assert best is not None
    return best


def spoken_distance(metres: float) -> str:
    """'350 metres', '1.2 kilometres', '14 kilometres'."""
    if metres < 1000.0:
        return f"{max(10, int(round(metres / 10.0)) * 10)} metres"
    km = metres / 1000.0
    return f"{km:.1f} kilometres" if km < 10.0 else f"{round(km)} kilometres"
