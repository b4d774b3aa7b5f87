"""Range against the destination: offer a fuel or charging stop before the spare range runs thin.

Pure over the moments it is shown. With a navigation destination, a fresh ``Vehicle.Powertrain.Range``
and the distance still to drive (:attr:`Moment.remaining_m`), the *spare range* is range minus that
distance. Each of ``proactive.range.margins_km`` (default 50 and 20 km) is asked about once per trip —
the first time the spare range falls under it. A trip is the way to one destination until the car arrives there: a detour to a café
and back to the same destination is the same trip (its margins are not asked again). The offer is the best station on the route ahead that is open when the car gets there
(:mod:`cockpit.proactive.stops`); with none, cockpit offers to look for the nearest one instead.
The range figure is the car's own estimate; cockpit adds no consumption model of its own.
"""
from __future__ import annotations

from typing import Callable

from cockpit.vehicle.geo import distance_m

from cockpit.config.proactive import RangeSettings
from cockpit.events import ToolCall
from cockpit.proactive.moment import Moment
from cockpit.proactive.prompt import Prompt
from cockpit.proactive.stops import Stop


ARRIVED_M = 300.0
"""Stopped this close to the destination: arrived."""


def _km(metres: float) -> str:
    return f"{max(0, round(metres / 1000.0))} kilometres"


class RangeWatch:
    kind = "range"

    def __init__(self, settings: RangeSettings, find_stop: Callable[[Moment, str], Stop | None],
                 priority: int = 40) -> None:
        self.settings, self.find_stop, self.priority = settings, find_stop, priority
        self._asked: dict[tuple[float, float], set[float]] = {}
        """Destination -> the margins asked about on the way there (forgotten on arrival)."""
        self._stations: list[tuple[float, float]] = []
        """Stations offered and accepted: driving to one is not a trip to warn about."""

    def category(self, m: Moment) -> str:
        if self.settings.category != "auto":
            return self.settings.category
        return "charging" if m.soc_pct is not None and m.fuel_pct is None else "fuel"

    def due(self, m: Moment) -> list[Prompt]:
        if m.destination is None or m.range_m is None or m.remaining_m is None:
            return []
        if any(distance_m(*m.destination, *s) <= ARRIVED_M for s in self._stations):
            return []  # on the way to the station offered: no warning about getting there
        asked = self._asked.setdefault(m.destination, set())
        if m.stopped and m.position is not None and distance_m(*m.position, *m.destination) <= ARRIVED_M:
            asked.clear()  # arrived: the next trip there starts afresh
            return []
        spare = m.range_m - m.remaining_m
        margin = next((k for k in sorted(self.settings.margins_km) if spare < k * 1000.0 and k not in asked),
                      None)  # the tightest margin crossed and not yet asked about
        made = self._make(m, margin) if margin is not None else None
        return [made] if made is not None else []

    def refresh(self, prompt: Prompt, m: Moment) -> Prompt | None:
        """The warning as it would be given now, or None when it no longer holds (another destination, or
        the spare range back above the margin)."""
        margin, where = prompt.key.split(":")[1].split("@")
        if m.destination is None or m.range_m is None or m.remaining_m is None or \
                where != f"{m.destination[0]:.4f},{m.destination[1]:.4f}" or \
                m.range_m - m.remaining_m >= float(margin) * 1000.0:
            return None
        return self._make(m, float(margin))

    def _make(self, m: Moment, margin: float) -> Prompt:
        assert m.destination is not None and m.range_m is not None and m.remaining_m is not None
        spare = m.range_m - m.remaining_m
        category = self.category(m)
        noun = "charging station" if category == "charging" else "gas station"
        said = (f"You have about {_km(m.range_m)} of range and {_km(m.remaining_m)} still to go"
                + (", so you won't make it without a stop." if spare < 0 else "."))
        reason = f"spare range {spare / 1000:.0f} km < {margin:g} km (range {m.range_m / 1000:.0f} km, " \
                 f"{m.remaining_m / 1000:.0f} km to the destination)"
        stop = self.find_stop(m, category)
        if stop is not None:
            question = f"{said} There's {stop.described()}. Shall I navigate there?"
            offer = ToolCall("navigate_to", {"destination": stop.poi.name})
        else:
            question = f"{said} I don't see an open {noun} on your route. Shall I look for the nearest one?"
            offer = ToolCall("find_nearby", {"category": category, "open_now": True})
        where = f"{m.destination[0]:.4f},{m.destination[1]:.4f}"
        return Prompt("range", f"range:{margin:g}@{where}", reason, offer, question, self.priority, m.trip_s,
                      meta=(stop.poi.lat, stop.poi.lon) if stop is not None else None)

    def settled(self, prompt: Prompt, outcome: str, trip_s: float) -> None:
        if outcome == "yes" and prompt.meta is not None:
            self._stations.append(prompt.meta)
        if outcome == "asked":
            margin, where = prompt.key.split(":")[1].split("@")
            lat, lon = (float(x) for x in where.split(","))
            for destination, asked in self._asked.items():
                if round(destination[0], 4) == round(lat, 4) and round(destination[1], 4) == round(lon, 4):
                    asked |= {k for k in self.settings.margins_km if k >= float(margin)}  # a looser one is moot now


__all__ = ["RangeWatch"]
