import json
import os
import stat

import pytest

from cockpit.cli import main
from cockpit.skills.audit import AuditLog, AuditUnavailable


@pytest.fixture
def log(tmp_path):
    a = AuditLog(tmp_path / "audit.jsonl")
    a.append("tool-executed", tool="window_set", arguments={"window": "driver", "position": 25})
    a.append("tool-refused", tool="climate_set_temperature", arguments={"celsius": 45})
    a.append("cloud-payload", redactions={"phone": 1}, messages=3)
    return a


def test_chain_verifies_and_survives_reopening(log):
    assert log.verify().ok and log.verify().entries == 3
    again = AuditLog(log.path)
    again.append("tool-executed", tool="mute")
    assert again.verify().ok and again.verify().entries == 4


def _lines(log):
    return log.path.read_text().splitlines()


def _write(log, lines):
    log.path.write_text("\n".join(lines) + "\n")


def test_an_altered_line_is_detected_with_its_line_number(log):
    lines = _lines(log)
    entry = json.loads(lines[1])
    entry["data"]["arguments"]["celsius"] = 22  # someone rewrites a refusal
    lines[1] = json.dumps(entry)
    _write(log, lines)
    v = log.verify()
    assert not v.ok and v.line == 2 and "altered" in v.problem


def test_a_removed_or_reordered_line_breaks_the_chain(log):
    lines = _lines(log)
    _write(log, [lines[0], lines[2]])
    assert not log.verify().ok and log.verify().line == 2
    _write(log, [lines[1], lines[0], lines[2]])
    assert not log.verify().ok and log.verify().line == 1


def test_garbage_line_is_reported(log):
    _write(log, _lines(log) + ["not json"])
    v = log.verify()
    assert not v.ok and v.line == 4 and v.entries == 3


def test_cli_verify_and_show(log, capsys):
    assert main(["audit", "verify", "--log", str(log.path)]) == 0
    assert main(["audit", "show", "--log", str(log.path)]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 1 + 3
    _write(log, _lines(log)[1:])
    assert main(["audit", "verify", "--log", str(log.path)]) == 1
    assert "TAMPERED at line 1" in capsys.readouterr().err


# -- files: who may read them ------------------------------------------------------------------------
def test_the_file_is_created_0600_and_its_new_directory_0700(tmp_path):
    log = AuditLog(tmp_path / "new" / "deeper" / "audit.jsonl")
    log.append("tool-executed", tool="mute")
    assert stat.S_IMODE(log.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.path.parent.stat().st_mode) == 0o700
    old_umask = os.umask(0)  # even with a permissive umask nothing is opened wider
    try:
        wide = AuditLog(tmp_path / "wide.jsonl")
        wide.append("tool-executed", tool="mute")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(wide.path.stat().st_mode) == 0o600


@pytest.mark.parametrize("where", ["under-a-file", "is-a-directory"])
def test_a_log_that_cannot_be_written_raises_audit_unavailable(tmp_path, where):
    # tests run as root here: permissions would not stop a write, a path that cannot be a file does
    if where == "under-a-file":
        (tmp_path / "afile").write_text("x")
        path = tmp_path / "afile" / "audit.jsonl"
    else:
        path = tmp_path / "audit.jsonl"
        path.mkdir()
    log = AuditLog(path)
    with pytest.raises(AuditUnavailable) as raised:
        log.open()
    assert raised.value.code == "audit-write-failed" and str(path) in str(raised.value)
    with pytest.raises(AuditUnavailable):
        log.append("tool-executed", tool="mute")


def test_a_full_disk_raises_and_nothing_half_written_is_left_behind(tmp_path):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    log.append("tool-executed", tool="mute")
    path.rename(tmp_path / "kept")
    path.symlink_to("/dev/full")  # ENOSPC on every write
    with pytest.raises(AuditUnavailable, match="No space left"):
        log.append("tool-executed", tool="unmute")
    path.unlink()
    (tmp_path / "kept").rename(path)
    log.append("tool-executed", tool="unmute")  # checked again, then chained on the last good entry
    assert log.verify().ok and log.verify().entries == 2 and not log.verify().breaks


# -- segments: a broken log is never rewritten, a new segment records the break ------------------------
def test_a_truncated_last_line_starts_a_segment_that_records_it(log):
    with open(log.path, "a") as fh:
        fh.write('{"at": 1.0, "kind": "tool-exe')  # power lost mid-write
    found = AuditLog(log.path).verify()
    assert not found.ok and found.line == 4 and "cut short" in found.problem
    again = AuditLog(log.path)
    opened = again.open()
    assert opened.line == 4  # what it found
    again.append("tool-executed", tool="mute")
    lines = _lines(again)
    assert len(lines) == 6 and lines[3].startswith('{"at": 1.0')  # the cut line kept as evidence
    start = json.loads(lines[4])
    assert start["kind"] == "audit-chain-broken" and start["prev"] == "0" * 64
    assert start["data"]["breaks"] == [{"line": 4, "why": found.problem}]
    assert start["data"]["verified_entries"] == 3 and start["data"]["after_hash"] == json.loads(lines[2])["hash"]
    v = again.verify()
    assert v.ok and v.segments == 2 and v.entries == 5 and [(b.line, b.recorded) for b in v.breaks] == [(4, True)]
    assert AuditLog(log.path).open().ok and len(_lines(again)) == 6  # opened again: nothing new to record


def test_an_altered_line_is_recorded_and_a_later_one_is_not(log):
    lines = _lines(log)
    entry = json.loads(lines[0])
    entry["data"]["tool"] = "something else"
    _write(log, [json.dumps(entry)] + lines[1:])
    AuditLog(log.path).open()  # a daemon start records the break at line 1
    v = AuditLog(log.path).verify()
    assert v.ok and [(b.line, b.recorded) for b in v.breaks] == [(1, True)]
    # an entry of the new segment is then altered: that break is nobody's record
    seg = AuditLog(log.path)
    seg.append("tool-executed", tool="mute")
    lines = _lines(seg)
    changed = json.loads(lines[-1])
    changed["data"]["tool"] = "unlock_doors"
    _write(seg, lines[:-1] + [json.dumps(changed)])
    v = AuditLog(log.path).verify()
    assert not v.ok and v.line == len(lines) and "altered" in v.problem
    assert [(b.line, b.recorded) for b in v.breaks] == [(1, True), (len(lines), False)]


def test_a_record_that_no_longer_matches_the_file_is_unrecorded(log):
    with open(log.path, "a") as fh:
        fh.write("garbage\n")
    AuditLog(log.path).open()  # segment 2 records the break at line 4
    lines = _lines(log)
    _write(log, lines[4:])  # the first segment removed: the record now names a line that is not there
    v = AuditLog(log.path).verify()
    assert not v.ok and v.line == 1 and "not there" in v.problem


def test_cli_verify_lists_recorded_breaks(log, capsys):
    with open(log.path, "a") as fh:
        fh.write('{"cut')
    AuditLog(log.path).open()
    assert main(["audit", "verify", "--log", str(log.path)]) == 0
    out = capsys.readouterr().out
    assert "ok, 4 entries, 2 segments, every break recorded" in out  # 3 + the segment's first entry
    assert "recorded break at line 4" in out


def test_doctor_reports_a_broken_log_until_a_segment_records_it(log):
    from cockpit.config import parse_config
    from cockpit.doctor import audit_check
    settings = parse_config({"session": {"audit_log": str(log.path)}})
    assert audit_check(settings).ok
    with open(log.path, "a") as fh:
        fh.write('{"cut')
    check = audit_check(settings)
    assert not check.ok and not check.optional and "line 4" in check.detail and "new segment" in check.fix
    AuditLog(log.path).open()
    check = audit_check(settings)
    assert check.ok and "recorded break at line 4" in check.detail
    (log.path.parent / "afile").write_text("x")
    blocked = audit_check(parse_config({"session": {"audit_log": str(log.path.parent / "afile" / "a.jsonl")}}))
    assert not blocked.ok and "is a file" in blocked.detail
