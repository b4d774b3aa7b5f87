"""The house's layering, checked on the source: data walks top-down, stages never climb back.

- No module under cockpit/asr, audio, wake, tts or brain imports cockpit.pipeline (not even lazily
  or under TYPE_CHECKING): stages never reach their owner.
- No module under cockpit/asr, audio, wake or tts imports cockpit.brain: the ear and the voice do
  not know the mind.
- The HMI API (api.py, ws.py, guard.py) knows the daemon only as the HmiBackend protocol.
"""
from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from cockpit.config import Settings
from cockpit.service.backend import HmiBackend

ROOT = Path(__file__).resolve().parents[2] / "cockpit"


def imported(path: Path) -> set[str]:
    """Every module a file imports, anywhere in it (top level, functions, TYPE_CHECKING blocks)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


def offenders(packages: tuple[str, ...], forbidden: str) -> list[str]:
    found = []
    for package in packages:
        for path in (ROOT / package).rglob("*.py"):
            bad = sorted(n for n in imported(path) if n == forbidden or n.startswith(forbidden + "."))
            if bad:
                found.append(f"{path.relative_to(ROOT.parent)}: {', '.join(bad)}")
    return found


def test_the_scan_sees_imports_anywhere(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from cockpit.pipeline import X\n"
                 "def f():\n    import cockpit.brain.fastpath\n")
    assert {"cockpit.pipeline", "cockpit.brain.fastpath"} <= imported(f)


def test_no_stage_imports_its_owner():
    assert offenders(("asr", "audio", "wake", "tts", "brain"), "cockpit.pipeline") == []


def test_the_ear_and_the_voice_do_not_import_the_brain():
    assert offenders(("asr", "audio", "wake", "tts"), "cockpit.brain") == []


@pytest.mark.parametrize("module", ["api.py", "ws.py", "guard.py"])
def test_the_api_knows_the_daemon_only_as_a_protocol(module):
    names = imported(ROOT / "service" / module)
    assert not [n for n in names if n.startswith(("cockpit.service.daemon", "cockpit.pipeline"))]


def test_the_daemon_implements_the_hmi_backend():
    from cockpit.service.daemon import Daemon
    daemon = Daemon(Settings())
    members = set(getattr(HmiBackend, "__annotations__", {})) | {
        name for name, _ in inspect.getmembers(HmiBackend, inspect.isfunction)}
    assert {"health", "text_turn", "confirm", "settings", "mic"} <= members
    missing = [name for name in members if not hasattr(daemon, name)]
    assert missing == []
