"""A recorded route: timed track points from GPX or CSV, and the car's state at any moment of it.

:meth:`Route.state_at` interpolates position between track points and derives heading (the
segment's bearing) and speed (segment length over its time), so one list of timed points drives
the simulated car, the NMEA logs fed to gpsfake in tests, and the benchmark.
"""
from __future__ import annotations

import bisect
import csv
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cockpit.vehicle.feed import FeedError
from cockpit.vehicle.geo import bearing_deg, distance_m

DATA = Path(__file__).resolve().parent / "data"
DEMO_ROUTE = DATA / "demo-route.gpx"
"""The bundled demo drive (made by tools/make_drive_data.py)."""


@dataclass(frozen=True, slots=True)
class DriveState:
    t: float
    """Seconds since the route's first point."""
    lat: float
    lon: float
    heading: float
    """Degrees clockwise from north."""
    speed_kmh: float
    utc: datetime | None = None
    """The track's own time at this moment, when it has times."""


@dataclass(frozen=True)
class Route:
    times: tuple[float, ...]
    points: tuple[tuple[float, float], ...]
    start: datetime | None = None
    name: str = ""

    def __post_init__(self) -> None:
        if len(self.points) < 2 or len(self.times) != len(self.points):
            raise FeedError(f"route {self.name!r} needs at least two timed points, has {len(self.points)}",
                            hint="Give a GPX track with <time> on each <trkpt>, or a CSV with t_s,lat,lon rows.")
        if any(b <= a for a, b in zip(self.times, self.times[1:])):
            raise FeedError(f"route {self.name!r}: track point times must increase",
                            hint="Sort the points by time and drop duplicates.")

    @property
    def duration_s(self) -> float:
        return self.times[-1]

    def length_m(self) -> float:
        return sum(distance_m(*a, *b) for a, b in zip(self.points, self.points[1:]))

    def state_at(self, t: float) -> DriveState:
        """Where the car is ``t`` seconds into the route; parked at the end after it finishes."""
        t = max(0.0, t)
        i = min(max(bisect.bisect_right(self.times, t) - 1, 0), len(self.times) - 2)
        (t0, t1), (a, b) = self.times[i:i + 2], self.points[i:i + 2]
        f = min(1.0, (t - t0) / (t1 - t0))
        lat, lon = a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f
        moving = t < self.duration_s
        speed = distance_m(*a, *b) / (t1 - t0) * 3.6 if moving else 0.0
        utc = None if self.start is None else datetime.fromtimestamp(self.start.timestamp() + t, self.start.tzinfo)
        return DriveState(t, lat, lon, bearing_deg(*a, *b), speed, utc)

    def ahead_of(self, t: float) -> list[tuple[float, float]]:
        """The rest of the route from the car's position at ``t`` (for ranking places along it)."""
        here = self.state_at(t)
        i = bisect.bisect_right(self.times, t)
        return [(here.lat, here.lon), *self.points[i:]]


def load_route(path: str | Path | None = None) -> Route:
    """Read a GPX track (``<trkpt lat lon><time>``) or a CSV (``t_s,lat,lon``); None = the demo route."""
    p = Path(path) if path is not None else DEMO_ROUTE
    if not p.is_file():
        raise FeedError(f"route file {p} not found", hint="Give a GPX or CSV path, or null for the bundled demo route.")
    try:
        return _gpx(p) if p.suffix.lower() == ".gpx" else _csv(p)
    except FeedError:
        raise
    except (ET.ParseError, ValueError, KeyError, UnicodeDecodeError) as exc:
        raise FeedError(f"route file {p} is not a readable {p.suffix or 'route'} file: {exc}",
                        hint="Use a GPX 1.1 track with times, or a CSV with a header t_s,lat,lon.") from None


def _gpx(p: Path) -> Route:
    ns = {"g": "http://www.topografix.com/GPX/1/1"}
    root = ET.parse(p).getroot()
    pts = root.findall(".//g:trkpt", ns) or root.findall(".//trkpt")
    stamps, points = [], []
    for pt in pts:
        when = pt.find("g:time", ns) if pt.find("g:time", ns) is not None else pt.find("time")
        if when is None or not when.text:
            raise FeedError(f"route {p}: a track point has no <time>", hint="Every <trkpt> needs a <time>.")
        stamps.append(datetime.fromisoformat(when.text.strip().replace("Z", "+00:00")))
        points.append((float(pt.attrib["lat"]), float(pt.attrib["lon"])))
    if not stamps:
        raise FeedError(f"route {p} has no track points", hint="Add <trk><trkseg><trkpt> elements.")
    times = tuple((s - stamps[0]).total_seconds() for s in stamps)
    return Route(times, tuple(points), stamps[0], p.stem)


def _csv(p: Path) -> Route:
    with p.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return Route(tuple(float(r["t_s"]) for r in rows), tuple((float(r["lat"]), float(r["lon"])) for r in rows),
                 None, p.stem)
