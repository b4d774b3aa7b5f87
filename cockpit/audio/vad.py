"""Voice activity detection, frame by frame: which detector ``vad.engine`` names.

The default is Silero (cockpit/audio/silero.py: the ONNX model inside the faster-whisper wheel,
a speech probability per 32 ms frame). The alternative is the WebRTC-style C VAD that ships
inside the pocketsphinx wheel: no model, microseconds per 30 ms frame, a yes/no per frame.
"""
from __future__ import annotations

import numpy as np
import pocketsphinx

from cockpit.audio.formats import SAMPLE_RATE, rms_dbfs
from cockpit.audio.silero import SileroVad
from cockpit.config import AudioSettings, VadSettings
from cockpit.factory import pick


class WebRtcVad:
    """Per-frame speech decision. ``frame_samples`` is the only frame size it accepts."""

    def __init__(self, vad: VadSettings, audio: AudioSettings):
        self._vad = pocketsphinx.Vad(vad.aggressiveness, SAMPLE_RATE, audio.frame_ms / 1000)
        self.min_level_dbfs = vad.min_level_dbfs
        self.frame_samples = self._vad.frame_bytes // 2

    def probability(self, frame: np.ndarray) -> float:
        """This detector only says yes or no: 1.0 or 0.0."""
        return 1.0 if self.is_speech(frame) else 0.0

    def is_speech(self, frame: np.ndarray) -> bool:
        if len(frame) != self.frame_samples:
            raise ValueError(f"VAD frame must be {self.frame_samples} samples, got {len(frame)}")
        if rms_dbfs(frame) < self.min_level_dbfs:
            return False
        return bool(self._vad.is_speech(np.ascontiguousarray(frame, dtype=np.int16).tobytes()))


VADS = {"silero": lambda vad, audio: SileroVad(threshold=vad.threshold), "webrtc": WebRtcVad}


def make_vad(vad: VadSettings, audio: AudioSettings) -> "WebRtcVad | SileroVad":
    """The configured detector. Both give ``probability(frame)`` for ``frame_samples`` frames."""
    return pick("vad.engine", vad.engine, VADS)(vad, audio)
