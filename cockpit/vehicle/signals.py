"""The vehicle signal store: the latest value of every COVESA VSS signal the car reports.

Keys are VSS paths (``Vehicle.Speed``, ``Vehicle.Cabin.HVAC.IsAirConditioningActive``). Each
value is held as a :class:`Signal` stamped with the monotonic clock and the adapter that wrote
it (``sim``, ``gpsd``, ``can``, ...), so later rules can judge how fresh a reading is.
Every write notifies subscribers with the old and new signal.

Staleness: a reading from a live feed (gpsd, CAN) is only true for a while. Each signal carries
``max_age_s`` — set by the adapter that wrote it (a 1 Hz GPS says 3 s), overridden per path or
path prefix by ``rules`` from config — and :meth:`SignalStore.fresh` / :meth:`fresh_values`
hide a reading older than that, so a feed that stops makes its signals *unknown*, never
silently old. Values with no ``max_age_s`` (a parked car's settings, the simulated defaults)
never go stale.
"""
from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

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
    max_age_s: float | None = None
    """After this many seconds the reading is stale (unknown); None = never stale."""

    def is_fresh(self, now: float) -> bool:
        return self.max_age_s is None or now - self.timestamp <= self.max_age_s


class SignalStore:
    """Thread-safe, in-memory map of VSS path -> latest :class:`Signal`, with change callbacks.

    Subscribers are called after the write is committed and outside the lock, so a callback may
    read or write the store. A failing callback does not stop the others; the first error is
    re-raised once all have run.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic,
                 rules: Mapping[str, float] | None = None) -> None:
        self._clock = clock
        self._lock = threading.RLock()
        self._signals: dict[str, Signal] = {}
        self._subscribers: list[SignalCallback] = []
        self.rules: dict[str, float] = {check_path(k): float(v) for k, v in (rules or {}).items()}
        """Staleness overrides: VSS path or path prefix -> max age in seconds (longest match wins)."""

    def now(self) -> float:
        return self._clock()

    def max_age_for(self, path: str, default: float | None = None) -> float | None:
        """The staleness rule for ``path``: the longest matching rule, else ``default``."""
        best: str | None = None
        for key in self.rules:
            if (path == key or path.startswith(key + ".")) and (best is None or len(key) > len(best)):
                best = key
        return self.rules[best] if best is not None else default

    def set(self, path: str, value: Any, *, source: str, unit: str | None = None,
            max_age_s: float | None = None) -> Signal:
        """Write a value and return the new signal.

        When ``unit`` is None the signal keeps the unit it already had, so an actuation does
        not have to restate it. ``max_age_s`` is the writer's idea of how long the reading holds;
        a configured rule for the path wins over it.
        """
        check_path(path)
        with self._lock:
            old = self._signals.get(path)
            if unit is None and old is not None:
                unit = old.unit
            new = Signal(path, value, unit, source, self._clock(), self.max_age_for(path, max_age_s))
            self._signals[path] = new
            subscribers = list(self._subscribers)
        self._notify(subscribers, old, new)
        return new

    def update(self, values: Mapping[str, Any], *, source: str, units: Mapping[str, str | None] | None = None,
               max_age_s: float | None = None) -> None:
        """Write several values from one reading (a GPS fix, a CAN frame)."""
        for path, value in values.items():
            self.set(path, value, source=source, unit=(units or {}).get(path), max_age_s=max_age_s)

    def fresh(self, path: str) -> Signal | None:
        """The latest signal at ``path`` if it is still fresh, else None (unknown)."""
        signal = self.get(path)
        return signal if signal is not None and signal.is_fresh(self._clock()) else None

    def fresh_values(self, paths: Iterable[str] | None = None) -> dict[str, Any]:
        """path -> value for every fresh signal (of ``paths``, when given); stale ones are left out."""
        now = self._clock()
        with self._lock:
            wanted = self._signals if paths is None else {p: self._signals[p] for p in paths if p in self._signals}
            return {p: s.value for p, s in wanted.items() if s.is_fresh(now)}

    def stale_paths(self) -> list[str]:
        """Signals that have a value but are too old to trust, sorted."""
        now = self._clock()
        with self._lock:
            return sorted(p for p, s in self._signals.items() if not s.is_fresh(now))

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

    def subscribe(self, callback: SignalCallback, paths: Iterable[str] | None = None) -> Callable[[], None]:
        """Call ``callback(old, new)`` on every write (to ``paths`` or below them, when given);
        returns a function that unsubscribes. The returned function is idempotent.
        """
        if paths is not None:
            prefixes = tuple(check_path(p) for p in paths)
            inner = callback

            def callback(old: Signal | None, new: Signal) -> None:  # noqa: F811 - the filtered wrapper
                if any(new.path == p or new.path.startswith(p + ".") for p in prefixes):
                    inner(old, new)
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
