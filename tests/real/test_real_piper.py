"""The real piper voice joe (en_US-joe-medium) through cockpit's piper adapter, and back through
real Whisper tiny.en: typical replies come out at the voice's rate, resample to the right length,
are loud enough to hear, and are understood again (round trip)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import measure_asr_real as m  # noqa: E402
from cockpit.audio.formats import SAMPLE_RATE, resample  # noqa: E402
from cockpit.config.voice import PiperSettings, TtsSettings  # noqa: E402
from cockpit.tts.piper import PiperVoice  # noqa: E402

VOICE = "piper-en-joe"
RMS_FLOOR = 1000
"""int16 RMS of a reply at 16 kHz. Measured 2930-4090 (-21 to -18 dBFS) on the five replies;
a third of the quietest, so a voice that whispers, or pads with silence, fails."""
MAX_ROUND_TRIP_WER = 0.10
"""Measured 0 % (all five replies word for word after normalisation); 0.10 leaves room for
two slips in the 59 words, from piper's sampled prosody in a fresh cache."""


@pytest.fixture(scope="module")
def joe(real_model) -> PiperVoice:
    """The voice by its catalog name, resolved in the real models dir."""
    folder = real_model(VOICE)
    voice = PiperVoice(PiperSettings(voices={"en": VOICE}), "en", models_dir=folder.parent)
    voice.prepare()
    return voice


@pytest.fixture(scope="module")
def replies(joe):
    """reply text -> (Speech at the voice's rate, the same resampled to 16 kHz)."""
    out = {}
    for text in m.REPLIES:
        said = joe.synthesize(text)
        out[text] = said, resample(said.samples, said.rate, SAMPLE_RATE)
    return out


def test_catalog_name_resolves_to_the_voice_files(joe, real_model):
    folder = real_model(VOICE)
    assert joe.resolve() == (folder / "en_US-joe-medium.onnx", folder / "en_US-joe-medium.onnx.json")
    assert not joe.is_fixture and joe.sample_rate == 22050


def test_default_voices_setting_speaks_with_joe(real_models):
    """tts.engine piper with the default voices ({en: piper-en-joe, ...}) finds joe in the models dir."""
    from cockpit.tts.voices import Voices

    voices = Voices(TtsSettings(engine="piper"))
    voices.prepare()
    assert voices.piper["en"].model_path.name == "en_US-joe-medium.onnx"  # type: ignore[attr-defined]
    assert voices.synthesize("Ready.").rate == 22050


def test_replies_are_at_the_voice_rate_and_resample_to_16k(replies):
    for text, (said, at16k) in replies.items():
        assert said.rate == 22050 and said.samples.dtype == np.int16
        assert abs(len(at16k) - len(said.samples) * SAMPLE_RATE / said.rate) <= 1
        words_per_s = len(text.split()) / said.duration  # measured 2.5-3.2 words/s
        assert 1.5 < words_per_s < 5.0, (text, said.duration)
        rms = float(np.sqrt(np.mean(at16k.astype(np.float64) ** 2)))
        assert rms > RMS_FLOOR, (text, rms)


def test_one_chunk_per_sentence(joe):
    text = m.REPLIES[2]  # two sentences
    chunks = list(joe.synthesize_chunks(text))
    assert text.count(". ") == 1 and len(chunks) == 2
    assert all(c.rate == 22050 and len(c.samples) > 0.3 * c.rate for c in chunks)


@pytest.mark.slow
def test_whisper_hears_the_reply_again(replies, real_model):
    asr = m.whisper_stream(real_model("whisper-tiny-en"), language="en")
    vad = m.listener_vad()
    said, heard = [], []
    print(f"\n{'reply':<80} {'heard (tiny.en)':<80} final ms")
    for text, (_speech, at16k) in replies.items():
        hyp, final_ms, _compute = m.recognise(asr, at16k, vad)
        said.append(text)
        heard.append(hyp)
        print(f"{text:<80} {hyp:<80} {final_ms:.0f}")
    wer = m.wer(said, heard)
    print(f"round-trip WER {100 * wer:.1f} % over {len(said)} replies")
    assert wer <= MAX_ROUND_TRIP_WER, list(zip(said, heard))
