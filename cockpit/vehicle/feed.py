"""The common shape of a vehicle feed: an adapter that writes readings into the signal store.

Each adapter (gpsd, NMEA, CAN, the simulated drive) is a :class:`Feed`: started from config,
running its blocking I/O on its own daemon thread, writing VSS signals stamped with its
``source`` name and a ``max_age_s`` so the store knows when its readings go stale, and counting
what it saw in :class:`FeedStats`. A feed never raises out of its thread: a failure is counted,
logged with its stable code, and (for network feeds) retried with back-off.
"""
from __future__ import annotations

import abc
import logging
import threading
from dataclasses import dataclass, field
from typing import Protocol

from cockpit.errors import CockpitError
from cockpit.vehicle.signals import SignalStore
from cockpit.vehicle.vss import UNITS

log = logging.getLogger(__name__)


class FeedError(CockpitError):
    """A vehicle feed could not be opened or read."""

    code = "vehicle-feed"


@dataclass
class FeedStats:
    """What a feed has seen since it started (read by `cockpit doctor`, metrics and tests)."""

    messages: int = 0
    """Readings accepted and written to the store."""
    garbage: int = 0
    """Lines or frames rejected: bad checksum, truncated, undecodable, out of range."""
    ignored: int = 0
    """Well-formed input this feed has no use for (other sentence types, unknown CAN ids)."""
    connects: int = 0
    """Successful (re)connections or opens."""
    errors: int = 0
    """Failed connection attempts or read errors."""
    last_error: str = ""
    kinds: dict[str, int] = field(default_factory=dict)
    """Accepted readings per kind (sentence type, message name, report class)."""

    def accepted(self, kind: str) -> None:
        self.messages += 1
        self.kinds[kind] = self.kinds.get(kind, 0) + 1


class Feed(Protocol):
    source: str
    stats: FeedStats

    def start(self) -> None: ...

    def stop(self) -> None: ...


class ThreadedFeed(abc.ABC):
    """Base for feeds: runs :meth:`run` on a daemon thread until :meth:`stop`.

    Subclasses implement ``run(stop: threading.Event)``; it must return soon after ``stop`` is set
    (use short socket/serial timeouts and ``stop.wait`` for back-off).
    """

    source = "feed"

    def __init__(self, store: SignalStore, *, max_age_s: float | None = None) -> None:
        self.store = store
        self.max_age_s = max_age_s
        self.stats = FeedStats()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._main, name=f"cockpit-{self.source}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _main(self) -> None:
        try:
            self.run(self._stop)
        except Exception as exc:  # noqa: BLE001 - a feed thread never dies silently
            self.stats.errors += 1
            self.stats.last_error = str(exc)
            log.exception("%s feed stopped on an error", self.source)

    @abc.abstractmethod
    def run(self, stop: threading.Event) -> None:
        """The feed's blocking loop; returns soon after ``stop`` is set."""

    def write(self, values: dict, kind: str, units: dict | None = None) -> None:
        """Write one reading's VSS values (None values are skipped; units default to VSS's) and count it."""
        clean = {k: v for k, v in values.items() if v is not None}
        if clean:
            self.store.update(clean, source=self.source, units=units or UNITS, max_age_s=self.max_age_s)
            self.stats.accepted(kind)
