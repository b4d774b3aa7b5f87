"""Cabin noise is engine hum + road rumble; speech mixes into it at the SNR asked for."""
from __future__ import annotations

import numpy as np
import pytest

from cockpit.audio.cabin import active_rms, cabin_noise, mix, mix_at_snr
from cockpit.audio.formats import SAMPLE_RATE


def speech_like(seconds: float = 3.0, peak: float = 0.3, seed: int = 0) -> np.ndarray:
    """Syllable-like bursts (a voiced harmonic complex with an envelope) separated by pauses,
    over a -70 dBFS floor: about half the clip is 'pause', so an SNR over the whole clip would be wrong."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    voice = sum(np.sin(2 * np.pi * k * 140 * t) / k for k in range(1, 12))
    env = np.zeros(n)
    pos = int(0.3 * SAMPLE_RATE)
    while pos < n - 4000:
        length = int(rng.uniform(0.12, 0.3) * SAMPLE_RATE)
        env[pos:pos + length] = np.hanning(length) * rng.uniform(0.5, 1.0)
        pos += length + int(rng.uniform(0.1, 0.4) * SAMPLE_RATE)
    x = voice * env
    x = x / np.max(np.abs(x)) * peak * 32767 + rng.normal(0, 32768 * 10 ** (-70 / 20), n)
    return np.round(x).astype(np.int16)


def measured_snr(speech: np.ndarray, result) -> float:
    """SNR of the output: speech part = speech * scale, noise part = what remains."""
    clean = speech.astype(np.float64) * result.scale
    noise_part = result.samples.astype(np.float64) - clean
    return 20 * np.log10(active_rms(speech) * result.scale / np.sqrt(np.mean(noise_part ** 2)))


@pytest.mark.parametrize("snr_db", [20.0, 10.0, 5.0])
def test_mix_hits_the_requested_snr(snr_db):
    speech = speech_like()
    noise = cabin_noise(3.0, seed=3)
    result = mix(speech, noise, snr_db)
    assert result.samples.dtype == np.int16 and len(result.samples) == len(speech)
    assert abs(measured_snr(speech, result) - snr_db) < 0.5
    assert np.array_equal(mix_at_snr(speech, noise, snr_db), result.samples)


def test_snr_counts_only_the_active_part_of_speech():
    speech = speech_like()
    loud_frames = active_rms(speech)
    whole = np.sqrt(np.mean(speech.astype(np.float64) ** 2))
    assert loud_frames > whole * 1.2  # pauses would have diluted the level


def test_loud_mix_is_scaled_down_instead_of_clipping(caplog):
    speech = speech_like(peak=0.97)
    noise = cabin_noise(3.0, seed=4)
    with caplog.at_level("INFO", logger="cockpit.audio.cabin"):
        result = mix(speech, noise, 0.0)
    assert result.scaled_down and result.scale < 1.0
    assert "scaled down" in caplog.text
    assert np.max(np.abs(result.samples.astype(np.int32))) <= 32767
    assert abs(measured_snr(speech, result) - 0.0) < 0.5  # the ratio survives the scale-down


def test_short_noise_is_tiled_to_the_speech_length():
    speech = speech_like(seconds=3.0)
    result = mix(speech, cabin_noise(0.5, seed=5), 10.0)
    assert len(result.samples) == len(speech)
    assert abs(measured_snr(speech, result) - 10.0) < 0.5


def test_silent_speech_is_refused():
    with pytest.raises(ValueError, match="-50 dBFS"):
        mix(np.zeros(16000, np.int16), cabin_noise(1.0), 10.0)


def test_cabin_noise_is_mostly_below_500_hz():
    x = cabin_noise(5.0, seed=7)
    assert x.dtype == np.float32 and len(x) == 5 * SAMPLE_RATE
    power = np.abs(np.fft.rfft(x.astype(np.float64))) ** 2
    f = np.fft.rfftfreq(len(x), 1 / SAMPLE_RATE)
    assert power[f < 500].sum() / power.sum() > 0.8
    assert power[f > 2000].sum() > 0  # a little broadband hiss remains
    assert abs(20 * np.log10(np.sqrt(np.mean(x.astype(np.float64) ** 2))) - (-30.0)) < 0.1


def test_engine_hum_sits_at_the_firing_frequency_with_harmonics():
    x = cabin_noise(8.0, seed=1, firing_hz=60.0).astype(np.float64)
    power = np.abs(np.fft.rfft(x)) ** 2
    f = np.fft.rfftfreq(len(x), 1 / SAMPLE_RATE)
    band = (f > 20) & (f < 400)
    peak = f[band][np.argmax(power[band])]
    assert 54 < peak < 66  # the firing frequency (wobbling a few percent with RPM)
    second = (f > 110) & (f < 130)
    neighbour = (f > 150) & (f < 170)
    assert power[second].sum() > 2 * power[neighbour].sum()  # the 2nd harmonic stands out of the rumble


def test_cabin_noise_is_reproducible_per_seed():
    assert np.array_equal(cabin_noise(1.0, seed=2), cabin_noise(1.0, seed=2))
    assert not np.array_equal(cabin_noise(1.0, seed=2), cabin_noise(1.0, seed=3))
    assert len(cabin_noise(1.0, rate=48000)) == 48000
