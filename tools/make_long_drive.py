"""Make the long drive's data: a night route of about three hours, and places along it (GeoJSON).

    python tools/make_long_drive.py            # rewrites cockpit/vehicle/data/long-drive.csv + long-drive-pois.geojson
    python tools/make_long_drive.py --check    # exit 1 if the committed files differ from what this makes

The route (t_s,lat,lon; a point every 10 s) leaves the demo's 'home' eastwards through town (8 km at
50 km/h), then drives a wide loop on a motorway — 45 straight 5 km legs, each turned 6.67° left of the
last, 300° in all, at 110 km/h — and ends 10 km on at 60 km/h at the long drive's 'airport'. It stands
still twice: 15 minutes at a service area (Raststätte Talblick, 198 km along) and 5 minutes at a
filling station (Autohof Seeblick, 225 km along): the break and the fuel stop the driver accepts in
configs/scenarios/long-drive.yaml. Places are put by how far along the route they are and how far to
its right (+) or left (-); names are made up, tags follow OpenStreetMap (amenity, opening_hours), and
some are closed at night on purpose (the offers must skip them). Deterministic: the same files every run.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from cockpit.vehicle.geo import destination  # noqa: E402
from make_drive_data import geojson, write_or_check  # noqa: E402  (the places beside a route; write or --check)

OUT = ROOT / "cockpit" / "vehicle" / "data"
HOME = (48.1374, 11.5755)
STEP_S = 10.0
TOWN_M, TOWN_KMH = 8000.0, 50.0
LOOP_LEGS, LOOP_LEG_M, LOOP_TURN_DEG, LOOP_KMH = 45, 5000.0, 300.0 / 45, 110.0
EXIT_M, EXIT_KMH = 10000.0, 60.0
STOPS = [(198000.0, 900.0), (225000.0, 300.0)]
"""(metres along the route, seconds standing there)."""

# (name, metres along the route, metres to the right (+) or left (-), OSM tags)
POIS: list[tuple[str, float, float, dict[str, str]]] = [
    ("Stadtcafé Lindwurm", 3000.0, 40.0, {"amenity": "cafe", "opening_hours": "Mo-Su 07:00-23:00"}),
    ("Ladepark Ost", 40000.0, 150.0, {"amenity": "charging_station", "opening_hours": "24/7"}),
    ("Landgasthof Krone", 75000.0, -200.0, {"amenity": "restaurant", "opening_hours": "Mo-Su 11:00-22:00"}),
    ("Tankhof Ost", 112000.0, -90.0, {"amenity": "fuel", "opening_hours": "Mo-Sa 06:00-22:00"}),
    ("Autohof Donaublick", 121000.0, 120.0, {"amenity": "fuel", "opening_hours": "24/7"}),
    ("Bäckerei Morgenrot", 158000.0, 60.0, {"amenity": "cafe", "opening_hours": "Mo-Sa 06:00-18:00"}),
    ("Nachtcafé Eule", 163000.0, 60.0, {"amenity": "cafe", "opening_hours": "Mo-Su 18:00-04:00"}),
    ("Raststätte Talblick", 198000.0, 100.0, {"amenity": "restaurant", "opening_hours": "24/7"}),
    ("Tankstelle Kreuzweg", 218000.0, -70.0, {"amenity": "fuel", "opening_hours": "Mo-Sa 06:00-22:00"}),
    ("Autohof Seeblick", 225000.0, 80.0, {"amenity": "fuel", "opening_hours": "24/7"}),
    ("Airport Parking P3", 242800.0, 120.0, {"amenity": "parking", "opening_hours": "24/7"}),
]


def legs() -> list[tuple[float, float, float]]:
    """(bearing, metres, km/h) of every straight piece."""
    out = [(90.0, TOWN_M, TOWN_KMH)]
    bearing = 90.0
    for _ in range(LOOP_LEGS):
        out.append((bearing % 360.0, LOOP_LEG_M, LOOP_KMH))
        bearing -= LOOP_TURN_DEG
    out.append((bearing % 360.0, EXIT_M, EXIT_KMH))
    return out


def route_points() -> list[tuple[float, float, float]]:
    """(t seconds, lat, lon): a point every STEP_S of driving, and one at each end of a stop."""
    points, t, along = [(0.0, *HOME)], 0.0, 0.0
    here = HOME
    stops = list(STOPS)
    for bearing, length, kmh in legs():
        speed, done = kmh / 3.6, 0.0
        while done < length - 1e-6:
            step = min(speed * STEP_S, length - done)
            if stops and along + step >= stops[0][0]:  # stand still exactly at the stop
                step = stops[0][0] - along
            done, along = done + step, along + step
            t += step / speed
            here = destination(*here, bearing, step)
            if step > 1e-6:
                points.append((round(t, 2), round(here[0], 7), round(here[1], 7)))
            if stops and abs(along - stops[0][0]) < 1e-6:
                t += stops.pop(0)[1]
                points.append((round(t, 2), round(here[0], 7), round(here[1], 7)))
    return points


def csv_text(points: list[tuple[float, float, float]]) -> str:
    return "t_s,lat,lon\n" + "".join(f"{t:.2f},{lat:.7f},{lon:.7f}\n" for t, lat, lon in points)


def files() -> dict[Path, str]:
    points = route_points()
    return {OUT / "long-drive.csv": csv_text(points), OUT / "long-drive-pois.geojson": geojson(points, POIS)}


def main(argv: list[str] | None = None) -> int:
    checked, status = write_or_check(files(), "tools/make_long_drive.py", argv)
    if not checked:
        points = route_points()
        print(f"route: {points[-1][0] / 3600:.2f} h, ends at {points[-1][1]:.5f}, {points[-1][2]:.5f} (the 'airport')")
    return status


if __name__ == "__main__":
    sys.exit(main())
