"""`cockpit privacy show | purge` and the doctor's state-dir check: the driver's own view and erasure."""
from __future__ import annotations

import json
import os
from datetime import datetime, timedelta

import pytest

from cockpit.cli import main
from cockpit.config import load_config
from cockpit.doctor import state_check
from cockpit.privacy.minimise import SALT_FILE, Salt
from cockpit.skills.audit import AuditLog
from cockpit.skills.audit_files import closed_segments


@pytest.fixture
def car(tmp_path):
    """A state dir with three days of audit log (the last one today), a sealed message, and reply WAVs."""
    config = tmp_path / "cockpit.yaml"
    config.write_text(f"session: {{state_dir: {tmp_path / 'state'}}}\n")
    settings = load_config(config)
    days = [datetime.now().replace(hour=8) - timedelta(days=n) for n in (2, 1, 0)]
    now = [0.0]
    log = AuditLog(settings.session.audit_log, clock=lambda: now[0])
    minimised = AuditLog.for_settings(settings).minimise
    for d in days:
        for i in range(3):
            now[0] = d.timestamp() + i * 60
            log.append("tool-executed", **minimised({"tool": "send_message", "arguments": {"recipient": "Anna",
                                                                                            "text": "on my way"}}))
    replies = tmp_path / "state" / "replies"
    replies.mkdir(mode=0o700)
    for n, d in enumerate(days):
        wav = replies / f"turn-{n + 1:03d}.wav"
        wav.write_bytes(b"RIFF")
        os.chmod(wav, 0o600)
        os.utime(wav, (d.timestamp(), d.timestamp()))
    return config, settings, days


def test_show_lists_what_is_kept_with_sizes_and_the_oldest_entry(car, capsys):
    config, settings, days = car
    assert main(["privacy", "show", "--config", str(config), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    audit, replies, salt = shown["kept"][:3]
    assert audit["files"] == 4 and audit["bytes"] > 0  # two closed days, today, the lock; and audit["oldest"].startswith(days[0].date().isoformat())
    assert replies["files"] == 3 and salt["files"] == 1 and shown["privacy_mode"] is None
    assert all(row["where"] and row["how_long"] and row["who"] for row in shown["kept"])
    assert main(["privacy", "show", "--config", str(config)]) == 0
    assert "4 file(s)" in capsys.readouterr().out


def test_purge_before_a_date_removes_older_segments_and_replies_and_the_chain_records_it(car, capsys):
    config, settings, days = car
    assert main(["privacy", "purge", "--config", str(config), "--before", days[1].date().isoformat()]) == 0
    out = capsys.readouterr().out
    assert "removed 3 entries in 1 segment(s)" in out and "reply audio: removed 1 file(s)" in out
    log = AuditLog(settings.session.audit_log)
    removed = [e["data"] for e in log.entries() if e["kind"] == "audit-removed"]
    assert len(removed) == 1 and removed[0]["by"] == "driver" and days[1].date().isoformat() in removed[0]["why"]
    assert log.verify().ok and all(e["at"] >= days[1].replace(hour=0).timestamp() for e in log.entries())
    assert main(["audit", "verify", "--config", str(config)]) == 0


def test_purge_all_leaves_only_its_own_record_and_a_new_salt_is_made_next_time(car, capsys):
    config, settings, _ = car
    salt = Salt(settings.session.state_dir + "/" + SALT_FILE)
    old = salt.key()
    assert main(["privacy", "purge", "--config", str(config), "--all"]) == 0
    log = AuditLog(settings.session.audit_log)
    assert [e["kind"] for e in log.entries()] == ["audit-rotated", "audit-removed"] and log.verify().ok
    assert closed_segments(log.path) == [] and not (salt.path.exists())
    assert not list((salt.path.parent / "replies").glob("*.wav"))
    assert Salt(salt.path).key() != old
    assert main(["privacy", "prove", "--config", str(config), "on my way"]) == 1  # nothing sealed it any more


def test_a_bad_date_is_named_with_the_fix(car, capsys):
    config, _, _ = car
    assert main(["privacy", "purge", "--config", str(config), "--before", "last tuesday"]) == 2
    err = capsys.readouterr().err
    assert "privacy-bad-date" in err and "'last tuesday' is not a date" in err and "YYYY-MM-DD" in err


def test_doctor_flags_a_wide_file_and_anything_the_inventory_does_not_list(car):
    _, settings, _ = car
    check = state_check(settings)
    assert check.ok and "all 0600" in check.detail
    stray = settings.session.state_dir + "/notes.txt"
    fd = os.open(stray, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)
    check = state_check(settings)
    assert not check.ok and "notes.txt" in check.detail and "cockpit privacy show" in check.fix
    os.unlink(stray)
    os.chmod(settings.session.audit_log, 0o644)  # written by something else
    check = state_check(settings)
    assert not check.ok and "readable by others" in check.detail and "chmod" in check.fix


def test_purge_erases_the_reminders_set_before_then_and_all_of_them_with_the_file(car, capsys):
    from cockpit.proactive.agenda import Agenda
    from cockpit.state import StateDir
    config, settings, days = car
    path = StateDir.of(settings).path(settings.proactive.agenda.database)
    agenda = Agenda(path)
    agenda.add("reminder", "call Anna", days[0], place="home")
    agenda.add("timer", "parking meter", days[2], minutes=30, due=days[2] + timedelta(minutes=30))
    agenda.close()
    assert main(["privacy", "purge", "--config", str(config), "--before", days[1].date().isoformat()]) == 0
    assert "reminders and timers: removed 1 set before then" in capsys.readouterr().out
    assert [i.text for i in Agenda(path).items()] == ["parking meter"]  # the one set today waits on
    assert main(["privacy", "purge", "--config", str(config), "--all"]) == 0
    assert "reminders and timers: removed 1" in capsys.readouterr().out
    assert not path.exists() and not path.with_name(path.name + "-journal").exists()
