"""The Whisper path for real: faster-whisper runs the fixture model (random weights, real
tiny shape) inside the pipeline. Its words are gibberish; order, timing and plumbing are real."""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import numpy as np
import pytest

from cockpit.asr.base import Partial
from cockpit.asr.whisper import WhisperStream, agreed_prefix
from cockpit.audio.formats import write_wav
from cockpit.audio.simmic import simulated_microphone
from cockpit.config import Settings, parse_config
from cockpit.errors import EngineMissing
from cockpit.events import Transcript
from cockpit.pipeline import Assistant


def settings(model_dir, **asr) -> Settings:
    return parse_config({"wake": {"mode": "none"}, "vad": {"engine": "silero"},
                         "audio": {"output": {"sink": "none"}},
                         "asr": {"engine": "whisper", "whisper": {"model": str(model_dir), "partial_interval_ms": 800,
                                                                  **asr}}})


def test_local_agreement_commits_only_what_two_hypotheses_share():
    assert agreed_prefix("set the temp".split(), "set the temperature to".split()) == ["set", "the"]
    assert agreed_prefix("Set the,".split(), "set the window".split()) == ["set", "the"]
    assert agreed_prefix([], "a b".split()) == []


class DecodeClock:
    """Stands in for ``time`` in cockpit.asr.whisper, whose only use of it is timing each decode
    (one reading before, one after): every decode then 'takes' ``decode_s``, whatever this busy
    machine did, so how often the stream re-decodes is a pure function of the audio."""

    def __init__(self, decode_s: float):
        self.decode_s, self.now = decode_s, 0.0

    def perf_counter(self) -> float:
        self.now += self.decode_s  # each reading is one decode later than the one before
        return self.now


def _stream_partials(model_dir, audio, decode_s: float, monkeypatch, interval_ms: int = 800):
    import cockpit.asr.whisper as whisper
    monkeypatch.setattr(whisper, "time", DecodeClock(decode_s))
    asr = WhisperStream(settings(model_dir, partial_interval_ms=interval_ms).asr)
    asr.prepare()
    covered = _counting(asr)
    asr.start()
    partials: list[Partial] = []
    for i in range(0, len(audio), 512):
        p = asr.feed(audio[i:i + 512])  # voiced throughout: no pause, only periodic partials
        if p is not None:
            partials.append(p)
    return asr, partials, covered


def test_stream_emits_partials_then_final_and_commits_monotonically(whisper_tiny, speech, monkeypatch):
    audio = speech("set the temperature to twenty two degrees and open the passenger window halfway please", 150)
    asr, partials, covered = _stream_partials(whisper_tiny, audio, 0.1, monkeypatch)
    assert asr.is_fixture
    # decodes keep up (0.1 s < 800 ms): one partial per 800 ms of audio, each covering all of it so far
    assert len(audio) >= 3 * 12800
    assert [round(p.audio_s * 16000) for p in partials] == [12800 * (k + 1) for k in range(len(audio) // 12800)]
    assert covered == [round(p.audio_s, 2) for p in partials]
    final = asr.finish()
    committed = [p.committed.split() for p in partials]
    for earlier, later in zip(committed, committed[1:]):
        assert later[:len(earlier)] == earlier  # committed words are never retracted
    assert covered[-1] == round(len(audio) / 16000, 2)  # the final heard the words after the last partial
    assert isinstance(final.text, str)
    if committed[-1]:
        assert final.text.lower().startswith(" ".join(committed[-1]).lower())


def test_slow_decodes_space_partials_out_and_slower_ones_stop_them(whisper_tiny, speech, monkeypatch):
    """A board never builds a backlog: re-decoding waits 1.5x the last decode; where one decode takes
    longer than the interval, periodic partials stop (only pauses and the final are decoded)."""
    audio = speech("set the temperature to twenty two degrees and open the passenger window halfway please", 150)
    _, partials, _ = _stream_partials(whisper_tiny, audio, 0.7, monkeypatch)  # 1.5 x 0.7 s > 800 ms
    times = [p.audio_s for p in partials]
    assert len(times) >= 2 and times[0] == 0.8  # the first decode's time is not known before it
    assert all(later - earlier >= 1.05 for earlier, later in zip(times, times[1:]))
    assert len(times) <= 1 + (len(audio) / 16000 - 0.8) / 1.05
    asr, partials, covered = _stream_partials(whisper_tiny, audio, 1.0, monkeypatch)  # slower than 800 ms
    assert [p.audio_s for p in partials] == [0.8] and covered == [0.8]
    asr.finish()
    assert covered == [0.8, round(len(audio) / 16000, 2)]


def test_pipeline_orders_partial_before_final_transcript(whisper_tiny, speech):
    async def run():
        a = Assistant(settings(whisper_tiny))
        events = []
        a.bus.subscribe(events.append)
        await a.prepare()
        turns = await a.listen(simulated_microphone([speech("open my window a bit please", 150)]))
        await a.close()
        return events, turns
    events, turns = asyncio.run(run())
    assert len(turns) == 1 and "asr" in turns[0].timings_ms
    transcripts = [e for e in events if isinstance(e, Transcript)]
    finals = [i for i, e in enumerate(transcripts) if e.final]
    partials = [i for i, e in enumerate(transcripts) if not e.final]
    # gibberish from a random model may parse as nothing; the order of events is what is real
    assert partials and (not finals or max(partials) < finals[0])


def test_missing_model_names_the_pull_command(tmp_path, monkeypatch):
    monkeypatch.setenv("COCKPIT_MODELS", str(tmp_path))
    asr = WhisperStream(Settings().asr)
    with pytest.raises(EngineMissing) as info:
        asr.prepare()
    assert info.value.code == "asr-model-missing" and "cockpit models pull whisper-base" in info.value.hint  # auto: base first (short window)


def test_corrupt_model_is_a_clear_error(tmp_path, whisper_tiny):
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in whisper_tiny.iterdir():
        (broken / f.name).write_bytes(f.read_bytes()[:4096] if f.name == "model.bin" else f.read_bytes())
    with pytest.raises(EngineMissing) as info:
        WhisperStream(settings(broken).asr).prepare()
    assert info.value.code == "asr-model-corrupt" and str(broken) in str(info.value)


def test_cli_sim_asr_whisper_runs_the_fixture(tmp_path, whisper_tiny, speech):
    wav = write_wav(tmp_path / "cmd.wav", speech("next track", 160))
    proc = subprocess.run([sys.executable, "-m", "cockpit.cli", "sim", "--asr", "whisper", "--whisper-model",
                           str(whisper_tiny), "--wav", str(wav), "--wake", "none", "--fast", "--json"],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout.splitlines()[-1])
    assert summary["type"] == "turn" and summary["reply"]
    assert "FIXTURE" in proc.stderr  # the runtime says loudly that it runs a fixture


def _counting(asr: WhisperStream) -> list[float]:
    """Seconds of audio each real decode covered (the decoder itself runs unchanged)."""
    covered: list[float] = []
    real = asr._decode

    def decode(audio, prefix):
        covered.append(round(len(audio) / 16000, 2))
        return real(audio, prefix)
    asr._decode = decode
    return covered


def _pausing_stream(model_dir) -> tuple[WhisperStream, list[float]]:
    """A started stream whose periodic partials are out of the way (5 s), and its decode record."""
    asr = WhisperStream(settings(model_dir, partial_interval_ms=5000).asr)
    asr.prepare()
    covered = _counting(asr)
    asr.start()
    return asr, covered


def test_a_pause_decodes_at_once_and_that_decode_is_the_final(whisper_tiny, speech):
    asr, covered = _pausing_stream(whisper_tiny)
    voice = speech("set the temperature to twenty two degrees", 160)[:16000]
    for i in range(0, len(voice), 480):
        asr.feed(voice[i:i + 480], voiced=True)
    assert covered == []  # no partial yet (interval 5 s)
    for _ in range(4):  # 4 x 30 ms quiet: < 150 ms, no pause yet
        asr.feed(np.zeros(480, np.int16), voiced=False)
    assert covered == []
    partial = asr.feed(np.zeros(480, np.int16), voiced=False)  # 150 ms of silence: decode now
    assert partial is not None and covered == [1.15]
    for _ in range(10):  # the endpointer's hangover goes on; no more decodes
        asr.feed(np.zeros(480, np.int16), voiced=False)
    final = asr.finish()
    assert covered == [1.15]  # the pause decode heard every voiced frame: it is the final
    assert final.text == partial.text


def test_speech_after_the_pause_decode_is_decoded_again_at_the_end(whisper_tiny, speech):
    asr, covered = _pausing_stream(whisper_tiny)
    voice = speech("set the temperature to twenty two degrees", 160)[:9600]
    for chunk in (voice, np.zeros(4800, np.int16), voice):  # a word, a pause, more words
        for i in range(0, len(chunk), 480):
            asr.feed(chunk[i:i + 480], voiced=chunk is voice)
    assert len(covered) == 1  # the pause
    asr.finish()
    assert len(covered) == 2 and covered[-1] == round((2 * 9600 + 4800) / 16000, 2)
