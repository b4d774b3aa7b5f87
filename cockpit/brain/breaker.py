"""A circuit breaker for the cloud tier: after a run of failures, stop asking for a while.

Pure: no I/O, no threads, no wall clock. Time comes from an injected ``clock`` (monotonic seconds),
so the tests are plain asserts.

    closed --(failures_to_open consecutive failures)--> open
    open --(cooldown_s elapsed, next allow())--> half-open: exactly one probe goes through
    half-open --success()--> closed          half-open --failure()--> open (cooldown restarts)
"""
from __future__ import annotations

import enum
import time
from typing import Callable


class BreakerState(str, enum.Enum):
    CLOSED = "closed"
    """Calls go through; consecutive failures are counted."""
    OPEN = "open"
    """Calls are refused until the cooldown has passed."""
    HALF_OPEN = "half-open"
    """The cooldown has passed: one probe call may go through to test the service."""


class CircuitBreaker:
    """``allow()`` before each call, then ``success()`` or ``failure()`` with how it went."""

    def __init__(self, failures_to_open: int = 3, cooldown_s: float = 30.0,
                 clock: Callable[[], float] = time.monotonic):
        if failures_to_open < 1:
            raise ValueError("failures_to_open must be >= 1")
        if cooldown_s < 0:
            raise ValueError("cooldown_s must be >= 0")
        self.failures_to_open = failures_to_open
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probe_out = False  # half-open: the one probe has been let through

    @property
    def state(self) -> BreakerState:
        """The state now; an open breaker whose cooldown has passed reads as half-open."""
        if self._state is BreakerState.OPEN and self._cooled_down():
            return BreakerState.HALF_OPEN
        return self._state

    @property
    def failures(self) -> int:
        """Consecutive failures counted while closed."""
        return self._failures

    def allow(self) -> bool:
        """May a call go out now? In half-open, True exactly once (the probe) until it reports back."""
        if self._state is BreakerState.CLOSED:
            return True
        if self._state is BreakerState.OPEN:
            if not self._cooled_down():
                return False
            self._state, self._probe_out = BreakerState.HALF_OPEN, False
        if self._probe_out:
            return False
        self._probe_out = True
        return True

    def success(self) -> None:
        """The call worked. Closes a half-open breaker; a late success while open is stale, ignored."""
        if self._state is BreakerState.OPEN:
            return
        self._state, self._failures, self._probe_out = BreakerState.CLOSED, 0, False

    def failure(self) -> None:
        """The call failed. Opens after ``failures_to_open`` in a row, or at once when half-open."""
        if self._state is BreakerState.OPEN:
            return  # a late failure of a call started before opening: the cooldown stands
        if self._state is BreakerState.HALF_OPEN:
            self._open()
            return
        self._failures += 1
        if self._failures >= self.failures_to_open:
            self._open()

    def trip(self) -> None:
        """Open now, whatever the count (the connectivity probe found the endpoint unreachable)."""
        self._open()

    def _open(self) -> None:
        self._state, self._opened_at, self._probe_out = BreakerState.OPEN, self._clock(), False
        self._failures = 0

    def _cooled_down(self) -> bool:
        return self._clock() - self._opened_at >= self.cooldown_s

    def __repr__(self) -> str:
        return f"CircuitBreaker(state={self.state.value}, failures={self._failures})"
