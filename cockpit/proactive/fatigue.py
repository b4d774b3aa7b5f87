"""A break suggestion for a tiring driver: an estimate from what the car can know, and when to ask.

:func:`estimate` is pure. Each input is optional; the estimate is the weighted mean of those present
(weights in ``proactive.fatigue``), each in 0..1:

- **time on task** — driving since the last break: nothing below ``task_min_s`` (15 min), rising
  linearly to full at ``task_full_s`` (2 h, the common "a break every two hours" advice);
- **time of day** — inside a circadian low (02:00-06:00 full, 14:00-16:00 0.6: the peaks of
  sleep-related crashes, Horne & Reyner 1995), else nothing;
- **driver monitoring** — ``Vehicle.Driver.FatigueLevel`` / 100 and 1 - ``AttentiveProbability`` / 100,
  only when a feed provides them;

then **voice cues** (this driver's speech rate, answer latency and words per turn against their own
baseline in this trip, :mod:`cockpit.proactive.voice`) may raise a non-zero estimate by at most
``voice_prior`` — a weak prior, never a signal on its own.

It is an estimate of when a break is worth suggesting, not a measurement of sleepiness (README: "A
co-pilot that speaks first").

:class:`FatigueWatch` follows the trip — time on task restarts after a stop of ``break_s`` — and says
when to ask: at the threshold, with a place to stop on the route ahead that is open when the car gets
there; after a "no" (or no answer) it waits ``backoff_s``, doubled each time, and asks at most
``max_asks`` times between breaks. Its later questions are a little firmer, never louder.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, time as dtime
from typing import Callable

from cockpit.config.proactive import FatigueSettings
from cockpit.events import ToolCall
from cockpit.proactive.moment import Moment
from cockpit.proactive.prompt import Prompt
from cockpit.proactive.stops import Stop


@dataclass(frozen=True)
class Estimate:
    score: float
    """0..1; the threshold is ``proactive.fatigue.threshold``."""
    parts: dict[str, float] = field(default_factory=dict)
    """Each signal present, 0..1 (and 'voice', the prior's factor)."""


def _clock(text: str) -> dtime:
    hours, minutes = text.split(":")
    return dtime(int(hours), int(minutes))


def circadian(local: datetime, lows: list[tuple[str, str, float]]) -> float:
    """How deep in a circadian low ``local`` is (0 outside every window)."""
    now = local.time()
    level = 0.0
    for start, end, depth in lows:
        a, b = _clock(start), _clock(end)
        inside = a <= now < b if a <= b else (now >= a or now < b)
        if inside:
            level = max(level, depth)
    return level


def estimate(s: FatigueSettings, task_s: float, local: datetime, dms_fatigue: float | None = None,
             dms_attentive: float | None = None, voice: float | None = None) -> Estimate:
    """The weighted mean of the signals present, raised by the voice prior (see the module docstring)."""
    span = max(1.0, s.task_full_s - s.task_min_s)
    parts = {"task": min(1.0, max(0.0, (task_s - s.task_min_s) / span)), "circadian": circadian(local, s.circadian_lows)}
    weights = {"task": s.weight_task, "circadian": s.weight_circadian}
    if dms_fatigue is not None and math.isfinite(dms_fatigue):
        parts["dms_fatigue"], weights["dms_fatigue"] = min(1.0, max(0.0, dms_fatigue / 100.0)), s.weight_dms_fatigue
    if dms_attentive is not None and math.isfinite(dms_attentive):
        parts["dms_attentive"] = min(1.0, max(0.0, 1.0 - dms_attentive / 100.0))
        weights["dms_attentive"] = s.weight_dms_attentive
    total = sum(weights.values())
    base = sum(parts[k] * weights[k] for k in parts) / total if total > 0 else 0.0
    if voice is not None:
        parts["voice"] = min(1.0, max(0.0, voice))
        base *= 1.0 + s.voice_prior * parts["voice"]
    return Estimate(round(min(1.0, base), 4), parts)


def spoken_duration(seconds: float) -> str:
    """'two hours', 'an hour and a half', '50 minutes' (to the nearest quarter hour past an hour)."""
    minutes = int(round(seconds / 60.0))
    if minutes < 60:
        return f"{max(1, minutes)} minute{'s' if minutes != 1 else ''}"
    quarters = int(round(minutes / 15.0))
    hours, rest = divmod(quarters, 4)
    head = "an hour" if hours == 1 else f"{hours} hours"
    return head + {0: "", 1: " and a quarter", 2: " and a half", 3: " and three quarters"}[rest]


class FatigueWatch:
    kind = "fatigue"

    def __init__(self, settings: FatigueSettings, find_stop: Callable[[Moment], Stop | None],
                 voice: Callable[[], float | None] = lambda: None, priority: int = 30) -> None:
        self.settings, self.find_stop, self.voice, self.priority = settings, find_stop, voice, priority
        self.driving_since: float | None = None
        """Trip second the driver set off after the last break (None: not moving yet)."""
        self._stopped_since: float | None = None
        self.asks = 0
        """Break suggestions since the last break."""
        self._quiet_until = -math.inf
        self._out = False
        """A suggestion is out (queued or asked) and not yet settled: no second one meanwhile."""
        self.last: Estimate | None = None

    def follow(self, m: Moment) -> None:
        """Keep time on task: moving starts it; a stop of ``break_s`` or more is a break."""
        if m.speed_kmh is None:
            return
        if m.stopped:
            if self._stopped_since is None:
                self._stopped_since = m.trip_s
            if m.trip_s - self._stopped_since >= self.settings.break_s and self.driving_since is not None:
                self.driving_since, self.asks, self._quiet_until = None, 0, -math.inf  # a break: start again
            return
        self._stopped_since = None
        if self.driving_since is None:
            self.driving_since = m.trip_s

    def task_s(self, m: Moment) -> float:
        return 0.0 if self.driving_since is None else m.trip_s - self.driving_since

    def due(self, m: Moment) -> list[Prompt]:
        self.follow(m)
        if self.driving_since is None or m.stopped:
            return []
        task = self.task_s(m)
        self.last = estimate(self.settings, task, m.local, m.dms_fatigue, m.dms_attentive, self.voice())
        if (self._out or self.last.score < self.settings.threshold or self.asks >= self.settings.max_asks
                or m.trip_s < self._quiet_until):
            return []
        made = self._make(m)
        self._out = made is not None
        return [made] if made is not None else []

    def refresh(self, prompt: Prompt, m: Moment) -> Prompt | None:
        """The suggestion as it would be made now (the place ahead moves), or None if none would be."""
        self.follow(m)
        if self.driving_since is None or m.stopped:
            return None
        return self._make(m)

    def _make(self, m: Moment) -> Prompt | None:
        stop = self.find_stop(m)
        if stop is None or self.last is None or self.driving_since is None:
            return None
        task = self.task_s(m)
        night = circadian(m.local, self.settings.circadian_lows) > 0
        if self.asks == 0:
            question = (f"You've been driving for {spoken_duration(task)}. There's {stop.described()}. "
                        "Shall I navigate there?")
        else:
            late = ", and it's the middle of the night" if night and m.local.hour < 7 else ""
            question = (f"You've been driving for {spoken_duration(task)} without a break{late}. A short stop "
                        f"really helps. There's {stop.described()}. Shall I take you there?")
        parts = ", ".join(f"{k} {v:.2f}" for k, v in self.last.parts.items())
        return Prompt("fatigue", f"fatigue:{self.asks + 1}:{int(self.driving_since)}",
                      f"fatigue estimate {self.last.score:.2f} >= {self.settings.threshold:g} ({parts}); "
                      f"{task / 60:.0f} min on task", ToolCall("navigate_to", {"destination": stop.poi.name}),
                      question, self.priority, m.trip_s)

    def settled(self, prompt: Prompt, outcome: str, trip_s: float) -> None:
        if outcome == "asked":
            self.asks += 1
            return
        self._out = False
        if outcome in ("no", "unanswered", "refused"):
            self._quiet_until = trip_s + self.settings.backoff_s * 2 ** max(0, self.asks - 1)
        elif outcome == "yes":
            self._quiet_until = trip_s + self.settings.backoff_s  # on the way to the stop: no second offer


__all__ = ["Estimate", "FatigueWatch", "circadian", "estimate", "spoken_duration"]
