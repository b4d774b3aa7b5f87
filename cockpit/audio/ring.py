"""Ring buffers of audio samples: the wrap-around copies every ring here shares, and the reply ring the
speaker plays from (cockpit/audio/playback.py).

``put``/``get`` copy into and out of a fixed array at an ever-growing position (taken modulo its length),
in at most two slices, never allocating for ``put``. :class:`ReplyRing` is the speaker's queue: bounded
(a writer waits for room rather than overwriting), with the fades a barge-in's stop, a pause and a resume
need so the speaker never clicks. It is not thread-safe: the Player calls it under its lock.
"""
from __future__ import annotations

import math

import numpy as np


def put(buf: np.ndarray, at: int, x: np.ndarray) -> None:
    """Copy ``x`` into ``buf`` starting at position ``at`` (modulo its length), wrapping once."""
    cap = len(buf)
    i = at % cap
    first = min(len(x), cap - i)
    buf[i:i + first] = x[:first]
    buf[:len(x) - first] = x[first:]


def get(buf: np.ndarray, at: int, n: int, out: np.ndarray | None = None) -> np.ndarray:
    """``n`` samples of ``buf`` from position ``at`` (modulo its length), wrapping once; into ``out`` if given."""
    cap = len(buf)
    i = at % cap
    first = min(n, cap - i)
    if out is None:
        return np.concatenate([buf[i:i + first], buf[:n - first]])
    out[:first] = buf[i:i + first]
    out[first:n] = buf[:n - first]
    return out


class ReplyRing:
    """Reply samples at the device rate, written ahead of the speaker and read one block at a time."""

    def __init__(self, seconds: float, rate: int, fade_s: float):
        self.buf = np.zeros(max(1, math.ceil(seconds * rate)), np.int16)
        self.fade = np.zeros(max(1, int(fade_s * rate)), np.int16)
        self.w = self.r = self.played = self.dropped = 0
        self.fade_len = self.last_emitted = self.fade_in = 0
        self.paused = False

    @property
    def queued(self) -> int:
        return self.w - self.r

    def write(self, x: np.ndarray) -> int:
        """As much of ``x`` as there is room for; returns how many samples were queued."""
        n = min(len(self.buf) - self.queued, len(x))
        put(self.buf, self.w, x[:n])
        self.w += n
        return n

    def _fade_out_head(self) -> int:
        """The next FADE of queued audio, faded to silence, ready for the next block (when audio was
        playing: a silent speaker needs no fade); returns how many samples it holds."""
        keep = min(len(self.fade), self.queued) if self.last_emitted else 0
        if keep:
            ramp = np.linspace(1.0, 0.0, len(self.fade) + 1)[1:keep + 1]
            self.fade[:keep] = np.round(get(self.buf, self.r, keep) * ramp).astype(np.int16)
            self.fade_len = keep
        return keep

    def drop(self) -> int:
        """Barge-in: everything queued goes, the head fading out; returns the samples dropped unheard."""
        queued, keep = self.queued, self._fade_out_head()
        self.played += keep
        self.r = self.w
        self.dropped += queued - keep
        self.paused, self.fade_in = False, 0
        return queued - keep

    def pause(self) -> None:
        """Hold the queue (the head fades out now and is heard again, fading in, on resume)."""
        if not self.paused and self.queued:
            self._fade_out_head()
            self.paused = True

    def resume(self) -> None:
        if self.paused:
            self.paused, self.fade_in = False, len(self.fade)

    def read(self, out: np.ndarray) -> int:
        """Fill one device block: the pending fade, then queued audio (none while paused), then silence;
        returns how many queued samples were used."""
        frames = len(out)
        k = min(self.fade_len, frames)
        out[:k] = self.fade[:k]
        self.fade_len = 0
        n = 0 if self.paused else min(frames - k, self.queued)
        get(self.buf, self.r, n, out[k:k + n])
        out[k + n:] = 0
        if self.fade_in and n:  # resumed: the first FADE rises from silence
            m = min(self.fade_in, n)
            ramp = np.linspace(0.0, 1.0, len(self.fade) + 1)[1:m + 1]
            out[k:k + m] = np.round(out[k:k + m] * ramp).astype(out.dtype)
            self.fade_in -= m
        self.r += n
        self.played += n
        self.last_emitted = n
        return n
