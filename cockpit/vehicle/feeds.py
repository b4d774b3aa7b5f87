"""Start the vehicle feeds a config names, and keep them together.

Adapters are imported only when configured, so a car without CAN never loads python-can.
Opening problems (a missing serial device, an unknown CAN interface, a bad DBC or route file)
are raised at start as :class:`FeedError` with a fix; network feeds (gpsd) retry on their own.
"""
from __future__ import annotations

import logging
from typing import Callable, Sequence

from cockpit.config.vehicle import FeedSettings
from cockpit.factory import pick
from cockpit.vehicle.feed import Feed, FeedStats
from cockpit.vehicle.signals import SignalStore

log = logging.getLogger(__name__)


def _gpsd(store: SignalStore, settings):
    from cockpit.vehicle.gpsd import GpsdFeed
    return GpsdFeed(store, settings)


def _nmea(store: SignalStore, settings):
    from cockpit.vehicle.nmea import NmeaFeed
    return NmeaFeed(store, settings)


def _can(store: SignalStore, settings):
    from cockpit.vehicle.can import CanFeed
    return CanFeed(store, settings)


def _drive(store: SignalStore, settings):
    from cockpit.vehicle.drive import DriveFeed
    return DriveFeed(store, settings)


FEEDS: dict[str, Callable] = {"gpsd": _gpsd, "nmea": _nmea, "can": _can, "drive": _drive}
"""``vehicle.feeds[].kind`` -> its adapter (imported only when configured)."""


def make_feed(settings: FeedSettings, store: SignalStore) -> Feed:
    """The adapter for one ``vehicle.feeds`` entry (not started); an unknown kind is a config error."""
    return pick("vehicle.feeds[].kind", settings.kind, FEEDS)(store, settings)


class VehicleFeeds:
    """Every configured feed; ``drive`` is the simulated drive when one is configured."""

    def __init__(self, settings: Sequence[FeedSettings], store: SignalStore) -> None:
        self.feeds: list[Feed] = [make_feed(s, store) for s in settings]

    @property
    def drive(self):  # -> DriveFeed | None (imported lazily)
        return next((f for f in self.feeds if f.source == "drive"), None)

    def start(self) -> None:
        started: list[Feed] = []
        try:
            for feed in self.feeds:
                feed.start()
                started.append(feed)
        except Exception:
            for feed in started:
                feed.stop()
            raise
        if self.feeds:
            log.info("vehicle feeds running: %s", ", ".join(f.source for f in self.feeds))

    def stop(self) -> None:
        for feed in self.feeds:
            feed.stop()

    def stats(self) -> dict[str, FeedStats]:
        return {f.source: f.stats for f in self.feeds}
