"""Bounded hand-overs between the API's clients and the pipeline.

Neither side may stall the other: a slow WebSocket client loses its oldest messages (counted),
and microphone audio arriving faster than the pipeline takes it loses its oldest frames
(counted as dropped audio frames). The pipeline never waits for a client.
"""
from __future__ import annotations

import asyncio
from collections import deque
from typing import Any, AsyncIterator, Callable

import numpy as np

FRAME = 320
"""Samples in one 20 ms frame at 16 kHz: the unit dropped audio is counted in."""


class ClientQueue:
    """One client's outgoing messages: at most ``maxsize``; when full, the oldest is dropped."""

    def __init__(self, maxsize: int):
        self.maxsize = maxsize
        self.dropped = 0
        self._items: deque[Any] = deque()
        self._ready = asyncio.Event()

    def put(self, item: Any) -> None:
        if len(self._items) >= self.maxsize:
            self._items.popleft()
            self.dropped += 1
        self._items.append(item)
        self._ready.set()

    async def get(self) -> Any:
        while not self._items:
            self._ready.clear()
            await self._ready.wait()
        return self._items.popleft()

    def __len__(self) -> int:
        return len(self._items)


class ApiMicrophone:
    """16 kHz mono int16 audio pushed by API clients, as the pipeline's frame source."""

    def __init__(self, max_s: float, on_drop: Callable[[int], None] = lambda n: None):
        self.max_samples = int(max_s * 16000)
        self.on_drop = on_drop
        self.dropped_frames = 0
        self._chunks: deque[np.ndarray] = deque()
        self._queued = 0
        self._ready = asyncio.Event()
        self._closed = False
        self._seed = 0

    def push(self, pcm: np.ndarray) -> None:
        if len(pcm) and not pcm.any():
            # digital silence (a client's noise suppression, a muted track): every real microphone has a
            # noise floor, and PocketSphinx's cepstral normalisation needs one to keep hearing the wake phrase
            pcm = self._floor(len(pcm))
        self._chunks.append(pcm)
        self._queued += len(pcm)
        while self._queued > self.max_samples and len(self._chunks) > 1:
            old = self._chunks.popleft()
            if callable(old):  # a button press is never dropped: it happens now, a little early
                old()
                continue
            self._queued -= len(old)
            frames = max(1, len(old) // FRAME)
            self.dropped_frames += frames
            self.on_drop(frames)
        self._ready.set()

    def mark(self, action: Callable[[], None]) -> None:
        """Run ``action`` when the pipeline reaches this point of the audio: a push-to-talk press or
        release sent after some frames belongs after those frames, however far behind the pipeline is."""
        self._chunks.append(action)
        self._ready.set()

    def silence(self, seconds: float) -> None:
        """A quiet stretch (the cabin's noise floor): lets the endpointer hear that speech ended."""
        self.push(self._floor(int(seconds * 16000)))

    def _floor(self, samples: int) -> np.ndarray:
        from cockpit.audio.simmic import with_floor
        self._seed += 1
        return with_floor(np.zeros(0, np.int16), lead_s=0.0, tail_s=samples / 16000, seed=self._seed)[:samples]

    def close(self) -> None:
        self._closed = True
        self._ready.set()

    async def frames(self) -> AsyncIterator[np.ndarray]:
        while True:
            while not self._chunks:
                if self._closed:
                    return
                self._ready.clear()
                await self._ready.wait()
            chunk = self._chunks.popleft()
            if callable(chunk):
                chunk()
                yield np.zeros(0, np.int16)  # no audio: the listener sees what the action changed right away
                continue
            self._queued -= len(chunk)
            yield chunk
