"""The offline map the HMI draws: GeoJSON of the drive's route, the places near the car, the car and
the destination — from the car's own data only (no tiles, no network: the car may be offline).

- the route: the simulated drive's track (cockpit/vehicle/route.py) as a LineString, with the
  distance along it at each vertex and how far the car has driven (``driven_m``, exact from the
  drive's clock), so a page can shade the driven part and keep shading it as the car moves;
- the destination: the navigation destination when one is set (named after the saved place or
  the mapped place at that point), else the end of the route;
- the places within ``radius_m`` of the car (the POI store's R*Tree), each with its opening state
  judged on the car's local clock, in the words the skills speak ('open until 14:30');
- the car: a Point with its heading and speed, from fresh signals only (an unknown position is
  absent, never an old one).

Coordinates are GeoJSON's [longitude, latitude]. :func:`drive_status` and :func:`seek` are the
simulated drive's clock, for the page's drive control.
"""
from __future__ import annotations

import bisect
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cockpit.errors import CockpitError
from cockpit.vehicle import geo, vss
from cockpit.vehicle.poi import Poi, PoiStore

if TYPE_CHECKING:
    from cockpit.vehicle.car import Car
    from cockpit.vehicle.route import Route

MAX_RADIUS_M = 20_000.0
"""The widest circle of places one request may ask for."""
MAX_PLACES = 500
"""At most this many places in one answer (the nearest)."""
SAME_PLACE_M = 5.0
"""A destination within this of a saved or mapped place takes its name."""


def opening(store: PoiStore, poi: Poi, now: datetime) -> tuple[bool | None, str]:
    """(open?, in words) at ``now``: (True, 'open until 14:30'), (False, 'closed until 17:00'), (None, '')."""
    is_open = store.is_open(poi, now)
    if is_open is None:
        return None, ""
    if is_open:
        closes = store.closes_at(poi, now)
        return True, f"open until {closes:%H:%M}" if closes is not None else "open around the clock"
    opens = store.opens_at(poi, now)
    return False, "closed" + (f" until {opens:%H:%M}" if opens is not None and opens.date() == now.date() else "")


def _point(lat: float, lon: float, **properties: Any) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": properties}


def driven_m(route: "Route", t: float) -> float:
    """Metres along ``route`` at ``t`` seconds into it (exact: the vertices passed plus the part of this leg)."""
    here = route.state_at(t)
    i = min(max(bisect.bisect_right(route.times, t) - 1, 0), len(route.times) - 2)
    walked = sum(geo.distance_m(*route.points[k], *route.points[k + 1]) for k in range(i))
    return walked + geo.distance_m(*route.points[i], here.lat, here.lon)


def _route(route: "Route", t: float) -> dict:
    along, total = [0.0], 0.0
    for a, b in zip(route.points, route.points[1:]):
        total += geo.distance_m(*a, *b)
        along.append(round(total, 1))
    line = {"type": "LineString", "coordinates": [[lon, lat] for lat, lon in route.points]}
    return {"type": "Feature", "geometry": line,
            "properties": {"role": "route", "name": route.name, "along_m": along, "length_m": round(total, 1),
                           "duration_s": route.duration_s, "t_s": round(t, 1),
                           "driven_m": round(driven_m(route, t), 1)}}


def _named(car: "Car", lat: float, lon: float) -> str:
    for name, (plat, plon) in car.places.items():
        if geo.distance_m(lat, lon, plat, plon) <= SAME_PLACE_M:
            return name
    near = car.pois.near(lat, lon, SAME_PLACE_M)
    return near[0][1].name if near else "destination"


def _destination(car: "Car") -> dict | None:
    lat, lon = car.signals.value(vss.DEST_LAT), car.signals.value(vss.DEST_LON)
    if lat is not None and lon is not None:
        return _point(float(lat), float(lon), role="destination", name=_named(car, float(lat), float(lon)),
                      source="navigation")
    drive = car.drive
    if drive is not None:
        lat, lon = drive.route.points[-1]
        name = _named(car, lat, lon)
        return _point(lat, lon, role="destination", name="end of the route" if name == "destination" else name,
                      source="route")
    return None


def _fresh(car: "Car", path: str) -> float | None:
    reading = car.signals.fresh(path)
    return float(reading.value) if reading is not None and reading.value is not None else None


def map_view(car: "Car", radius_m: float) -> dict:
    """The map as a GeoJSON FeatureCollection (roles: route, destination, car, poi); see the module docstring."""
    radius_m = min(max(float(radius_m), 1.0), MAX_RADIUS_M)
    lat, lon = _fresh(car, vss.LATITUDE), _fresh(car, vss.LONGITUDE)
    here = (lat, lon) if lat is not None and lon is not None else None
    features: list[dict] = []
    drive = car.drive
    if drive is not None:
        features.append(_route(drive.route, drive.route_time()))
    if (destination := _destination(car)) is not None:
        features.append(destination)
    now = car.clock()
    if here is not None:
        features.append(_point(*here, role="car", heading=_fresh(car, vss.HEADING), speed_kmh=_fresh(car, vss.SPEED)))
        for distance, poi in car.pois.near(*here, radius_m)[:MAX_PLACES]:
            is_open, hours = opening(car.pois, poi, now)
            features.append(_point(poi.lat, poi.lon, role="poi", id=poi.id, name=poi.name, category=poi.category,
                                   kind=poi.kind, open=is_open, hours=hours, distance_m=round(distance, 1),
                                   cuisine=list(poi.cuisines), vegetarian=poi.serves("vegetarian")))
    return {"type": "FeatureCollection", "features": features,
            "properties": {"center": [here[1], here[0]] if here else None, "radius_m": radius_m,
                           "local_time": now.isoformat(timespec="minutes"), "position_known": here is not None}}


def drive_status(car: "Car") -> dict | None:
    """The simulated drive's clock: where in the route it is, how long the route is; None without one."""
    drive = car.drive
    if drive is None:
        return None
    return {"t_s": round(drive.route_time(), 1), "duration_s": drive.route.duration_s, "route": drive.route.name,
            "speedup": drive.settings.speedup, "loop": drive.settings.loop}


def seek(car: "Car", t_s: float) -> dict:
    """Jump the simulated drive to ``t_s`` seconds into its route (clamped to the route) and publish that moment."""
    drive = car.drive
    if drive is None:
        raise CockpitError("this daemon has no simulated drive to move", code="api-bad-message",
                           hint="add a feed of kind: drive under vehicle.feeds (configs/default.yaml has one)")
    drive.seek(min(max(0.0, t_s), drive.route.duration_s))
    status = drive_status(car)
    assert status is not None
    return status
