"""Is the driver talking over cockpit? A near-end speech detector for barge-in.

It runs on the echo-cancelled microphone signal while cockpit speaks. Silero VAD alone is not
enough there: when the driver talks over the reply, the echo canceller's residual-echo
suppressor turns the driver's voice into a gated, band-limited signal that Silero often scores
as non-speech (measured in tests/engines/test_aec.py). Its *energy*, though, stays far above
what is left of the echo (40-50 dB of echo removed), so this detector compares each frame's
level with a running floor — which the echo residue itself raises — and reports near-end
speech once frames have stayed ``margin_db`` above it for ``min_speech_ms``. Pure: frames in,
decisions out.
"""
from __future__ import annotations

import numpy as np

from cockpit.audio.formats import rms_dbfs


class NearEndDetector:
    def __init__(self, frame_s: float, min_speech_ms: int, *, margin_db: float = 15.0,
                 floor_dbfs: float = -70.0, rise_db_per_s: float = 3.0) -> None:
        self.frame_s = frame_s
        self.min_speech_s = min_speech_ms / 1000.0
        self.margin_db = margin_db
        self.floor = floor_dbfs
        self._rise = rise_db_per_s * frame_s
        self.voiced_s = 0.0
        """How long the current run of loud frames has lasted."""
        self.loud = False
        """The last frame stood out above the floor."""

    def update(self, frame: np.ndarray) -> bool:
        """Feed one frame of echo-cancelled audio; True once near-end speech has lasted long enough."""
        level = max(rms_dbfs(frame), -100.0)  # digital silence has no level
        loud = self.loud = level > self.floor + self.margin_db
        # the floor follows quiet frames down at once and creeps up slowly (minimum tracking), so
        # steady noise and echo residue become the floor while speech stays above it
        self.floor = level if level < self.floor else self.floor + min(self._rise, level - self.floor)
        self.voiced_s = self.voiced_s + self.frame_s if loud else 0.0
        return self.voiced_s >= self.min_speech_s

    def reset(self) -> None:
        self.voiced_s = 0.0
