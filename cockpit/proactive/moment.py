"""The car at one moment, as the watches see it: one snapshot read from the signal store and the drive.

:func:`read_moment` reads fresh signals only (a stale reading is unknown, None) — position, speed, gear,
the navigation destination and how far it still is, range, fuel and battery, and the driver-monitoring
signals when a feed provides them. The watches are pure functions of these snapshots, so tests build
:class:`Moment` values by hand.

The *trip clock* (:func:`trip_clock`) is what "seconds into the drive" means: the simulated drive's route
clock when the local clock follows it (``vehicle.clock_follows_drive``), else the monotonic clock.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Sequence

from cockpit.vehicle import vss
from cockpit.vehicle.geo import distance_m

ROAD_FACTOR = 1.3
"""Roads are longer than the straight line (used only when the drive's route does not end there)."""
ROUTE_END_M = 300.0
"""The simulated drive's route 'ends at' the destination when its last point is this close to it."""


@dataclass(frozen=True)
class Moment:
    trip_s: float
    """Seconds into the trip (see :func:`trip_clock`)."""
    local: datetime
    """The car's local wall-clock time (opening hours, circadian lows, 'at 5 pm')."""
    speed_kmh: float | None = None
    position: tuple[float, float] | None = None
    gear: int | None = None
    """VSS SelectedGear (126 park, 127 drive)."""
    destination: tuple[float, float] | None = None
    remaining_m: float | None = None
    """Distance still to drive to the destination: along the drive's route when it ends there, else the
    straight line x 1.3; None without a destination or a position."""
    route: Sequence[tuple[float, float]] | None = None
    """The rest of the route being driven, car first (places 'ahead' are on it)."""
    range_m: float | None = None
    fuel_pct: float | None = None
    soc_pct: float | None = None
    dms_fatigue: float | None = None
    """``Vehicle.Driver.FatigueLevel`` (0-100) when a driver-monitoring feed provides it."""
    dms_attentive: float | None = None
    """``Vehicle.Driver.AttentiveProbability`` (0-100) when a feed provides it."""
    accel_mps2: float | None = None
    abs_engaged: bool | None = None

    @property
    def stopped(self) -> bool:
        """Known to be standing (at most 3 km/h)."""
        return self.speed_kmh is not None and abs(self.speed_kmh) <= 3.0


def _value(signals: Any, path: str) -> Any:
    reading = signals.fresh(path)
    return None if reading is None else reading.value


def _number(value: Any) -> float | None:
    try:
        return None if value is None or isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        return None


def route_length(points: Sequence[tuple[float, float]]) -> float:
    return sum(distance_m(*a, *b) for a, b in zip(points, points[1:]))


def read_moment(signals: Any, trip_s: float, local: datetime, drive: Any = None) -> Moment:
    """The car now: ``signals`` the SignalStore, ``drive`` the simulated DriveFeed or None."""
    lat, lon = _number(_value(signals, vss.LATITUDE)), _number(_value(signals, vss.LONGITUDE))
    position = (lat, lon) if lat is not None and lon is not None else None
    dlat, dlon = _number(signals.value(vss.DEST_LAT)), _number(signals.value(vss.DEST_LON))
    destination = (dlat, dlon) if dlat is not None and dlon is not None else None
    route = drive.ahead() if drive is not None else None
    remaining = None
    if destination is not None and route and distance_m(*drive.route.points[-1], *destination) <= ROUTE_END_M:
        remaining = route_length(route)
    elif destination is not None and position is not None:
        remaining = distance_m(*position, *destination) * ROAD_FACTOR
    gear = _value(signals, vss.SELECTED_GEAR)
    abs_on = _value(signals, vss.ABS_ENGAGED)
    return Moment(trip_s, local, _number(_value(signals, vss.SPEED)), position,
                  int(gear) if isinstance(gear, (int, float)) and not isinstance(gear, bool) else None,
                  destination, remaining, route, _number(_value(signals, vss.RANGE)),
                  _number(_value(signals, vss.FUEL_LEVEL)), _number(_value(signals, vss.SOC)),
                  _number(_value(signals, vss.DRIVER_FATIGUE)), _number(_value(signals, vss.DRIVER_ATTENTIVE)),
                  _number(_value(signals, vss.ACCEL_LONGITUDINAL)), abs_on if isinstance(abs_on, bool) else None)


def trip_clock(car: Any) -> Callable[[], float]:
    """Seconds into the trip: the simulated drive's route time when the car's clock follows the drive,
    else the monotonic clock (never the wall clock, which NTP may step)."""
    drive = car.drive
    if drive is not None and getattr(car.settings, "clock_follows_drive", False):
        return drive.route_time
    return time.monotonic


__all__ = ["Moment", "read_moment", "route_length", "trip_clock"]
