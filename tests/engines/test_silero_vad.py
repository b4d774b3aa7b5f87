"""Silero VAD (the model bundled in faster-whisper) run frame by frame on espeak-ng speech."""
from __future__ import annotations

import numpy as np
import pytest

from cockpit.audio.formats import SAMPLE_RATE, frames, rms_dbfs
from cockpit.audio.silero import MODEL_FILE, SileroVad, model_path
from cockpit.errors import EngineMissing

TEXT = "turn on the air conditioning and set the temperature to twenty degrees"
FRAME_S = 512 / SAMPLE_RATE


@pytest.fixture(scope="module")
def vad() -> SileroVad:
    return SileroVad()


@pytest.fixture(scope="module")
def padded(speech):
    """(audio, true_start_s, true_end_s): speech with 1 s of digital silence either side."""
    s = speech(TEXT, 160)
    # espeak-ng may leave its own quiet lead-in/out: take the true boundaries from the signal.
    hop = 160
    levels = [rms_dbfs(s[i : i + hop]) for i in range(0, len(s) - hop + 1, hop)]
    loud = [i for i, lv in enumerate(levels) if lv > -50.0]
    start = 1.0 + loud[0] * hop / SAMPLE_RATE
    end = 1.0 + (loud[-1] + 1) * hop / SAMPLE_RATE
    pad = np.zeros(SAMPLE_RATE, np.int16)
    return np.concatenate([pad, s, pad]), start, end


def run(vad: SileroVad, audio: np.ndarray) -> np.ndarray:
    vad.reset()
    return np.array([vad.probability(f) for f in frames(audio, vad.frame_samples)])


def boundaries(probs: np.ndarray, threshold: float = 0.5) -> tuple[float, float]:
    """Start of the first and end of the last frame at or above the threshold, in seconds."""
    idx = np.flatnonzero(probs >= threshold)
    assert len(idx), "no speech detected at all"
    return idx[0] * FRAME_S, (idx[-1] + 1) * FRAME_S


def cabin_noise(n: int, seed: int = 0) -> np.ndarray:
    """Car-cabin-like noise (float, unit RMS): engine hum 30-120 Hz plus low-passed random noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / SAMPLE_RATE
    hum = sum(a * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
              for f, a in [(30, 1.0), (45, 0.7), (60, 0.8), (90, 0.4), (120, 0.3)])
    white = rng.standard_normal(n)
    # one-pole low-pass twice (~300 Hz corner): road / wind rumble
    alpha = np.exp(-2 * np.pi * 300 / SAMPLE_RATE)
    rumble = white.copy()
    for _ in range(2):
        out = np.empty(n)
        acc = 0.0
        for i in range(n):  # explicit loop keeps it dependency-free
            acc = alpha * acc + (1 - alpha) * rumble[i]
            out[i] = acc
        rumble = out
    rumble /= np.sqrt(np.mean(rumble**2))
    hum /= np.sqrt(np.mean(hum**2))
    noise = hum + 0.8 * rumble + 0.05 * white
    return noise / np.sqrt(np.mean(noise**2))


def mix(speech_audio: np.ndarray, snr_db: float, seed: int = 0) -> np.ndarray:
    """Add cabin noise at an SNR measured from the RMS of the speech part (non-silent samples)."""
    x = speech_audio.astype(np.float64)
    voiced = x[np.abs(x) > 0]
    speech_rms = np.sqrt(np.mean(voiced**2))
    noise = cabin_noise(len(x), seed) * speech_rms / 10 ** (snr_db / 20)
    return np.clip(np.round(x + noise), -32768, 32767).astype(np.int16)


def test_model_is_the_bundled_one():
    assert model_path().name == MODEL_FILE
    assert model_path().is_file()


def test_missing_model_is_engine_missing(tmp_path):
    with pytest.raises(EngineMissing) as err:
        SileroVad(path=tmp_path / "nope.onnx")
    assert err.value.code == "vad-missing"
    assert "faster-whisper" in err.value.hint


def test_wrong_frame_size_rejected(vad):
    with pytest.raises(ValueError):
        vad.probability(np.zeros(480, np.int16))


def test_clean_speech_probabilities_and_boundaries(vad, padded):
    audio, start, end = padded
    p = run(vad, audio)
    t = np.arange(len(p)) * FRAME_S
    inside = p[(t >= start + 0.1) & (t + FRAME_S <= end - 0.1)]
    outside = p[(t + FRAME_S < start - 0.25) | (t > end + 0.25)]
    print(f"\nclean: speech-frame median p={np.median(inside):.2f}, "
          f"{np.mean(inside >= 0.5):.0%} >= 0.5; silence max p={outside.max():.3f}")
    assert np.median(inside) > 0.85
    assert np.mean(inside >= 0.5) > 0.85  # short inter-word gaps may dip
    assert outside.max() < 0.2
    s, e = boundaries(p)
    print(f"clean: true {start:.2f}-{end:.2f} s, detected {s:.2f}-{e:.2f} s")
    assert abs(s - start) <= 0.25
    assert abs(e - end) <= 0.25


@pytest.mark.parametrize("snr_db", [20, 10])
def test_speech_in_cabin_noise(vad, padded, snr_db):
    audio, start, end = padded
    noisy = mix(audio, snr_db)
    p = run(vad, noisy)
    s, e = boundaries(p)
    t = np.arange(len(p)) * FRAME_S
    inside = p[(t >= start + 0.1) & (t + FRAME_S <= end - 0.1)]
    print(f"\nSNR {snr_db} dB: true {start:.2f}-{end:.2f} s, detected {s:.2f}-{e:.2f} s, "
          f"{np.mean(inside >= 0.5):.0%} speech frames >= 0.5")
    assert abs(s - start) <= 0.35
    assert abs(e - end) <= 0.35
    assert np.mean(inside >= 0.5) > 0.7


def test_pure_noise_is_not_speech(vad):
    noise = cabin_noise(5 * SAMPLE_RATE, seed=1) * 32768 * 10 ** (-30 / 20)
    noise = np.round(noise).astype(np.int16)
    assert abs(rms_dbfs(noise) + 30) < 0.5
    p = run(vad, noise)
    frac = float(np.mean(p >= 0.5))
    print(f"\nnoise at -30 dBFS: {frac:.1%} frames flagged as speech, max p={p.max():.2f}")
    assert frac < 0.10


def test_state_is_carried_and_reset_restores_it(vad, padded):
    audio = padded[0]
    first = run(vad, audio)
    second = run(vad, audio)  # run() calls reset() first
    np.testing.assert_array_equal(first, second)
    # Without reset the LSTM state (and context) left by the first pass changes the second pass.
    vad.reset()
    for f in frames(audio[: len(audio) // 2], vad.frame_samples):
        vad.probability(f)
    carried = np.array([vad.probability(f) for f in frames(audio, vad.frame_samples)])
    assert not np.array_equal(first, carried)
    assert np.abs(first - carried).max() > 1e-4


def test_matches_faster_whisper_offline_model(vad, padded):
    """Frame-by-frame streaming gives the same probabilities as faster-whisper's whole-file call."""
    from faster_whisper.vad import SileroVADModel

    audio = padded[0]
    audio = np.concatenate([audio, np.zeros((-len(audio)) % 512, np.int16)])
    offline = SileroVADModel(str(model_path()))(audio.astype(np.float32) / 32768.0).reshape(-1)
    np.testing.assert_allclose(run(vad, audio), offline, atol=1e-4)


def test_all_zero_input_is_finite_and_silent(vad):
    p = run(vad, np.zeros(3 * SAMPLE_RATE, np.int16))
    assert np.all(np.isfinite(p))
    assert p.max() < 0.5
    assert not vad.is_speech(np.zeros(vad.frame_samples, np.int16))


def test_is_speech_uses_threshold(padded):
    audio = padded[0]
    strict, lax = SileroVad(threshold=0.99), SileroVad(threshold=0.05)
    fs = frames(audio, 512)
    assert sum(map(strict.is_speech, fs)) < sum(map(lax.is_speech, fs))
    with pytest.raises(ValueError):
        SileroVad(threshold=1.5)


def test_missing_package_is_engine_missing(monkeypatch):
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(EngineMissing) as err:
        model_path()
    assert err.value.code == "vad-missing"
    assert err.value.hint == "pip install faster-whisper"
