"""Make the demo drive's data: a GPX route with times, and POIs placed along it (GeoJSON).

    python tools/make_drive_data.py            # rewrites cockpit/vehicle/data/demo-route.gpx + demo-pois.geojson
    python tools/make_drive_data.py --check    # exit 1 if the committed files differ from what this makes

The route runs from the demo's 'home' (48.1374, 11.5755) to 'work' (48.1770, 11.5560) in five
straight legs at town speeds, one track point every 2 s. POIs are placed by where they are along
the route (metres from the start) and how far to the left or right of it, so the demo knows what
is on the driver's right at a given moment. Names are made up; tags follow OpenStreetMap
conventions (amenity, cuisine, diet:*, opening_hours). Deterministic: the same files every run.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cockpit.vehicle.geo import bearing_deg, destination, distance_m  # noqa: E402

OUT = ROOT / "cockpit" / "vehicle" / "data"
HOME = (48.1374, 11.5755)
WORK = (48.1770, 11.5560)
START = datetime(2026, 6, 12, 10, 0, 0, tzinfo=timezone.utc)  # a Friday, 12:00 in Munich (CEST)
STEP_S = 2.0

# (bearing degrees, length metres, speed km/h); the last leg is aimed at WORK.
LEGS = [(0.0, 1200.0, 40.0), (315.0, 1100.0, 50.0), (0.0, 1500.0, 60.0), (290.0, 600.0, 40.0), (None, None, 30.0)]

# (name, metres along the route, metres to the right (+) or left (-), OSM tags)
POIS: list[tuple[str, float, float, dict[str, str]]] = [
    ("Lindenhof Museum", 760.0, 45.0, {"tourism": "museum", "opening_hours": "Tu-Su 10:00-18:00"}),
    ("St. Anna Church", 720.0, -50.0, {"amenity": "place_of_worship", "religion": "christian"}),
    ("Gasthaus Adler", 1500.0, 40.0, {"amenity": "restaurant", "cuisine": "regional",
                                      "diet:vegetarian": "no", "opening_hours": "Mo-Su 11:00-23:00"}),
    ("Green Fork", 1900.0, -35.0, {"amenity": "restaurant", "cuisine": "vegetarian", "diet:vegetarian": "only",
                                   "diet:vegan": "yes", "opening_hours": "Mo-Su 17:00-23:00"}),
    ("Tiffin Garden", 2600.0, 30.0, {"amenity": "restaurant", "cuisine": "indian", "diet:vegetarian": "yes",
                                     "opening_hours": "Mo-Sa 11:30-14:30,17:30-22:30; Su off; PH off"}),
    ("Pizzeria Sole", 3900.0, -60.0, {"amenity": "restaurant", "cuisine": "pizza;italian",
                                      "diet:vegetarian": "yes", "opening_hours": "Mo-Su 18:00-23:30"}),
    ("Bean There", 1300.0, 25.0, {"amenity": "cafe", "cuisine": "coffee_shop", "diet:vegan": "yes",
                                  "opening_hours": "Mo-Fr 07:00-19:00; Sa,Su 08:00-18:00"}),
    ("Nordtank", 2200.0, 55.0, {"amenity": "fuel", "opening_hours": "24/7"}),
    ("IONITY Schwabing", 3300.0, -40.0, {"amenity": "charging_station", "opening_hours": "24/7"}),
    ("CityParking Mitte", 500.0, -70.0, {"amenity": "parking", "opening_hours": "24/7"}),
    ("Linden-Apotheke", 1650.0, 35.0, {"amenity": "pharmacy",
                                       "opening_hours": "Mo-Fr 08:00-18:30; Sa 09:00-13:00; PH off"}),
    ("Frischmarkt", 2900.0, 50.0, {"shop": "supermarket", "opening_hours": "Mo-Sa 07:00-21:00; PH off"}),
    ("Hotel Nordstern", 4300.0, 45.0, {"tourism": "hotel"}),
    ("Nightowl Diner", 3600.0, 30.0, {"amenity": "restaurant", "cuisine": "burger", "diet:vegetarian": "yes",
                                      "opening_hours": "Mo-Su 20:00-04:00"}),
]


def route_points() -> list[tuple[float, float, float]]:
    """(t seconds, lat, lon) every STEP_S along the legs, ending exactly at WORK."""
    corners = [HOME]
    for bearing, length, _ in LEGS[:-1]:
        corners.append(destination(*corners[-1], bearing, length))
    corners.append(WORK)
    points, t = [(0.0, *HOME)], 0.0
    for (a, b), (_, _, kmh) in zip(zip(corners, corners[1:]), LEGS):
        length, bearing = distance_m(*a, *b), bearing_deg(*a, *b)
        speed = kmh / 3.6
        steps = max(1, round(length / speed / STEP_S))
        for i in range(1, steps + 1):
            t += length / speed / steps
            points.append((round(t, 2), *destination(*a, bearing, length * i / steps)))
    return points


def gpx(points: list[tuple[float, float, float]]) -> str:
    rows = [f'      <trkpt lat="{lat:.7f}" lon="{lon:.7f}"><time>'
            f'{(START + timedelta(seconds=t)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-4]}Z</time></trkpt>'
            for t, lat, lon in points]
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<gpx version="1.1" creator="cockpit tools/make_drive_data.py" xmlns="http://www.topografix.com/GPX/1/1">\n'
            '  <trk>\n    <name>cockpit demo drive: home to work</name>\n    <trkseg>\n'
            + "\n".join(rows) + "\n    </trkseg>\n  </trk>\n</gpx>\n")


def place(points: list[tuple[float, float, float]], along: float, right: float) -> tuple[float, float]:
    """The point ``right`` metres to the right of the route, ``along`` metres from its start."""
    walked = 0.0
    for (_, la, lo), (_, lb, lob) in zip(points, points[1:]):
        seg = distance_m(la, lo, lb, lob)
        if seg > 0 and walked + seg >= along:
            heading = bearing_deg(la, lo, lb, lob)
            on = destination(la, lo, heading, along - walked)
            return destination(*on, (heading + 90.0) % 360.0, right)
        walked += seg
    raise ValueError(f"{along} m is past the end of the route ({walked:.0f} m)")


def geojson(points: list[tuple[float, float, float]], pois=None) -> str:
    """``pois`` (name, metres along, metres to the right, OSM tags) as GeoJSON points beside the route."""
    features = []
    for i, (name, along, right, tags) in enumerate(POIS if pois is None else pois, start=1):
        lat, lon = place(points, along, right)
        features.append({"type": "Feature", "id": i,
                         "geometry": {"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]},
                         "properties": {"name": name, **tags}})
    return json.dumps({"type": "FeatureCollection", "features": features}, indent=1, ensure_ascii=False) + "\n"


def files() -> dict[Path, str]:
    points = route_points()
    return {OUT / "demo-route.gpx": gpx(points), OUT / "demo-pois.geojson": geojson(points)}


def write_or_check(made: dict[Path, str], tool: str, argv: list[str] | None) -> tuple[bool, int]:
    """Write the files ``tool`` makes, or with --check compare them with what is committed.
    Returns (checked, exit status)."""
    parser = argparse.ArgumentParser(description=sys.modules["__main__"].__doc__ or tool)
    parser.add_argument("--check", action="store_true", help="compare with the committed files instead of writing")
    args = parser.parse_args(argv)
    stale = []
    for path, text in made.items():
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    for path in stale:
        print(f"{path.relative_to(ROOT)} differs from what {tool} makes; run it", file=sys.stderr)
    return args.check, 1 if stale else 0


def main(argv: list[str] | None = None) -> int:
    return write_or_check(files(), "tools/make_drive_data.py", argv)[1]


if __name__ == "__main__":
    sys.exit(main())
