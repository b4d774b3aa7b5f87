"""cockpit.tts.piper.PiperVoice on voices made by code (tools/make_piper_fixture.py).

The fixture voices have piper's real ONNX inputs/output and a real piper config, so load,
espeak-ng phonemization, id mapping and the onnxruntime call all run piper-tts's own code.
Their audio is gibberish whose length follows the phonemes and length_scale.
"""
from __future__ import annotations

import importlib
import logging
import shutil
import sys
from pathlib import Path

import numpy as np
import piper  # noqa: F401  (piper-tts is a declared dependency: imported, never skipped)
import pytest

from cockpit.config import PiperSettings
from cockpit.errors import EngineMissing, TtsError
from cockpit.tts.piper import PiperVoice

ROOT = Path(__file__).resolve().parents[2]
TWO_SENTENCES = "Turning the temperature up. Opening the window."


def _tool():
    tools = str(ROOT / "tools")
    if tools not in sys.path:
        sys.path.insert(0, tools)
    return importlib.import_module("make_piper_fixture")


@pytest.fixture(scope="module")
def voice(piper_voice) -> PiperVoice:
    v = PiperVoice(PiperSettings(voices={"en": str(piper_voice)}))
    v.prepare()
    return v


@pytest.fixture(scope="module")
def zh_voice_path() -> Path:
    return _tool().make_piper_fixture(ROOT / ".cache" / "fixtures" / "piper-zh", language="zh")


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))


def test_fixture_config_is_a_piper_config(piper_voice):
    import json

    from piper.config import PiperConfig

    raw = json.loads(piper_voice.with_name(piper_voice.name + ".json").read_text(encoding="utf-8"))
    config = PiperConfig.from_dict(raw)
    assert (config.sample_rate, config.espeak_voice, config.num_speakers) == (22050, "en-us", 1)
    assert [config.phoneme_id_map[s] for s in "_^$ "] == [[0], [1], [2], [3]]
    assert raw["cockpit_fixture"] is True and raw["language"]["code"] == "en_US"


def test_fixture_graph_has_pipers_io(piper_voice):
    import onnxruntime

    session = onnxruntime.InferenceSession(str(piper_voice), providers=["CPUExecutionProvider"])
    inputs = {i.name: (i.type, len(i.shape)) for i in session.get_inputs()}
    assert inputs == {"input": ("tensor(int64)", 2), "input_lengths": ("tensor(int64)", 1),
                      "scales": ("tensor(float)", 1)}
    [out] = session.get_outputs()
    assert (out.name, out.type, len(out.shape)) == ("output", "tensor(float)", 3)


def test_synthesize_speaks_int16_mono_at_the_voice_rate(voice, caplog):
    with caplog.at_level(logging.WARNING):
        speech = voice.synthesize(TWO_SENTENCES)
    assert voice.sample_rate == speech.rate == 22050
    assert speech.samples.dtype == np.int16 and speech.samples.ndim == 1
    assert speech.duration > 1.0
    assert rms(speech.samples) > 1000
    assert not [r for r in caplog.records if "Missing phoneme" in r.getMessage()]


def test_prepare_says_loudly_it_is_a_fixture(piper_voice, caplog):
    v = PiperVoice(PiperSettings(voices={"en": str(piper_voice)}))
    with caplog.at_level(logging.WARNING, logger="cockpit.tts.piper"):
        v.prepare()
    assert v.is_fixture and v.model_path == piper_voice
    assert any("FIXTURE" in r.getMessage() for r in caplog.records)


def test_longer_text_gives_longer_audio(voice):
    short = voice.synthesize("Turning the temperature up.")
    longer = voice.synthesize("Turning the temperature up to twenty two degrees on the driver's side.")
    assert len(longer.samples) > 1.5 * len(short.samples)


def test_length_scale_slows_speech(piper_voice):
    lengths = {}
    for scale in (1.0, 1.5):
        v = PiperVoice(PiperSettings(voices={"en": str(piper_voice)}, length_scale=scale))
        v.prepare()
        lengths[scale] = len(v.synthesize(TWO_SENTENCES).samples)
    assert 1.35 < lengths[1.5] / lengths[1.0] < 1.65


def test_chunks_are_sentences_in_order(voice):
    chunks = list(voice.synthesize_chunks(TWO_SENTENCES))
    assert len(chunks) == 2
    alone = [voice.synthesize(s) for s in ("Turning the temperature up.", "Opening the window.")]
    assert [len(c.samples) for c in chunks] == [len(a.samples) for a in alone]
    assert all(c.rate == 22050 and c.samples.dtype == np.int16 for c in chunks)
    joined = voice.synthesize(TWO_SENTENCES)
    assert len(joined.samples) == sum(len(c.samples) for c in chunks)


def test_empty_text_is_empty_speech(voice):
    speech = voice.synthesize("")
    assert len(speech.samples) == 0 and speech.rate == 22050


def test_mandarin_voice_speaks_cmn_phonemes(zh_voice_path, caplog):
    v = PiperVoice(PiperSettings(voices={"zh": str(zh_voice_path)}), language="zh")
    v.prepare()
    assert v._voice.config.espeak_voice == "cmn"
    with caplog.at_level(logging.WARNING):
        chunks = list(v.synthesize_chunks("温度调到二十二度。打开车窗。"))
    assert len(chunks) == 2
    assert all(c.rate == 22050 and c.samples.dtype == np.int16 and rms(c.samples) > 1000 for c in chunks)
    assert not [r for r in caplog.records if "Missing phoneme" in r.getMessage()]


def test_multi_speaker_voice_takes_speaker_id(tmp_path):
    path = _tool().make_piper_fixture(tmp_path, language="en", speakers=3)
    outs = []
    for sid in (0, 2):
        v = PiperVoice(PiperSettings(voices={"en": str(path)}, speaker_id=sid, noise_scale=0.0))
        v.prepare()
        outs.append(v.synthesize("Hello there.").samples)
    assert len(outs[0]) == len(outs[1]) and not np.array_equal(outs[0], outs[1])


def test_catalog_voice_not_pulled_is_engine_missing(tmp_path):
    v = PiperVoice(PiperSettings(voices={"en": "piper-en-lessac"}), models_dir=tmp_path)
    with pytest.raises(EngineMissing) as err:
        v.prepare()
    assert err.value.code == "tts-missing"
    assert "cockpit models pull piper-en-lessac" in err.value.hint


def test_catalog_voice_copied_by_hand_is_found(tmp_path, piper_voice):
    folder = tmp_path / "piper-en-joe"
    folder.mkdir()
    shutil.copy(piper_voice, folder / "en_US-joe-medium.onnx")
    shutil.copy(piper_voice.with_name(piper_voice.name + ".json"), folder / "en_US-joe-medium.onnx.json")
    v = PiperVoice(PiperSettings(), models_dir=tmp_path)
    v.prepare()
    assert v.model_path == folder / "en_US-joe-medium.onnx"


def test_unknown_name_is_engine_missing(tmp_path):
    v = PiperVoice(PiperSettings(voices={"en": "no-such-voice"}), models_dir=tmp_path)
    with pytest.raises(EngineMissing) as err:
        v.prepare()
    assert err.value.code == "tts-missing" and "cockpit models pull" in err.value.hint


def test_nonexistent_path_is_engine_missing(tmp_path):
    missing = tmp_path / "nowhere" / "voice.onnx"
    with pytest.raises(EngineMissing) as err:
        PiperVoice(PiperSettings(voices={"en": str(missing)})).prepare()
    assert err.value.code == "tts-missing"
    assert "cockpit models pull" in err.value.hint and str(missing) in str(err.value)


def test_corrupt_onnx_is_tts_error_naming_the_file(tmp_path, piper_voice):
    bad = tmp_path / "broken.onnx"
    bad.write_bytes(np.random.default_rng(0).bytes(4096))
    shutil.copy(piper_voice.with_name(piper_voice.name + ".json"), tmp_path / "broken.onnx.json")
    with pytest.raises(TtsError) as err:
        PiperVoice(PiperSettings(voices={"en": str(bad)})).prepare()
    assert str(bad) in str(err.value) and err.value.hint


def test_corrupt_config_is_tts_error_naming_the_file(tmp_path, piper_voice):
    model = tmp_path / "voice.onnx"
    shutil.copy(piper_voice, model)
    config = tmp_path / "voice.onnx.json"
    config.write_text('{"audio": {"sample_rate": 22050}', encoding="utf-8")
    with pytest.raises(TtsError) as err:
        PiperVoice(PiperSettings(voices={"en": str(model)})).prepare()
    assert str(config) in str(err.value) and err.value.hint


def test_onnx_without_config_says_which_file_is_missing(tmp_path, piper_voice):
    model = tmp_path / "voice.onnx"
    shutil.copy(piper_voice, model)
    with pytest.raises(EngineMissing) as err:
        PiperVoice(PiperSettings(voices={"en": str(model)})).prepare()
    assert err.value.code == "tts-missing" and "voice.onnx.json" in str(err.value)


def test_synthesize_before_prepare_is_tts_error(piper_voice):
    with pytest.raises(TtsError):
        PiperVoice(PiperSettings(voices={"en": str(piper_voice)})).synthesize("hi")
