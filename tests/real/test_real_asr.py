"""Real Whisper (tiny.en, base) through cockpit's WhisperStream on two synthetic speakers.

26 of the grammar's commands are said by espeak-ng and by the real piper voice joe (16 kHz),
fed frame by frame as the listener feeds them (tools/measure_asr_real.py). Per model and speaker:
word error rate, commands the fast path turns into the tool call that was spoken, real-time
factor and the time from end of speech to the transcript; printed (pytest -s) and written to
out/real/asr.json. Timings are reported, never asserted.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import measure_asr_real as m  # noqa: E402
from cockpit.errors import CockpitError  # noqa: E402

OUT = ROOT / "out" / "real" / "asr.json"

# Measured on these 26 commands (int8, greedy, 2 busy cores), then a margin. Transcripts are not
# bit-for-bit repeatable: whether a partial decode ran before the pause decode depends on how long
# decoding took, and a fresh cache synthesises new piper clips (its prosody is sampled); the margin
# covers that and another CPU's int8 kernels. WER in %, parsed = minimum commands acted on of 26.
#   espeak-ng's robotic klatt4 voice is hard for Whisper: tiny.en 17.8 % WER, 15/26 parsed;
#   base 11.0 %, 18/26. The piper voice is near-natural: tiny.en 2.5 %, 24/26; base 1.7 %, 25/26.
LIMITS = {  # (model, speaker): (max WER %, min commands parsed)
    ("whisper-tiny-en", "espeak"): (28.0, 12),
    ("whisper-tiny-en", "piper"): (8.0, 22),
    ("whisper-base", "espeak"): (20.0, 14),
    ("whisper-base", "piper"): (8.0, 22),
}
MAX_WRONG_ACTIONS = 2
"""Transcripts the fast path turns into a DIFFERENT command. Measured 1 per model on espeak-ng, the
same slip: "open my window a bit" heard as "open my window", which opens it fully; 0 on piper."""
_rows: dict[tuple[str, str], m.Row] = {}


@pytest.fixture(scope="module")
def joe(real_model) -> str:
    return str(real_model("piper-en-joe") / "en_US-joe-medium.onnx")


@pytest.fixture(scope="module", params=["whisper-tiny-en", "whisper-base"])
def whisper(request, real_model):
    """(name, prepared WhisperStream) — English for both, as cockpit's default config asks."""
    return request.param, m.whisper_stream(real_model(request.param), language="en")


@pytest.fixture(scope="module", autouse=True)
def report():
    """Print the table and write out/real/asr.json once every model and speaker is measured."""
    yield
    if _rows:
        rows = [_rows[k] for k in sorted(_rows)]
        print("\n" + m.table(rows))
        print("wrote", m.write_json(rows, OUT, commands=len(m.COMMANDS)))


@pytest.mark.slow
@pytest.mark.parametrize("speaker", ["espeak", "piper"])
def test_whisper_hears_the_grammar_commands(whisper, speaker, joe):
    name, asr = whisper
    row = m.measure(asr, name, speaker, m.COMMANDS, piper_voice=joe)
    _rows[(name, speaker)] = row
    print(f"\n{name} / {speaker}: WER {100 * row.wer:.1f} %, parsed {row.parsed}/{row.utterances}, "
          f"RTF {row.rtf:.3f}, final {row.final_ms:.0f} ms; misses: {row.misses}")
    max_wer, min_parsed = LIMITS[(name, speaker)]
    assert row.utterances == len(m.COMMANDS) >= 25
    assert 100 * row.wer <= max_wer, row.misses
    assert row.parsed >= min_parsed, row.misses
    assert row.wrong_actions <= MAX_WRONG_ACTIONS, row.misses


def test_normalisation_treats_numbers_and_punctuation_alike():
    assert m.normalise("Set the temperature to 21°C.") == m.normalise("set the temperature to twenty one degrees celsius")
    assert m.normalise("Turn on the A/C!") == "turn on the a c"
    assert m.normalise("What's my fuel level?") == m.normalise("whats my fuel level")
    assert m.wer(["set the fan speed to three"], ["Set the fan speed to 3."]) == 0.0
    assert m.wer(["open my window a bit"], ["open my window"]) == pytest.approx(2 / 5)


def test_english_only_model(real_model):
    """tiny.en has no language token: 'en' and 'auto' both work; 'zh' fails before listening."""
    from cockpit.asr.whisper import WhisperStream
    from cockpit.config import AsrSettings

    path = real_model("whisper-tiny-en")
    asr = m.whisper_stream(path, language="auto")
    assert not asr.model.model.is_multilingual
    said = "navigate to the airport"
    heard, *_ = m.recognise(asr, m.speech(said, "piper", voice=str(real_model("piper-en-joe") / "en_US-joe-medium.onnx"),
                                          cache=m.SPEECH_CACHE), m.listener_vad())
    assert m.normalise(heard) == said
    zh = WhisperStream(AsrSettings(engine="whisper", language="zh", whisper={"model": str(path)}))
    with pytest.raises(CockpitError) as err:
        zh.prepare()
    assert err.value.code == "asr-model-language" and "whisper-base" in err.value.hint


@pytest.mark.parametrize("damage", ["clipped", "telephone-8khz"])
@pytest.mark.parametrize("speaker", ["espeak", "piper"])
def test_whisper_base_understands_clipped_and_telephone_band_speech(damage, speaker, joe, real_model):
    """The damaged clips of tests/e2e/test_bad_audio_streams.py, where the offline PocketSphinx may only
    ask again: real Whisper base (the English default) hears the command as said — all but espeak-ng's voice
    at 8 kHz, which it mishears into no command at all."""
    import numpy as np
    import soxr

    from cockpit.audio.formats import to_pipeline

    said = "set the volume to five"
    clean = m.speech(said, speaker, voice=joe if speaker == "piper" else None, cache=m.SPEECH_CACHE)
    if damage == "clipped":
        # driven into the rails: the gain that clips the loudest 3 % of the clip (piper's loudness varies from run
        # to run, so a fixed gain of 3 clipped 1.5-2.5 %), never less than 3
        gain = max(3.0, 32767 / np.percentile(np.abs(clean.astype(np.float32)), 97))
        audio = np.clip(clean.astype(np.float32) * gain, -32767, 32767).astype(np.int16)  # (|-32768| overflows int16)
        assert np.mean(np.abs(audio) >= 32767) >= 0.025
    else:
        audio = to_pipeline(soxr.resample(clean.astype(np.float32), 16000, 8000).astype(np.int16), 8000)
    asr = m.whisper_stream(real_model("whisper-base"), language="en")
    heard, *_ = m.recognise(asr, audio, m.listener_vad())
    print(f"\nwhisper-base / {speaker} / {damage}: {heard!r}")
    if (speaker, damage) == ("espeak", "telephone-8khz"):
        # measured: "thermal view time" — espeak-ng's robot voice without its upper band is lost on Whisper too;
        # what must hold is that it acts on nothing else
        from cockpit.brain.understand import Command, FrontEnd
        got = FrontEnd().understand(heard)
        assert not isinstance(got, Command) or got.call.name == "media_volume", (heard, got)
        return
    assert m.normalise(heard) == m.normalise(said), heard
