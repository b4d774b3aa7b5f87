"""The real microphone: sound card in, 16 kHz mono int16 out, surviving a device that disappears.

The PortAudio callback only copies each block into a preallocated ring and wakes the loop; mono
downmix and soxr streaming resampling run on the consumer side. A consumer that falls behind
loses the OLDEST audio (the driver's latest words matter most); every lost frame is counted."""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any, AsyncIterator, Awaitable, Callable, Mapping, Sequence

import numpy as np
import soxr

from cockpit.audio.formats import SAMPLE_RATE
from cockpit.audio.ring import put
from cockpit.config import InputSettings
from cockpit.errors import AudioInputError

log = logging.getLogger(__name__)
LOST, RESTORED = "audio-input-lost", "audio-input-restored"


CaptureOptions = InputSettings
"""The capture options are the ``audio.input`` settings (one model, validated once)."""


@dataclass(frozen=True)
class CaptureStats:
    """Device frames captured / dropped (overwritten unread), PortAudio input-overflow callbacks,
    reopens after loss, and 16 kHz samples delivered."""

    device: str | None
    samplerate: int
    captured: int
    dropped: int
    overflows: int
    reconnects: int
    delivered: int
    connected: bool


class RingBuffer:
    """Single-producer/single-consumer ring of (frames, channels) float32, overwrite-oldest.

    Lock-free: the writer publishes ``_claimed`` before it writes and ``_written`` after, so the
    reader discards anything the writer may have overwritten while it was copying.
    """

    def __init__(self, capacity: int, channels: int = 1):
        self.capacity = max(1, int(capacity))
        self.buf = np.zeros((self.capacity, channels), np.float32)
        self._claimed = self._written = self._read = self.dropped = 0

    def pending_drops(self) -> int:
        return max(0, self._written - self.capacity - self._read)

    def write(self, block: np.ndarray) -> None:
        """Producer (audio thread): two slice copies, never blocks, never allocates."""
        cap = self.capacity
        start = self._written + max(0, len(block) - cap)
        block = block[len(block) - min(len(block), cap):]
        m = len(block)
        self._claimed = start + m
        put(self.buf, start, block)
        self._written = start + m

    def read(self) -> np.ndarray:
        """Consumer: everything new and still intact, oldest first."""
        w, cap = self._written, self.capacity
        start = min(w, max(self._read, self._claimed - cap))
        i, j = start % cap, (w - 1) % cap + 1
        if start == w:
            out = self.buf[:0].copy()
        else:
            out = self.buf[i:j].copy() if i < j else np.concatenate([self.buf[i:], self.buf[:j]])
        valid = min(w, max(start, self._claimed - cap))  # the writer may have lapped us mid-copy
        self.dropped += valid - self._read
        self._read = w
        return out[valid - start:]


def backoff_delays(initial: float, cap: float):
    """0.5, 1, 2, 4, 8, 8, ... for (0.5, 8)."""
    delay = initial
    while True:
        yield min(delay, cap)
        delay = min(delay * 2, cap)


def describe_inputs(devices: Sequence[Mapping[str, Any]]) -> str:
    rows = [f"  [{i}] {d['name']} ({d['max_input_channels']} in, {d.get('default_samplerate', 0):.0f} Hz)"
            for i, d in enumerate(devices) if d.get("max_input_channels", 0) > 0]
    return "\n".join(rows) or "  (none)"


def resolve_input_device(spec: str | int | None, devices: Sequence[Mapping[str, Any]], default: int = -1) -> int:
    """``audio.input.device`` -> PortAudio index; an unknown or ambiguous name lists the inputs."""
    inputs = [i for i, d in enumerate(devices) if d.get("max_input_channels", 0) > 0]
    if not inputs:
        raise AudioInputError("no audio input device on this machine (audio.input.device)",
                              hint="plug in a microphone, or use the simulated microphone (cockpit sim)",
                              code="audio-input-device")
    if spec is None:
        return default if default in inputs else inputs[0]
    found: list[int] = []
    if isinstance(spec, int) and spec in inputs:
        return spec
    if isinstance(spec, str):
        found = [i for i in inputs if devices[i]["name"].lower() == spec.lower()]
        found = found or [i for i in inputs if spec.lower() in devices[i]["name"].lower()]
        if len(found) == 1:
            return found[0]
    what = "matches several" if found else "is not one of the"
    raise AudioInputError(f"audio.input.device {spec!r} {what} input devices:\n{describe_inputs(devices)}",
                          hint="set audio.input.device to a unique part of one of these names, or its [index], "
                               "or null for the system default", code="audio-input-device")


def _sounddevice():
    try:
        import sounddevice
    except OSError as exc:  # the PortAudio library itself is missing
        raise AudioInputError(f"audio input unavailable: {exc}", hint="sudo apt-get install libportaudio2",
                              code="audio-input-device") from None
    return sounddevice


def open_sounddevice(*, device: int, samplerate: int, channels: int, blocksize: int,
                     callback: Callable, finished_callback: Callable) -> Any:
    """The default opener: a started float32 ``sounddevice.InputStream``."""
    stream = _sounddevice().InputStream(device=device, samplerate=samplerate, channels=channels, dtype="float32",
                                        blocksize=blocksize, callback=callback, finished_callback=finished_callback)
    stream.start()
    return stream


class Microphone:
    """``async for chunk in Microphone(opts).frames()``: 16 kHz mono int16 chunks, reconnecting.

    ``on_event(code, message)`` runs on the event loop with ``audio-input-lost`` and
    ``audio-input-restored``. ``opener`` (the device) and ``sleep`` (the back-off clock) are
    injectable for tests. ``stop()`` must be called from the event loop's thread.
    """

    def __init__(self, options: CaptureOptions = CaptureOptions(), *, opener: Callable[..., Any] = open_sounddevice,
                 on_event: Callable[[str, str], None] | None = None,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep):
        self.options, self._opener, self._sleep = options, opener, sleep
        self._on_event = on_event or (lambda code, msg: log.warning("%s: %s", code, msg))
        self._stream: Any = None
        self._ring, self._resampler = RingBuffer(1), soxr.ResampleStream(SAMPLE_RATE, SAMPLE_RATE, 1)
        self._gen = self._rate = 0
        self._name: str | None = None
        self._captured = self._overflows = self._reconnects = self._delivered = self._dropped_before = 0
        self._lost: str | None = None
        self._wake_pending, self._last_block = False, time.monotonic()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready, self._stop = asyncio.Event(), asyncio.Event()

    def prepare(self) -> int:
        """Check the configured device exists, before the mic opens; returns its index."""
        sd = _sounddevice()
        return resolve_input_device(self.options.device, sd.query_devices(), sd.default.device[0])

    def stats(self) -> CaptureStats:
        dropped = self._dropped_before + self._ring.dropped + self._ring.pending_drops()
        return CaptureStats(self._name, self._rate, self._captured, dropped, self._overflows,
                            self._reconnects, self._delivered, self._stream is not None)

    def stop(self) -> None:
        """Ask ``frames()`` to yield what was captured and finish."""
        self._stop.set()
        self._ready.set()

    def _wake(self) -> None:
        try:
            self._loop.call_soon_threadsafe(self._ready.set)  # type: ignore[union-attr]
        except RuntimeError:  # the loop is closed: nobody listens any more
            pass

    def _callbacks(self, gen: int) -> tuple[Callable, Callable]:
        def callback(indata, frames, time_info, status) -> None:  # PortAudio's thread: copy, count, wake
            if gen != self._gen:
                return
            if status and getattr(status, "input_overflow", False):
                self._overflows += 1
            self._ring.write(indata)
            self._captured += len(indata)
            self._last_block = time.monotonic()
            if not self._wake_pending:
                self._wake_pending = True
                self._wake()

        def finished() -> None:
            if gen == self._gen and not self._stop.is_set():
                self._lost = "the input stream finished unexpectedly"
                self._wake()
        return callback, finished

    async def _open(self, rescan: bool = False) -> None:
        opts, sd = self.options, _sounddevice()
        if rescan:  # PortAudio only sees hot-plugged devices after a re-init
            await asyncio.to_thread(lambda: (sd._terminate(), sd._initialize()))
        devices = sd.query_devices()
        index = resolve_input_device(opts.device, devices, sd.default.device[0])
        rate = int(opts.samplerate or round(devices[index]["default_samplerate"]))
        self._gen += 1
        self._dropped_before += self._ring.dropped + self._ring.pending_drops()
        self._ring = RingBuffer(int(rate * opts.buffer_s), opts.channels)
        callback, finished = self._callbacks(self._gen)
        self._last_block = time.monotonic()
        self._stream = await asyncio.to_thread(self._opener, device=index, samplerate=rate, channels=opts.channels,
                                               blocksize=max(1, rate * opts.block_ms // 1000),
                                               callback=callback, finished_callback=finished)
        self._rate, self._name, self._lost = rate, devices[index]["name"], None
        self._resampler = soxr.ResampleStream(rate, SAMPLE_RATE, 1, dtype="float32")

    async def _close(self) -> None:
        stream, self._stream = self._stream, None
        self._gen += 1
        if stream is not None:
            try:
                await asyncio.to_thread(stream.close)
            except Exception as exc:  # a vanished device may fail to close; it is gone either way
                log.debug("closing the input stream failed: %s", exc)

    async def _pause(self, delay: float) -> None:
        """A back-off wait that ``stop()`` cuts short."""
        waits = [asyncio.ensure_future(self._sleep(delay)), asyncio.ensure_future(self._stop.wait())]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()

    async def _reconnect(self, reason: str) -> bool:
        self._on_event(LOST, f"microphone {self._name!r} lost: {reason}; reopening")
        await self._close()
        delays = backoff_delays(self.options.retry_initial_s, self.options.retry_max_s)
        while not self._stop.is_set():
            await self._pause(next(delays))
            if self._stop.is_set():
                break
            try:
                await self._open(rescan=self.options.rescan)
            except Exception as exc:  # PortAudioError, AudioInputError (not plugged back yet), OSError
                log.debug("reopening the microphone failed: %s", exc)
                continue
            self._reconnects += 1
            self._on_event(RESTORED, f"microphone {self._name!r} restored at {self._rate} Hz")
            return True
        return False

    def _convert(self, block: np.ndarray, last: bool = False) -> np.ndarray:
        mono = block.mean(axis=1, dtype=np.float32) if block.shape[1] > 1 else block[:, 0]
        mono = np.nan_to_num(np.ascontiguousarray(mono), copy=False, nan=0.0, posinf=1.0, neginf=-1.0)
        y = self._resampler.resample_chunk(mono, last=last)  # a NaN would poison the filter state for good
        self._delivered += len(y)
        return np.clip(np.round(y * 32767.0), -32768, 32767).astype(np.int16)

    async def frames(self) -> AsyncIterator[np.ndarray]:
        """Open the device and yield 16 kHz mono int16 chunks until ``stop()`` or cancellation."""
        self._loop = asyncio.get_running_loop()
        self._stop.clear()
        try:
            await self._open()
        except Exception as exc:
            if isinstance(exc, AudioInputError):
                raise
            raise AudioInputError(f"cannot open microphone {self.options.device!r} (audio.input.device): {exc}",
                                  hint="check that no other program holds the device", code="audio-input-open") from None
        try:
            while True:
                self._ready.clear()
                self._wake_pending = False
                block = self._ring.read()
                if len(block):
                    if len(out := self._convert(block)):
                        yield out
                    continue
                if self._lost is None and time.monotonic() - self._last_block > self.options.stall_s:
                    self._lost = f"no audio for {self.options.stall_s:g} s"
                if self._stop.is_set() or self._lost is not None:
                    if len(tail := self._convert(block, last=True)):  # flush the resampler's delay line
                        yield tail
                    if self._stop.is_set() or not await self._reconnect(self._lost or ""):
                        break
                    continue
                try:
                    await asyncio.wait_for(self._ready.wait(), self.options.stall_s)
                except asyncio.TimeoutError:
                    pass
        finally:
            await self._close()
