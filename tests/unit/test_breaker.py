"""CircuitBreaker: plain asserts with an injected clock."""
from __future__ import annotations

import pytest

from cockpit.brain.breaker import BreakerState, CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def _breaker(n: int = 3, cooldown: float = 30.0):
    clock = Clock()
    return CircuitBreaker(failures_to_open=n, cooldown_s=cooldown, clock=clock), clock


def test_starts_closed_and_allows():
    b, _ = _breaker()
    assert b.state is BreakerState.CLOSED and b.state == "closed"
    assert all(b.allow() for _ in range(10))


def test_opens_after_consecutive_failures_only():
    b, _ = _breaker(3)
    b.failure(); b.failure(); b.success()  # a success resets the run
    b.failure(); b.failure()
    assert b.state is BreakerState.CLOSED and b.allow()
    b.failure()
    assert b.state is BreakerState.OPEN
    assert not b.allow()


def test_open_refuses_until_cooldown_then_one_probe():
    b, clock = _breaker(1, cooldown=30)
    b.failure()
    clock.t += 29.9
    assert not b.allow() and b.state is BreakerState.OPEN
    clock.t += 0.1
    assert b.state is BreakerState.HALF_OPEN
    assert b.allow()          # the probe
    assert not b.allow()      # exactly one
    assert not b.allow()
    assert b.state is BreakerState.HALF_OPEN


def test_probe_success_closes():
    b, clock = _breaker(2, cooldown=5)
    b.failure(); b.failure()
    clock.t += 5
    assert b.allow()
    b.success()
    assert b.state is BreakerState.CLOSED and b.failures == 0
    assert b.allow() and b.allow()
    b.failure()
    assert b.state is BreakerState.CLOSED  # counting starts again from zero


def test_probe_failure_reopens_with_fresh_cooldown():
    b, clock = _breaker(3, cooldown=10)
    for _ in range(3):
        b.failure()
    clock.t += 10
    assert b.allow()
    clock.t += 4
    b.failure()
    assert b.state is BreakerState.OPEN and not b.allow()
    clock.t += 9.9
    assert not b.allow()
    clock.t += 0.1
    assert b.allow() and not b.allow()


def test_late_reports_while_open_are_ignored():
    b, clock = _breaker(1, cooldown=10)
    b.failure()
    clock.t += 6
    b.success()  # stale: the call started before the breaker opened
    assert b.state is BreakerState.OPEN
    b.failure()  # does not restart the cooldown
    clock.t += 4
    assert b.allow()


def test_zero_cooldown_goes_straight_to_half_open():
    b, _ = _breaker(1, cooldown=0)
    b.failure()
    assert b.state is BreakerState.HALF_OPEN
    assert b.allow() and not b.allow()


def test_bad_arguments():
    with pytest.raises(ValueError):
        CircuitBreaker(failures_to_open=0)
    with pytest.raises(ValueError):
        CircuitBreaker(cooldown_s=-1)


def test_trip_opens_at_once_and_cools_down_to_one_probe():
    now = [0.0]
    b = CircuitBreaker(failures_to_open=5, cooldown_s=10, clock=lambda: now[0])
    b.trip()
    assert b.state is BreakerState.OPEN and not b.allow()
    now[0] = 10.5
    assert b.allow() and not b.allow()  # exactly one probe
    b.success()
    assert b.state is BreakerState.CLOSED
