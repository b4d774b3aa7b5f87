"""The recogniser and the wake spotter over one utterance, each on its own worker thread.

Frames go to both while the driver speaks (the spotter only while a wake phrase is needed);
what they produce along the way — partial transcripts, a wake hit — is collected as the
threads finish each frame and handed out when the listener asks (``partials``,
``wake_fired``), so nothing calls back into the listener. ``end`` waits for both engines'
final answers.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from typing import Callable

import numpy as np

from cockpit.asr.base import Partial, Recognition, Recognizer
from cockpit.lang.wake_words import after_wake
from cockpit.wake.phrase import WakeHit
from cockpit.wake.ptt import PHRASE as PTT_PHRASE
from cockpit.worker import EngineThread

log = logging.getLogger(__name__)
MAX_WAITING = 64
"""Partials kept until the listener takes them (a stalled listener drops the oldest)."""


def _caught_up() -> None:
    """Queued behind every frame fed: done once the recogniser has heard them all."""
    return None


def _spoken(hit: WakeHit | None) -> bool:
    """The spotter heard a wake phrase said aloud (the talk button's press is no phrase)."""
    return hit is not None and hit.phrase != PTT_PHRASE


class RecognitionThreads:
    def __init__(self, asr: Recognizer, spotter, strip_wake: Callable[..., str] = lambda text, heard=False: text):
        self.asr = asr
        self.spotter = spotter
        self.strip_wake = strip_wake
        """Removes the wake phrase from a transcript that may begin with it; ``heard=True`` when the spotter heard
        one spoken in this utterance (the removal then trusts a looser spelling: cockpit/lang/wake_words.py)."""
        self._asr_thread = EngineThread("asr")
        self._wake_thread = EngineThread("wake")
        self._partials: deque[Partial] = deque(maxlen=MAX_WAITING)
        self._wake_fired = False
        self._needs_wake = False
        self.pause_ms = 0.0
        """How long the recogniser's own work on the last pause took (its decode, on its thread)."""
        self.heard = ""
        """The last final transcript as the recogniser wrote it, wake phrase and all."""
        self.hit: WakeHit | None = None
        """The wake spotter's hit in the current utterance so far (None: not yet, or not listening)."""

    async def prepare(self) -> None:
        jobs = [self._asr_thread.submit(self.asr.prepare)]
        if self.spotter is not None:
            jobs.append(self._wake_thread.submit(self.spotter.prepare))
        await asyncio.gather(*jobs)

    def close(self) -> None:
        self._asr_thread.close()
        self._wake_thread.close()

    def begin(self, audio: np.ndarray, *, dialog: bool, needs_wake: bool) -> None:
        """A new utterance, from its first pre-roll sample."""
        self._needs_wake = needs_wake and self.spotter is not None
        self._partials.clear()
        self._wake_fired = False
        self.hit = None
        self._asr_thread.submit(self.asr.start, dialog)
        if self._needs_wake:
            self._wake_thread.submit(self.spotter.start)
        self.feed(audio)

    def feed(self, audio: np.ndarray, voiced: bool = True) -> None:
        self._asr_thread.submit(self.asr.feed, audio, voiced).add_done_callback(self._partial_done)
        if self._needs_wake:
            self._wake_thread.submit(self.spotter.feed, audio).add_done_callback(self._wake_done)

    def pause(self) -> list[asyncio.Future]:
        """The endpointer heard the driver pause: a recogniser that decodes at pauses (Whisper) decodes
        what was said now; the futures are done when the recogniser (and the wake spotter, if it listens)
        have caught up with every frame fed."""
        job = self.asr.pause if hasattr(self.asr, "pause") else _caught_up
        fut = self._asr_thread.submit(self._timed, job)
        fut.add_done_callback(self._partial_done)
        return [fut, self._wake_thread.submit(_caught_up)] if self._needs_wake else [fut]

    async def settled(self) -> None:
        """Wait until the recogniser and the spotter have worked through every frame fed so far."""
        await self._asr_thread.run(_caught_up)
        if self._needs_wake:
            await self._wake_thread.run(_caught_up)

    def _timed(self, job: Callable[[], Partial | None]) -> Partial | None:
        t0 = time.perf_counter()
        try:
            return job()
        finally:
            self.pause_ms = (time.perf_counter() - t0) * 1000

    def _partial_done(self, fut: "asyncio.Future[Partial | None]") -> None:
        if not fut.cancelled() and fut.exception() is None and fut.result() is not None:
            self._partials.append(fut.result())  # in feed order: the ASR thread runs them in sequence

    def _wake_done(self, fut: "asyncio.Future[WakeHit | None]") -> None:
        if not fut.cancelled() and fut.exception() is None and fut.result() is not None:
            self._wake_fired = True
            self.hit = fut.result()

    def partials(self) -> list[Partial]:
        """The partial transcripts finished since the last call, wake phrase removed, in order."""
        out = []
        while self._partials:
            p = self._partials.popleft()
            out.append(Partial("", self.strip_wake(p.text, heard=_spoken(self.hit)), p.audio_s))
        return out

    def wake_fired(self) -> bool:
        """True once after the spotter fired inside the current utterance."""
        fired, self._wake_fired = self._wake_fired, False
        return fired

    async def end(self) -> tuple[Recognition | None, WakeHit | None]:
        """The final transcript (wake phrase removed; None when the recogniser raised) and the wake hit,
        if one was needed. An engine that raises never stops the listener: the next utterance starts
        it afresh."""
        try:
            recognition = await self._asr_thread.run(self.asr.finish)
        except Exception:  # noqa: BLE001 - reported as this utterance's error, the listener goes on
            log.exception("the recogniser failed on an utterance")
            recognition = None
        try:
            hit = await self._wake_thread.run(self.spotter.finish) if self._needs_wake else None
        except Exception:  # noqa: BLE001 - a spotter that raised heard no wake phrase
            log.exception("the wake spotter failed on an utterance")
            hit = None
        if recognition is None:
            return None, hit
        self.heard = recognition.text
        text = self.strip_wake(recognition.text, heard=_spoken(hit))
        reading = recognition.reading
        if reading and text != recognition.text.strip():  # the wake phrase was in it: the reading heard it its own way
            reading = after_wake(reading, text)
        return Recognition(text, recognition.confidence, recognition.language, reading), hit
