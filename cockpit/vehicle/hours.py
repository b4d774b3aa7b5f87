"""Opening hours: OpenStreetMap ``opening_hours`` expressions judged at a local wall-clock time.

Parsing is done by opening-hours-py (a Rust parser of the full OSM syntax: overnight ranges,
split hours, ``24/7``, ``off``, public holidays ``PH`` from the country's calendar). Each distinct
expression is parsed once and cached. An expression that does not parse is logged once, with
the place's name, and judged unknown (None) from then on: bad map data never stops a drive.

Times are local wall-clock times at the places. A naive datetime is used as is; an aware one is
read at its own wall-clock reading (its tzinfo dropped), so convert it to the places' zone first.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime

from opening_hours import OpeningHours

log = logging.getLogger(__name__)

MAX_INTERVAL_DAYS = 366
"""A change further away than this counts as never (bounds the search in odd expressions)."""


class OpeningTimes:
    """Judges opening_hours expressions for one country's public holidays; thread-safe.

    Raises ValueError for a country code the holiday calendar does not know.
    """

    def __init__(self, country: str | None = "DE"):
        self.country = country.upper() if country else None
        self._parsed: dict[str, OpeningHours | None] = {}
        self._lock = threading.Lock()
        try:
            OpeningHours("24/7", country=self.country)
        except Exception as exc:  # opening_hours.UnknownCountryError
            raise ValueError(f"unknown country code {country!r} for public holidays ({exc})") from None

    def parse(self, expr: str, name: str = "") -> OpeningHours | None:
        """The parsed expression, or None (logged once) when it does not parse."""
        with self._lock:
            if expr in self._parsed:
                return self._parsed[expr]
            try:
                oh: OpeningHours | None = OpeningHours(expr, country=self.country,
                                                       max_interval_days=MAX_INTERVAL_DAYS)
            except Exception as exc:  # opening_hours.ParserError is a plain Exception subclass
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                log.warning("opening_hours of %r does not parse, treated as unknown: %r (%s)", name, expr, first)
                oh = None
            self._parsed[expr] = oh
            return oh

    def is_open(self, expr: str | None, when: datetime, name: str = "") -> bool | None:
        """True/False at ``when``; None when there is no expression, it does not parse, or says 'unknown'."""
        oh = self.parse(expr, name) if expr else None
        if oh is None:
            return None
        t = _local(when)
        if oh.is_unknown(t):
            return None
        return bool(oh.is_open(t))

    def next_change(self, expr: str | None, when: datetime, name: str = "") -> datetime | None:
        """When the state after ``when`` next changes; None when never (``24/7``, ``off``) or unknown."""
        oh = self.parse(expr, name) if expr else None
        if oh is None:
            return None
        change = oh.next_change(_local(when))
        return None if change is None else change.replace(tzinfo=None)

    def closes_at(self, expr: str | None, when: datetime, name: str = "") -> datetime | None:
        """When an open place closes next; None when it is not open at ``when`` or never closes."""
        return self.next_change(expr, when, name) if self.is_open(expr, when, name) is True else None

    def opens_at(self, expr: str | None, when: datetime, name: str = "") -> datetime | None:
        """When a closed place opens next; None when it is open, unknown, or never opens again."""
        return self.next_change(expr, when, name) if self.is_open(expr, when, name) is False else None


def _local(when: datetime) -> datetime:
    return when.replace(tzinfo=None) if when.tzinfo is not None else when
