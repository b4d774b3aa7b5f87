"""Timers and reminders: kept in SQLite under the state dir, fired as proactive prompts when due.

:class:`Agenda` is the store — one table, created 0600 inside ``session.state_dir`` (cockpit/state.py),
so what the driver asked to be reminded of survives a daemon restart and a reboot. An item is due

- at a local time (``due``: a timer, "in ten minutes", "at 5 pm");
- on arrival at a place (``place`` destination | home, its coordinates kept to ~110 m): within
  ``proactive.agenda.arrive_radius_m`` of it with the car stopped;
- at the next stop (``place`` next_stop): the car stopped ``stop_s`` after it had moved.

:class:`AgendaWatch` turns due items into prompts ("Here's your reminder: call Anna. Shall I remind you
again in ten minutes?" — yes sets the reminder again) and deletes an item once it was asked, so a restart
never asks it twice and nothing of it stays on disk. One that fell due while the car was off is asked
at the next start.
"""
from __future__ import annotations

import os
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cockpit.config.proactive import AgendaSettings
from cockpit.errors import CockpitError
from cockpit.events import ToolCall
from cockpit.proactive.moment import Moment
from cockpit.proactive.prompt import Prompt
from cockpit.state import open_private
from cockpit.vehicle.geo import distance_m

_SCHEMA = """
CREATE TABLE IF NOT EXISTS agenda (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, text TEXT NOT NULL,
    minutes INTEGER, due TEXT, place TEXT, lat REAL, lon REAL, created TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'waiting', fired TEXT);
"""
MOVED_KMH = 10.0
"""'At the next stop' counts only after the car has moved at least this fast."""


class AgendaError(CockpitError):
    """The timers and reminders database cannot be read or written."""

    code = "agenda-unavailable"


@dataclass(frozen=True)
class Item:
    id: int
    kind: str
    """timer | reminder"""
    text: str
    """What to remember (a reminder), or the timer's label ('' when none)."""
    minutes: int | None
    """A timer's length, or a reminder's 'in N minutes'."""
    due: datetime | None
    place: str | None
    """destination | home | next_stop, or None for a time."""
    where: tuple[float, float] | None
    created: datetime
    state: str = "waiting"


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


PLACE_DECIMALS = 3
"""Where a reminder waits, in degrees to this many decimals (~110 m): what the arrival check needs, no more."""


class Agenda:
    """The SQLite store of timers and reminders; safe to share between threads. The file is made (0600, its
    directory 0700) by the first timer or reminder set; until then nothing is written to the state dir."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._memory = str(path) == ":memory:"
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        if self._memory:
            self._open(create=True)

    def _open(self, create: bool) -> sqlite3.Connection | None:
        if self._db is not None:
            return self._db
        if not create and not self.path.exists():
            return None
        try:
            if not self._memory:
                os.close(open_private(self.path, os.O_RDWR))  # created 0600 before SQLite opens it
            db = sqlite3.connect(":memory:" if self._memory else str(self.path), check_same_thread=False)
            db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise AgendaError(f"cannot open the timers and reminders database {self.path}: {exc}",
                              hint="session.state_dir must be writable (proactive.agenda.database)") from None
        self._db = db
        return db

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def _run(self, sql: str, args: tuple = (), create: bool = False) -> list[tuple]:
        with self._lock:
            db = self._open(create)
            if db is None:
                return []
            try:
                with db:
                    return db.execute(sql, args).fetchall()
            except sqlite3.Error as exc:
                raise AgendaError(f"the timers and reminders database {self.path} failed: {exc}",
                                  hint="check session.state_dir's disk") from None

    def add(self, kind: str, text: str, created: datetime, *, minutes: int | None = None, due: datetime | None = None,
            place: str | None = None, where: tuple[float, float] | None = None) -> Item:
        """Store a new timer or reminder; returns it with its id."""
        # kept to 3 decimals (~110 m north-south, less east-west): enough for "when I arrive" (within
        # proactive.agenda.arrive_radius_m, at least 150 m) and no exact home address at rest
        lat, lon = (round(where[0], PLACE_DECIMALS), round(where[1], PLACE_DECIMALS)) if where is not None else (None, None)
        rows = self._run("INSERT INTO agenda (kind, text, minutes, due, place, lat, lon, created) "
                         "VALUES (?,?,?,?,?,?,?,?) RETURNING id",
                         (kind, text, minutes, due.isoformat() if due else None, place, lat, lon, created.isoformat()),
                         create=True)
        return Item(int(rows[0][0]), kind, text, minutes, due, place, (lat, lon) if where is not None else None, created)

    def items(self) -> list[Item]:
        """Every item still waiting, oldest first."""
        rows = self._run("SELECT id, kind, text, minutes, due, place, lat, lon, created, state FROM agenda "
                         "WHERE state = 'waiting' ORDER BY id")
        return [Item(i, k, t, m, _when(d), p, (la, lo) if la is not None and lo is not None else None, _when(c), s)
                for i, k, t, m, d, p, la, lo, c, s in rows]

    def done(self, item: int) -> None:
        """It fired (was asked) or was cancelled: deleted, nothing of it kept (the audit log says it was asked)."""
        self._run("DELETE FROM agenda WHERE id = ?", (item,))

    def forget(self, before: datetime | None) -> int:
        """The driver erases what they set (``cockpit privacy purge``): every item set before ``before`` (all of
        them with None); the file itself goes when nothing is left. Returns how many were removed."""
        gone = [i for i in self.items() if before is None or (i.created is not None and i.created < before)]
        for item in gone:
            self.done(item.id)
        if not self._memory and not self.items():
            self.close()
            for path in (self.path, self.path.with_name(self.path.name + "-journal")):
                path.unlink(missing_ok=True)
        return len(gone)

    def cancel(self, kind: str | None) -> list[Item]:
        """Cancel every waiting item (of ``kind``); returns them."""
        gone = [i for i in self.items() if kind is None or i.kind == kind]
        for item in gone:
            self.done(item.id)
        return gone


def spoken_when(item: Item) -> str:
    """'in ten minutes', 'at 17:00', 'when you arrive', 'when you get home', 'at your next stop'."""
    if item.place == "destination":
        return "when you arrive"
    if item.place == "home":
        return "when you get home"
    if item.place == "next_stop":
        return "at your next stop"
    if item.minutes is not None:
        return f"in {item.minutes} minute{'s' if item.minutes != 1 else ''}"
    return f"at {item.due:%H:%M}" if item.due is not None else ""


def your(words: str) -> str:
    """The driver's words said back to them: 'call my mom' -> 'call your mom'."""
    swap = {"my": "your", "me": "you", "i": "you", "i'm": "you're", "mine": "yours", "myself": "yourself"}
    return " ".join(swap.get(w.lower(), w) for w in words.split())


class AgendaWatch:
    kind = "agenda"

    def __init__(self, agenda: Agenda, settings: AgendaSettings, priority: dict[str, int] | None = None) -> None:
        self.agenda, self.settings = agenda, settings
        self.priority = priority or {}
        self._out: set[int] = set()
        """Items handed out as prompts and not yet settled."""
        self._moved: set[int] = set()
        self._stopped_since: float | None = None

    def _arrived(self, item: Item, m: Moment) -> bool:
        if item.place == "next_stop":
            return item.id in self._moved and self._stopped_since is not None and \
                m.trip_s - self._stopped_since >= self.settings.stop_s
        return (item.where is not None and m.position is not None and m.stopped
                and distance_m(*m.position, *item.where) <= self.settings.arrive_radius_m)

    def due(self, m: Moment) -> list[Prompt]:
        if m.speed_kmh is not None:
            if m.stopped or m.gear == 126:
                self._stopped_since = m.trip_s if self._stopped_since is None else self._stopped_since
            else:
                self._stopped_since = None
        prompts = []
        for item in self.agenda.items():
            if m.speed_kmh is not None and m.speed_kmh >= MOVED_KMH:
                self._moved.add(item.id)
            if item.id in self._out:
                continue
            if not ((item.due is not None and m.local >= item.due) or (item.place is not None and self._arrived(item, m))):
                continue
            self._out.add(item.id)
            prompts.append(self._prompt(item, m))
        return prompts

    def _prompt(self, item: Item, m: Moment) -> Prompt:
        snooze = self.settings.snooze_minutes
        again = f"Shall I remind you again in {snooze} minutes?"
        if item.kind == "timer":
            what = f"Your {item.text} timer" if item.text else f"Your {item.minutes}-minute timer"
            question = f"{what} is up. {again}"
            offer = ToolCall("set_timer", {"minutes": snooze, **({"label": item.text} if item.text else {})})
        else:
            when = spoken_when(item)
            lead = f"You asked me to remind you {when}: " if item.place else "Here's your reminder: "
            question = f"{lead}{your(item.text)}. {again}"
            offer = ToolCall("set_reminder", {"text": item.text, "minutes": snooze})
        reason = f"{item.kind} {item.id} due ({'at ' + item.due.isoformat(timespec='minutes') if item.due else item.place})"
        return Prompt(item.kind, f"{item.kind}:{item.id}", reason, offer, question,
                      self.priority.get(item.kind, 20), m.trip_s)

    def settled(self, prompt: Prompt, outcome: str, trip_s: float) -> None:
        item = int(prompt.key.split(":")[1])
        if outcome == "asked":
            self.agenda.done(item)
        elif outcome == "dropped":
            self._out.discard(item)  # never asked: it stays waiting, and is offered again


def due_at(now: datetime, minutes: int | None = None, at: str | None = None) -> datetime:
    """When 'in ``minutes``' or 'at ``at``' falls from ``now`` (local). ``at``: '17:00'; '5:00' without a
    leading zero is five o'clock, whichever of 5:00 and 17:00 comes first."""
    if minutes is not None:
        return now + timedelta(minutes=minutes)
    assert at is not None
    hour, minute = (int(x) for x in at.split(":"))
    hours = [hour] if len(at.split(":")[0]) == 2 or hour >= 12 else [hour, hour + 12]
    options = []
    for h in hours:
        t = now.replace(hour=h, minute=minute, second=0, microsecond=0)
        options.append(t if t > now else t + timedelta(days=1))
    return min(options)


__all__ = ["Agenda", "AgendaError", "AgendaWatch", "Item", "due_at", "spoken_when", "your"]
