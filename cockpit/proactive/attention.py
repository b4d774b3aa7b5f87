"""Whether the road needs the driver more than cockpit does: pure, driven by the moments it is shown.

A prompt may be spoken only when the car's speed is known and inside one of
``proactive.attention.speed_bands_kmh`` (default: standing, or 20-130 km/h — not in stop-and-go, not
fast), and not within ``harsh_brake_hold_s`` trip seconds of harsh braking: a longitudinal
deceleration of at least ``harsh_brake_mps2`` (``Vehicle.Acceleration.Longitudinal``) or ABS engaging
(``Vehicle.ADAS.ABS.IsEngaged``), when CAN provides those signals. Without them only the speed rule
applies. This is a configured rule of thumb, not a measure of workload.
"""
from __future__ import annotations

import math

from cockpit.config.proactive import AttentionSettings
from cockpit.proactive.moment import Moment


class Attention:
    def __init__(self, settings: AttentionSettings) -> None:
        self.settings = settings
        self.braked_s = -math.inf
        """Trip second of the last harsh braking seen."""

    def braking(self, accel_mps2: float | None, abs_engaged: bool | None, trip_s: float) -> None:
        """A reading of the braking signals (from a tick, or the signal store as it changes)."""
        if (accel_mps2 is not None and accel_mps2 <= -self.settings.harsh_brake_mps2) or abs_engaged is True:
            self.braked_s = max(self.braked_s, trip_s)

    def needed(self, moment: Moment) -> str | None:
        """Why the driver's attention is needed now (no prompt), or None."""
        self.braking(moment.accel_mps2, moment.abs_engaged, moment.trip_s)
        if moment.trip_s - self.braked_s < self.settings.harsh_brake_hold_s:
            return "harsh braking a moment ago"
        if moment.speed_kmh is None:
            return "the speed is unknown"
        speed = abs(moment.speed_kmh)
        if not any(lo <= speed <= hi for lo, hi in self.settings.speed_bands_kmh):
            return f"{speed:.0f} km/h is outside the speed bands for prompts"
        return None


__all__ = ["Attention"]
