"""Sounds in the cabin that are not words, made by code (16 kHz mono int16): a cough, a door closing,
"mm-hm". Each is loud enough to make the listener think the driver is talking over a reply."""
from __future__ import annotations

import numpy as np

RATE = 16000


def _band(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    spec = np.fft.rfft(x)
    f = np.fft.rfftfreq(len(x), 1 / RATE)
    spec[(f < lo) | (f > hi)] = 0
    return np.fft.irfft(spec, len(x))


def _level(x: np.ndarray, dbfs: float) -> np.ndarray:
    x = x / (np.sqrt(np.mean(x ** 2)) + 1e-12) * 32768 * 10 ** (dbfs / 20)
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)


def cough(seed: int = 0, dbfs: float = -18.0) -> np.ndarray:
    """Two coughs: a burst of breathy noise shaped by the throat (300-3000 Hz), sharp attack, fast decay."""
    rng = np.random.default_rng(seed)
    parts = []
    for length in (0.28, 0.22):
        n = int(length * RATE)
        t = np.arange(n) / RATE
        env = (1 - np.exp(-t / 0.008)) * np.exp(-t / (length / 3))
        burst = _band(rng.standard_normal(n), 300, 3000) * env
        burst += 0.6 * np.sin(2 * np.pi * 180 * t) * env * (t < 0.06)  # the voiced onset of a cough
        parts += [burst, np.zeros(int(0.12 * RATE))]
    return _level(np.concatenate(parts), dbfs)


def door(seed: int = 0, dbfs: float = -16.0) -> np.ndarray:
    """A car door closing: a low thump (body resonance ~90 Hz) with a latch click, 0.4 s."""
    rng = np.random.default_rng(seed)
    n = int(0.4 * RATE)
    t = np.arange(n) / RATE
    thump = np.sin(2 * np.pi * 90 * t) * np.exp(-t / 0.07) + 0.5 * np.sin(2 * np.pi * 140 * t) * np.exp(-t / 0.05)
    click = _band(rng.standard_normal(n), 1500, 6000) * np.exp(-t / 0.006)
    rattle = _band(rng.standard_normal(n), 200, 1200) * np.exp(-t / 0.12) * 0.3
    return _level(thump + 0.8 * click + rattle, dbfs)


def mm_hm(dbfs: float = -20.0, f0: float = 120.0) -> np.ndarray:
    """A hummed "mm-hm": two nasal syllables (the second rising, then falling), voiced harmonics through a
    nasal resonance, 0.65 s."""
    def syllable(length: float, pitch) -> np.ndarray:
        n = int(length * RATE)
        t = np.arange(n) / RATE
        phase = 2 * np.pi * np.cumsum(pitch(t)) / RATE
        x = sum(np.sin(k * phase) / k ** 1.2 for k in range(1, 25))
        env = np.minimum(1, t / 0.03) * np.minimum(1, (length - t) / 0.05)
        return _band(x, 80, 1200) * env
    first = syllable(0.28, lambda t: f0 + 0 * t)
    second = syllable(0.3, lambda t: f0 * (1.25 - 0.35 * t / 0.3))
    return _level(np.concatenate([first, np.zeros(int(0.07 * RATE)), second]), dbfs)
