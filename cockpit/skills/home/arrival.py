"""The arrival routine: when the car is navigating home and the ETA falls under
``home.arrival_minutes``, offer ``home.arrival`` by voice once per trip.

:class:`ArrivalWatch` is pure (no clock, no I/O): :meth:`ArrivalWatch.due` takes a :class:`Trip` as
the car sees it now and says whether to offer, and how many minutes away to say. A *trip* is one
stretch of navigation to a destination within ``home.arrival_radius_m`` of the house; clearing or
changing the destination ends it. Per trip the offer is made at most once, whatever the answer, and
the routine runs at most once (:meth:`ran`).

:func:`trip_now` reads the trip from the car: the destination (VSS navigation signals), the
position, and the ETA — the remaining time of the simulated drive's route when that route ends at
the destination, else the straight-line distance x 1.3 at the current speed (at least 30 km/h).

The offer itself is a proactive prompt (:class:`ArrivalPrompts`, one of the co-pilot's watches,
cockpit/proactive/): the co-pilot speaks it when the cabin is quiet, as a tool call (``home_arrival``)
put to the policy gate from no tier; the gate reads it back ("Shall I warm up the house? You're 12
minutes away.") and only the driver's spoken yes runs it. A watch says *when*, a call says *what*, the
gate asks.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from cockpit.events import ToolCall
from cockpit.proactive.prompt import Prompt
from cockpit.vehicle import vss
from cockpit.vehicle.geo import distance_m

DEST_LAT = "Vehicle.Cabin.Infotainment.Navigation.DestinationSet.Latitude"
DEST_LON = "Vehicle.Cabin.Infotainment.Navigation.DestinationSet.Longitude"
ROAD_FACTOR = 1.3
"""Roads are longer than the straight line (used only without a route)."""
MIN_SPEED_KMH = 30.0


@dataclass(frozen=True)
class Trip:
    destination: tuple[float, float] | None
    position: tuple[float, float] | None
    eta_s: float | None
    """Seconds to the destination; None when unknown."""


class ArrivalWatch:
    def __init__(self, home: tuple[float, float], minutes: float, radius_m: float) -> None:
        self.home, self.minutes, self.radius_m = home, minutes, radius_m
        self._trip: tuple[float, float] | None = None  # the destination of the trip going on
        self._offered = False
        self._ran = False

    def _going_home(self, trip: Trip) -> bool:
        return trip.destination is not None and distance_m(*trip.destination, *self.home) <= self.radius_m

    def _follow(self, trip: Trip) -> None:
        """Begin a new trip when the destination changed (or went)."""
        if trip.destination != self._trip:
            self._trip, self._offered, self._ran = trip.destination, False, False

    def due(self, trip: Trip) -> int | None:
        """Minutes to say when the offer is due now (and marks it made), else None."""
        self._follow(trip)
        if self._offered or self._ran or not self._going_home(trip) or trip.eta_s is None:
            return None
        if trip.eta_s > self.minutes * 60 or trip.eta_s <= 0:
            return None
        self._offered = True
        return max(1, math.ceil(trip.eta_s / 60))

    def ran(self) -> bool:
        """Record that the routine ran; False when it already ran on this trip (it must not run again)."""
        if self._ran:
            return False
        self._ran = self._offered = True
        return True


def trip_now(signals: Any, drive: Any = None) -> Trip:
    """The trip as the car sees it now (``signals``: the SignalStore; ``drive``: the simulated DriveFeed or None)."""
    lat, lon = signals.value(DEST_LAT), signals.value(DEST_LON)
    destination = (float(lat), float(lon)) if lat is not None and lon is not None else None
    here = signals.fresh_values(vss.POSITION)
    position = (float(here[vss.LATITUDE]), float(here[vss.LONGITUDE])) if len(here) == 2 else None
    if destination is None:
        return Trip(None, position, None)
    if drive is not None and distance_m(*drive.route.points[-1], *destination) <= 300:
        return Trip(destination, position, max(0.0, drive.route.duration_s - drive.route_time()))
    if position is None:
        return Trip(destination, None, None)
    speed = signals.fresh(vss.SPEED)
    kmh = max(MIN_SPEED_KMH, float(speed.value) if speed is not None and speed.value is not None else 0.0)
    return Trip(destination, position, distance_m(*position, *destination) * ROAD_FACTOR / (kmh / 3.6))


class ArrivalPrompts:
    """The arrival routine as a co-pilot watch: its prompt offers ``home_arrival`` with the minutes to go
    (the tool's own read-back is the question: it needs the driver's confirmation)."""

    kind = "arrival"

    def __init__(self, watch: ArrivalWatch, signals: Any, drive: Callable[[], Any]) -> None:
        self.watch, self.signals, self.drive = watch, signals, drive

    def due(self, moment: Any) -> list[Prompt]:
        trip = trip_now(self.signals, self.drive())
        minutes = self.watch.due(trip)
        if minutes is None:
            return []
        where = f"{trip.destination[0]:.4f},{trip.destination[1]:.4f}" if trip.destination else "?"
        return [Prompt("arrival", f"arrival:{where}", f"{minutes} min from home ({self.watch.minutes:g} min or less)",
                       ToolCall("home_arrival", {"eta_minutes": minutes}), "", 10, moment.trip_s)]

    def settled(self, prompt: Prompt, outcome: str, trip_s: float) -> None:
        """Asked once per trip whatever the answer (the watch marked it when it fell due)."""


__all__ = ["ArrivalPrompts", "ArrivalWatch", "Trip", "trip_now"]
