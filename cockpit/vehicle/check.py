"""`cockpit doctor --config FILE`: can this car's configured feeds and map actually be used?

Each feed is built as the daemon would build it (a bad route, DBC or mapping fails here with
its fix), and then opened briefly: gpsd is connected to, a serial NMEA device opened, a CAN bus
opened. Nothing is written to a real store.
"""
from __future__ import annotations

import socket
from typing import Callable

from cockpit.config.vehicle import FeedSettings, VehicleSettings
from cockpit.errors import CockpitError
from cockpit.vehicle.feeds import make_feed
from cockpit.vehicle.poi import PoiStore
from cockpit.vehicle.signals import SignalStore

CheckFn = Callable[[str, bool, str, str | None], object]


def vehicle_checks(settings: VehicleSettings, check: CheckFn) -> list:
    """One check per feed plus the POI map, made with ``check(name, ok, detail, fix)``."""
    out = [_map(settings, check)]
    out += [_feed(i, f, check) for i, f in enumerate(settings.feeds)]
    return out


def _map(settings: VehicleSettings, check: CheckFn):
    try:
        with PoiStore.open(settings.poi) as store:
            where = "the bundled sample" if settings.poi.sources is None else ", ".join(settings.poi.sources)
            return check("poi map", True, f"{len(store)} places from {where}", None)
    except CockpitError as exc:
        return check("poi map", False, str(exc).split("\n")[0], exc.hint or None)


def _feed(i: int, settings: FeedSettings, check: CheckFn):
    name = f"feed {i} ({settings.kind})"
    try:
        feed = make_feed(settings, SignalStore())
        if settings.kind == "gpsd":
            with socket.create_connection((settings.host, settings.port), timeout=1.0):
                pass
            return check(name, True, f"gpsd answers on {settings.host}:{settings.port}", None)
        if settings.kind == "nmea":
            feed.open()
            feed.close()
            return check(name, True, f"{settings.device} opens ({settings.baud} baud)", None)
        if settings.kind == "can":
            feed.start()
            feed.stop()
            return check(name, True, f"{settings.interface} {settings.channel} opens", None)
        route = feed.route
        return check(name, True, f"route {route.name}: {route.length_m() / 1000:.1f} km, {route.duration_s:.0f} s", None)
    except OSError as exc:
        return check(name, False, f"gpsd not reachable on {settings.host}:{settings.port}: {exc}",  # type: ignore[union-attr]
                     "sudo apt-get install gpsd && sudo systemctl start gpsd (it reconnects on its own later)")
    except CockpitError as exc:
        return check(name, False, str(exc).split("\n")[0], exc.hint or None)
