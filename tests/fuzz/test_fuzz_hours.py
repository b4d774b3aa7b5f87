"""Fuzzing OSM opening_hours judging (cockpit/vehicle/hours.py).

Properties:
- any string at any time is open (True), closed (False) or unknown (None) — never an exception;
  a string that does not parse is logged once and unknown from then on;
- the next change is after ``when``, and nothing changes before it: the state just before equals
  the state at ``when``, and at the change it differs; ``closes_at``/``opens_at`` agree with it;
- round trip with an oracle: week-day sets and time ranges written as OSM syntax are open exactly
  when the days and ranges say (checked at random minutes of the week); ``24/7`` is always open,
  ``off`` never.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from hypothesis import example, given
from hypothesis import strategies as st

from cockpit.vehicle.hours import OpeningTimes

TIMES = OpeningTimes("DE")
DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]

pieces = st.sampled_from(["Mo", "Tu", "Sa", "Su", "PH", "SH", "-", ",", ";", " ", ":", "24/7", "off", "closed",
                          "open", "unknown", "08:00", "12:00", "24:00", "25:00", "00:00", "+", "||", '"comment"',
                          "Jan", "Dec 25", "week", "01", "sunrise", "sunset", "(", ")", "easter", "2026", "[1]",
                          "[-1]", "/", "2", "99999"])
expressions = st.lists(pieces | st.text(max_size=4), max_size=14).map("".join) | st.text(max_size=40)
moments = st.datetimes(datetime(1970, 1, 1), datetime(2100, 12, 31)) | st.datetimes() | st.datetimes(
    timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))]))


@given(expressions, moments)
@example("Mo-Fr 08:00-18:00", datetime(1, 1, 1))
@example("Mo-Fr 08:00-18:00", datetime(9999, 12, 31, 23, 59))
@example("Dec 25 off; 24/7", datetime(2026, 12, 25, 12))
def test_any_expression_at_any_time_is_open_closed_or_unknown(expr, when):
    state = TIMES.is_open(expr, when)
    assert state in (True, False, None)
    change = TIMES.next_change(expr, when)
    naive = when.replace(tzinfo=None)
    if change is not None:
        assert change.tzinfo is None and change > naive
    closes, opens = TIMES.closes_at(expr, when), TIMES.opens_at(expr, when)
    assert closes == (change if state is True else None)
    assert opens == (change if state is False else None)


@given(expressions, st.datetimes(datetime(2000, 1, 1), datetime(2060, 12, 31)))
@example("Mo-Fr 08:00-18:00", datetime(2026, 6, 12, 17, 59, 30))
@example("Mo 22:00-02:00", datetime(2026, 6, 15, 23, 0))
def test_nothing_changes_before_the_next_change(expr, when):
    state, change = TIMES.is_open(expr, when), TIMES.next_change(expr, when)
    if change is None or TIMES.parse(expr) is None:
        return
    probe = when.replace(second=0, microsecond=0)  # the state is per minute
    for moment in (probe, probe + (change - probe) / 2, change - timedelta(minutes=1)):
        if moment >= when.replace(second=0, microsecond=0):
            assert TIMES.is_open(expr, max(moment, when)) == state, (moment, change)
    assert TIMES.is_open(expr, change) != state, change  # and at the change, it does change


@given(st.text(max_size=30))
def test_a_string_that_does_not_parse_is_logged_once_and_unknown(expr):
    times = OpeningTimes("DE")
    seen: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = seen.append
    log = logging.getLogger("cockpit.vehicle.hours")
    log.addHandler(handler)
    try:
        states = [times.is_open(expr, datetime(2026, 6, 12, 12)) for _ in range(3)]
    finally:
        log.removeHandler(handler)
    if expr and times.parse(expr) is None:
        assert states == [None] * 3 and len(seen) == 1 and seen[0].args[1] == expr  # the log names it
    else:
        assert not seen


@st.composite
def weekly(draw):
    """(an OSM expression of day sets and time ranges, oracle(datetime) -> open?)."""
    days = sorted(draw(st.sets(st.integers(0, 6), min_size=1)))
    starts = sorted(draw(st.sets(st.integers(0, 24 * 60 - 1), min_size=1, max_size=6)))
    ranges = []
    for i, start in enumerate(starts):  # ranges that do not overlap and do not wrap past midnight
        limit = starts[i + 1] if i + 1 < len(starts) else 24 * 60
        end = draw(st.integers(start + 1, limit))
        if not ranges or ranges[-1][1] < start:
            ranges.append((start, end))
    hhmm = lambda m: f"{m // 60:02d}:{m % 60:02d}"  # noqa: E731
    day_text = ",".join(DAYS[d] for d in days)
    if days == list(range(days[0], days[-1] + 1)) and len(days) > 2 and draw(st.booleans()):
        day_text = f"{DAYS[days[0]]}-{DAYS[days[-1]]}"
    expr = f"{day_text} " + ",".join(f"{hhmm(a)}-{hhmm(b)}" for a, b in ranges)

    def oracle(t: datetime) -> bool:
        minute = t.hour * 60 + t.minute
        return t.weekday() in days and any(a <= minute < b for a, b in ranges)
    return expr, oracle


@given(weekly(), st.lists(st.datetimes(datetime(2001, 1, 1), datetime(2099, 1, 1)), min_size=1, max_size=20))
def test_day_sets_and_time_ranges_are_open_exactly_when_they_say(rule, moments):
    expr, oracle = rule
    times = OpeningTimes(None)  # no public holidays: the oracle knows none
    assert times.parse(expr) is not None, expr
    for moment in moments:
        assert times.is_open(expr, moment) is oracle(moment), (expr, moment)


@given(st.datetimes(datetime(1970, 1, 1), datetime(2100, 1, 1)))
def test_always_and_never(when):
    assert TIMES.is_open("24/7", when) is True and TIMES.next_change("24/7", when) is None
    assert TIMES.is_open("off", when) is False and TIMES.next_change("off", when) is None
