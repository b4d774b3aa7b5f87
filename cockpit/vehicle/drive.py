"""The simulated drive: replays a recorded route into the signal store as a GPS would.

Position, heading and speed are written ``rate_hz`` times a second from :meth:`Route.state_at`
on a route clock that runs ``speedup`` times wall-clock speed. :meth:`DriveFeed.seek` jumps the
clock (the demo places each spoken turn at a chosen moment of the drive), so what is on the
driver's right when they ask is known in advance. At the end of the route the car stays parked
at the last point (speed 0) unless ``loop`` is set; the feed keeps writing, so its signals stay
fresh for as long as it runs.
"""
from __future__ import annotations

import threading
import time
from typing import Callable

from cockpit.config.vehicle import DriveFeedSettings
from cockpit.vehicle import vss
from cockpit.vehicle.feed import ThreadedFeed
from cockpit.vehicle.route import DriveState, Route, load_route
from cockpit.vehicle.signals import SignalStore


PARK, DRIVE = 126, 127
"""VSS 4.0 SelectedGear codes: the simulated car is in Drive while it moves, parked at the end."""


class DriveFeed(ThreadedFeed):
    source = "drive"

    def __init__(self, store: SignalStore, settings: DriveFeedSettings, *, route: Route | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(store, max_age_s=settings.max_age_s)
        self.settings = settings
        self.route = route if route is not None else load_route(settings.route)
        self._clock = clock
        self._lock = threading.Lock()
        self._anchor = (clock(), settings.start_s)  # (wall time, route time) the clock runs from

    def route_time(self) -> float:
        """Seconds into the route now."""
        with self._lock:
            wall, t = self._anchor
        t += (self._clock() - wall) * self.settings.speedup
        if self.settings.loop and self.route.duration_s > 0:
            t %= self.route.duration_s
        return t

    def seek(self, t: float) -> DriveState:
        """Jump to ``t`` seconds into the route and publish that moment at once."""
        with self._lock:
            self._anchor = (self._clock(), max(0.0, t))
        return self.publish()

    def follow(self, clock: Callable[[], float]) -> None:
        """From now on run the route clock on ``clock`` (seconds) times ``speedup`` instead of the wall
        clock — a scripted drive's microphone time, so the drive stands still while nobody feeds audio."""
        with self._lock:
            wall, t = self._anchor
            t += (self._clock() - wall) * self.settings.speedup
            self._clock, self._anchor = clock, (clock(), t)

    def state(self) -> DriveState:
        return self.route.state_at(self.route_time())

    def ahead(self) -> list[tuple[float, float]]:
        """The rest of the route from where the car is now (for ranking places along it)."""
        return self.route.ahead_of(self.route_time())

    def publish(self) -> DriveState:
        """Write the current moment's position, heading and speed; returns it."""
        s = self.state()
        self.write({vss.LATITUDE: round(s.lat, 7), vss.LONGITUDE: round(s.lon, 7), vss.HEADING: round(s.heading, 1),
                    vss.SPEED: round(s.speed_kmh, 1), vss.SELECTED_GEAR: DRIVE if s.speed_kmh > 0 else PARK,
                    vss.TIMESTAMP: s.utc.isoformat() if s.utc is not None else None}, "fix")
        return s

    def run(self, stop: threading.Event) -> None:
        period = 1.0 / self.settings.rate_hz
        self.stats.connects += 1
        while not stop.is_set():
            self.publish()
            stop.wait(period)
