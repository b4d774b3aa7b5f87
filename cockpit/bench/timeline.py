"""The bench's clock: where the driver's last speech sample is, and when it happened.

Every latency `cockpit bench` reports is measured from the driver's LAST speech sample — what the
driver experiences — not from the endpointer's decision, which comes a hangover later. The
simulated microphone makes that exact: the clip's speech ends at a known sample (the last 10 ms
block above ``SPEECH_DBFS``), the stream puts the clip at a known offset, and :class:`PacedMic`
delivers each block the moment its last sample has been "recorded" (a real sound card cannot do
better), on ``time.perf_counter``. So the wall-clock moment of any sample is ``wall(sample)``.

The naive script's end of turn is measured on the same audio: Silero VAD and a plain silence
timer (``NAIVE_SILENCE_MS``), as a simple VAD script would do it.
"""
from __future__ import annotations

import asyncio
import time
from typing import AsyncIterator

import numpy as np

from cockpit.audio.formats import SAMPLE_RATE
from cockpit.audio.simmic import with_floor

SPEECH_DBFS = -45.0
"""A 10 ms block louder than this is speech (the clips are synthetic: their silence is digital zero)."""
LEAD_S, TAIL_S = 0.4, 1.2
"""Noise floor before and after the clip in the microphone stream."""
NAIVE_SILENCE_MS = 800
"""The naive script waits for this much silence after speech (a typical VAD script's setting)."""


def last_speech_sample(clip: np.ndarray) -> int:
    """Index just past the last speech sample of ``clip`` (its last block above SPEECH_DBFS)."""
    n = len(clip) // 160 * 160
    blocks = clip[:n].reshape(-1, 160).astype(np.float64)
    loud = np.flatnonzero(20 * np.log10(np.sqrt((blocks ** 2).mean(axis=1)) / 32768 + 1e-12) > SPEECH_DBFS)
    return int((loud[-1] + 1) * 160) if len(loud) else 0


class PacedMic:
    """One clip in the noise floor, delivered at real-time pace, each block once recorded."""

    def __init__(self, clip: np.ndarray, chunk_ms: int = 20, seed: int = 0):
        self.audio = with_floor(clip, lead_s=LEAD_S, tail_s=TAIL_S, seed=seed)
        self.chunk = SAMPLE_RATE * chunk_ms // 1000
        self.speech_end = int(LEAD_S * SAMPLE_RATE) + last_speech_sample(clip)
        """Sample index (in ``audio``) just past the driver's last speech sample."""
        self.t0: float | None = None
        """perf_counter at which sample 0 was recorded (set when the first block is asked for)."""

    def wall(self, sample: int) -> float:
        """perf_counter at which ``sample`` was recorded."""
        assert self.t0 is not None, "the microphone has not started"
        return self.t0 + sample / SAMPLE_RATE

    @property
    def speech_end_wall(self) -> float:
        return self.wall(self.speech_end)

    async def frames(self) -> AsyncIterator[np.ndarray]:
        self.t0 = time.perf_counter()
        for i in range(0, len(self.audio), self.chunk):
            block = self.audio[i:i + self.chunk]
            await asyncio.sleep(max(0.0, self.wall(i + len(block)) - time.perf_counter()))
            yield block


def naive_end_of_turn_ms(audio: np.ndarray, speech_end: int, silence_ms: int = NAIVE_SILENCE_MS) -> float | None:
    """When a simple VAD script decides the driver stopped: Silero frame by frame, ``silence_ms`` of
    non-speech after speech; ms after the last speech sample (None: it never decided)."""
    from cockpit.audio.endpoint import Ended, Endpointer
    from cockpit.audio.silero import SileroVad
    from cockpit.config import EndpointSettings

    vad = SileroVad()
    n = vad.frame_samples
    ep = Endpointer(EndpointSettings(mode="fixed", hangover_ms=silence_ms, hangover_complete_ms=silence_ms), n)
    for i in range(0, len(audio) - n + 1, n):
        frame = audio[i:i + n]
        if any(isinstance(e, Ended) for e in ep.process(frame, vad.is_speech(frame))):
            return round((i + n - speech_end) / SAMPLE_RATE * 1000, 2)
    return None
