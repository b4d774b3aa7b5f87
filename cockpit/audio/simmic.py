"""The simulated microphone: plays audio into the pipeline like a sound card would.

Frames arrive either as fast as the pipeline takes them, or at real-time pace. Silence
is never digital zero: a real microphone always has a noise floor, added here as
low-level noise.
"""
from __future__ import annotations

import asyncio
import time
from typing import AsyncIterator, Callable, Sequence

import numpy as np

from cockpit.audio.cabin import cabin_noise, mix_at_snr
from cockpit.audio.formats import SAMPLE_RATE


def with_floor(samples: np.ndarray, *, lead_s: float = 0.4, tail_s: float = 1.2, floor_dbfs: float = -66.0,
               seed: int = 0) -> np.ndarray:
    """Surround an utterance with silence and add a noise floor everywhere."""
    rng = np.random.default_rng(seed)
    lead = np.zeros(int(lead_s * SAMPLE_RATE), np.float32)
    tail = np.zeros(int(tail_s * SAMPLE_RATE), np.float32)
    x = np.concatenate([lead, samples.astype(np.float32), tail])
    x += rng.normal(0.0, 32768.0 * 10 ** (floor_dbfs / 20), len(x)).astype(np.float32)
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)


def cabin_stream(clips: Sequence[np.ndarray], *, gap_s: float = 1.2, noise_snr_db: float | None = None,
                 seed: int = 0) -> np.ndarray:
    """The whole simulated input: clips separated by gaps, optionally in cabin noise at an SNR."""
    if not clips:
        return np.zeros(0, np.int16)
    stream = np.concatenate([with_floor(c, tail_s=gap_s, seed=seed + i) for i, c in enumerate(clips)])
    if noise_snr_db is None:
        return stream
    return mix_at_snr(stream, cabin_noise(len(stream) / SAMPLE_RATE, seed=seed), noise_snr_db)


def clip_starts(clips: Sequence[np.ndarray], *, gap_s: float = 1.2, lead_s: float = 0.4) -> list[int]:
    """The sample offset at which each clip's stretch (lead silence, speech, gap) begins in
    :func:`cabin_stream`'s output."""
    starts, at = [], 0
    for c in clips:
        starts.append(at)
        at += int(lead_s * SAMPLE_RATE) + len(c) + int(gap_s * SAMPLE_RATE)
    return starts


async def simulated_microphone(clips: Sequence[np.ndarray], *, chunk_ms: int = 20, realtime: bool = False,
                               gap_s: float = 1.2, noise_snr_db: float | None = None,
                               on_clip: Callable[[int], None] | None = None) -> AsyncIterator[np.ndarray]:
    """Yield ``chunk_ms`` chunks of each clip in turn, separated by ``gap_s`` of noise floor,
    with engine and road noise mixed in at ``noise_snr_db`` when given. ``on_clip(i)`` is called
    just before the first chunk of clip ``i`` (the demo moves the simulated drive there)."""
    n = SAMPLE_RATE * chunk_ms // 1000
    stream = cabin_stream(clips, gap_s=gap_s, noise_snr_db=noise_snr_db)
    pending = list(enumerate(clip_starts(clips, gap_s=gap_s))) if on_clip is not None else []
    start = time.perf_counter()
    for i in range(0, len(stream), n):
        while pending and pending[0][1] < i + n:
            on_clip(pending.pop(0)[0])  # type: ignore[misc]
        if realtime:
            due = start + i / SAMPLE_RATE
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        else:
            await asyncio.sleep(0)
        yield stream[i:i + n]
