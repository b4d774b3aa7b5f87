"""openWakeWord backend on fixture ONNX models (real onnxruntime, random weights, real shapes)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from cockpit.config import OpenWakeWordSettings
from cockpit.errors import CockpitError, EngineMissing
from cockpit.wake.openwakeword import STEP_SAMPLES, ModelSpotter

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tools.make_oww_fixture import make_classifier, make_oww_fixture  # noqa: E402

RATE = 16000


def settings(fx, models=None, **over):
    fields = dict(models=[str(m) for m in (models or [fx.classifier])], melspec_model=str(fx.melspec),
                  embedding_model=str(fx.embedding), threshold=0.5, threads=1)
    fields.update(over)
    return OpenWakeWordSettings(**fields)


@pytest.fixture(scope="module")
def fx(tmp_path_factory):
    return make_oww_fixture(tmp_path_factory.mktemp("oww"))


@pytest.fixture(scope="module")
def spotter(fx):
    s = ModelSpotter(settings(fx))
    s.prepare()
    return s


def feed_all(spotter, audio, chunk=480):
    spotter.start()
    for i in range(0, len(audio), chunk):
        hit = spotter.feed(audio[i:i + chunk])
        if hit:
            return hit
    return spotter.finish()


def test_fixture_has_real_names_and_shapes(fx):
    import onnxruntime as ort

    def sig(path):
        s = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        return ([(i.name, i.shape) for i in s.get_inputs()], [(o.name, o.shape) for o in s.get_outputs()], s)

    ins, outs, mel = sig(fx.melspec)
    assert ins == [("input", ["batch_size", "samples"])] and outs[0][0] == "output"
    for n in (1280, 1760, 16000):  # hop 160, 512-sample window: 97 frames per second
        assert mel.run(None, {"input": np.zeros((1, n), np.float32)})[0].shape == (1, 1, (n - 512) // 160 + 1, 32)
    ins, outs, emb = sig(fx.embedding)
    assert ins[0][0] == "input_1" and ins[0][1][1:] == [76, 32, 1] and outs[0][0] == "conv2d_19"
    assert emb.run(None, {"input_1": np.zeros((3, 76, 32, 1), np.float32)})[0].shape == (3, 1, 1, 96)
    ins, outs, _ = sig(fx.classifier)
    assert ins == [("onnx::Flatten_0", [1, 16, 96])] and outs == [("39", [1, 1])]


def test_fixture_build_is_cached(fx):
    before = fx.embedding.stat().st_mtime_ns
    assert make_oww_fixture(fx.melspec.parent) == fx
    assert fx.embedding.stat().st_mtime_ns == before


def test_prepare_loads_and_flags_fixture(spotter):
    assert spotter.fixture


def test_fires_on_loud_speech(spotter, speech):
    audio = np.concatenate([np.zeros(RATE, np.int16), speech("hey cockpit open the window", 160)])
    hit = feed_all(spotter, audio)
    assert hit is not None and hit.phrase == "loud_v0.1" and hit.score > 0.5
    assert 1.0 < hit.end_s <= len(audio) / RATE  # after the leading second of silence
    assert hit.end_s * RATE % STEP_SAMPLES == 0  # at an 80 ms step boundary
    assert spotter.feed(np.zeros(480, np.int16)) is hit  # sticky until start()
    spotter.start()
    assert spotter.finish() is None


def test_silent_and_quiet_audio_never_fire(spotter):
    assert feed_all(spotter, np.zeros(5 * RATE, np.int16)) is None
    assert spotter.last_scores["loud_v0.1"] < 0.01
    noise = (np.random.default_rng(0).standard_normal(3 * RATE) * 3).astype(np.int16)  # ~-80 dBFS hiss
    assert feed_all(spotter, noise) is None


def test_chunk_size_does_not_change_the_result(spotter, speech):
    audio = np.concatenate([np.zeros(RATE, np.int16), speech("hey cockpit", 160)])
    hits = {c: feed_all(spotter, audio, c) for c in (160, 480, 1280, 4000)}
    assert len({h.end_s for h in hits.values()}) == 1, hits
    whole = feed_all(spotter, audio, len(audio))
    assert whole.end_s == hits[480].end_s


def test_threshold_from_settings(fx, speech):
    strict = ModelSpotter(settings(fx, threshold=0.999999))
    strict.prepare()
    assert feed_all(strict, speech("hey cockpit", 160)) is None


def test_several_models_and_random_classifier_run(fx, speech):
    s = ModelSpotter(settings(fx, models=[fx.random_classifier, fx.classifier]))
    s.prepare()
    hit = feed_all(s, np.concatenate([np.zeros(RATE, np.int16), speech("hey cockpit", 160)]))
    assert set(s.last_scores) == {"random_v0.1", "loud_v0.1"}
    assert all(0.0 <= v <= 1.0 for v in s.last_scores.values())
    assert hit is not None


@pytest.mark.parametrize("which", ["melspec_model", "embedding_model", "models"])
def test_missing_file_names_path_and_setting(fx, tmp_path, which):
    gone = tmp_path / "nope.onnx"
    over = {which: [str(gone)] if which == "models" else str(gone)}
    with pytest.raises(EngineMissing) as err:
        ModelSpotter(settings(fx, **over)).prepare()
    assert str(gone) in str(err.value) and f"wake.openwakeword.{which}" in str(err.value)


def test_wrong_shaped_classifier_is_refused_at_prepare(fx, tmp_path):
    narrow = make_classifier(tmp_path / "narrow.onnx", dim=64)
    with pytest.raises(CockpitError, match=r"narrow\.onnx.*wake\.openwakeword\.models\[0\].*\[1, 16, 64\]") as err:
        ModelSpotter(settings(fx, models=[narrow])).prepare()
    assert err.value.code == "wake-bad-model"
    multi = make_classifier(tmp_path / "multi.onnx", outputs=3)
    with pytest.raises(CockpitError, match="single-score"):
        ModelSpotter(settings(fx, models=[multi])).prepare()


def test_swapped_feature_models_are_refused(fx):
    with pytest.raises(CockpitError, match="melspec_model") as err:
        ModelSpotter(settings(fx, melspec_model=str(fx.embedding))).prepare()
    assert err.value.code == "wake-bad-model"


def test_corrupt_file_is_a_clear_error(fx, tmp_path):
    bad = tmp_path / "truncated.onnx"
    bad.write_bytes(fx.classifier.read_bytes()[:50])
    with pytest.raises(CockpitError, match="truncated.onnx.*not a loadable ONNX model"):
        ModelSpotter(settings(fx, models=[bad])).prepare()


def test_model_wake_mode_in_the_pipeline(fx, speech):
    """wake.mode 'model': the openWakeWord backend gates commands in the real pipeline."""
    import asyncio

    from cockpit.audio.simmic import simulated_microphone
    from cockpit.config import parse_config
    from cockpit.pipeline import Assistant

    from support.offline import GRAMMAR_ALONE
    cfg = parse_config({"wake": {"mode": "model", "openwakeword": settings(fx).model_dump()},
                        "audio": {"output": {"sink": "none"}}, "asr": GRAMMAR_ALONE})

    async def run():
        a = Assistant(cfg)
        await a.prepare()
        loud = await a.listen(simulated_microphone([speech("open my window a bit", 150)]))
        await a.close()
        return loud
    turns = asyncio.run(run())
    # the fixture classifier fires on loudness (its phrase is never said): the utterance is the command
    assert len(turns) == 1 and turns[0].transcript == "open my window a bit"
    assert [(c.name, dict(c.arguments)) for c in turns[0].tool_calls] == [("window_set", {"window": "driver", "position": 25})]
