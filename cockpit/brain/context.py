"""The vehicle context block: the few signals that matter, fresh ones only, at the right precision.

It is the last thing before the driver's words in every LLM turn (after the static system
prompt, so llama.cpp's cached prefix is untouched). One line, a few dozen tokens::

    Vehicle (12:31 Fri): at 48.14140, 11.57550 heading north (0°), speed 40 km/h, fuel 62%, range 410 km, ...

Rules: a signal the store has never had is left out; one whose reading is stale (its feed went
quiet) is said to be *unknown* — never its old value. ``exact`` precision is for the local
model (the words never leave the car); ``coarse`` is for the cloud: the position is snapped to
the privacy grid, speed rounded to 10 km/h and heading to a compass word.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Literal

from cockpit.brain.privacy import coarsen
from cockpit.vehicle import vss
from cockpit.vehicle.geo import compass
from cockpit.vehicle.signals import SignalStore

Precision = Literal["exact", "coarse"]


def _num(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _speed(v: float, coarse: bool) -> str:
    return f"speed {int(round(v / 10.0) * 10) if coarse else round(v)} km/h"


def _heading(v: float, coarse: bool) -> str:
    return f"heading {compass(v)}" + ("" if coarse else f" ({round(v) % 360}°)")


def _percent(label: str) -> Callable[[float, bool], str]:
    return lambda v, coarse: f"{label} {round(v)}%"


def _celsius(label: str) -> Callable[[float, bool], str]:
    return lambda v, coarse: f"{label} {v:g}°C"


def _range(v: float, coarse: bool) -> str:
    return f"range {round(v / 1000)} km"


@dataclass(frozen=True, slots=True)
class Line:
    path: str
    render: Callable[[float, bool], str]
    unknown: str
    """What to say when the reading is stale."""


LINES: tuple[Line, ...] = (
    Line(vss.SPEED, _speed, "speed unknown"),
    Line(vss.HEADING, _heading, "heading unknown"),
    Line(vss.FUEL_LEVEL, _percent("fuel"), "fuel unknown"),
    Line(vss.SOC, _percent("battery"), "battery unknown"),
    Line(vss.RANGE, _range, "range unknown"),
    Line(vss.EXTERIOR_TEMP, _celsius("outside"), "outside temperature unknown"),
    Line(vss.DRIVER_TEMP, _celsius("cabin set to"), "cabin setting unknown"),
)
"""The signals the prompt carries, in order (position comes first, rendered on its own)."""


class ContextRenderer:
    """Renders the context line from the signal store (and the local clock, when given)."""

    def __init__(self, store: SignalStore, *, coarse_km: float = 1.0,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.store = store
        self.coarse_km = coarse_km
        """Grid cell size for ``coarse`` positions (the privacy policy's location precision)."""
        self.clock = clock

    def render(self, precision: Precision = "exact") -> str:
        coarse = precision == "coarse"
        parts: list[str] = []
        position = self._position(coarse)
        if position:
            parts.append(position)
        for line in LINES:
            if line.path not in self.store:
                continue
            signal = self.store.fresh(line.path)
            value = _num(signal.value) if signal is not None else None
            parts.append(line.render(value, coarse) if value is not None else line.unknown)
        when = f" ({self.clock():%H:%M %a})" if self.clock is not None else ""
        return f"Vehicle{when}: " + (", ".join(parts) if parts else "no data") + "."

    def _position(self, coarse: bool) -> str:
        if not any(p in self.store for p in vss.POSITION):
            return ""
        lat, lon = (self.store.fresh(p) for p in vss.POSITION)
        if lat is None or lon is None or _num(lat.value) is None or _num(lon.value) is None:
            return "position unknown"
        la, lo = float(lat.value), float(lon.value)
        if coarse:
            if self.coarse_km > 0:
                la, lo = coarsen(la, lo, self.coarse_km)
            return f"near {la:.4f}, {lo:.4f}"
        return f"at {la:.5f}, {lo:.5f}"
