"""The real microphone: a sound card in, 16 kHz mono int16 chunks out, surviving a lost device.

The PortAudio callback only copies each block into a preallocated ring buffer and wakes the
event loop; downmixing and resampling (soxr's streaming resampler, so chunk boundaries never
click) happen on the consumer side in :meth:`Microphone.frames`. When the consumer falls behind
the ring OVERWRITES THE OLDEST audio (the driver's latest words matter more than stale ones) and
counts every lost device frame in ``stats().dropped``.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any, AsyncIterator, Awaitable, Callable, Mapping, Sequence

import numpy as np
import soxr

from cockpit.audio.formats import SAMPLE_RATE
from cockpit.errors import AudioInputError

log = logging.getLogger(__name__)
LOST, RESTORED = "audio-input-lost", "audio-input-restored"


@dataclass(frozen=True)
class CaptureOptions:
    """Field names match the ``audio.input`` settings, so ``CaptureOptions(**s.model_dump())`` works."""

    device: str | int | None = None
    """Input device: a unique name substring, a PortAudio index, or None for the system default."""
    samplerate: int | None = None
    """Capture rate in Hz; None uses the device's default (native) rate."""
    channels: int = 1
    """Channels to open; more than one is averaged to mono."""
    block_ms: int = 20
    """PortAudio block length in milliseconds."""
    buffer_s: float = 2.0
    """Ring buffer length: audio older than this is overwritten when the consumer falls behind."""
    stall_s: float = 2.0
    """No audio for this long while the stream is open counts as a lost device."""
    retry_initial_s: float = 0.5
    """First wait before reopening a lost device; doubles after each failed attempt."""
    retry_max_s: float = 8.0
    """Cap of the reopen back-off."""
    rescan: bool = True
    """Re-initialise PortAudio before each reopen so a re-plugged USB microphone is found
    (PortAudio scans devices only at start); a reply playing at that instant is cut."""


@dataclass(frozen=True)
class CaptureStats:
    device: str | None
    samplerate: int
    captured: int
    """Device frames delivered by PortAudio to the callback."""
    dropped: int
    """Device frames overwritten in the ring before the consumer read them."""
    overflows: int
    """Callbacks flagged 'input overflow' by PortAudio (audio lost before cockpit saw it)."""
    reconnects: int
    delivered: int
    """16 kHz samples yielded by ``frames()``."""
    connected: bool


class RingBuffer:
    """Single-producer/single-consumer ring of (frames, channels) float32, overwrite-oldest.

    Lock-free: the writer publishes ``_claimed`` before it writes and ``_written`` after, so the
    reader can discard anything the writer may have overwritten while it was copying.
    """

    def __init__(self, capacity: int, channels: int = 1):
        self.capacity = max(1, int(capacity))
        self._buf = np.zeros((self.capacity, channels), np.float32)
        self._claimed = self._written = self._read = 0
        self.dropped = 0

    @property
    def nbytes(self) -> int:
        return self._buf.nbytes

    def pending_drops(self) -> int:
        return max(0, self._written - self.capacity - self._read)

    def write(self, block: np.ndarray) -> None:
        """Producer side (audio thread): never blocks, never allocates for blocks <= capacity."""
        cap, n = self.capacity, len(block)
        if n > cap:
            block = block[n - cap:]
        start = self._written + n - len(block)
        m = len(block)
        self._claimed = start + m
        i = start % cap
        first = min(m, cap - i)
        self._buf[i:i + first] = block[:first]
        if first < m:
            self._buf[:m - first] = block[first:]
        self._written = start + m

    def read(self) -> np.ndarray:
        """Consumer side: everything new and still intact, oldest first."""
        w = self._written
        start = max(self._read, self._claimed - self.capacity)
        if start >= w:
            out = self._buf[:0].copy()
        else:
            i, j = start % self.capacity, (w - 1) % self.capacity + 1
            out = self._buf[i:j].copy() if i < j else np.concatenate([self._buf[i:], self._buf[:j]])
        valid = min(w, max(start, self._claimed - self.capacity))
        out = out[valid - start:]
        self.dropped += valid - self._read
        self._read = w
        return out


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
    """``audio.input.device`` -> PortAudio index; unknown or ambiguous names list the inputs."""
    inputs = [i for i, d in enumerate(devices) if d.get("max_input_channels", 0) > 0]
    hint = ("set audio.input.device to a unique part of one of these names, or its [index], "
            "or null for the system default")
    if not inputs:
        raise AudioInputError("no audio input device on this machine",
                              hint="plug in a microphone, or use the simulated microphone (cockpit sim)",
                              code="audio-input-device")
    if spec is None:
        return default if default in inputs else inputs[0]
    if isinstance(spec, int):
        if spec in inputs:
            return spec
        found: list[int] = []
    else:
        exact = [i for i in inputs if devices[i]["name"].lower() == spec.lower()]
        found = exact or [i for i in inputs if spec.lower() in devices[i]["name"].lower()]
        if len(found) == 1:
            return found[0]
    what = "matches several" if found else "is not one of the"
    raise AudioInputError(f"audio.input.device {spec!r} {what} input devices:\n{describe_inputs(devices)}",
                          hint=hint, code="audio-input-device")


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
    """``async for chunk in Microphone(opts).frames()`` -> 16 kHz mono int16 chunks, reconnecting.

    ``on_event(code, message)`` is called on the event loop with ``audio-input-lost`` and
    ``audio-input-restored``. ``opener`` and ``sleep`` are injectable for tests.
    """

    def __init__(self, options: CaptureOptions = CaptureOptions(), *, opener: Callable[..., Any] = open_sounddevice,
                 on_event: Callable[[str, str], None] | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
        self.options, self._opener, self._sleep = options, opener, sleep
        self._on_event = on_event or (lambda code, msg: log.warning("%s: %s", code, msg))
        self._stream: Any = None
        self._gen = 0
        self._ring = RingBuffer(1)
        self._rate, self._name = 0, None
        self._captured = self._overflows = self._reconnects = self._delivered = self._dropped_before = 0
        self._lost: str | None = None
        self._stopping = False
        self._wake_pending = False
        self._last_block = time.monotonic()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready: asyncio.Event | None = None

    def prepare(self) -> int:
        """Check the configured device exists (before the mic opens); returns its index."""
        sd = _sounddevice()
        return resolve_input_device(self.options.device, sd.query_devices(), sd.default.device[0])

    def stats(self) -> CaptureStats:
        return CaptureStats(self._name, self._rate, self._captured,
                            self._dropped_before + self._ring.dropped + self._ring.pending_drops(),
                            self._overflows, self._reconnects, self._delivered, self._stream is not None)

    def stop(self) -> None:
        """Ask ``frames()`` to drain what was captured and finish."""
        self._stopping = True
        self._wake()

    # ---- audio thread -------------------------------------------------------------------
    def _callbacks(self, gen: int):
        def callback(indata, frames, time_info, status) -> None:
            if gen != self._gen:
                return
            if status and getattr(status, "input_overflow", False):
                self._overflows += 1
            self._ring.write(indata)
            self._captured += len(indata)
            self._last_block = time.monotonic()
            self._wake()

        def finished() -> None:
            if gen == self._gen and not self._stopping:
                self._lost = "the input stream finished unexpectedly"
                self._wake()
        return callback, finished

    def _wake(self) -> None:
        if self._wake_pending or self._loop is None or self._ready is None:
            return
        self._wake_pending = True
        try:
            self._loop.call_soon_threadsafe(self._ready.set)
        except RuntimeError:  # loop already closed: nobody is listening any more
            pass

    # ---- consumer side ------------------------------------------------------------------
    async def _open(self) -> None:
        opts = self.options
        sd = _sounddevice()
        if self._stream is not None and opts.rescan:  # PortAudio only sees hot-plugged devices after re-init
            sd._terminate()
            sd._initialize()
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

    async def _close(self) -> None:
        stream, self._stream = self._stream, None
        self._gen += 1
        if stream is not None:
            try:
                await asyncio.to_thread(stream.close)
            except Exception as exc:  # a vanished device may fail to close; it is gone either way
                log.debug("closing the lost input stream failed: %s", exc)

    async def _pause(self, delay: float) -> None:
        """Back-off wait that ``stop()`` cuts short."""
        assert self._ready is not None
        self._ready.clear()
        self._wake_pending = False
        waits = [asyncio.ensure_future(self._sleep(delay)), asyncio.ensure_future(self._ready.wait())]
        _, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()

    async def _reconnect(self, reason: str) -> bool:
        self._on_event(LOST, f"microphone {self._name!r} lost: {reason}; reopening")
        await self._close()
        delays = backoff_delays(self.options.retry_initial_s, self.options.retry_max_s)
        while not self._stopping:
            await self._pause(next(delays))
            if self._stopping:
                break
            try:
                await self._open()
            except Exception as exc:  # PortAudioError, AudioInputError (not plugged back yet), OSError
                log.debug("reopening the microphone failed: %s", exc)
                continue
            self._reconnects += 1
            self._on_event(RESTORED, f"microphone {self._name!r} restored at {self._rate} Hz")
            return True
        return False

    def _convert(self, resampler: soxr.ResampleStream, block: np.ndarray, last: bool = False) -> np.ndarray:
        mono = block.mean(axis=1, dtype=np.float32) if block.shape[1] > 1 else block[:, 0]
        y = resampler.resample_chunk(np.ascontiguousarray(mono, np.float32), last=last)
        out = np.clip(np.round(y * 32767.0), -32768, 32767).astype(np.int16)
        self._delivered += len(out)
        return out

    async def frames(self) -> AsyncIterator[np.ndarray]:
        """Open the device and yield 16 kHz mono int16 chunks until ``stop()`` or cancellation."""
        self._loop, self._ready, self._stopping = asyncio.get_running_loop(), asyncio.Event(), False
        try:
            await self._open()
        except AudioInputError:
            raise
        except Exception as exc:
            raise AudioInputError(f"cannot open microphone {self.options.device!r}: {exc}",
                                  hint="check audio.input.device and that no other program holds the device",
                                  code="audio-input-open") from None
        resampler = soxr.ResampleStream(self._rate, SAMPLE_RATE, 1, dtype="float32")
        try:
            while True:
                self._ready.clear()
                self._wake_pending = False
                block = self._ring.read()
                if len(block):
                    out = self._convert(resampler, block)
                    if len(out):
                        yield out
                    continue
                if self._stopping:
                    break
                if self._lost is None and time.monotonic() - self._last_block > self.options.stall_s:
                    self._lost = f"no audio for {self.options.stall_s:g} s"
                if self._lost is not None:
                    tail = self._convert(resampler, np.zeros((0, 1), np.float32), last=True)
                    if len(tail):
                        yield tail
                    if not await self._reconnect(self._lost):
                        break
                    resampler = soxr.ResampleStream(self._rate, SAMPLE_RATE, 1, dtype="float32")
                    continue
                try:
                    await asyncio.wait_for(self._ready.wait(), self.options.stall_s)
                except asyncio.TimeoutError:
                    pass
            tail = self._convert(resampler, np.zeros((0, 1), np.float32), last=True)
            if len(tail):
                yield tail
        finally:
            await self._close()
