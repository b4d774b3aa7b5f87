"""openWakeWord's real hey_jarvis model through cockpit's ModelSpotter (cockpit/wake/openwakeword.py).

Speech by two synthetic speakers (espeak-ng and the real piper voice piper-en-joe, resampled to
16 kHz; tools/wake_corpus.py, cached in .cache/wake-corpus/) in the simulated cabin noise
(cockpit.audio.cabin): detection rate per speaker and SNR, false activations on half an hour of
other talk, the openwakeword library's own scores on the same audio, and `cockpit sim --wake model`.
Figures are printed (pytest -s); asserted bounds sit below what was measured on the development
machine (see the report in the README).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from cockpit.audio.cabin import cabin_noise, mix_at_snr
from cockpit.audio.formats import SAMPLE_RATE, write_wav
from cockpit.audio.simmic import cabin_stream, clip_starts, with_floor
from cockpit.config import OpenWakeWordSettings
from cockpit.scenario import driver_speech
from cockpit.wake.openwakeword import STEP_SAMPLES, ModelSpotter

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
from wake_corpus import SPEAKERS, WAKE_TEXTS, clips  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PHRASE = "hey_jarvis_v0.1"
PREROLL_S = 0.3
"""Audio before the first syllable, as the pipeline feeds the spotter (endpoint.preroll_ms)."""
SNRS = (None, 20, 10, 5)
REFRACTORY_S = 2.0
"""After an activation the spotter restarts this much later, like the pipeline restarts it per
utterance: one stretch of talk counts once."""
GAP_S = 0.5
NOISE_LOOP_S = 60.0
"""Cabin noise is made in loops of this length (making 10 minutes at once takes longer than
spotting on them)."""
POISSON_95 = (3.00, 4.74, 6.30, 7.75, 9.15, 10.51)
"""One-sided 95 % upper bounds on a Poisson mean after seeing 0, 1, 2, ... events."""
LIB = ROOT / ".cache" / "oww-lib"
LIB_PINS = ["openwakeword==0.4.0", "scipy>=1.13,<2", "scikit-learn==1.6.1", "joblib>=1.4",
            "threadpoolctl>=3.1", "cloudpickle>=3"]
"""The models' own wheel, and what its ``import openwakeword`` needs beyond .venv (its
custom-verifier module imports scikit-learn and scipy). Never a dependency of cockpit."""


@pytest.fixture(scope="module")
def oww(real_model) -> Path:
    return real_model("openwakeword")


@pytest.fixture(scope="module")
def piper_voice(real_model) -> Path:
    return real_model("piper-en-joe") / "en_US-joe-medium.onnx"


@pytest.fixture(scope="module")
def settings(oww) -> OpenWakeWordSettings:
    return OpenWakeWordSettings(models=[str(oww / f"{PHRASE}.onnx")], threshold=0.5,
                                melspec_model=str(oww / "melspectrogram.onnx"),
                                embedding_model=str(oww / "embedding_model.onnx"))


@pytest.fixture(scope="module")
def spotter(settings) -> ModelSpotter:
    s = ModelSpotter(settings)
    s.prepare()
    assert not s.fixture
    return s


@pytest.fixture(scope="module")
def corpus(speech, piper_voice):
    """corpus(kind, speaker) -> that speaker's clips (made once, then read from the cache)."""
    return lambda kind, speaker: clips(kind, speaker, piper_voice)


def in_noise(samples: np.ndarray, snr: float | None, seed: int, lead_s: float = PREROLL_S) -> np.ndarray:
    audio = with_floor(samples, lead_s=lead_s, tail_s=1.0, seed=seed)
    return audio if snr is None else mix_at_snr(audio, cabin_noise(len(audio) / SAMPLE_RATE, seed=seed), snr)


def activations(spotter: ModelSpotter, audio: np.ndarray) -> list[tuple[float, float]]:
    """(seconds into ``audio``, score) of every activation, restarting REFRACTORY_S after each."""
    at, found = 0, []
    while at < len(audio):
        spotter.start()
        hit = spotter.feed(audio[at:])
        if hit is None:
            break
        found.append((at / SAMPLE_RATE + hit.end_s, hit.score))
        at += int(round((hit.end_s + REFRACTORY_S) * SAMPLE_RATE))
    return found


@pytest.mark.timeout(1200)  # the first to use the corpus: on a fresh clone it is synthesised here
def test_detection_per_speaker_and_snr(spotter, corpus):
    rows, timed = [], [0.0, 0.0]
    for speaker in SPEAKERS:
        said = corpus("wake", speaker)
        bare = {c.variant: c.seconds for c in said if c.text == WAKE_TEXTS[0]}
        for snr in SNRS:
            hits = 0
            for k, clip in enumerate(said):
                audio = in_noise(clip.samples, snr, seed=1000 * (snr or 0) + k)
                spotter.start()
                t = time.perf_counter()
                hit = spotter.feed(audio)
                timed[0] += time.perf_counter() - t
                timed[1] += len(audio) / SAMPLE_RATE
                if hit is not None:
                    hits += 1
                    assert hit.phrase == PHRASE and hit.score > 0.5
                    # it fires on the wake phrase itself, not on the command after it
                    assert hit.end_s - PREROLL_S <= bare[clip.variant] + 0.5, (clip, hit)
            rows.append((speaker, snr, hits, len(said)))
    print(f"\nhey_jarvis detection at threshold 0.5 ({len(WAKE_TEXTS)} texts x 3 variants per speaker; "
          f"spotter real-time factor {timed[0] / timed[1]:.3f}):")
    for speaker, snr, hits, n in rows:
        print(f"  {speaker:6}  {'clean' if snr is None else f'{snr} dB':>6}  {hits}/{n} = {hits / n:.0%}")
    for speaker, snr, hits, n in rows:
        if snr in (None, 20, 10):  # measured: 15/15 in every cell, 5 dB too
            assert hits / n >= 0.9, (speaker, snr, hits, n)


@pytest.mark.timeout(1200)  # 0.67 h of audio: measured 293 s on 2 busy cores
def test_false_activations_on_other_talk_and_noise(spotter, corpus):
    runs = []
    for i, speaker in enumerate(SPEAKERS):
        said = corpus("other", speaker)
        for j, (snr, part) in enumerate(((20, said[0::2]), (10, said[1::2]))):
            talk = cabin_stream([c.samples for c in part], gap_s=GAP_S, seed=10 * i + j)
            audio = mix_at_snr(talk, cabin_noise(NOISE_LOOP_S, seed=10 * i + j), snr)  # the loop is tiled
            runs.append((f"{speaker} talk, {snr} dB SNR", audio, part))
    noise = np.round(cabin_noise(180.0, seed=99, level_dbfs=-25.0) * 32767).astype(np.int16)
    runs.append(("cabin noise alone, -25 dBFS", noise, []))
    total_s = spent = 0.0
    fired: list[tuple[str, float, float, str]] = []
    print(f"\nhey_jarvis false activations at threshold 0.5 (refractory {REFRACTORY_S:g} s):")
    for name, audio, part in runs:
        t = time.perf_counter()
        found = activations(spotter, audio)
        spent += time.perf_counter() - t
        seconds = len(audio) / SAMPLE_RATE
        total_s += seconds
        starts = clip_starts([c.samples for c in part], gap_s=GAP_S)
        for at, score in found:
            k = int(np.searchsorted(starts, at * SAMPLE_RATE, side="right")) - 1
            fired.append((name, at, score, part[k].text if part and k >= 0 else ""))
        print(f"  {name:28} {seconds / 60:5.1f} min ({len(part)} utterances): {len(found)}")
    for name, at, score, text in fired:
        print(f"    {name} at {at:.1f} s, score {score:.2f}: {text!r}")
    hours = total_s / 3600
    upper = POISSON_95[min(len(fired), len(POISSON_95) - 1)] / hours
    print(f"  total {len(fired)} in {hours:.2f} h of audio = {len(fired) / hours:.1f} per hour "
          f"(95 % upper bound {upper:.1f} per hour); spotter real-time factor {spent / total_s:.3f}")
    assert total_s >= 2 * 10 * 60
    assert len(fired) <= 3, fired  # measured: 1 ("I'll drive the first half ...", espeak at 20 dB)


LIB_SCRIPT = """
import sys, importlib.metadata, numpy as np
from openwakeword.model import Model
model, mel, emb, audio, out = sys.argv[1:]
m = Model(wakeword_model_paths=[model], melspec_onnx_model_path=mel, embedding_onnx_model_path=emb)
x = np.load(audio)
name = next(iter(m.models))
np.save(out, np.array([m.predict(x[i:i + 1280])[name] for i in range(0, len(x) - 1279, 1280)], np.float64))
print(importlib.metadata.version("openwakeword"))
"""


def _openwakeword_library() -> Path | str:
    """.cache/oww-lib with the library installed (pip --no-deps --target, once); else why not."""
    marker = LIB / "cockpit-pins.json"
    if marker.is_file() and json.loads(marker.read_text()) == LIB_PINS:
        return LIB
    shutil.rmtree(LIB, ignore_errors=True)
    links = ["--find-links", "/tmp/wheels"] if Path("/tmp/wheels").is_dir() else []
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(LIB),
                           *links, *LIB_PINS], capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        return f"pip install {' '.join(LIB_PINS)} failed: {proc.stderr.strip()[-600:]}"
    marker.write_text(json.dumps(LIB_PINS))
    return LIB


@pytest.mark.timeout(1200)  # may pip-install the library first (up to 900 s)
def test_scores_equal_the_openwakeword_library(spotter, settings, corpus, tmp_path):
    lib = _openwakeword_library()
    if isinstance(lib, str):  # the package index is out of reach: nothing of cockpit's is wrong, but CI
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):  # has the index: there it must run
            pytest.fail(f"cannot install the openwakeword library to compare with: {lib}")
        pytest.skip(f"cannot install the openwakeword library to compare with: {lib}")
    said = corpus("wake", "espeak")[::3] + corpus("wake", "piper")[::3] + corpus("other", "piper")[:12]
    audio = np.concatenate([in_noise(c.samples, 10, seed=k, lead_s=1.0) for k, c in enumerate(said)])
    audio = audio[: len(audio) // STEP_SAMPLES * STEP_SAMPLES]
    np.save(tmp_path / "audio.npy", audio)
    proc = subprocess.run([sys.executable, "-c", LIB_SCRIPT, settings.models[0], settings.melspec_model,
                           settings.embedding_model, str(tmp_path / "audio.npy"), str(tmp_path / "lib.npy")],
                          capture_output=True, text=True, timeout=600, env={**os.environ, "PYTHONPATH": str(lib)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    theirs = np.load(tmp_path / "lib.npy")
    never = ModelSpotter(settings.model_copy(update={"threshold": 1.0}))  # scores every step, never fires
    never.prepare()
    ours = []
    for i in range(0, len(audio), STEP_SAMPLES):
        never.feed(audio[i:i + STEP_SAMPLES])
        ours.append(never.last_scores[PHRASE])
    ours = np.array(ours)
    diff = np.abs(ours - theirs)
    print(f"\nopenwakeword {proc.stdout.strip()} vs cockpit on {len(audio) / SAMPLE_RATE:.0f} s "
          f"({len(ours)} frames of 80 ms, 10 dB SNR): max |score difference| {diff.max():.2e}, "
          f"first 5 frames {ours[:5].tolist()} / {theirs[:5].tolist()}, frames above 0.5: "
          f"{int((ours > 0.5).sum())} / {int((theirs > 0.5).sum())}")
    assert len(ours) == len(theirs)
    assert (ours[:5] == 0).all() and (theirs[:5] == 0).all()  # both zero the warm-up frames
    assert (ours > 0.5).sum() >= len(said) // 2  # the comparison covers detections, not only silence
    assert diff.max() < 1e-4  # measured: 0.0 (same onnxruntime, same arithmetic)


def test_default_feature_paths_resolve_in_the_models_folder(real_models, oww, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing under the working directory
    s = ModelSpotter(OpenWakeWordSettings(models=[f"models/openwakeword/{PHRASE}.onnx"]))
    s.prepare()
    assert s.feed(np.zeros(SAMPLE_RATE, np.int16)) is None


@pytest.mark.parametrize("asr", ["sphinx", "whisper"])
def test_cockpit_sim_wake_model_hey_jarvis_next_track(real_models, oww, real_model, asr, tmp_path):
    wav = write_wav(tmp_path / "hey-jarvis-next-track.wav", driver_speech("hey jarvis, next track"))
    # fast path only: the wake and the grammar are under test, not the local LLM (whose close()
    # while a prefill is still decoding crashes the process at exit - reported separately)
    (tmp_path / "car.yaml").write_text(f"wake:\n  mode: model\n  openwakeword:\n    models: "
                                       f"[models/openwakeword/{PHRASE}.onnx]\nbrain:\n  mode: fastpath-only\n")
    extra = ["--whisper-model", str(real_model("whisper-tiny-en"))] if asr == "whisper" else []
    exe = Path(sys.executable).with_name("cockpit")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "cockpit.cli"]
    proc = subprocess.run([*cmd, "sim", "--config", "car.yaml", "--wake", "model", "--asr", asr, *extra,
                           "--wav", str(wav), "--fast", "--json"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    events = [json.loads(x) for x in proc.stdout.splitlines()]
    wakes = [e for e in events if e["type"] == "wake"]
    assert len(wakes) == 1 and wakes[0]["phrase"] == PHRASE and wakes[0]["score"] > 0.5, wakes
    assert 0.3 < wakes[0]["audio_time"] < 2.0  # at the end of "hey jarvis", in the WAV's own time
    turn = events[-1]
    assert turn["type"] == "turn"
    print(f"\n{asr}: wake score {wakes[0]['score']:.2f} at {wakes[0]['audio_time']:.2f} s; heard "
          f"{turn['transcript']!r} -> {turn['tool_calls']}")
    # the grammar hears the model's phrase as itself and the front end removes it by sound, whichever
    # recogniser heard it: the command after the wake words runs, exactly
    assert turn["tool_calls"] == [{"name": "media_control", "arguments": {"action": "next"}}], turn
