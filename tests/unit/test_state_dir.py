"""The state dir: every file cockpit makes there is created 0600, every directory 0700, whatever the umask."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from cockpit.config import Settings, parse_config
from cockpit.state import StateDir, private_dir, private_file, state_path, too_wide, write_private


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(params=[0o022, 0o000, 0o277], ids=["umask-022", "umask-000", "umask-277"])
def umask(request):
    """A usual umask, a permissive one, and one that even takes the owner's own write bit."""
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def test_directories_and_files_are_created_private_under_any_umask(tmp_path, umask):
    deep = private_dir(tmp_path / "a" / "b" / "c")
    for p in (tmp_path / "a", tmp_path / "a" / "b", deep):
        assert mode(p) == 0o700, (p, oct(mode(p)))
    with private_file(deep / "log.txt", "a") as fh:
        fh.write("one\n")
    with private_file(deep / "log.txt", "a") as fh:  # appending again keeps it
        fh.write("two\n")
    assert mode(deep / "log.txt") == 0o600 and (deep / "log.txt").read_text() == "one\ntwo\n"
    write_private(tmp_path / "new" / "x.json", '{"a": 1}')
    assert mode(tmp_path / "new") == 0o700 and mode(tmp_path / "new" / "x.json") == 0o600


def test_write_private_replaces_atomically_and_narrows_an_old_wide_file(tmp_path):
    target = tmp_path / "setting.json"
    target.write_text("old")
    os.chmod(target, 0o644)
    write_private(target, b"new")
    assert target.read_bytes() == b"new" and mode(target) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["setting.json"]  # no temporary file left behind


def test_a_bad_mode_or_a_file_in_the_way_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="mode 'rb'"):
        private_file(tmp_path / "x", "rb")
    (tmp_path / "afile").write_text("x")
    with pytest.raises(NotADirectoryError, match="afile"):
        private_dir(tmp_path / "afile")


def test_too_wide_sees_group_and_other_bits(tmp_path):
    p = tmp_path / "f"
    p.write_text("")
    os.chmod(p, 0o640)
    assert too_wide(p)
    os.chmod(p, 0o600)
    assert not too_wide(p)


def test_relative_paths_of_the_config_live_in_the_state_dir(tmp_path):
    s = parse_config({"session": {"state_dir": str(tmp_path / "state")}})
    assert Path(s.session.audit_log) == tmp_path / "state" / "audit.jsonl"
    assert Path(s.audio.output.reply_dir) == tmp_path / "state" / "replies"
    assert state_path(s, "timers.json") == tmp_path / "state" / "timers.json"
    assert StateDir.of(s).path("reminders") == tmp_path / "state" / "reminders"
    elsewhere = parse_config({"session": {"state_dir": str(tmp_path), "audit_log": "/var/log/x/audit.jsonl"}})
    assert elsewhere.session.audit_log == "/var/log/x/audit.jsonl"  # an absolute path is used as it is
    again = parse_config(s.model_dump())  # a dumped config loads back the same (paths not joined twice)
    assert again == s
    default = Settings()
    assert Path(default.session.audit_log) == Path("out/state/audit.jsonl").absolute()
