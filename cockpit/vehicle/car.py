"""The car as the assistant sees it: signals, actuation, live feeds, the offline map and the clock.

:class:`Car` builds them from ``vehicle:`` settings — one :class:`SignalStore` with the
configured staleness rules, the simulated vehicle acting on it, every configured feed writing
into it, the POI store, and the local clock 'open now' is judged on — and hands skills the
:class:`SkillContext` they act through.
"""
from __future__ import annotations

import time
from datetime import datetime
from typing import Callable

from cockpit.config.vehicle import VehicleSettings
from cockpit.vehicle.feeds import VehicleFeeds
from cockpit.vehicle.poi import PoiStore
from cockpit.vehicle.signals import SignalStore
from cockpit.vehicle.sim import SimulatedVehicle


class LocalClock:
    """Local wall-clock time: the real one, or a simulated one running from a fixed start."""

    def __init__(self, start: datetime | None = None, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.start = start.replace(tzinfo=None) if start is not None else None
        self._monotonic = monotonic
        self._t0 = monotonic()

    def __call__(self) -> datetime:
        if self.start is None:
            return datetime.now()
        return datetime.fromtimestamp(self.start.timestamp() + self._monotonic() - self._t0)


class Car:
    def __init__(self, settings: VehicleSettings, *, vehicle: SimulatedVehicle | None = None) -> None:
        self.settings = settings
        self.vehicle = vehicle or SimulatedVehicle(settings.initial, store=SignalStore(rules=settings.max_age_s))
        self.signals = self.vehicle.signals
        self.feeds = VehicleFeeds(settings.feeds, self.signals)
        self.pois = PoiStore.open(settings.poi)
        follows = settings.clock_follows_drive and self.drive is not None
        self.clock = LocalClock(settings.clock, monotonic=self._route_time if follows else time.monotonic)
        self.places = {k: (p.latitude, p.longitude) for k, p in settings.places.items()}

    @property
    def drive(self):  # -> DriveFeed | None
        return self.feeds.drive

    def _route_time(self) -> float:
        return self.drive.route_time()

    def route_ahead(self) -> list[tuple[float, float]] | None:
        """The rest of the simulated drive's route, when there is one (places along it rank first)."""
        drive = self.drive
        return drive.ahead() if drive is not None else None

    def start(self) -> None:
        self.feeds.start()

    def stop(self) -> None:
        self.feeds.stop()
