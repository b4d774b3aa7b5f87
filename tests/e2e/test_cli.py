"""The real `cockpit` executable in a subprocess: spoken in, JSON events and a reply WAV out."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cockpit.audio.formats import read_wav, rms_dbfs

pytestmark = pytest.mark.e2e


def cockpit(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("cockpit")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "cockpit.cli"]
    return subprocess.run([*cmd, *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"})


def test_sim_say_json_summary_and_reply_wav(tmp_path):
    out = tmp_path / "reply.wav"
    proc = cockpit("sim", "--say", "hey cockpit, set the temperature to twenty one degrees", "--fast", "--json",
                   "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(x) for x in proc.stdout.splitlines()]
    kinds = [e["type"] for e in lines]
    assert kinds[-1] == "turn"
    for expected in ("speech-started", "wake", "speech-ended", "transcript", "route", "tool-call", "tool-result", "reply", "audio-out"):
        assert expected in kinds, expected
    summary = lines[-1]
    assert summary["transcript"] == "set the temperature to twenty one degrees"
    assert summary["route"] == "fastpath"
    assert summary["tool_calls"] == [{"name": "climate_set_temperature", "arguments": {"celsius": 21}}]
    assert summary["reply"] and summary["error"] is None
    assert {"asr", "route", "tool", "tts", "total"} <= set(summary["timings_ms"])
    assert summary["audio_path"] == str(out) and rms_dbfs(read_wav(out)) > -35


def test_sim_text_unknown_is_route_none_and_spoken(tmp_path):
    proc = cockpit("sim", "--text", "write me a poem about tyres", "--json", "--out", "r.wav", cwd=tmp_path)
    summary = json.loads(proc.stdout.splitlines()[-1])
    assert proc.returncode == 0 and summary["route"] == "none" and summary["tool_calls"] == []
    assert len(read_wav(tmp_path / "r.wav")) > 16000 * 0.5


def test_help_lists_the_commands(tmp_path):
    proc = cockpit("--help", cwd=tmp_path)
    for command in ("sim", "demo", "doctor", "config", "models"):
        assert command in proc.stdout


def test_bad_config_exits_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("wake: {mode: clap}\n")
    proc = cockpit("sim", "--text", "mute", "--config", str(bad), cwd=tmp_path)
    assert proc.returncode == 2 and "wake.mode" in proc.stderr and "Traceback" not in proc.stderr
