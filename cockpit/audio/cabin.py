"""Cabin noise for the simulated microphone, and mixing speech into it at a chosen SNR.

A moving car sounds like engine hum (the cylinder firing frequency and its harmonics, wobbling
with RPM) over road/tyre rumble (broadband noise concentrated below ~500 Hz) with a little hiss.
Made with numpy alone (FFT filtering), no scipy.
"""
from __future__ import annotations

import logging
from typing import NamedTuple

import numpy as np

from cockpit.audio.formats import SAMPLE_RATE

log = logging.getLogger(__name__)

ACTIVE_DBFS = -50.0
"""Speech frames quieter than this are pauses and do not count towards the speech level."""


def _lowpass(x: np.ndarray, rate: int, cutoff_hz: float, order: int = 4) -> np.ndarray:
    """Zero-phase Butterworth-shaped low-pass by FFT: gain 1 / sqrt(1 + (f/fc)^(2*order))."""
    f = np.fft.rfftfreq(len(x), 1.0 / rate)
    gain = 1.0 / np.sqrt(1.0 + (f / cutoff_hz) ** (2 * order))
    return np.fft.irfft(np.fft.rfft(x) * gain, n=len(x))


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if len(x) else 0.0


def cabin_noise(seconds: float, rate: int = SAMPLE_RATE, seed: int = 0, *, firing_hz: float | None = None,
                level_dbfs: float = -30.0) -> np.ndarray:
    """``seconds`` of cabin noise as float32 in [-1, 1] with RMS ``level_dbfs``.

    ``firing_hz`` is the engine's firing frequency (a 4-cylinder at 900-3600 rpm fires at
    30-120 Hz); None picks one from ``seed``. Energy: road rumble ~60 %, hum ~35 %, hiss ~2 %.
    """
    n = int(round(seconds * rate))
    if n <= 0:
        return np.zeros(0, np.float32)
    rng = np.random.default_rng(seed)
    t = np.arange(n) / rate
    f0 = firing_hz if firing_hz is not None else float(rng.uniform(35.0, 90.0))
    # RPM wobble: a slow sway plus a smoothed random drift, a few percent of the firing frequency.
    drift = _lowpass(rng.standard_normal(n), rate, 0.5, order=2)
    drift /= max(np.max(np.abs(drift)), 1e-12)
    inst = f0 * (1.0 + 0.03 * np.sin(2 * np.pi * 0.25 * t + rng.uniform(0, 2 * np.pi)) + 0.04 * drift)
    phase = 2 * np.pi * np.cumsum(inst) / rate
    hum = sum(np.sin(k * phase + rng.uniform(0, 2 * np.pi)) / k for k in range(1, 7) if k * f0 < rate / 2)
    road = _lowpass(rng.standard_normal(n), rate, 500.0)
    road = road - _lowpass(road, rate, 20.0, order=2)  # no DC/sub-audio drift
    hiss = rng.standard_normal(n)
    parts = [(hum, 0.35), (road, 0.6), (hiss, 0.02)]
    x = sum(p / max(_rms(p), 1e-12) * np.sqrt(share) for p, share in parts)
    x *= 10 ** (level_dbfs / 20) / max(_rms(x), 1e-12)
    return np.clip(x, -1.0, 1.0).astype(np.float32)


def active_rms(speech: np.ndarray, *, rate: int = SAMPLE_RATE, frame_ms: int = 20,
               threshold_dbfs: float = ACTIVE_DBFS) -> float:
    """RMS (int16 units) of the frames louder than ``threshold_dbfs``; 0.0 if none are."""
    x = np.asarray(speech, dtype=np.float64)
    n = max(1, rate * frame_ms // 1000)
    usable = len(x) - len(x) % n
    if usable == 0:
        return 0.0
    power = np.mean(x[:usable].reshape(-1, n) ** 2, axis=1)
    loud = power > (32768.0 * 10 ** (threshold_dbfs / 20)) ** 2
    return float(np.sqrt(np.mean(power[loud]))) if loud.any() else 0.0


class Mix(NamedTuple):
    samples: np.ndarray
    """int16 speech + noise."""
    noise_gain: float
    """Factor applied to the noise (as int16 units: noise * 32768 * noise_gain) before any scale-down."""
    scale: float
    """Common factor applied to speech and noise to avoid clipping (1.0: none was needed)."""

    @property
    def scaled_down(self) -> bool:
        return self.scale < 1.0


def mix(speech: np.ndarray, noise: np.ndarray, snr_db: float) -> Mix:
    """Speech (int16) plus noise (float32, full scale 1.0) at ``snr_db``, never clipping.

    The speech level is the RMS of its active part (frames above -50 dBFS), so pauses do not
    dilute it; noise is tiled or cut to the speech's length. If the sum would clip, both are
    scaled down by the same factor (the SNR is kept) and ``Mix.scale`` says by how much.
    """
    s = np.asarray(speech, dtype=np.float64)
    if len(s) == 0:
        return Mix(np.zeros(0, np.int16), 0.0, 1.0)
    noise = np.asarray(noise, dtype=np.float64)
    if len(noise) == 0:
        raise ValueError("noise is empty")
    seg = np.tile(noise, -(-len(s) // len(noise)))[: len(s)] * 32768.0
    level = active_rms(speech)
    if level == 0.0:
        raise ValueError(f"speech has no part louder than {ACTIVE_DBFS:g} dBFS; cannot set an SNR")
    noise_rms = _rms(seg)
    if noise_rms == 0.0:
        raise ValueError("noise is silent; cannot set an SNR")
    gain = level / (noise_rms * 10 ** (snr_db / 20))
    out = s + seg * gain
    peak = float(np.max(np.abs(out)))
    scale = min(1.0, 32767.0 / peak) if peak > 0 else 1.0
    if scale < 1.0:
        log.info("mix at %.1f dB SNR would clip (peak %.0f): speech and noise scaled down by %.1f dB",
                 snr_db, peak, -20 * np.log10(scale))
        out *= scale
    return Mix(np.clip(np.round(out), -32768, 32767).astype(np.int16), gain, scale)


def mix_at_snr(speech: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """Int16 speech mixed with float32 noise at ``snr_db`` (see :func:`mix`; a scale-down is logged)."""
    return mix(speech, noise, snr_db).samples
