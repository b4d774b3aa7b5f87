"""The tamper-evident audit log: JSON lines, each entry carrying the hash of the one before.

Every side effect, every refusal and every payload sent to a cloud model is appended. Changing,
removing or reordering any line breaks the chain, which ``verify`` reports with its file and line
(cockpit/skills/audit_chain.py). Lines are flushed and fsync'd as they are written, so a crash or
SIGTERM loses nothing decided.

Minimised. With ``minimise`` (:meth:`AuditLog.for_settings`: cockpit/privacy/minimise.py) an entry's
facts pass through it before they are hashed: coordinates snapped, message bodies, phone numbers and
e-mail addresses replaced by a salted hash and a redacted preview.

Segments and rotation. The live file is rotated into a closed segment (``audit.000001.jsonl``, ...)
when it reaches ``segment_bytes`` and at the first entry of a new local day; the new live file's
first entry (``audit-rotated``) chains to the closed segment's last hash. Retention deletes closed
segments whose last entry is older than ``retention_days``; :meth:`purge` does the same for the
driver (``cockpit privacy purge``). Each deletion is first recorded in the chain (``audit-removed``:
which files, how many entries, first and last time, the hash the next entry chains to, why, by whom),
so ``verify`` still proves that nothing kept was altered.

Breaks. A log found broken when cockpit opens it (a last line cut short by a power loss, a corrupt or
edited line) is never rewritten: cockpit appends a new *segment*, a fresh chain whose first entry
(``audit-chain-broken``, ``prev`` = GENESIS) records each break it found — file, line, why, and the
hash of the last entry that verified.

Fail closed. A write that fails (disk full, permissions, read-only file system, a path that is
not a file) raises ``AuditUnavailable``; the gate then refuses transactions and reports the
outage once. After a failed write the log is checked again before the next one, so a half-written
line becomes a recorded break. Files are created 0600 and directories cockpit creates 0700. Another
process changing the log (a purge from the command line) is noticed under the shared lock and the
log is checked again before the next entry.
"""
from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from cockpit.errors import CockpitError
from cockpit.skills import audit_files as files
from cockpit.skills.audit_chain import (GENESIS, REMOVED, ROTATED, SEGMENT, Break, Verdict, describe, digest,
                                        verify_lines, verify_stream)
from cockpit.state import open_private

DAY_S = 86400.0


class AuditUnavailable(CockpitError):
    code = "audit-write-failed"


def _plain(value: Any) -> Any:
    """JSON for what json cannot write: a read-only mapping (a tool call's arguments) as an object, else text."""
    return dict(value) if isinstance(value, Mapping) else str(value)


def _iso(at: float | None) -> str | None:
    return None if at is None else datetime.fromtimestamp(at).astimezone().isoformat(timespec="seconds")


class AuditLog:
    def __init__(self, path: str | Path, *, segment_bytes: int | None = None, retention_days: float | None = None,
                 minimise: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
                 clock: Callable[[], float] = time.time):
        """``segment_bytes``/``retention_days``: None never rotates by size / never deletes; ``minimise``
        rewrites each entry's facts before they are hashed; ``clock``: wall-clock seconds (entries' ``at``)."""
        self.path = Path(path)
        self.segment_bytes, self.retention_days, self.minimise, self.clock = segment_bytes, retention_days, minimise, clock
        self._lock = threading.Lock()
        self._prev: str | None = None  # None: not opened (or a write failed, or another process wrote): check first
        self._left: tuple[int, int] | None = None  # (inode, size) of the live file as this process left it
        self._first_day: tuple[int, str | None] | None = None  # (inode, local date of its first entry)
        self.opened: Verdict | None = None
        """What ``open`` found the last time it checked the log (breaks it recorded included)."""

    @classmethod
    def for_settings(cls, settings: Any) -> "AuditLog":
        """The car's audit log: ``session.audit_log`` in the state dir, rotated, retained, minimised."""
        from cockpit.privacy.minimise import Minimiser
        s = settings.session
        return cls(s.audit_log, segment_bytes=s.audit_segment_kb * 1024, retention_days=s.audit_retention_days,
                   minimise=Minimiser.for_settings(settings))

    # -- opening and appending ---------------------------------------------------------------------
    def open(self) -> Verdict:
        """Check the log before writing to it; a broken chain gets a new segment that records each
        unrecorded break; segments past retention are deleted. Returns what was found. Raises
        AuditUnavailable if it cannot be written."""
        with self._lock, self._guard():
            verdict = self._open()
            self._expire()
            return verdict

    def _open(self) -> Verdict:
        verdict = self.verify()
        self.opened = verdict
        if verdict.ok:
            self._append_bytes(b"")  # can it be written? (creates it 0600 if absent)
            self._prev = verdict.last_hash
            return verdict
        live = self.path.name
        data = {"breaks": [{"line": b.line, "why": b.problem, **({"file": b.file} if b.file != live else {})}
                           for b in verdict.breaks if not b.recorded],
                "verified_entries": verdict.entries, "after_hash": verdict.last_verified}
        self._write(GENESIS, SEGMENT, data)
        return verdict

    def append(self, kind: str, **data: Any) -> dict[str, Any]:
        """Record one decision: ``kind`` (tool-executed, tool-refused, cloud-payload, ...) and its facts.
        Raises AuditUnavailable when it cannot be written."""
        if self.minimise is not None:
            try:
                data = self.minimise(data)
            except OSError as exc:
                raise self._unavailable(exc) from None
        with self._lock, self._guard():
            self._sync()
            if self._rotate_if_due():
                self._expire()
            assert self._prev is not None
            return self._write(self._prev, kind, data)

    def _sync(self) -> None:
        """Open the log unless this process wrote its last line (another may have purged or appended)."""
        if self._prev is not None and self._identity() == self._left:
            return
        self._open()

    def _identity(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return st.st_ino, st.st_size

    def _write(self, prev: str, kind: str, data: dict[str, Any]) -> dict[str, Any]:
        body = {"at": self.clock(), "kind": kind, "data": data, "prev": prev}
        body = json.loads(json.dumps(body, ensure_ascii=False, default=_plain))  # hashed exactly as it is stored
        entry = {**body, "hash": digest(prev, body)}
        self._append_bytes((json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8"))
        self._prev = entry["hash"]
        return entry

    def _append_bytes(self, line: bytes) -> None:
        """Append ``line`` and fsync (after a newline if the last line was cut short). The file is created
        0600, a directory cockpit creates 0700."""
        fd = open_private(self.path, os.O_RDWR | os.O_APPEND)
        try:
            size = os.fstat(fd).st_size
            if line and size and os.pread(fd, 1, size - 1) != b"\n":  # a line cut short: never join it
                line = b"\n" + line
            if line:
                if os.write(fd, line) != len(line):
                    raise OSError(28, "short write (disk full?)")
                os.fsync(fd)
            st = os.fstat(fd)
            self._left = (st.st_ino, st.st_size)
        finally:
            os.close(fd)

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        """Hold the log's lock; any OSError meanwhile becomes AuditUnavailable (and the log is checked
        again before the next write)."""
        try:
            with files.locked(self.path):
                yield
        except OSError as exc:
            self._prev = None
            raise self._unavailable(exc) from None

    def _unavailable(self, exc: OSError) -> AuditUnavailable:
        return AuditUnavailable(f"cannot write the audit log {self.path}: {exc.strerror or exc}",
                                hint="free disk space, fix permissions or point session.audit_log at a writable "
                                     "file; transactions are refused until it can be written")

    # -- rotation, retention, purge ----------------------------------------------------------------
    def _rotate_if_due(self) -> bool:
        if not self.path.is_file():
            return False
        st = os.stat(self.path)
        if st.st_size == 0:
            return False
        if self.segment_bytes is not None and st.st_size >= self.segment_bytes:
            return self._rotate(f"the live file reached {st.st_size} bytes (session.audit_segment_kb)")
        if self._first_day is None or self._first_day[0] != st.st_ino:
            first = files.first_at(self.path)
            self._first_day = (st.st_ino, None if first is None else datetime.fromtimestamp(first).date().isoformat())
        today = datetime.fromtimestamp(self.clock()).date().isoformat()
        if self._first_day[1] is not None and self._first_day[1] != today:
            return self._rotate(f"a new day ({today})")
        return False

    def _rotate(self, why: str) -> bool:
        """Close the live file as the next segment; the new live file starts chained to its last entry."""
        closed = files.segment_name(self.path, files.next_sequence(self.path))
        os.rename(self.path, closed)
        files.fsync_dir(self.path.parent)
        assert self._prev is not None
        self._write(self._prev, ROTATED, {"previous": closed.name, "why": why})
        return True

    def _expire(self) -> dict[str, Any] | None:
        if self.retention_days is None:
            return None
        days = self.retention_days
        return self._remove_before(self.clock() - days * DAY_S, f"older than session.audit_retention_days ({days:g})",
                                   "retention")

    def purge(self, before: float | None, why: str, by: str) -> dict[str, Any] | None:
        """Delete every closed segment whose last entry is older than ``before`` (None: everything, the live
        file rotated first); the chain records what went. Returns the ``audit-removed`` entry's data, or None
        when nothing was old enough."""
        with self._lock, self._guard():
            self._sync()
            live_last = files.facts(self.path).last_at if self.path.is_file() else None
            if live_last is not None and (before is None or live_last < before):
                self._rotate("purged by the driver")
            return self._remove_before(float("inf") if before is None else before, why, by)

    def _remove_before(self, cutoff: float, why: str, by: str) -> dict[str, Any] | None:
        """Delete the oldest closed segments whose last entry is before ``cutoff`` (a prefix: the chain's
        start moves forward), after recording them. Returns the record's data (None: nothing went)."""
        self._sync()
        segments = files.closed_segments(self.path)
        gone = []
        for _, path in segments:
            facts = files.facts(path)
            if facts.last_at is None or facts.last_at >= cutoff:
                break
            gone.append(facts)
        if not gone:
            return None
        # the hash the first kept entry chains to: the next segment's, else the live file's, else (an empty
        # live file) this record's own prev, for the record is then the first line
        after = files.facts(segments[len(gone)][1] if len(gone) < len(segments) else self.path)
        assert self._prev is not None
        removal = {"files": [f.path.name for f in gone], "entries": sum(f.entries for f in gone),
                   "first": _iso(gone[0].first_at), "last": _iso(gone[-1].last_at),
                   "last_hash": after.first_prev or self._prev, "why": why, "by": by}
        self._write(self._prev, REMOVED, removal)
        for f in gone:
            f.path.unlink()
        files.fsync_dir(self.path.parent)
        return removal

    # -- reading -----------------------------------------------------------------------------------
    def files(self) -> list[Path]:
        """The log's files, oldest first (closed segments, then the live file)."""
        return files.log_files(self.path)

    def entries(self) -> Iterator[dict[str, Any]]:
        """Every well-formed entry, oldest first (a corrupt line is skipped; ``verify`` reports it)."""
        for line in files.lines(self.files()):
            try:
                entry = json.loads(line.text)
            except ValueError:
                continue
            if isinstance(entry, dict):
                yield entry

    def verify(self) -> Verdict:
        return verify_stream(files.lines(self.files()))


__all__ = ["AuditLog", "AuditUnavailable", "Break", "GENESIS", "REMOVED", "ROTATED", "SEGMENT", "Verdict",
           "describe", "verify_lines", "verify_stream"]
