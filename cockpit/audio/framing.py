"""Fixed-size frames from chunks of any size: the audio's one reframing step.

Capture devices, WAV readers and API clients hand over chunks of whatever size they have; the
echo canceller wants 10 ms blocks and the VAD its own frame. A :class:`Reframer` keeps the
remainder between chunks, so no sample is lost or repeated.
"""
from __future__ import annotations

import numpy as np


class Reframer:
    def __init__(self, frame_samples: int):
        if frame_samples <= 0:
            raise ValueError(f"frame_samples must be positive, got {frame_samples}")
        self.frame_samples = frame_samples
        self._rest = np.zeros(0, np.int16)

    def push(self, chunk: np.ndarray) -> list[np.ndarray]:
        """Whole frames of ``rest + chunk``; a remainder shorter than a frame waits for the next chunk."""
        n = self.frame_samples
        data = np.concatenate([self._rest, chunk]) if len(self._rest) else np.asarray(chunk)
        cut = len(data) - len(data) % n
        self._rest = data[cut:]
        return [data[i:i + n] for i in range(0, cut, n)]

    def whole(self, chunk: np.ndarray) -> np.ndarray:
        """As :meth:`push`, joined: the longest run of whole frames available now."""
        frames = self.push(chunk)
        return np.concatenate(frames) if frames else np.zeros(0, np.int16)
