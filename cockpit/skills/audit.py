"""The tamper-evident audit log: JSON lines, each entry carrying the hash of the one before.

Every side effect, every refusal and every payload sent to a cloud model is appended.
Changing, removing or reordering any line breaks the chain, which ``verify`` reports with
the first bad line number. Lines are flushed and fsync'd as they are written, so a crash
or SIGTERM loses nothing already decided.
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

GENESIS = "0" * 64


def _digest(prev: str, body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev + canonical).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Verdict:
    ok: bool
    entries: int
    problem: str = ""
    line: int | None = None
    """1-based line number of the first entry that does not verify."""


class AuditLog:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._prev: str | None = None

    def _last_hash(self) -> str:
        if self._prev is None:
            self._prev = GENESIS
            if self.path.exists():
                for entry in self.entries():
                    self._prev = entry.get("hash", self._prev)
        return self._prev

    def append(self, kind: str, **data: Any) -> dict[str, Any]:
        """Record one decision: ``kind`` (tool-executed, tool-refused, cloud-payload, ...) and its facts."""
        with self._lock:
            prev = self._last_hash()
            body = {"at": time.time(), "kind": kind, "data": data, "prev": prev}
            entry = {**body, "hash": _digest(prev, body)}
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            self._prev = entry["hash"]
            return entry

    def entries(self) -> Iterator[dict[str, Any]]:
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    yield json.loads(line)

    def verify(self) -> Verdict:
        prev, n = GENESIS, 0
        if not self.path.exists():
            return Verdict(True, 0)
        with open(self.path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, start=1):
                try:
                    entry = json.loads(line)
                    body = {k: entry[k] for k in ("at", "kind", "data", "prev")}
                except (ValueError, KeyError, TypeError):
                    return Verdict(False, n - 1, "not a well-formed audit entry", n)
                if entry["prev"] != prev:
                    return Verdict(False, n - 1, "chain broken: an entry before it was removed or reordered", n)
                if _digest(prev, body) != entry.get("hash"):
                    return Verdict(False, n - 1, "entry was altered after it was written", n)
                prev = entry["hash"]
        return Verdict(True, n)
