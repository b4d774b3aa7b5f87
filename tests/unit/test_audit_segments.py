"""The audit log's rotation and retention keep `cockpit audit verify` green, and tampering is still found.

A fake wall clock drives the days (entries' ``at``); segments close at a size or a new local day; retention
and purge delete the oldest closed segments only after the chain records what went.
"""
from __future__ import annotations

import json
import os
import stat
from datetime import datetime, timedelta

import pytest

from cockpit.cli import main
from cockpit.skills.audit import AuditLog
from cockpit.skills.audit_files import closed_segments

DAY = 86400.0
START = datetime(2026, 6, 1, 9, 0).timestamp()


class Clock:
    def __init__(self, t: float = START):
        self.t = t

    def __call__(self) -> float:
        return self.t


def drive(log: AuditLog, clock: Clock, days: int, per_day: int = 5) -> None:
    """``per_day`` entries on each of ``days`` days, an hour apart."""
    for _ in range(days):
        for i in range(per_day):
            log.append("tool-executed", tool="window_set", arguments={"window": "driver", "position": i})
            clock.t += 3600
        clock.t += DAY - per_day * 3600


def entries_of(path):
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture
def clock():
    return Clock()


def test_each_day_closes_a_segment_whose_last_hash_the_next_file_carries(tmp_path, clock):
    log = AuditLog(tmp_path / "audit.jsonl", clock=clock)
    drive(log, clock, days=3)
    segments = closed_segments(log.path)
    assert [p.name for _, p in segments] == ["audit.000001.jsonl", "audit.000002.jsonl"]
    files = [p for _, p in segments] + [log.path]
    for before, after in zip(files, files[1:]):
        first = entries_of(after)[0]
        assert first["kind"] == "audit-rotated" and first["data"]["previous"] == before.name
        assert first["prev"] == entries_of(before)[-1]["hash"]  # the chain runs on across the files
        assert "new day" in first["data"]["why"]
    dates = {datetime.fromtimestamp(e["at"]).date() for e in entries_of(segments[0][1])}
    assert len(dates) == 1  # a segment never spans two days
    v = log.verify()
    assert v.ok and not v.breaks and v.entries == 15 + 2 and v.files == tuple(p.name for p in files)
    for p in files:
        assert stat.S_IMODE(os.stat(p).st_mode) == 0o600


def test_size_closes_segments_too(tmp_path, clock):
    log = AuditLog(tmp_path / "audit.jsonl", segment_bytes=1000, clock=clock)
    for i in range(30):
        log.append("tool-executed", tool="media_volume", arguments={"delta": i})
    segments = closed_segments(log.path)
    assert len(segments) >= 3
    assert all(p.stat().st_size < 1000 + 400 for _, p in segments)  # closed once they reached the size
    assert log.verify().ok and log.verify().entries == 30 + len(segments)


def test_retention_deletes_old_segments_and_records_it_so_verify_stays_green(tmp_path, clock):
    log = AuditLog(tmp_path / "audit.jsonl", retention_days=3, clock=clock)
    drive(log, clock, days=6)
    kept = [p.name for _, p in closed_segments(log.path)]
    assert kept[0] != "audit.000001.jsonl" and len(kept) <= 3  # the oldest days are gone
    removals = [e for e in log.entries() if e["kind"] == "audit-removed"]
    assert removals and all(r["data"]["by"] == "retention" and "audit_retention_days (3)" in r["data"]["why"]
                            for r in removals)
    first = removals[0]["data"]
    assert first["files"] == ["audit.000001.jsonl"] and first["entries"] == 5
    assert first["first"].startswith("2026-06-01") and first["last"].startswith("2026-06-01")
    v = log.verify()
    assert v.ok and not v.breaks, v
    assert v.removed and v.oldest_at >= START + 2 * DAY
    # the record names the hash the first kept entry chains to
    first_kept = entries_of(closed_segments(log.path)[0][1])[0]
    assert first_kept["prev"] in {r["data"]["last_hash"] for r in removals}


def test_deleting_old_segments_without_a_record_is_found(tmp_path, clock):
    log = AuditLog(tmp_path / "audit.jsonl", clock=clock)
    drive(log, clock, days=4)
    closed_segments(log.path)[0][1].unlink()  # someone removes the oldest day by hand
    v = log.verify()
    assert not v.ok and v.file == "audit.000002.jsonl" and v.line == 1 and "removed or reordered" in v.problem


def test_a_missing_middle_segment_is_found_even_after_a_recorded_removal(tmp_path, clock):
    log = AuditLog(tmp_path / "audit.jsonl", retention_days=4, clock=clock)
    drive(log, clock, days=7)
    assert log.verify().ok and any(e["kind"] == "audit-removed" for e in log.entries())
    files = [p for _, p in closed_segments(log.path)] + [log.path]
    assert len(files) >= 3
    files[1].unlink()  # not the oldest: no record can cover it
    v = log.verify()
    assert not v.ok and v.file == files[2].name and v.line == 1 and "removed or reordered" in v.problem


def test_a_tampered_closed_segment_is_found_with_its_file_and_line(tmp_path, clock, capsys):
    log = AuditLog(tmp_path / "audit.jsonl", retention_days=30, clock=clock)
    drive(log, clock, days=4)
    victim = closed_segments(log.path)[1][1]
    lines = victim.read_text().splitlines()
    entry = json.loads(lines[2])
    entry["data"]["arguments"]["position"] = 99
    lines[2] = json.dumps(entry)
    victim.write_text("\n".join(lines) + "\n")
    v = log.verify()
    assert not v.ok and (v.file, v.line) == (victim.name, 3) and "altered" in v.problem
    assert v.entries == 20 + 3 - 1  # one altered entry; everything after it still checked
    assert main(["audit", "verify", "--log", str(log.path)]) == 1
    assert f"TAMPERED at {victim.name} line 3" in capsys.readouterr().err
    # the daemon's next start records the break (a new segment names file and line); verify is then ok
    AuditLog(log.path, clock=clock).open()
    v = log.verify()
    assert v.ok and [(b.file, b.line, b.recorded) for b in v.breaks] == [(victim.name, 3, True)]
    start = [e for e in log.entries() if e["kind"] == "audit-chain-broken"][-1]
    assert start["data"]["breaks"][0]["file"] == victim.name


def test_a_forged_removal_record_does_not_cover_a_deletion(tmp_path, clock):
    log = AuditLog(tmp_path / "audit.jsonl", retention_days=2, clock=clock)
    drive(log, clock, days=5)
    live = log.path
    lines = live.read_text().splitlines()
    removal = next(i for i, line in enumerate(lines) if '"audit-removed"' in line)
    entry = json.loads(lines[removal])
    entry["data"]["files"].append("audit.000099.jsonl")  # claims more was removed by retention
    lines[removal] = json.dumps(entry)
    live.write_text("\n".join(lines) + "\n")
    v = log.verify()
    assert not v.ok and any("altered" in b.problem and not b.recorded for b in v.breaks)
    # and with the record no longer verifying, the deleted days are unaccounted for
    assert any(b.line == 1 and "removed or reordered" in b.problem for b in v.breaks)


def test_purge_before_a_date_and_purge_all_leave_a_verifiable_record(tmp_path, clock):
    log = AuditLog(tmp_path / "audit.jsonl", clock=clock)
    drive(log, clock, days=4)
    cutoff = datetime(2026, 6, 3).timestamp()
    removed = log.purge(cutoff, "the driver purged everything before 2026-06-03", by="driver")
    assert removed["files"] == ["audit.000001.jsonl", "audit.000002.jsonl"] and removed["by"] == "driver"
    assert all(e["at"] >= cutoff for e in log.entries() if e["kind"] == "tool-executed")
    assert log.verify().ok
    assert log.purge(cutoff, "again", by="driver") is None  # nothing that old is left
    everything = log.purge(None, "the driver purged everything", by="driver")
    assert everything["entries"] > 0
    left = list(log.entries())
    assert [e["kind"] for e in left] == ["audit-rotated", "audit-removed"]
    assert log.verify().ok and log.verify().entries == 2
    log.append("tool-executed", tool="mute")  # and the log goes on
    assert log.verify().ok


def test_a_purge_from_another_process_does_not_break_the_daemons_chain(tmp_path, clock):
    daemon = AuditLog(tmp_path / "audit.jsonl", clock=clock)
    drive(daemon, clock, days=3)
    cli = AuditLog(tmp_path / "audit.jsonl", clock=clock)  # `cockpit privacy purge` meanwhile
    assert cli.purge(None, "purged", by="driver")
    daemon.append("tool-executed", tool="mute")  # the daemon notices and chains on the purge's record
    cli.append("tool-executed", tool="unmute")
    daemon.append("tool-executed", tool="mute")
    v = daemon.verify()
    assert v.ok and not v.breaks and v.entries == 5


def test_a_record_of_a_break_in_a_segment_that_retention_removed_is_not_stale(tmp_path, clock):
    log = AuditLog(tmp_path / "audit.jsonl", retention_days=3, clock=clock)
    drive(log, clock, days=3)
    oldest = closed_segments(log.path)[0][1]
    lines = oldest.read_text().splitlines()
    lines[2] = lines[2].replace('"position": 2', '"position": 7')  # tampered with on day 3
    oldest.write_text("\n".join(lines) + "\n")
    AuditLog(log.path, retention_days=3, clock=clock).open()  # a restart records the break in the live file
    assert log.verify().ok and log.verify().breaks[0].file == oldest.name
    drive(log, clock, days=3)  # retention then removes that segment; the record of its break stays
    assert not oldest.exists()
    record = next(e for e in log.entries() if e["kind"] == "audit-chain-broken")
    assert record["data"]["breaks"] == [{"line": 3, "why": "entry was altered after it was written", "file": oldest.name}]
    v = log.verify()
    assert v.ok and not v.breaks, v


def test_cli_verify_reads_every_segment_of_the_configured_log(tmp_path, clock, capsys):
    log = AuditLog(tmp_path / "state" / "audit.jsonl", clock=clock)
    drive(log, clock, days=3)
    config = tmp_path / "c.yaml"
    config.write_text(f"session: {{state_dir: {tmp_path / 'state'}}}\n")
    assert main(["audit", "verify", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "ok, 17 entries in 3 files, chain intact" in out
    assert main(["audit", "show", "--config", str(config)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 17


def test_a_clock_stepping_back_closes_one_segment_not_one_per_entry(tmp_path):
    clock = Clock(datetime(2026, 6, 2, 12, 0).timestamp())
    log = AuditLog(tmp_path / "audit.jsonl", clock=clock)
    log.append("tool-executed", tool="mute")
    clock.t -= timedelta(days=1).total_seconds()  # the RTC was wrong, NTP set it back a day
    for _ in range(3):
        log.append("tool-executed", tool="unmute")
        clock.t += 60
    assert len(closed_segments(log.path)) == 1 and log.verify().ok
