"""A simulated cabin: one speaker and one microphone in one car, on one clock, deterministic.

It is a virtual sound card. ``output_stream`` is a ``stream_factory`` for
:class:`~cockpit.audio.playback.Player`; for every microphone block the cabin itself calls the
speaker's callback for exactly that block's time, so what the speaker plays, its echo in the
microphone and the driver's speech line up sample for sample, with no threads and no wall clock.
The echo is the speaker's sound delayed, passed through a synthetic room response and attenuated;
the driver's clips are scheduled at cabin times; a noise floor (and optionally engine and road
noise) is always there. Everything is recorded for tests and benchmarks.
"""
from __future__ import annotations

import asyncio
import math
import time
from typing import Any, AsyncIterator, Callable

import numpy as np

from cockpit.audio.cabin import active_rms, cabin_noise
from cockpit.audio.formats import SAMPLE_RATE
from cockpit.audio.reference import ReferenceTap

TAIL_SHARE = 0.3
"""Share of the room response's energy in its diffuse tail (the rest is the direct path)."""
NOMINAL_SPEECH_DBFS = -26.0
"""The speech level cabin noise is set against when no driver speech is scheduled."""
NOISE_LOOP_S = 10.0
"""Cabin noise is made once for this long and looped."""


def room_response(rir_ms: float, seed: int = 0, rate: int = SAMPLE_RATE) -> np.ndarray:
    """A direct path followed by a seeded diffuse tail decaying by 60 dB over ``rir_ms``; unit energy,
    so the echo's level is set by the echo gain alone."""
    n = max(1, round(rir_ms * rate / 1000))
    h = np.zeros(n)
    h[0] = 1.0
    if n > 1:
        rng = np.random.default_rng([seed, 1])
        tail = rng.standard_normal(n - 1) * np.exp(-math.log(1000.0) * np.arange(1, n) / n)
        h[1:] = tail * math.sqrt(TAIL_SHARE / (1 - TAIL_SHARE) / float(np.sum(tail ** 2)))
    return h / math.sqrt(float(np.sum(h ** 2)))


class _Quiet:
    """PortAudio's status flags for a block that had no problem."""

    output_underflow = False

    def __bool__(self) -> bool:
        return False


class CabinSpeaker:
    """The cabin's output stream: the part of ``sounddevice.OutputStream``'s API a player uses."""

    def __init__(self, *, samplerate: float, callback: Callable, blocksize: int = 0, channels: int = 1,
                 dtype: str = "int16", **_: Any):
        self.samplerate, self.blocksize, self.channels = int(samplerate), blocksize, channels
        self.dtype, self.callback = np.dtype(dtype), callback
        self.active = self.closed = False

    def start(self) -> None:
        self.active = not self.closed

    def stop(self) -> None:
        self.active = False

    def close(self) -> None:
        self.active, self.closed = False, True

    def render(self, frames: int) -> np.ndarray:
        """Ask the callback for ``frames`` samples; mono int16 (silence when not started)."""
        out = np.zeros((frames, self.channels), self.dtype)
        if self.active:
            self.callback(out, frames, None, _Quiet())
        mono = out.mean(axis=1) if self.channels > 1 else out[:, 0]
        if self.dtype.kind == "f":
            mono = np.clip(mono, -1.0, 1.0) * 32767.0
        return np.asarray(mono, np.int16)


class SimulatedCabin:
    """One speaker and one microphone in a car; see the module docstring.

    ``tail_s``: with no ``duration_s``, the microphone ends once the last driver clip has finished
    and nothing has sounded (no clip, no speaker) for this long. ``on_reference`` is called with
    each 16 kHz speaker block as it is emitted: the far-end reference, exactly aligned with the
    microphone block it was emitted in (its echo arrives ``echo_delay_ms`` later).
    """

    def __init__(self, *, block_ms: int = 20, echo_delay_ms: float = 40, echo_gain_db: float = -6.0,
                 rir_ms: float = 50.0, noise_snr_db: float | None = None, floor_dbfs: float = -66.0,
                 realtime: bool = True, seed: int = 0, tail_s: float = 1.5):
        self.block_ms, self.realtime, self.seed, self.tail_s = block_ms, realtime, seed, tail_s
        self.noise_snr_db, self.floor_dbfs = noise_snr_db, floor_dbfs
        self.block = SAMPLE_RATE * block_ms // 1000
        self.echo_delay = round(echo_delay_ms * SAMPLE_RATE / 1000)
        self.rir = room_response(rir_ms, seed) * 10 ** (echo_gain_db / 20)
        self.on_reference: Callable[[np.ndarray], None] | None = None
        self.speech_onsets: list[float] = []
        self._clips: list[tuple[int, np.ndarray]] = []
        self._speaker: CabinSpeaker | None = None
        self._tap: ReferenceTap | None = None
        self._history = np.zeros(self.echo_delay + len(self.rir) - 1, np.float64)
        self._floor = np.random.default_rng([seed, 2])
        self._noise: np.ndarray | None = None
        self._tracks: dict[str, list[np.ndarray]] = {"speaker": [], "mic": [], "driver": []}
        self._blocks = self._last_sound = 0

    # --- the sound card -----------------------------------------------------------------------
    def output_stream(self, **kw: Any) -> CabinSpeaker:
        """A ``stream_factory`` for :class:`~cockpit.audio.playback.Player`."""
        if self._speaker is not None:
            self._speaker.close()
        self._speaker = CabinSpeaker(**kw)
        self._tap = ReferenceTap(self._speaker.samplerate)
        return self._speaker

    def say(self, clip: np.ndarray, at_s: float) -> None:
        """The driver says ``clip`` (16 kHz int16) at cabin time ``at_s``."""
        self._clips.append((round(at_s * SAMPLE_RATE), np.asarray(clip, np.int16).reshape(-1)))
        self.speech_onsets.append(at_s)

    # --- what was heard -----------------------------------------------------------------------
    @property
    def time_s(self) -> float:
        return self._blocks * self.block_ms / 1000

    def _track(self, name: str) -> np.ndarray:
        parts = self._tracks[name]
        return np.concatenate(parts) if parts else np.zeros(0, np.int16)

    @property
    def speaker_track(self) -> np.ndarray:
        """What the speaker played, at 16 kHz."""
        return self._track("speaker")

    @property
    def mic_track(self) -> np.ndarray:
        return self._track("mic")

    @property
    def driver_track(self) -> np.ndarray:
        """The driver's speech alone, as it reaches the microphone."""
        return self._track("driver")

    # --- one block ----------------------------------------------------------------------------
    def _speaker_block(self) -> np.ndarray:
        spk = self._speaker
        if spk is None or spk.closed or self._tap is None:
            return np.zeros(self.block, np.int16)
        k = self._blocks
        start = k * spk.samplerate * self.block_ms // 1000
        frames = (k + 1) * spk.samplerate * self.block_ms // 1000 - start
        return self._tap(spk.render(frames))

    def _echo(self, speaker: np.ndarray) -> np.ndarray:
        x = np.concatenate([self._history, speaker.astype(np.float64)])
        self._history = x[len(x) - len(self._history):] if len(self._history) else x[:0]
        return np.convolve(x[:len(self.rir) - 1 + self.block], self.rir, "valid")

    def _driver(self, t0: int) -> np.ndarray:
        out = np.zeros(self.block, np.float64)
        for start, clip in self._clips:
            a, b = max(t0, start), min(t0 + self.block, start + len(clip))
            if a < b:
                out[a - t0:b - t0] += clip[a - start:b - start]
        return out

    def _cabin_noise(self, t0: int) -> np.ndarray:
        if self.noise_snr_db is None:
            return np.zeros(self.block)
        if self._noise is None:
            speech = np.concatenate([c for _, c in self._clips]) if self._clips else np.zeros(0, np.int16)
            level = active_rms(speech) or 32768.0 * 10 ** (NOMINAL_SPEECH_DBFS / 20)
            loop = cabin_noise(NOISE_LOOP_S, seed=self.seed).astype(np.float64)
            self._noise = loop * level / (float(np.sqrt(np.mean(loop ** 2))) * 10 ** (self.noise_snr_db / 20))
        idx = (t0 + np.arange(self.block)) % len(self._noise)
        return self._noise[idx]

    def _step(self) -> np.ndarray:
        t0 = self._blocks * self.block
        speaker = self._speaker_block()
        if self.on_reference is not None:
            self.on_reference(speaker)
        driver = self._driver(t0)
        floor = self._floor.normal(0.0, 32768.0 * 10 ** (self.floor_dbfs / 20), self.block)
        mic = self._echo(speaker) + driver + floor + self._cabin_noise(t0)
        mic = np.clip(np.round(mic), -32768, 32767).astype(np.int16)
        driver = np.clip(driver, -32768, 32767).astype(np.int16)
        for name, x in (("speaker", speaker), ("mic", mic), ("driver", driver)):
            self._tracks[name].append(x)
        self._blocks += 1
        if np.any(speaker):
            self._last_sound = self._blocks * self.block
        return mic

    def _finished(self) -> bool:
        now = self._blocks * self.block
        clips_end = max((s + len(c) for s, c in self._clips), default=0)
        return now >= clips_end and now - max(clips_end, self._last_sound) >= self.tail_s * SAMPLE_RATE

    async def microphone(self, duration_s: float | None = None) -> AsyncIterator[np.ndarray]:
        """16 kHz int16 microphone blocks of ``block_ms``, from the cabin's current time, for
        ``duration_s`` (None: until the cabin has gone quiet, see the class docstring)."""
        start, first = time.perf_counter(), self._blocks
        end = None if duration_s is None else self._blocks + math.ceil(duration_s * 1000 / self.block_ms - 1e-9)
        while end is None or self._blocks < end:
            if self.realtime:  # a block is delivered once it has been recorded
                await asyncio.sleep(max(0.0, start + (self._blocks + 1 - first) * self.block_ms / 1000
                                        - time.perf_counter()))
            else:
                await asyncio.sleep(0)
            yield self._step()
            if end is None and self._finished():
                return
