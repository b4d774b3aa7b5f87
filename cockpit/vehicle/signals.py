"""The vehicle signal store: the latest value of every COVESA VSS signal the car reports.

Keys are VSS paths (``Vehicle.Speed``, ``Vehicle.Cabin.HVAC.IsAirConditioningActive``). Each
value is held as a :class:`Signal` stamped with the monotonic clock and the adapter that wrote
it (``sim``, ``gpsd``, ``can``, ...), so later rules can judge how fresh a reading is.
Every write notifies subscribers with the old and new signal.
"""
from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from cockpit.errors import CockpitError

log = logging.getLogger(__name__)

_VSS_PATH = re.compile(r"Vehicle(\.[A-Za-z0-9_]+)+")

SignalCallback = Callable[["Signal | None", "Signal"], None]
"""Called as ``callback(old, new)`` after every write; ``old`` is None for a new signal."""


class SignalError(CockpitError):
    """A signal path is malformed or names no signal this vehicle has."""

    code = "vehicle-signal"


def check_path(path: str) -> str:
    """Return ``path`` if it is a well-formed VSS path (``Vehicle.`` + dotted names), else raise."""
    if not isinstance(path, str) or _VSS_PATH.fullmatch(path) is None:
        raise SignalError(
            f"{path!r} is not a VSS signal path",
            hint="Use a dotted COVESA VSS name under the root 'Vehicle', e.g. 'Vehicle.Speed'.",
        )
    return path


@dataclass(frozen=True, slots=True)
class Signal:
    """One reading of one signal."""

    path: str
    """COVESA VSS path, e.g. ``Vehicle.Speed``."""
    value: Any
    unit: str | None
    """VSS unit name (``km/h``, ``celsius``, ``percent``, ``kPa``, ``m``, ``degrees``) or None."""
    source: str
    """Which adapter wrote the value: ``sim``, ``gpsd``, ``can``, ``kuksa``..."""
    timestamp: float
    """Seconds on the store's monotonic clock when the value was written."""


class SignalStore:
    """Thread-safe, in-memory map of VSS path -> latest :class:`Signal`, with change callbacks.

    Subscribers are called after the write is committed and outside the lock, so a callback may
    read or write the store. A failing callback does not stop the others; the first error is
    re-raised once all have run.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.RLock()
        self._signals: dict[str, Signal] = {}
        self._subscribers: list[SignalCallback] = []

    def set(self, path: str, value: Any, *, source: str, unit: str | None = None) -> Signal:
        """Write a value and return the new signal.

        When ``unit`` is None the signal keeps the unit it already had, so an actuation does
        not have to restate it.
        """
        check_path(path)
        with self._lock:
            old = self._signals.get(path)
            if unit is None and old is not None:
                unit = old.unit
            new = Signal(path, value, unit, source, self._clock())
            self._signals[path] = new
            subscribers = list(self._subscribers)
        self._notify(subscribers, old, new)
        return new

    def get(self, path: str) -> Signal | None:
        """The latest signal at ``path``, or None if nothing has been written there."""
        with self._lock:
            return self._signals.get(path)

    def value(self, path: str, default: Any = None) -> Any:
        """The latest value at ``path``, or ``default`` if the signal is unknown."""
        signal = self.get(path)
        return default if signal is None else signal.value

    def snapshot(self) -> dict[str, Any]:
        """A copy of every path -> value, taken atomically."""
        with self._lock:
            return {path: s.value for path, s in self._signals.items()}

    def signals(self) -> list[Signal]:
        """A copy of every signal (with units, sources and timestamps), sorted by path."""
        with self._lock:
            return [self._signals[p] for p in sorted(self._signals)]

    def __contains__(self, path: object) -> bool:
        with self._lock:
            return path in self._signals

    def __len__(self) -> int:
        with self._lock:
            return len(self._signals)

    def subscribe(self, callback: SignalCallback) -> Callable[[], None]:
        """Call ``callback(old, new)`` on every write; returns a function that unsubscribes.

        The returned function is idempotent.
        """
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                try:
                    self._subscribers.remove(callback)
                except ValueError:
                    pass

        return unsubscribe

    @staticmethod
    def _notify(subscribers: list[SignalCallback], old: Signal | None, new: Signal) -> None:
        errors: list[BaseException] = []
        for callback in subscribers:
            try:
                callback(old, new)
            except Exception as exc:  # noqa: BLE001 - every subscriber hears the write first
                log.exception("signal subscriber %r failed on %s", callback, new.path)
                errors.append(exc)
        if errors:
            raise errors[0]
