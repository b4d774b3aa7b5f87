"""When the driver's speech interrupts cockpit's reply: a pure decision over audio time.

Modes (``barge_in.mode``): ``vad`` — speech that has lasted ``min_speech_ms`` while a reply is
audible interrupts it, and so does near-end energy after echo cancellation (the canceller can
gate the driver's voice too much for Silero); those words then need no wake phrase for
``FREE_S``. ``wake`` — only the wake phrase interrupts. ``off`` — nothing does.

No clock, no I/O: the listener passes audio times and what it measured; the result is an
:class:`Interruption` or None.
"""
from __future__ import annotations

from cockpit.asr.heard import Interruption

FREE_S = 1.5
"""After a barge-in, speech starting within this many seconds needs no wake phrase."""


class BargeInDecider:
    def __init__(self, mode: str, min_speech_ms: int):
        self.mode = mode
        self.min_speech_s = min_speech_ms / 1000
        self.speech_from: float | None = None
        """Audio time the current utterance's speech began."""
        self._interrupting = False
        self._free_until = -1.0

    def free(self, audio_time: float) -> bool:
        """Words heard now follow a barge-in closely enough to need no wake phrase."""
        return audio_time <= self._free_until

    def speech_started(self, audio_time: float, replying: bool) -> bool:
        """A new utterance; True when it may interrupt the reply (mode vad, reply audible)."""
        self.speech_from = audio_time
        self._interrupting = self.mode == "vad" and replying
        return self._interrupting

    def near_end(self, audio_time: float, replying: bool, talking_over: bool, voiced_s: float) -> Interruption | None:
        """The near-end detector's verdict for one frame."""
        if talking_over and self.mode == "vad" and replying:
            return self._interrupt(audio_time, voiced_s)
        return None

    def speech_frame(self, audio_time: float, replying: bool) -> Interruption | None:
        """One more frame inside the utterance (mode vad: long enough speech interrupts)."""
        if self._interrupting and self.speech_from is not None and replying:
            heard = audio_time - self.speech_from
            if heard >= self.min_speech_s:
                return self._interrupt(audio_time, heard)
        return None

    def wake_heard(self, audio_time: float, replying: bool) -> Interruption | None:
        """The wake spotter fired inside the utterance (mode wake)."""
        if self.mode == "wake" and replying and self.speech_from is not None:
            return Interruption("wake", audio_time, audio_time - self.speech_from)
        return None

    def _interrupt(self, audio_time: float, speech_s: float) -> Interruption:
        self._interrupting = False
        self._free_until = audio_time + FREE_S
        return Interruption("vad", audio_time, speech_s)
