"""The echo canceller's reference: what the speaker plays, at 16 kHz, aligned block for block."""
from __future__ import annotations

import numpy as np
import soxr

from cockpit.audio.formats import SAMPLE_RATE

TAP_DELAY_16K = 10
"""The echo reference's filter delay, in 16 kHz samples."""


class ReferenceTap:
    """What the speaker plays, at 16 kHz, with exactly the samples each block covers.

    soxr's filtered qualities release output in bursts (tens of ms late), which would misalign
    the echo reference; so a short linear-phase low-pass (below 8 kHz) at the device rate is
    followed by soxr's zero-latency 'QQ' interpolation. The reference lags by ``delay_s``
    (0.625 ms), far less than any real speaker-to-microphone delay.
    """

    def __init__(self, rate: int):
        self.rate = rate
        self._in = self._out = 0
        self._pending = np.zeros(0, np.float32)
        if rate == SAMPLE_RATE:
            self._taps = np.ones(1, np.float32)
        else:
            half = round(TAP_DELAY_16K * rate / SAMPLE_RATE)  # a whole number of 16 kHz samples at 48 kHz
            k = np.arange(-half, half + 1)
            cutoff = min(7000.0, 0.45 * rate) / rate  # flat to 6 kHz, -29 dB at 8 kHz, -70 dB at 9 kHz
            self._taps = (2 * cutoff * np.sinc(2 * cutoff * k) * np.hanning(2 * half + 3)[1:-1]).astype(np.float32)
            self._taps /= self._taps.sum()
        self._history = np.zeros(len(self._taps) - 1, np.float32)
        self._stream = soxr.ResampleStream(rate, SAMPLE_RATE, 1, dtype="float32", quality="QQ")

    @property
    def delay_s(self) -> float:
        return (len(self._taps) - 1) / 2 / self.rate

    def __call__(self, block: np.ndarray) -> np.ndarray:
        """Device-rate int16 samples -> 16 kHz int16, ``total_in * 16000 // rate`` samples so far."""
        x = np.asarray(block, np.float32).reshape(-1)
        self._in += len(x)
        need = self._in * SAMPLE_RATE // self.rate - self._out
        if self.rate == SAMPLE_RATE:
            y = x
        else:
            padded = np.concatenate([self._history, x])
            self._history = padded[len(padded) - len(self._history):]
            y = self._stream.resample_chunk(np.convolve(padded, self._taps, "valid").astype(np.float32))
        pending = np.concatenate([self._pending, y])
        if len(pending) < need:  # only at the start: a constant, sub-sample-to-one-sample delay
            pending = np.concatenate([np.zeros(need - len(pending), np.float32), pending])
        out, self._pending = pending[:need], pending[need:]
        self._out += need
        return np.clip(np.round(out), -32768, 32767).astype(np.int16)
