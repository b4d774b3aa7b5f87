"""Bad input through the real CLI: each gets a clear outcome, never a crash."""
from __future__ import annotations

import json

import numpy as np
import pytest
import soxr

from cockpit.audio.formats import read_wav, write_wav
from cockpit.cli import main
from support.offline import GRAMMAR_ALONE_YAML

pytestmark = pytest.mark.e2e


def sim(capsys, *args: str) -> tuple[int, list[dict], str]:
    rc = main(["sim", "--fast", "--json", *args])
    out = capsys.readouterr()
    return rc, [json.loads(line) for line in out.out.splitlines() if line.startswith("{")], out.err


def turns(events):
    return [e for e in events if e["type"] == "turn"]


def test_empty_wav_is_no_turn(tmp_path, capsys):
    f = write_wav(tmp_path / "empty.wav", np.zeros(0, np.int16))
    rc, events, _ = sim(capsys, "--wav", str(f))
    assert rc == 0 and turns(events) == []


def test_twenty_seconds_of_silence_is_no_turn(tmp_path, capsys):
    f = write_wav(tmp_path / "silence.wav", np.zeros(20 * 16000, np.int16))
    rc, events, _ = sim(capsys, "--wav", str(f), "--wake", "none")
    assert rc == 0 and turns(events) == [] and not any(e["type"] == "speech-started" for e in events)


def test_noise_only_never_acts_on_the_car(tmp_path, capsys):
    rng = np.random.default_rng(7)
    f = write_wav(tmp_path / "noise.wav", rng.normal(0, 1500, 6 * 16000).clip(-32768, 32767).astype(np.int16))
    rc, events, _ = sim(capsys, "--wav", str(f), "--wake", "none")
    assert rc == 0
    assert all(t["tool_calls"] == [] for t in turns(events))
    assert not any(e["type"] == "tool-call" for e in events)


@pytest.mark.parametrize("rate, channels", [(44100, 2), (48000, 1), (22050, 2)])
def test_other_rates_and_stereo_are_converted_not_rejected(tmp_path, capsys, speech, rate, channels):
    mono = speech("next track", 160).astype(np.float32)
    x = soxr.resample(mono, 16000, rate)
    if channels == 2:
        x = np.stack([x, x * 0.8], axis=1).reshape(-1)
    import wave
    path = tmp_path / f"in-{rate}-{channels}.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels); w.setsampwidth(2); w.setframerate(rate)
        w.writeframes(np.clip(x, -32768, 32767).astype("<i2").tobytes())
    back = read_wav(path)
    assert abs(len(back) - len(mono)) < 0.01 * len(mono)  # same duration at 16 kHz
    grammar_alone = tmp_path / "grammar-alone.yaml"  # the subject is the conversion (support/offline.py)
    grammar_alone.write_text(GRAMMAR_ALONE_YAML)
    rc, events, _ = sim(capsys, "--wav", str(path), "--wake", "none", "--config", str(grammar_alone))
    [turn] = turns(events)
    assert rc == 0 and turn["tool_calls"] == [{"name": "media_control", "arguments": {"action": "next"}}]


@pytest.mark.parametrize("content", [b"", b"hello, not audio", b"RIFF\x10\x00\x00\x00WAVEjunk"])
def test_a_file_that_is_not_a_wav_exits_2_with_the_fix(tmp_path, capsys, content):
    f = tmp_path / "bad.wav"
    f.write_bytes(content)
    rc, _, err = sim(capsys, "--wav", str(f))
    assert rc == 2
    assert "bad.wav is not a readable PCM WAV file" in err and "sox" in err and "Traceback" not in err


def test_missing_wav_exits_2(tmp_path, capsys):
    rc, _, err = sim(capsys, "--wav", str(tmp_path / "nope.wav"))
    assert rc == 2 and "cannot open" in err
