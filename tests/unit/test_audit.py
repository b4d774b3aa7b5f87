import json

import pytest

from cockpit.cli import main
from cockpit.skills.audit import AuditLog


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
