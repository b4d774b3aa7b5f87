"""`cockpit privacy show | purge | prove`: the driver's own view of what the car keeps, and erasing it.

``purge`` works beside a running ``cockpit run``: the audit log's lock keeps their writes apart, and
the daemon checks the log again before its next entry. Conversation history lives only in the
daemon's memory: say "forget what I said today", or restart it.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from cockpit.errors import CockpitError

BAD_DATE = "privacy-bad-date"


def add_parser(sub: Any) -> None:
    """``cockpit privacy ...`` on the main parser's subcommands."""
    privacy = sub.add_parser("privacy", help="what the car keeps about the driver, and erasing it")
    p_sub = privacy.add_subparsers(dest="privacy_command", required=True, metavar="ACTION")
    show_ = p_sub.add_parser("show", help="every kind of data kept: where, how long, who can read it; files, sizes "
                             "and the oldest entry in the state dir")
    show_.add_argument("--json", action="store_true", help="as one JSON object")
    show_.add_argument("--markdown", action="store_true", help="the inventory as a Markdown table (the README's copy)")
    purge_ = p_sub.add_parser("purge", help="delete audit segments and reply audio before a date, or everything; "
                              "the audit chain records what went")
    which = purge_.add_mutually_exclusive_group(required=True)
    which.add_argument("--before", metavar="DATE", help="YYYY-MM-DD (or YYYY-MM-DDTHH:MM): what is older goes")
    which.add_argument("--all", action="store_true", help="everything in the state dir but the privacy-mode setting")
    prove_ = p_sub.add_parser("prove", help="which audit entries sealed this value (a message, a phone number, an "
                              "e-mail address the driver reveals)")
    prove_.add_argument("value")
    for a in (show_, purge_, prove_):
        a.add_argument("--config", type=Path, help="config whose session.state_dir to use")


def main(args: argparse.Namespace, settings: Any) -> int:
    if args.privacy_command == "show":
        return show(settings, args.json, args.markdown)
    if args.privacy_command == "purge":
        return purge(settings, args.before, args.all)
    return prove(settings, args.value)


def parse_before(text: str) -> datetime:
    """``YYYY-MM-DD`` (local midnight) or an ISO date-time; a clear error otherwise."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CockpitError(f"--before {text!r} is not a date", code=BAD_DATE,
                           hint="give a date as YYYY-MM-DD (e.g. 2026-06-01: everything before that day) or "
                                "YYYY-MM-DDTHH:MM") from None
    return when if when.tzinfo is not None else when.astimezone()


def show(settings: Any, as_json: bool = False, as_markdown: bool = False) -> int:
    from cockpit.privacy.controls import MODE_FILE
    from cockpit.privacy.inventory import markdown, measure
    from cockpit.state import StateDir
    if as_markdown:
        print(markdown(settings))
        return 0
    rows = measure(settings)
    root = StateDir.of(settings).root
    mode_file = root / MODE_FILE
    mode = json.loads(mode_file.read_text(encoding="utf-8")).get("privacy_mode") if mode_file.is_file() else None
    if as_json:
        print(json.dumps({"state_dir": str(root.absolute()), "privacy_mode": mode, "kept": rows}, ensure_ascii=False))
        return 0
    print(f"state dir: {root.absolute()}  (privacy mode: {'on' if mode else 'off'})")
    for row in rows:
        print(f"\n{row['what']}\n  where:    {row['where']}\n  how long: {row['how_long']}\n  who:      {row['who']}")
        if row["files"]:
            print(f"  now:      {row['files']} file(s), {row['bytes']:,} bytes, oldest {row['oldest']}")
    return 0


def purge(settings: Any, before: str | None, everything: bool) -> int:
    """Delete the audit segments, reply WAVs and reminders older than ``before`` (or all of it, and a new salt)."""
    from cockpit.audio.output import remove_replies
    from cockpit.privacy.minimise import SALT_FILE, Salt
    from cockpit.proactive.agenda import Agenda
    from cockpit.skills.audit import AuditLog
    from cockpit.state import StateDir
    if everything:
        cutoff, why = None, "the driver purged everything (cockpit privacy purge --all)"
    else:
        when = parse_before(before or "")
        cutoff, why = when.timestamp(), f"the driver purged everything before {when.isoformat()} (cockpit privacy purge)"
    audit = AuditLog.for_settings(settings)
    removed = audit.purge(cutoff, why, by="driver")
    replies = remove_replies(settings.audio.output.reply_dir, before=cutoff)
    state = StateDir.of(settings)
    agenda = Agenda(state.path(settings.proactive.agenda.database))
    reminders = agenda.forget(None if everything else datetime.fromtimestamp(cutoff)) if agenda.path.exists() else 0
    agenda.close()
    if everything:
        Salt(state.path(SALT_FILE)).forget()
    if removed:
        print(f"audit log: removed {removed['entries']} entries in {len(removed['files'])} segment(s) "
              f"({removed['first']} to {removed['last']}); the chain records it")
    else:
        print("audit log: nothing that old" + (" (the newest day stays until it closes)" if not everything else ""))
    print(f"reply audio: removed {replies} file(s)" + ("; a new salt will be made" if everything else ""))
    print(f"reminders and timers: removed {reminders} set before then" if not everything else
          f"reminders and timers: removed {reminders}")
    verdict = audit.verify()
    print(f"audit log now: {'ok' if verdict.ok else 'TAMPERED'}, {verdict.entries} entries in {len(verdict.files)} file(s)")
    return 0 if verdict.ok else 1


def prove(settings: Any, value: str) -> int:
    """Which audit entries sealed ``value`` (a message the driver reveals, a phone number, an address)."""
    from cockpit.privacy.minimise import SALT_FILE, Salt, seals_of
    from cockpit.skills.audit import AuditLog
    from cockpit.state import StateDir
    salt = Salt(StateDir.of(settings).path(SALT_FILE))
    if not salt.path.is_file():
        print("no salt in the state dir: nothing was sealed (or everything was purged)", file=sys.stderr)
        return 1
    seals = {seal: kind for kind, seal in seals_of(salt.key(), value).items()}
    hits = 0
    for entry in AuditLog(settings.session.audit_log).entries():
        text = json.dumps(entry.get("data"), ensure_ascii=False)
        for seal, kind in seals.items():
            if seal in text:
                hits += 1
                when = datetime.fromtimestamp(entry["at"]).astimezone().isoformat(timespec="seconds")
                print(f"{when}  {entry.get('kind')}  {entry['data'].get('tool', '')}  sealed as {kind}  {entry['hash'][:16]}")
    if not hits:
        print("no audit entry sealed exactly that value", file=sys.stderr)
    return 0 if hits else 1
