"""Acoustic echo cancellation: take cockpit's own voice out of the microphone before the VAD hears it.

The canceller is WebRTC's audio processing module (APM) as shipped in LiveKit's Python SDK
(``pip install livekit``; ``from livekit import rtc``). Why this one:

- Algorithm: ``rtc.AudioProcessingModule(echo_cancellation=True, ...)`` builds a stock
  ``webrtc::AudioProcessing`` with ``echo_canceller.enabled`` (desktop mode = AEC3, Chrome's
  canceller: delay estimator, linear adaptive filter, residual-echo suppressor), plus WebRTC's
  noise suppressor and high-pass filter on request.
- Maintained: LiveKit Inc. releases it often (1.2.1 when this was written, over 100 versions on
  PyPI; source github.com/livekit/python-sdks over livekit/rust-sdks).
- Wheels: ``py3-none-manylinux_2_28`` for x86_64 and aarch64 (checked with ``pip download
  --platform``), so a Jetson on JetPack 5/6 (glibc 2.31/2.35) installs it without a compiler;
  JetPack 4 (glibc 2.27) cannot. The native part is one bundled ``liblivekit_ffi.so``.
- License: Apache-2.0; the wheel carries the third-party notices (WebRTC's BSD-3-Clause).
- Offline: only the local APM is used; nothing here opens a connection.

Rejected: ``speexdsp`` 0.1.1 and ``webrtc-audio-processing`` 0.1.3 are 2018 source-only packages
(compiler, SWIG, -dev headers on the car); ``aec-audio-processing`` 1.0.1 (2025) is source-only
(SWIG + C++ build); Debian's
libspeexdsp through ctypes means Speex's older MDF canceller and our own binding to maintain.

What to expect (tests/engines/test_aec.py, espeak-ng speech through a synthetic cabin): 40-50 dB of
echo removed once converged, Silero silent on the echo alone; the driver's speech over the echo keeps
its waveform (correlation > 0.6), but AEC3's residual-echo suppressor favours killing echo, so
syllables that land on cockpit's own speech can be gated, most while it is still converging (the
first seconds of a drive: keep one canceller for the whole drive, do not reset it per reply). The
binding exposes only the four switches above, not AEC3's tuning. The cleaned audio lags the input
by a fixed 8 ms (AEC3's block framing), 14 ms with noise suppression.

Traps in the binding, handled here: a slice that is not a whole number of 10 ms blocks makes
the native side panic and abort the whole process, so sizes are checked in Python first; and
the APM forgets the stream delay after every capture block, so the hint is set before each one.
"""
from __future__ import annotations

import threading

import numpy as np

from cockpit.audio.formats import SAMPLE_RATE
from cockpit.audio.ring import get, put
from cockpit.config.voice import AecSettings
from cockpit.errors import CockpitError, EngineMissing

BLOCK_MS = 10
"""The APM works on 10 ms blocks; ``process`` takes any whole number of them."""

_HINT = "pip install 'livekit>=1.2' (prebuilt for x86_64 and aarch64 with glibc >= 2.28)"


def _check(x: np.ndarray, name: str, block: int) -> np.ndarray:
    x = np.asarray(x)
    if x.dtype != np.int16 or x.ndim != 1:
        raise ValueError(f"{name} must be 1-D int16 mono samples, got {x.dtype} with shape {x.shape}")
    if len(x) % block:
        raise ValueError(f"{name} must be a whole number of {BLOCK_MS} ms blocks ({block} samples), "
                         f"got {len(x)} samples")
    return x


class EchoCanceller:
    """Removes the speaker's echo (and, if set, steady cabin noise) from microphone audio.

    Not thread-safe: call ``process`` from the one thread that reads the microphone.
    """

    def __init__(self, settings: AecSettings, sample_rate: int = SAMPLE_RATE):
        if sample_rate <= 0 or sample_rate % (1000 // BLOCK_MS):
            raise ValueError(f"sample rate must be a positive multiple of 100 Hz, got {sample_rate}")
        self.settings = settings
        self.sample_rate = sample_rate
        self.block = sample_rate * BLOCK_MS // 1000
        """Samples per 10 ms block."""
        self._apm = None
        if settings.enabled:
            try:
                from livekit import rtc
            except ImportError as exc:
                raise EngineMissing(f"echo cancellation needs the livekit package ({exc})",
                                    hint=_HINT, code="aec-missing") from None
            self._rtc = rtc
            self.reset()

    def reset(self) -> None:
        """Start over with a fresh canceller (it re-learns the echo path in a second or two).

        One silent block is run through it at once, so a configuration the native library
        rejects (e.g. an unsupported rate) fails here, before the microphone opens.
        """
        if not self.settings.enabled:
            return
        self._apm = self._native(lambda: self._rtc.AudioProcessingModule(
            echo_cancellation=True, noise_suppression=self.settings.noise_suppression,
            high_pass_filter=True, auto_gain_control=False))
        silence = np.zeros(self.block, np.int16)
        self._block(silence, silence)

    def process(self, near: np.ndarray, far: np.ndarray) -> np.ndarray:
        """Cleaned ``near`` (the microphone), given ``far`` (what the speaker played, aligned).

        Both are int16 mono of equal length, a whole number of 10 ms blocks. Each block feeds
        the far audio first, then cleans the near audio. Disabled: ``near`` comes back unchanged.
        """
        near = _check(near, "near", self.block)
        far = _check(far, "far", self.block)
        if len(near) != len(far):
            raise ValueError(f"near and far must have the same length, got {len(near)} and {len(far)}")
        if not self.settings.enabled:
            return near
        out = np.empty_like(near)
        b = self.block
        for i in range(0, len(near), b):
            out[i:i + b] = self._block(near[i:i + b], far[i:i + b])
        return out

    def _block(self, near: np.ndarray, far: np.ndarray) -> np.ndarray:
        rtc, rate, n = self._rtc, self.sample_rate, self.block
        clean = bytearray(near.tobytes())

        def run() -> None:
            self._apm.process_reverse_stream(rtc.AudioFrame(bytearray(far.tobytes()), rate, 1, n))
            self._apm.set_stream_delay_ms(self.settings.stream_delay_ms)
            self._apm.process_stream(rtc.AudioFrame(clean, rate, 1, n))  # cleans `clean` in place

        self._native(run)
        return np.frombuffer(clean, np.int16)

    def _native(self, call):
        try:
            return call()
        except (RuntimeError, ImportError, OSError) as exc:
            raise CockpitError(
                f"echo canceller (WebRTC APM in livekit) failed at {self.sample_rate} Hz: {exc}",
                hint="use 8000-48000 Hz audio; reinstall livekit if its native library will not load; "
                     "or set aec.enabled: false", code="aec-failed") from exc


class FarEnd:
    """The speaker's audio, queued for the canceller, for devices where playback and capture
    are separate streams.

    The playback side calls ``push`` with each block it has just handed to the speaker; the
    capture side calls ``take(len(mic_block))`` for every microphone block and passes the result
    to ``EchoCanceller.process`` as ``far``. It is a FIFO that hands out zeros when it runs dry.

    Alignment assumption: capture and playback run on the same clock (one sound card, or
    clock-locked devices), so over time as many samples are pushed as are taken. A pushed sample
    is taken at the next capture block, i.e. before the speaker has even played it: the echo
    therefore always arrives *after* its reference, by the fixed output + input latency of the
    devices plus at most one push burst. That positive delay is what the canceller's own delay
    estimator absorbs (AEC3 searches about half a second); ``AecSettings.stream_delay_ms`` is
    its starting hint. Keep push bursts small (the playback block size) so the lead is steady.
    With two unlocked clocks the drift would need resampling, which this class does not do.

    ``push`` and ``take`` never block on audio and may be called from different threads.
    When more than ``capacity_s`` is waiting (capture stalled), the oldest audio is dropped.
    """

    def __init__(self, sample_rate: int = SAMPLE_RATE, capacity_s: float = 2.0):
        capacity = int(round(sample_rate * capacity_s))
        if capacity <= 0:
            raise ValueError(f"capacity must hold at least one sample, got {capacity_s} s at {sample_rate} Hz")
        self.sample_rate = sample_rate
        self.capacity = capacity
        self.dropped = 0
        """Samples thrown away because the buffer was full (for metrics)."""
        self._ring = np.zeros(capacity, np.int16)
        self._start = 0
        self._count = 0
        self._lock = threading.Lock()

    @property
    def buffered(self) -> int:
        """Samples pushed and not yet taken."""
        with self._lock:
            return self._count

    def push(self, samples: np.ndarray) -> None:
        """Queue what was just sent to the speaker (int16 mono)."""
        x = np.asarray(samples)
        if x.dtype != np.int16 or x.ndim != 1:
            raise ValueError(f"far-end audio must be 1-D int16 mono, got {x.dtype} with shape {x.shape}")
        cap = self.capacity
        with self._lock:
            if len(x) > cap:
                self.dropped += len(x) - cap
                x = x[-cap:]
            over = self._count + len(x) - cap
            if over > 0:  # drop the oldest
                self._start = (self._start + over) % cap
                self._count -= over
                self.dropped += over
            put(self._ring, self._start + self._count, x)
            self._count += len(x)

    def take(self, n: int) -> np.ndarray:
        """The next ``n`` samples of reference; zeros where nothing is waiting (nothing playing)."""
        if n < 0:
            raise ValueError(f"cannot take {n} samples")
        out = np.zeros(n, np.int16)
        with self._lock:
            k = min(n, self._count)
            get(self._ring, self._start, k, out[:k])
            self._start = (self._start + k) % self.capacity
            self._count -= k
        return out

    def clear(self) -> None:
        """Forget everything queued (e.g. playback was flushed before it reached the speaker)."""
        with self._lock:
            self._start = 0
            self._count = 0
