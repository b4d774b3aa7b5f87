"""The tamper-evident audit log: JSON lines, each entry carrying the hash of the one before.

Every side effect, every refusal and every payload sent to a cloud model is appended. Changing,
removing or reordering any line breaks the chain, which ``verify`` reports with the line number.
Lines are flushed and fsync'd as they are written, so a crash or SIGTERM loses nothing decided.

Segments. A log found broken when cockpit opens it (a last line cut short by a power loss, a
corrupt or edited line) is never rewritten: cockpit appends a new *segment*, a fresh chain whose
first entry (kind ``audit-chain-broken``, ``prev`` = GENESIS) records each break it found — the
line, why, and the hash of the last entry that verified. ``verify`` checks every segment on its
own and reports each break as *recorded* (a later segment start names it: known, and the log went
on) or *unrecorded* (nobody has seen it yet: the log is not ok). A recorded break that no longer
matches the file (lines removed or replaced since) is unrecorded again. A later segment kind
(size/age rotation) fits the same scheme.

Fail closed. A write that fails (disk full, permissions, read-only file system, a path that is
not a file) raises ``AuditUnavailable``; the gate then refuses transactions and reports the
outage once. After a failed write the log is checked again before the next one, so a half-written
line becomes a recorded break. The file is created 0600 and a directory cockpit creates 0700.
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from cockpit.errors import CockpitError

GENESIS = "0" * 64
SEGMENT = "audit-chain-broken"
"""Kind of the first entry of a segment that begins after a break."""


class AuditUnavailable(CockpitError):
    code = "audit-write-failed"


def _digest(prev: str, body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev + canonical).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Break:
    line: int
    """1-based line number of the first entry of a segment that does not verify."""
    problem: str
    recorded: bool
    """A later segment start records this break."""


@dataclass(frozen=True)
class Verdict:
    ok: bool
    """No unrecorded break."""
    entries: int
    """Entries that verify, over all segments."""
    problem: str = ""
    line: int | None = None
    """The first unrecorded break's line and problem."""
    breaks: tuple[Break, ...] = ()
    segments: int = 1
    last_hash: str = GENESIS
    """Hash of the last entry of the last segment, if it verifies (the next entry chains to it)."""
    last_verified: str = GENESIS
    """Hash of the last entry of the last segment that verifies, broken or not."""


@dataclass
class _Segment:
    start: int  # line of its first entry
    entries: int = 0
    last_hash: str = GENESIS
    broken: tuple[int, str] | None = None  # (line, problem)
    records: tuple[dict, ...] = ()  # the breaks its start entry records


def _check_line(line: str, prev: str) -> tuple[dict | None, str]:
    """The entry if it verifies after ``prev``, else (None, why)."""
    try:
        entry = json.loads(line)
        body = {k: entry[k] for k in ("at", "kind", "data", "prev")}
    except (ValueError, KeyError, TypeError):
        return None, "not a well-formed audit entry (cut short or corrupt)"
    if entry["prev"] != prev:
        return None, "chain broken: an entry before it was removed or reordered"
    if _digest(prev, body) != entry.get("hash"):
        return None, "entry was altered after it was written"
    return entry, ""


def _is_segment_start(line: str) -> dict | None:
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    if isinstance(entry, dict) and entry.get("kind") == SEGMENT and entry.get("prev") == GENESIS:
        return entry
    return None


def verify_lines(lines: Iterator[str]) -> Verdict:
    """Check every segment of a log given as lines (see the module docstring)."""
    segments: list[_Segment] = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        start = _is_segment_start(line)
        if not segments or start is not None:
            segments.append(_Segment(n, records=tuple((start or {}).get("data", {}).get("breaks", ()))))
        seg = segments[-1]
        if seg.broken is not None:
            continue  # the rest of a broken segment cannot be checked
        entry, why = _check_line(line, seg.last_hash)
        if entry is None:
            seg.broken = (n, why)
        else:
            seg.entries, seg.last_hash = seg.entries + 1, entry["hash"]
    found = {s.broken[0]: s.broken[1] for s in segments if s.broken is not None}
    breaks, stale = [], []
    for i, seg in enumerate(segments):
        later = [r for s in segments[i + 1:] for r in s.records if isinstance(r, dict)]
        if seg.broken is not None:
            breaks.append(Break(seg.broken[0], seg.broken[1], any(r.get("line") == seg.broken[0] for r in later)))
        for record in seg.records:  # a record must still match the file
            line = record.get("line") if isinstance(record, dict) else None
            if line not in found or line >= seg.start:
                stale.append(Break(seg.start, f"records a break at line {line} that is not there: lines were "
                                   "removed or replaced since", recorded=False))
    breaks = sorted(breaks + stale, key=lambda b: b.line)
    unrecorded = [b for b in breaks if not b.recorded]
    last = segments[-1] if segments else _Segment(0)
    return Verdict(not unrecorded, sum(s.entries for s in segments), unrecorded[0].problem if unrecorded else "",
                   unrecorded[0].line if unrecorded else None, tuple(breaks), max(1, len(segments)),
                   last.last_hash if last.broken is None else GENESIS, last.last_hash)


class AuditLog:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._prev: str | None = None  # None: not opened (or a write failed): check before writing
        self.opened: Verdict | None = None
        """What ``open`` found the last time it checked the log (breaks it recorded included)."""

    def open(self) -> Verdict:
        """Check the log before writing to it; a broken chain gets a new segment that records each
        unrecorded break. Returns what was found. Raises AuditUnavailable if it cannot be written."""
        with self._lock:
            return self._open()

    def _open(self) -> Verdict:
        verdict = self.verify()
        self.opened = verdict
        if verdict.ok:
            self._append_bytes(b"")  # can it be written? (creates it 0600 if absent)
            self._prev = verdict.last_hash
            return verdict
        lines = [b for b in verdict.breaks if not b.recorded]
        data = {"breaks": [{"line": b.line, "why": b.problem} for b in lines], "verified_entries": verdict.entries,
                "after_hash": verdict.last_verified}
        self._write(GENESIS, SEGMENT, data)
        return verdict

    def append(self, kind: str, **data: Any) -> dict[str, Any]:
        """Record one decision: ``kind`` (tool-executed, tool-refused, cloud-payload, ...) and its facts.
        Raises AuditUnavailable when it cannot be written."""
        with self._lock:
            if self._prev is None:
                self._open()
            assert self._prev is not None
            return self._write(self._prev, kind, data)

    def _write(self, prev: str, kind: str, data: dict[str, Any]) -> dict[str, Any]:
        body = {"at": time.time(), "kind": kind, "data": data, "prev": prev}
        entry = {**body, "hash": _digest(prev, body)}
        self._append_bytes((json.dumps(entry, ensure_ascii=False, default=str) + "\n").encode("utf-8"))
        self._prev = entry["hash"]
        return entry

    def _append_bytes(self, line: bytes) -> None:
        """Append ``line`` and fsync (after a newline if the last line was cut short); AuditUnavailable
        when that fails. The file is created 0600, a directory cockpit creates 0700."""
        try:
            if not self.path.parent.exists():
                os.makedirs(self.path.parent, mode=0o700, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                size = os.fstat(fd).st_size
                if line and size and os.pread(fd, 1, size - 1) != b"\n":  # a line cut short: never join it
                    line = b"\n" + line
                if line and os.write(fd, line) != len(line):
                    raise OSError(28, "short write (disk full?)")
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            self._prev = None  # check the file again before the next write
            raise AuditUnavailable(f"cannot write the audit log {self.path}: {exc.strerror or exc}",
                                   hint="free disk space, fix permissions or point session.audit_log at a "
                                        "writable file; transactions are refused until it can be written") from None

    def entries(self) -> Iterator[dict[str, Any]]:
        """Every well-formed entry (a corrupt line is skipped; ``verify`` reports it)."""
        for line in self._lines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict):
                yield entry

    def _lines(self) -> Iterator[str]:
        if not self.path.is_file():  # absent, or a device/directory: nothing to read
            return
        with open(self.path, encoding="utf-8", errors="replace") as fh:
            yield from fh

    def verify(self) -> Verdict:
        return verify_lines(self._lines())


def describe(path: str | Path, verdict: Verdict) -> str:
    """The verdict in words: the first line says ok or TAMPERED, then one line per break."""
    if verdict.ok:
        first = f"{path}: ok, {verdict.entries} entries, " + (
            "chain intact" if not verdict.breaks else f"{verdict.segments} segments, every break recorded")
    else:
        first = (f"{path}: TAMPERED at line {verdict.line}: {verdict.problem} "
                 f"({verdict.entries} entries verify)")
    return "\n".join([first] + [f"  {'recorded' if b.recorded else 'UNRECORDED'} break at line {b.line}: {b.problem}"
                                for b in verdict.breaks])
