"""Which model tier answers, in what order: a pure function of the mode and the breaker.

    fastpath-only   -> []                  (the fast path alone; nothing to download)
    local-only      -> [local]
    local-first     -> [local, cloud]      (cloud only when local fails)
    cloud-first     -> [cloud, local]      (local when the cloud fails mid-turn or is unhealthy)

The cloud is skipped while its circuit breaker is open (after ``breaker_failures``
consecutive failures, or at once when the connectivity probe at start-up cannot reach
it); after ``breaker_cooldown_s`` one request probes it again.
"""
from __future__ import annotations

import time
from typing import Callable

from cockpit.brain.breaker import CircuitBreaker
from cockpit.config import BrainSettings

ORDER = {"fastpath-only": (), "local-only": ("local",), "local-first": ("local", "cloud"),
         "cloud-first": ("cloud", "local")}


class Router:
    def __init__(self, settings: BrainSettings, clock: Callable[[], float] = time.monotonic):
        self.mode = settings.mode
        self.breaker = CircuitBreaker(settings.breaker_failures, settings.breaker_cooldown_s, clock=clock)
        self.online = True
        """The car's connectivity as the head unit reports it (HMI API); offline skips the cloud."""
        self.private = False
        """Privacy mode (cockpit/privacy/controls.py): the cloud is skipped."""

    @property
    def tiers(self) -> tuple[str, ...]:
        """Every tier this mode may ever use (what prepare() must load)."""
        return ORDER[self.mode]

    def order(self) -> tuple[list[str], str]:
        """The tiers to try for this turn, and why (for the turn summary)."""
        tiers = list(ORDER[self.mode])
        if "cloud" in tiers and self.private:
            tiers.remove("cloud")
            return tiers, f"{self.mode}; cloud skipped: privacy mode"
        if "cloud" in tiers and not self.online:
            tiers.remove("cloud")
            return tiers, f"{self.mode}; cloud skipped: the car is offline"
        if "cloud" in tiers and not self.breaker.allow():
            tiers.remove("cloud")
            return tiers, f"{self.mode}; cloud skipped: circuit breaker open"
        return tiers, self.mode

    def probed(self, reachable: bool) -> None:
        """The connectivity probe's verdict: an unreachable cloud is skipped until the cooldown."""
        if not reachable:
            self.breaker.trip()

    def record(self, tier: str, ok: bool) -> None:
        if tier == "cloud":
            self.breaker.success() if ok else self.breaker.failure()
