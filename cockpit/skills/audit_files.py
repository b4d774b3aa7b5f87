"""The audit log's files: the live file, its closed segments beside it, and the lock they share.

``audit.jsonl`` is written; rotation renames it to ``audit.<seq>.jsonl`` (six digits, rising, never
reused) and the next entry starts a new live file. Every file is created 0600 in a directory made
0700 (cockpit/state.py). Whoever changes them — the daemon appending, ``cockpit privacy purge``
removing — holds an exclusive ``flock`` on ``audit.jsonl.lock`` meanwhile.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from cockpit.skills.audit_chain import REMOVED, Line
from cockpit.state import open_private


def _pattern(live: Path) -> re.Pattern[str]:
    return re.compile(re.escape(live.stem) + r"\.(\d{6})" + re.escape(live.suffix) + r"\Z")


def closed_segments(live: Path) -> list[tuple[int, Path]]:
    """(sequence number, path) of every closed segment beside ``live``, oldest first."""
    if not live.parent.is_dir():
        return []
    pattern = _pattern(live)
    found = [(int(m.group(1)), p) for p in live.parent.iterdir() if (m := pattern.match(p.name)) and p.is_file()]
    return sorted(found)


def log_files(live: Path) -> list[Path]:
    """Every file of the log, oldest first: the closed segments, then the live file if it is a file."""
    return [p for _, p in closed_segments(live)] + ([live] if live.is_file() else [])


def segment_name(live: Path, seq: int) -> Path:
    return live.with_name(f"{live.stem}.{seq:06d}{live.suffix}")


def lock_path(live: Path) -> Path:
    return live.with_name(live.name + ".lock")


@contextlib.contextmanager
def locked(live: Path) -> Iterator[None]:
    """Hold the log's lock (another process may be purging or appending); raises OSError."""
    fd = open_private(lock_path(live), os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def lines(files: list[Path]) -> Iterator[Line]:
    for path in files:
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                for n, text in enumerate(fh, start=1):
                    yield Line(path.name, n, text)
        except OSError:  # vanished meanwhile (a purge): nothing to read
            continue


def _entries(path: Path) -> Iterator[dict]:
    for line in lines([path]):
        try:
            entry = json.loads(line.text)
        except ValueError:
            continue
        if isinstance(entry, dict):
            yield entry


@dataclass(frozen=True)
class SegmentFacts:
    """What a closed segment holds, for retention, purge and ``cockpit privacy show``."""
    path: Path
    entries: int
    first_at: float | None
    last_at: float | None
    first_prev: str | None
    """The first entry's ``prev`` (the hash of the entry before this segment)."""
    size: int


def facts(path: Path) -> SegmentFacts:
    times, first_prev, count = [], None, 0
    for entry in _entries(path):
        count += 1
        if first_prev is None and isinstance(entry.get("prev"), str):
            first_prev = entry["prev"]
        if isinstance(entry.get("at"), (int, float)):
            times.append(float(entry["at"]))
    size = path.stat().st_size if path.is_file() else 0
    return SegmentFacts(path, count, times[0] if times else None, times[-1] if times else None, first_prev, size)


def first_at(path: Path) -> float | None:
    """Time of the file's first well-formed entry (None: empty or not a file)."""
    if not path.is_file():
        return None
    for entry in _entries(path):
        at = entry.get("at")
        return float(at) if isinstance(at, (int, float)) else None
    return None


def next_sequence(live: Path) -> int:
    """One past the highest segment number in use or ever removed (a name is never reused)."""
    seqs = [seq for seq, _ in closed_segments(live)]
    pattern = _pattern(live)
    for path in [live] + [p for _, p in closed_segments(live)][-1:]:
        if not path.is_file():
            continue
        for entry in _entries(path):
            data = entry.get("data")
            if entry.get("kind") == REMOVED and isinstance(data, dict):
                seqs += [int(m.group(1)) for name in data.get("files", ()) if isinstance(name, str)
                         and (m := pattern.match(name))]
    return max(seqs, default=0) + 1


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
