"""Turn a route into an NMEA 0183 log (RMC, GGA, VTG once a second), e.g. to feed gpsfake.

    python tools/make_nmea_log.py out/demo.nmea                 # the bundled demo route
    python tools/make_nmea_log.py out/x.nmea --route my.gpx --from 60 --seconds 30

Sentences are rendered by pynmea2, so their checksums are right; tests corrupt them on purpose.
"""
from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

import pynmea2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cockpit.vehicle.route import DriveState, load_route  # noqa: E402

KNOTS_PER_KMH = 1 / 1.852


def _dm(value: float, width: int) -> tuple[str, str]:
    """Degrees -> NMEA (d)ddmm.mmmm and the hemisphere sign as N/E (positive) or S/W."""
    a = abs(value)
    deg = int(a)
    return f"{deg:0{width}d}{(a - deg) * 60:07.4f}", "+" if value >= 0 else "-"


def sentences(state: DriveState, when: datetime, altitude_m: float = 520.0) -> list[str]:
    """The RMC, GGA and VTG sentences of one fix."""
    lat, ns = _dm(state.lat, 2)
    lon, ew = _dm(state.lon, 3)
    ns, ew = ("N" if ns == "+" else "S"), ("E" if ew == "+" else "W")
    hms, dmy = when.strftime("%H%M%S.00"), when.strftime("%d%m%y")
    knots = state.speed_kmh * KNOTS_PER_KMH
    rmc = pynmea2.RMC("GP", "RMC", (hms, "A", lat, ns, lon, ew, f"{knots:.2f}", f"{state.heading:.1f}", dmy, "", "", "A"))
    gga = pynmea2.GGA("GP", "GGA", (hms, lat, ns, lon, ew, "1", "09", "0.9", f"{altitude_m:.1f}", "M", "47.0", "M", "", ""))
    vtg = pynmea2.VTG("GP", "VTG", (f"{state.heading:.1f}", "T", "", "M", f"{knots:.2f}", "N",
                                    f"{state.speed_kmh:.2f}", "K", "A"))
    return [str(rmc), str(gga), str(vtg)]


def nmea_log(route_path: str | None = None, start_s: float = 0.0, seconds: float | None = None) -> list[str]:
    """One fix per second of the route, from ``start_s`` for ``seconds`` (default: to the end)."""
    route = load_route(route_path)
    end = route.duration_s if seconds is None else min(route.duration_s, start_s + seconds)
    lines: list[str] = []
    t = start_s
    while t <= end:
        state = route.state_at(t)
        when = state.utc or datetime.fromtimestamp(t, timezone.utc)
        lines += sentences(state, when.astimezone(timezone.utc))
        t += 1.0
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--route", help="GPX or CSV route (default: the bundled demo route)")
    parser.add_argument("--from", dest="start", type=float, default=0.0, help="route seconds to start at")
    parser.add_argument("--seconds", type=float, help="how many seconds of fixes (default: to the end)")
    args = parser.parse_args(argv)
    lines = nmea_log(args.route, args.start, args.seconds)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\r\n".join(lines) + "\r\n", encoding="ascii")
    print(f"wrote {len(lines)} sentences to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
