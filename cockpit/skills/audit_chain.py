"""Checking the audit log's hash chain: pure, over the lines of its files in order.

Each entry is ``{"at", "kind", "data", "prev", "hash"}``; ``hash`` is SHA-256 over ``prev`` and the
canonical JSON of the rest, and ``prev`` is the hash of the entry before. The lines come from the
closed segments (``audit.000001.jsonl``, ...) and then the live file, one stream.

What counts as a break, reported with its file and line:
- a line that is not a well-formed entry (cut short by a power loss, corrupt);
- an entry whose hash does not match its content ("altered");
- an entry whose ``prev`` is not the hash of the entry before it ("removed or reordered").
The check resumes after a break (from the broken entry's own hash), so one altered line is one
break and everything after it is still checked.

What is not a break:
- a *segment start*: kind ``audit-chain-broken`` with ``prev`` = GENESIS, written when cockpit found
  the log broken; its ``breaks`` record each break it found (``line``, and ``file`` when the break is
  in another file than the record). A break is *recorded* when a later segment start names it; a
  record that no longer matches a break (lines removed or replaced since) is itself unrecorded;
- a first line whose ``prev`` is the ``last_hash`` of an ``audit-removed`` entry of the chain:
  retention or the driver removed the oldest segments and the chain says what, when and why. A record
  naming a file that such an entry removed is not stale.

The verdict is ok when no break is unrecorded.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Iterable

GENESIS = "0" * 64
SEGMENT = "audit-chain-broken"
"""Kind of the first entry of a segment that begins after a break."""
REMOVED = "audit-removed"
"""Kind of the entry that records segments deleted by retention or by the driver."""
ROTATED = "audit-rotated"
"""Kind of the first entry of the live file after a rotation (chained to the closed segment's last)."""


def digest(prev: str, body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev + canonical).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Line:
    """One line of the log: which file, which line of it (1-based), its text."""
    file: str
    number: int
    text: str


@dataclass(frozen=True)
class Break:
    line: int
    """1-based line number, in ``file``, of an entry that does not verify."""
    problem: str
    recorded: bool
    """A later segment start records this break."""
    file: str = ""
    """The file it is in (a closed segment's name, or the live file's)."""


@dataclass(frozen=True)
class Verdict:
    ok: bool
    """No unrecorded break."""
    entries: int
    """Entries that verify, over all files."""
    problem: str = ""
    line: int | None = None
    """The first unrecorded break's line and problem (``file`` names its file)."""
    breaks: tuple[Break, ...] = ()
    segments: int = 1
    """Chains in the log: one, plus one per segment start."""
    last_hash: str = GENESIS
    """Hash of the last entry, if it verifies (the next entry chains to it)."""
    last_verified: str = GENESIS
    """Hash of the last entry that verifies, broken or not."""
    file: str = ""
    files: tuple[str, ...] = ()
    """The files read, oldest first."""
    removed: tuple[dict, ...] = ()
    """The data of every ``audit-removed`` entry that verifies (what was deleted, when, why)."""
    oldest_at: float | None = None
    newest_at: float | None = None
    """Wall-clock time of the first and last well-formed entry."""


@dataclass
class _Walk:
    files: list[str] = field(default_factory=list)
    entries: int = 0
    segments: int = 0
    expected: str | None = None  # the hash the next line must chain to; None: the first line, or after garbage
    good: str = GENESIS  # hash of the last entry that verified
    last_ok: bool = False
    first: tuple[int, Line, str] | None = None  # the first entry, if its prev is not GENESIS
    found: dict[tuple[str, int], tuple[int, str]] = field(default_factory=dict)  # (file, line) -> (index, why)
    records: list[tuple[int, Line, dict]] = field(default_factory=list)  # (index, the segment start, a record)
    removed: list[dict] = field(default_factory=list)
    times: list[float] = field(default_factory=list)


def _parse(text: str) -> dict | None:
    try:
        entry = json.loads(text)
        if isinstance(entry, dict) and all(isinstance(entry.get(k), str) for k in ("kind", "prev", "hash")) \
                and "at" in entry and "data" in entry:
            return entry
    except ValueError:
        pass
    return None


def _step(w: _Walk, index: int, line: Line) -> None:
    if not w.files or w.files[-1] != line.file:
        w.files.append(line.file)
    entry = _parse(line.text)
    if entry is None:
        w.found[(line.file, line.number)] = (index, "not a well-formed audit entry (cut short or corrupt)")
        w.expected, w.last_ok = None, False  # the next entry may chain to the last good one or to what this was
        return
    if isinstance(entry["at"], (int, float)):
        w.times.append(float(entry["at"]))
    body = {k: entry[k] for k in ("at", "kind", "data", "prev")}
    start = entry["kind"] == SEGMENT and entry["prev"] == GENESIS
    data = entry["data"] if isinstance(entry["data"], dict) else {}
    if start:
        w.segments += 1
        w.records += [(index, line, r) for r in data.get("breaks", ()) if isinstance(r, dict)]
    if digest(entry["prev"], body) != entry["hash"]:
        w.found[(line.file, line.number)] = (index, "entry was altered after it was written")
        w.expected, w.last_ok = entry["hash"], False
        return
    if index == 0 and not start and entry["prev"] != GENESIS:
        w.first = (index, line, entry["prev"])  # removed entries before it: an audit-removed entry must say so
    elif not start and w.expected is not None and entry["prev"] != w.expected:
        w.found[(line.file, line.number)] = (index, "chain broken: an entry before it was removed or reordered")
        w.expected, w.last_ok = entry["hash"], False
        return
    # (after a garbage line ``expected`` is None: that line's break stands for whatever it replaced)
    if index == 0 and not start:
        w.segments += 1
    w.entries += 1
    w.expected = w.good = entry["hash"]
    w.last_ok = True
    if entry["kind"] == REMOVED:
        w.removed.append(data)


def verify_stream(lines: Iterable[Line]) -> Verdict:
    """Check every entry of the log given as positioned lines (see the module docstring)."""
    w = _Walk()
    index = 0
    for line in lines:
        if line.text.strip():
            _step(w, index, line)
            index += 1
    if w.first is not None and not any(r.get("last_hash") == w.first[2] for r in w.removed):
        i, line, _ = w.first
        w.found[(line.file, line.number)] = (i, "chain broken: an entry before it was removed or reordered")
        w.entries -= 1
    gone = {name for r in w.removed for name in r.get("files", ()) if isinstance(name, str)}
    breaks: list[tuple[int, Break]] = []
    for (file, number), (i, why) in w.found.items():
        recorded = any(j > i and r.get("file", rec.file) == file and r.get("line") == number for j, rec, r in w.records)
        breaks.append((i, Break(number, why, recorded, file)))
    for j, rec, r in w.records:  # a record must still match the log
        file, number = r.get("file", rec.file), r.get("line")
        hit = w.found.get((file, number)) if isinstance(number, int) else None
        if (hit is None or hit[0] >= j) and not (file in gone and file not in w.files):
            breaks.append((j, Break(rec.number, f"records a break at line {number}"
                                    f"{'' if file == rec.file else ' of ' + str(file)} that is not there: lines "
                                    "were removed or replaced since", False, rec.file)))
    breaks.sort(key=lambda pair: pair[0])
    ordered = tuple(b for _, b in breaks)
    unrecorded = [b for b in ordered if not b.recorded]
    first = unrecorded[0] if unrecorded else None
    return Verdict(not unrecorded, w.entries, first.problem if first else "", first.line if first else None, ordered,
                   max(1, w.segments), w.good if w.last_ok else GENESIS, w.good, first.file if first else "",
                   tuple(w.files), tuple(w.removed), min(w.times, default=None), max(w.times, default=None))


def verify_lines(lines: Iterable[str], file: str = "") -> Verdict:
    """Check a log given as the lines of one file."""
    return verify_stream(Line(file, n, text) for n, text in enumerate(lines, start=1))


def describe(path: Any, verdict: Verdict) -> str:
    """The verdict in words: the first line says ok or TAMPERED, then one line per break and per removal."""
    live = getattr(path, "name", "")

    def where(b: Break) -> str:
        return f"line {b.line}" if not b.file or b.file == live else f"{b.file} line {b.line}"
    files = f" in {len(verdict.files)} files" if len(verdict.files) > 1 else ""
    if verdict.ok:
        first = f"{path}: ok, {verdict.entries} entries{files}, " + (
            "chain intact" if not verdict.breaks else f"{verdict.segments} segments, every break recorded")
    else:
        bad = next(b for b in verdict.breaks if not b.recorded)
        first = f"{path}: TAMPERED at {where(bad)}: {bad.problem} ({verdict.entries} entries verify)"
    lines = [first] + [f"  {'recorded' if b.recorded else 'UNRECORDED'} break at {where(b)}: {b.problem}"
                       for b in verdict.breaks]
    for r in verdict.removed:
        lines.append(f"  removed {r.get('entries', '?')} entries ({r.get('first', '?')} to {r.get('last', '?')}) "
                     f"in {len(r.get('files', ()))} segment(s): {r.get('why', '')}")
    return "\n".join(lines)
