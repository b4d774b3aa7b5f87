"""Proactive settings: when cockpit may speak first, and what about (README "A co-pilot that speaks first").

Every threshold here is a configured number, not a measurement of the driver: the README says where
each default comes from and what it cannot tell.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from cockpit.config.base import Section


class AttentionSettings(Section):
    """When the road needs the driver more than cockpit does: no prompt is spoken then (it waits)."""

    speed_bands_kmh: list[tuple[float, float]] = [(0.0, 5.0), (20.0, 130.0)]
    """Speeds (km/h, inclusive) at which a prompt may be spoken; outside them it waits. The default keeps
    quiet in stop-and-go and manoeuvring (5-20 km/h) and above 130 km/h. An unknown speed waits too."""
    harsh_brake_mps2: float = Field(4.0, gt=0.0, le=20.0)
    """A longitudinal deceleration at least this strong (m/s², ``Vehicle.Acceleration.Longitudinal`` from
    CAN, when a feed provides it) or ABS engaging counts as harsh braking."""
    harsh_brake_hold_s: float = Field(30.0, ge=0.0, le=600.0)
    """After harsh braking, no prompt for this many seconds of the trip."""

    @field_validator("speed_bands_kmh")
    @classmethod
    def _bands(cls, value: list[tuple[float, float]]) -> list[tuple[float, float]]:
        for lo, hi in value:
            if not 0.0 <= lo <= hi <= 400.0:
                raise ValueError(f"a speed band is [low, high] with 0 <= low <= high <= 400 km/h, got [{lo}, {hi}]")
        return value


class FatigueSettings(Section):
    """A break suggestion when the fatigue estimate passes ``threshold``. Each signal is optional; a
    missing one is left out of the weighted mean (its weight does not count)."""

    enabled: bool = True
    """Suggest breaks at all."""
    threshold: float = Field(0.6, gt=0.0, le=1.0)
    """Estimate (0..1) at which cockpit offers a break."""
    task_min_s: float = Field(900.0, ge=0.0, le=36000.0)
    """Time on task (driving since the last break) below this counts as nothing (15 min)."""
    task_full_s: float = Field(7200.0, gt=0.0, le=86400.0)
    """Time on task at which that signal is full (2 h: the common 'a break every two hours' advice)."""
    break_s: float = Field(600.0, gt=0.0, le=7200.0)
    """A stop (speed at most 3 km/h) at least this long counts as a break: time on task starts again."""
    weight_task: float = Field(0.5, ge=0.0, le=10.0)
    """Weight of time on task."""
    weight_circadian: float = Field(0.3, ge=0.0, le=10.0)
    """Weight of the time of day."""
    circadian_lows: list[tuple[str, str, float]] = [("02:00", "06:00", 1.0), ("14:00", "16:00", 0.6)]
    """Local-time windows of the circadian dips (start, end, how much of the weight counts inside)."""
    weight_dms_fatigue: float = Field(0.6, ge=0.0, le=10.0)
    """Weight of ``Vehicle.Driver.FatigueLevel`` (percent) when a driver-monitoring feed provides it."""
    weight_dms_attentive: float = Field(0.4, ge=0.0, le=10.0)
    """Weight of 1 - ``Vehicle.Driver.AttentiveProbability`` (percent) when a feed provides it."""
    voice_prior: float = Field(0.2, ge=0.0, le=1.0)
    """Voice cues may raise a non-zero estimate by at most this fraction (a weak prior); alone they are nothing."""
    voice_baseline_turns: int = Field(3, ge=1, le=50)
    """How many of the driver's turns in this trip make their own baseline before voice cues count."""
    backoff_s: float = Field(1200.0, gt=0.0, le=86400.0)
    """After a 'no' (or no answer), wait this long before offering again; doubled after each further 'no'."""
    max_asks: int = Field(3, ge=1, le=20)
    """Most break suggestions between two breaks."""
    stop_categories: list[str] = ["cafe", "restaurant", "fuel"]
    """Kinds of place offered for a break, best first when equally near (find_nearby's categories)."""
    search_m: float = Field(30000.0, gt=0.0, le=300000.0)
    """How far ahead on the route a place may be."""


class RangeSettings(Section):
    """A fuel or charging stop when the range left after the destination gets thin."""

    enabled: bool = True
    """Warn about range at all."""
    margins_km: list[float] = [50.0, 20.0]
    """Spare range (range minus the distance still to drive) under each of these asks once per trip."""
    category: Literal["auto", "fuel", "charging"] = "auto"
    """What to offer: 'auto' charging when the car reports a traction battery and no fuel level, else fuel."""
    search_m: float = Field(60000.0, gt=0.0, le=500000.0)
    """How far ahead on the route a station may be."""

    @field_validator("margins_km")
    @classmethod
    def _margins(cls, value: list[float]) -> list[float]:
        if any(not 0.0 < m <= 1000.0 for m in value):
            raise ValueError("each margin is a distance in km between 0 and 1000")
        return sorted(set(value), reverse=True)


class AgendaSettings(Section):
    """Timers and reminders, kept in SQLite under session.state_dir (they survive a restart)."""

    enabled: bool = True
    """Offer timers and reminders (the tools, and their prompts)."""
    database: str = "agenda.sqlite3"
    """The SQLite file (relative: inside session.state_dir; created 0600)."""
    arrive_radius_m: float = Field(300.0, ge=150.0, le=5000.0)
    """'When I arrive': within this distance of the place, with the car stopped (at least 150 m: the place is
    kept to 3 decimals of a degree, ~110 m)."""
    stop_s: float = Field(20.0, ge=0.0, le=3600.0)
    """'At the next stop': the car stopped (parked, or at most 3 km/h) for this long after it moved."""
    snooze_minutes: int = Field(10, ge=1, le=240)
    """A fired reminder offers to come back this many minutes later."""


class ProactiveSettings(Section):
    """cockpit speaking first: break suggestions, range warnings, timers and reminders, the arrival routine.
    A prompt only ever asks; the driver's spoken yes is what acts (through the policy gate)."""

    enabled: bool = True
    """Speak first at all (false: cockpit only answers)."""
    kinds: dict[Literal["fatigue", "range", "timer", "reminder", "arrival"], bool] = {}
    """Per-kind switches, e.g. {fatigue: false}; a kind not listed is on."""
    min_gap_s: float = Field(300.0, ge=0.0, le=86400.0)
    """At most one prompt per this many seconds of the trip."""
    quiet_s: float = Field(2.0, ge=0.0, le=60.0)
    """The cabin must have been quiet this long (nobody speaking, no reply) before cockpit speaks first."""
    answer_s: float = Field(8.0, gt=0.0, le=120.0)
    """How long a prompt waits for its answer; then it is withdrawn (the next words are a new request)."""
    check_every_s: float = Field(1.0, gt=0.0, le=600.0)
    """How often the watches look at the car."""
    expire_s: dict[Literal["fatigue", "range", "timer", "reminder", "arrival"], float] = {
        "fatigue": 120.0, "range": 120.0, "timer": 3600.0, "reminder": 3600.0, "arrival": 300.0}
    """How long (trip seconds) a due prompt may wait for a quiet moment before it is dropped (a place
    'ahead' goes stale; a reminder keeps)."""
    priority: dict[Literal["fatigue", "range", "timer", "reminder", "arrival"], int] = {
        "range": 40, "fatigue": 30, "reminder": 20, "timer": 20, "arrival": 10}
    """Which waiting prompt goes first when several are due (higher first)."""
    attention: AttentionSettings = AttentionSettings()
    fatigue: FatigueSettings = FatigueSettings()
    range: RangeSettings = RangeSettings()
    agenda: AgendaSettings = AgendaSettings()

    def on(self, kind: str) -> bool:
        """Is this kind of prompt switched on?"""
        return self.enabled and self.kinds.get(kind, True)  # type: ignore[call-overload]


__all__ = ["AgendaSettings", "AttentionSettings", "FatigueSettings", "ProactiveSettings", "RangeSettings"]
