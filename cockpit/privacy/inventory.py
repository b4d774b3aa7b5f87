"""What cockpit keeps about the driver: one inventory, the source of the README's "What cockpit keeps"
table (``cockpit privacy show --markdown``; a test keeps them equal) and of ``cockpit privacy show``.

Every row says what, where, how long and who can read it. Rows kept in the state dir name the files
they cover (``files``): a scan of the state dir must find nothing else, and ``show`` measures them
(count, size, oldest entry). A new kind of stored data adds a row here and writes through
cockpit/state.py, as the reminders and timers (cockpit/proactive/agenda.py) do.
"""
from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cockpit.state import StateDir

WHO = "the service user and root (files 0600, directories 0700)"


@dataclass(frozen=True)
class Kept:
    what: str
    where: str
    how_long: str
    who: str
    files: tuple[str, ...] = ()
    """Paths inside the state dir this row covers (shell patterns, ``dir/*``); none: kept elsewhere."""


def inventory(settings: Any) -> list[Kept]:
    """Every place cockpit keeps driver data, with this config's paths and limits."""
    s, out, b, p = settings.session, settings.audio.output, settings.brain, settings.privacy
    state, audit, replies = Path(s.state_dir), Path(s.audit_log), Path(out.reply_dir)
    rel = lambda path: os.path.relpath(path, state) if path.is_relative_to(state.absolute()) else str(path)  # noqa: E731
    log, reply_dir = rel(audit), rel(replies)
    agenda = rel((state / settings.proactive.agenda.database).absolute())
    stem = audit.name.rsplit(".", 1)
    segment = f"{stem[0]}.NNNNNN.{stem[1]}" if len(stem) == 2 else f"{audit.name}.NNNNNN"
    km = f"{p.stored_location_precision_km:g} km"
    return [
        Kept("Audit log: every side effect, refusal and cloud payload — tool, arguments, outcome, driving state, "
             f"the answer to a read-back. Message bodies, phone numbers and e-mail addresses sealed (salted hash + "
             f"redacted preview), coordinates snapped to {km}; no transcript",
             f"`{log}`, closed segments `{segment}` beside it, `{audit.name}.lock`",
             f"segments close daily or at {s.audit_segment_kb} KB; deleted after {s.audit_retention_days} days "
             "(`session.audit_retention_days`), or by `cockpit privacy purge`; each deletion recorded in the chain",
             WHO, (log, _segment_glob(log), f"{log}.lock")),
        Kept("Reply audio: what cockpit said (WAV), never the driver's voice",
             f"`{reply_dir}/turn-NNN.wav`: only with `audio.output.sink: file`, never in privacy mode, and from "
             "`cockpit run` only with `audio.output.keep_served_replies`",
             f"the newest {out.keep_replies} for {out.keep_replies_hours:g} h; \"forget what I said today\" and "
             "`cockpit privacy purge` delete them", WHO, (f"{reply_dir}/turn-*.wav", reply_dir)),
        Kept("The car's salt for sealing audit values (32 random bytes)", "`salt`",
             "until `cockpit privacy purge --all` (then a new one: old seals can no longer be proven)", WHO, ("salt",)),
        Kept("Privacy mode on or off (the driver's last choice)", "`privacy.json`", "until the driver changes it",
             WHO, ("privacy.json",)),
        Kept("Conversation history: the driver's words and cockpit's replies, for the model's context",
             "memory of the running service only, never on disk",
             f"the last {b.history_turns} exchanges, forgotten after {b.history_ttl_s:g} s of silence, at a restart "
             "and by \"forget what I said today\"; none in privacy mode", "the cockpit process"),
        Kept("The car's position, speed and other signals", "memory of the running service only (the signal store)",
             "while it runs; only snapped points reach the audit log and the logs", "the cockpit process"),
        Kept("Service logs: start, stop, faults, refusals — never a transcript at INFO or above; coordinates "
             f"snapped to {km}, phone numbers and e-mail addresses replaced",
             "stderr, i.e. the systemd journal (not the state dir)",
             "the journal's own limits (`SystemMaxUse`, `MaxRetentionSec` in journald.conf)",
             "root and the systemd-journal group"),
        Kept("Preferences: named places (home, work: exact coordinates), diet, cuisines, the services configured",
             "the config file (e.g. /etc/cockpit/cockpit.yaml)", "until edited", "whoever its file mode allows "
             "(install it 0600 or 0640)"),
        Kept("Reminders and timers the driver set: the words to remember, when (a time), or where (the destination "
             "or home, as coordinates to 3 decimals — about 110 m —, or 'the next stop')",
             f"`{agenda}` (SQLite; made by the first one set; `-journal` beside it while it writes)",
             "until it fires (is asked) or is cancelled, then deleted (`cockpit privacy purge` erases the ones set "
             "before a date, or all and the file); the audit log keeps that it was asked",
             WHO, (agenda, f"{agenda}-journal")),
        Kept("Bench and demo outputs: latency figures, the demo's replies to its scripted drive (espeak-ng or piper "
             "speech, not the driver's)", "`out/bench`, `out/demo` (where you run the commands)",
             "until you delete them", "per your umask"),
    ]


def _segment_glob(log: str) -> str:
    name, _, suffix = log.rpartition(".")
    return f"{name}.[0-9][0-9][0-9][0-9][0-9][0-9].{suffix}" if name else f"{log}.[0-9]*"


def covering(items: list[Kept], relative: str) -> Kept | None:
    """The row whose files cover ``relative`` (a path inside the state dir), or None."""
    return next((k for k in items if any(fnmatch.fnmatchcase(relative, g) for g in k.files)), None)


def scan(settings: Any) -> list[Path]:
    """Every file and directory in the state dir (not the dir itself), sorted."""
    root = StateDir.of(settings).root
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*"))


def unlisted(settings: Any) -> list[str]:
    """Paths in the state dir that no inventory row covers (a test keeps this empty)."""
    root, items = StateDir.of(settings).root, inventory(settings)
    return [rel for p in scan(settings) if covering(items, rel := str(p.relative_to(root))) is None]


def measure(settings: Any) -> list[dict[str, Any]]:
    """Each row with what is there now: files, bytes, the oldest entry (an audit entry's time, a file's)."""
    from cockpit.skills.audit import AuditLog
    root, items = StateDir.of(settings).root, inventory(settings)
    found: dict[int, list[Path]] = {}
    for p in scan(settings):
        kept = covering(items, str(p.relative_to(root))) if p.is_file() else None
        if kept is not None:
            found.setdefault(items.index(kept), []).append(p)
    rows = []
    for i, kept in enumerate(items):
        mine = found.get(i, [])
        row = {"what": kept.what, "where": kept.where, "how_long": kept.how_long, "who": kept.who,
               "files": len(mine), "bytes": sum(p.stat().st_size for p in mine), "oldest": None}
        if mine:
            oldest = min(p.stat().st_mtime for p in mine)
            if i == 0:  # the audit log: its first entry's time
                oldest = AuditLog(settings.session.audit_log).verify().oldest_at or oldest
            row["oldest"] = datetime.fromtimestamp(oldest).astimezone().isoformat(timespec="seconds")
        rows.append(row)
    return rows


def markdown(settings: Any) -> str:
    """The README's table (paths relative to ``session.state_dir``)."""
    lines = ["| what | where | how long | who can read it |", "|---|---|---|---|"]
    lines += [f"| {k.what} | {k.where} | {k.how_long} | {k.who} |" for k in inventory(settings)]
    return "\n".join(lines)
