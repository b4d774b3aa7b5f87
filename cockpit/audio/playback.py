"""The speaker: a callback stream fed from a bounded queue, interruptible within one block.

``play()`` resamples a reply to the device rate and copies it into a preallocated ring that holds
at most ``playback.queue_s`` seconds; when the ring is full it waits (on the event loop) for room,
so synthesis never runs far ahead of the speaker. PortAudio's callback copies from the ring (silence
when it is empty), hands the block at 16 kHz to ``on_played`` (the echo canceller's far-end
reference, one call per block, idle or not) and wakes the event loop, where ``play()``/``drain()``
waits and the ducking hook are resolved. ``stop()`` (barge-in) empties the ring at once: the next
block fades the next 5 ms out and the rest is silence. ``pause()`` (a barge-in that may prove false:
a cough, a door) fades out the same way but keeps the ring; ``resume()`` plays on from the paused
sample, fading back in over 5 ms.
"""
from __future__ import annotations

import asyncio
import importlib.util
import logging
import threading
import time
from typing import Any, Callable

import numpy as np
import soxr

from cockpit.audio.reference import ReferenceTap
from cockpit.audio.ring import ReplyRing
from cockpit.config import OutputSettings, PlaybackSettings
from cockpit.errors import CockpitError
from cockpit.tts.espeak import Speech

log = logging.getLogger(__name__)

DEFAULT_RATE = 48000
"""The device rate when the device does not say (and for a ``stream_factory``)."""
BLOCK_S = 0.01
"""Callback block length: the longest a barge-in waits for the speaker to fall silent."""
FADE_S = 0.005
"""On ``stop()`` the audio that was playing fades out over this long instead of clicking."""
DUCK_HOLD_S = 0.3
"""The media stays ducked through gaps shorter than this between reply chunks."""
STALL_S = 3.0
"""A device that has asked for no audio for this long while some is queued is gone (unplugged,
its driver crashed): waiting ``play()``/``drain()`` calls fail with ``audio-output``."""


def _sounddevice():
    if importlib.util.find_spec("sounddevice") is None:
        raise CockpitError("sounddevice is not installed", hint="pip install sounddevice", code="audio-output")
    try:
        import sounddevice
    except OSError as exc:  # the PortAudio library itself is missing
        raise CockpitError(f"audio output unavailable: {exc}", hint="sudo apt-get install libportaudio2",
                           code="audio-output") from None
    return sounddevice


class Player:
    """Plays replies on the speaker; see the module docstring.

    Thread model: the callback runs on PortAudio's thread and only touches the ring (under a lock),
    ``on_played`` and a wake-up of the loop; ``play()``, ``drain()`` and ``duck`` run on the event
    loop. ``duck(True)`` is called from ``play()`` when audio is queued while not ducked;
    ``duck(False)`` when the speaker has been idle for ``DUCK_HOLD_S`` (the callback wakes the loop,
    which calls it) or on ``stop()``/``close()``. ``on_played`` is called on the audio thread: keep
    it short (copy the block into a buffer). ``stop()`` may be called from any thread.
    """

    def __init__(self, output: OutputSettings, playback: PlaybackSettings, *,
                 stream_factory: Callable[..., Any] | None = None,
                 on_played: Callable[[np.ndarray], None] | None = None,
                 duck: Callable[[bool], None] | None = None):
        self.output, self.playback = output, playback
        self._factory, self.on_played, self._duck = stream_factory, on_played, duck
        """``on_played(block16k)``: the far-end reference tap (the listener's echo canceller sets it)."""
        self._stream: Any = None
        self.samplerate = DEFAULT_RATE
        self._lock = threading.Lock()
        self._ring = ReplyRing(playback.queue_s, self.samplerate, FADE_S)  # touched only under the lock
        self._epoch = self._silent = 0
        self.underflows = 0
        """Blocks PortAudio reported it could not deliver in time."""
        self._ducked = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._changed = asyncio.Event()
        self._wake_pending = False
        self._tap = ReferenceTap(self.samplerate)
        self._callback_failed = False
        self._fed_at = time.monotonic()  # the device's last callback (PortAudio's thread writes it)

    # --- opening and closing ------------------------------------------------------------------
    def prepare(self) -> None:
        """Open and start the output stream (it plays silence while idle); fails with code
        ``audio-output`` when there is no usable speaker."""
        if self._stream is not None:
            return
        try:
            if self._factory is not None:
                rate, opener = DEFAULT_RATE, self._factory
            else:
                sd = _sounddevice()
                info = sd.query_devices(self.output.device, "output")
                rate = int(round(info.get("default_samplerate") or DEFAULT_RATE))
                device = self.output.device

                def opener(**kw):
                    return sd.OutputStream(device=device, **kw)
            self._setup(rate)
            stream = opener(samplerate=rate, blocksize=max(1, int(rate * BLOCK_S)), channels=1, dtype="int16",
                            callback=self._callback)
            stream.start()
        except CockpitError:
            raise
        except Exception as exc:  # PortAudioError, ValueError (no such device), OSError
            raise CockpitError(f"no usable speaker ({exc})",
                               hint="plug in a speaker, pick audio.output.device, or set audio.output.sink: file",
                               code="audio-output") from None
        self._stream = stream

    def _setup(self, rate: int) -> None:
        self.samplerate = rate
        self._ring = ReplyRing(self.playback.queue_s, rate, FADE_S)
        self._tap = ReferenceTap(rate)

    def close(self) -> None:
        """Drop what is queued, un-duck, and close the stream (idempotent)."""
        self.stop()
        stream, self._stream = self._stream, None
        if stream is not None:
            for step in (stream.stop, stream.close):
                try:
                    step()
                except Exception as exc:  # a vanished device may fail to close; it is gone either way
                    log.debug("closing the output stream failed: %s", exc)

    # --- state --------------------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        """Audio is queued and not yet handed to the device."""
        return self._ring.queued > 0

    @property
    def paused(self) -> bool:
        """``pause()`` holds the queued audio (the speaker plays silence) until ``resume()`` or ``stop()``."""
        return self._ring.paused

    @property
    def queued_s(self) -> float:
        return self._ring.queued / self.samplerate

    @property
    def played_s(self) -> float:
        """Seconds of reply audio handed to the device since ``prepare()``."""
        return self._ring.played / self.samplerate

    @property
    def dropped_s(self) -> float:
        """Seconds of queued reply audio thrown away by ``stop()``."""
        return self._ring.dropped / self.samplerate

    # --- the event loop side ------------------------------------------------------------------
    def _bind(self) -> None:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new loop (asyncio.run again): a fresh Event, no stale wake-up
            self._loop, self._changed, self._wake_pending = loop, asyncio.Event(), False

    async def play(self, speech: Speech) -> None:
        """Queue ``speech`` (any rate); returns once all of it is queued, or when ``stop()`` drops
        it. Cancelling it leaves what was already queued playing: barge-in is cancel + ``stop()``."""
        if self._stream is None:
            raise CockpitError("the speaker is not open (Player.prepare was not called)", code="audio-output")
        self._bind()
        epoch = self._epoch
        samples = np.asarray(speech.samples, np.int16).reshape(-1)
        if speech.rate != self.samplerate and len(samples):
            samples = soxr.resample(samples, speech.rate, self.samplerate)
        done = 0
        while done < len(samples):
            with self._lock:
                if epoch != self._epoch or self._stream is None:
                    return
                n = self._ring.write(samples[done:])
                if n:
                    self._silent = 0
            done += n
            if n and not self._ducked:
                self._set_duck(True)
            if done < len(samples):
                await self._progress_or_stall()

    async def drain(self, timeout: float | None = None) -> None:
        """Wait until everything queued has gone to the device; ``TimeoutError`` after ``timeout``."""
        self._bind()

        async def emptied() -> None:
            while self.playing:
                await self._progress_or_stall()
        await asyncio.wait_for(emptied(), timeout)

    def stop(self) -> float:
        """Barge-in: drop everything queued now; returns the seconds dropped. Releases waiting
        ``play()``/``drain()`` calls and un-ducks."""
        with self._lock:
            dropped = self._ring.drop()
            self._epoch += 1
        self._on_loop(self._settle_stop)
        return dropped / self.samplerate

    def pause(self) -> float:
        """Hold the reply: the next block fades out over FADE_S and the speaker plays silence; what is
        queued stays, from the first sample not yet heard. Returns the seconds held."""
        with self._lock:
            self._ring.pause()
            return self._ring.queued / self.samplerate if self._ring.paused else 0.0

    def resume(self) -> float:
        """Play on from where ``pause()`` held, fading in over FADE_S; returns the seconds still queued."""
        with self._lock:
            self._ring.resume()
            return self._ring.queued / self.samplerate

    async def _progress_or_stall(self) -> None:
        """Wait for the device to take audio; a device silent for STALL_S is an ``audio-output`` error."""
        # a timer rather than asyncio.wait_for: on Python 3.11 wait_for swallows a cancellation (a barge-in)
        # that arrives as the event is set, and the turn would go on as if nothing had been said
        self._changed.clear()
        while True:
            timer = asyncio.get_running_loop().call_later(STALL_S, self._changed.set)
            try:
                await self._changed.wait()
            finally:
                timer.cancel()
            if time.monotonic() - self._fed_at < STALL_S:
                return
            raise CockpitError(f"the speaker took no audio for {STALL_S:g} s (unplugged, or its driver stopped)",
                               code="audio-output", hint="check the output device; cockpit reopens it at the next reply")

    def _settle_stop(self) -> None:
        self._changed.set()
        if self._ducked:
            self._set_duck(False)

    def _on_loop(self, fn: Callable[[], None]) -> None:
        loop = self._loop
        try:
            current = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        if loop is None or loop is current or loop.is_closed():
            fn()
            return
        try:
            loop.call_soon_threadsafe(fn)
        except RuntimeError:  # closed meanwhile
            fn()

    def _set_duck(self, on: bool) -> None:
        self._ducked = on
        if self._duck is not None:
            try:
                self._duck(on)
            except Exception:
                log.exception("the ducking hook failed")

    def _progress(self) -> None:
        """On the loop, after the callback consumed audio or stayed idle past the duck hold."""
        self._wake_pending = False
        self._changed.set()
        if self._ducked and not self.playing and self._silent >= DUCK_HOLD_S * self.samplerate:
            self._set_duck(False)

    # --- PortAudio's thread -------------------------------------------------------------------
    def _callback(self, outdata, frames, time_info, status) -> None:
        self._fed_at = time.monotonic()
        if status and getattr(status, "output_underflow", False):
            self.underflows += 1
        out = outdata[:, 0] if outdata.ndim == 2 else outdata
        with self._lock:
            n = self._ring.read(out[:frames])
            idle = self._ring.queued == 0
            before = self._silent
            self._silent = self._silent + frames - n if idle else 0
        if outdata.ndim == 2 and outdata.shape[1] > 1:
            outdata[:, 1:] = outdata[:, :1]
        if self.on_played is not None:
            try:
                self.on_played(self._tap(out))
            except Exception:
                if not self._callback_failed:
                    self._callback_failed = True
                    log.exception("on_played failed (further failures are not logged)")
        hold = DUCK_HOLD_S * self.samplerate
        if n or (self._ducked and before < hold <= self._silent):
            self._wake()

    def _wake(self) -> None:
        loop = self._loop
        if loop is None or self._wake_pending:
            return
        self._wake_pending = True
        try:
            loop.call_soon_threadsafe(self._progress)
        except RuntimeError:  # the loop is closed: nobody listens any more
            self._wake_pending = False
