"""When the driver's speech interrupts cockpit's reply: a pure decision over audio time.

Modes (``barge_in.mode``): ``vad`` — speech that has lasted ``min_speech_ms`` while a reply is
audible interrupts it, and so does near-end energy after echo cancellation (the canceller can
gate the driver's voice too much for Silero); those words then need no wake phrase for
``FREE_S``. ``wake`` — only the wake phrase interrupts. ``off`` — nothing does.

With ``resume_ms`` an interruption may prove false: the owner only pauses the reply, and the
decider follows the sound that caused it. If that utterance ends without words (too short to
keep, nothing recognised, or only a backchannel: "mm-hm", a cough Whisper writes as "(coughs)")
and ``resume_ms`` of audio have passed since the interruption with the driver silent, it says
:class:`Resume`; if it ends with words, the owner cancels the reply as always.

No clock, no I/O: the listener passes audio times and what it measured; the result is an
:class:`Interruption`, a :class:`Resume`, or None.
"""
from __future__ import annotations

import re

from cockpit.asr.heard import Interruption, Resume

FREE_S = 1.5
"""After a barge-in, speech starting within this many seconds needs no wake phrase."""


BACKCHANNEL = frozenset("mm mhm mmhmm mmm hmm hm uh uhhuh uhuh um ah oh huh".split())
"""Sounds that acknowledge the reply without taking the floor (compared without hyphens or punctuation)."""
_NOISE = re.compile(r"[\[(*♪].*?[\])*♪]")
"""Whisper's notes of non-speech: (coughs), [door closes], *sigh*, ♪."""


def has_words(text: str) -> bool:
    """Did the driver say something that takes the floor (not a backchannel, a noise note, or nothing)?"""
    words = [re.sub(r"[^\w']", "", w.lower()) for w in _NOISE.sub(" ", text).replace("-", "").split()]
    return any(w and w not in BACKCHANNEL for w in words)


class BargeInDecider:
    def __init__(self, mode: str, min_speech_ms: int, resume_ms: int = 0):
        self.mode = mode
        self.min_speech_s = min_speech_ms / 1000
        self.resume_s = resume_ms / 1000
        self._held: float | None = None  # audio time an interruption paused the reply (resume_ms > 0)
        self._quiet = False  # the held interruption's sound ended without words
        self.speech_from: float | None = None
        """Audio time the current utterance's speech began."""
        self._interrupting = False
        self._free_until = -1.0

    def free(self, audio_time: float) -> bool:
        """Words heard now follow a barge-in closely enough to need no wake phrase."""
        return audio_time <= self._free_until

    @property
    def holding(self) -> bool:
        """An interruption paused the reply and its words are still awaited."""
        return self._held is not None

    def segment_ended(self, words: bool) -> None:
        """The utterance under way ended; ``words``: it said something (the owner cancels a held reply)."""
        if self._held is not None:
            if words:
                self._held = None
            else:
                self._quiet = True

    def resume_due(self, audio_time: float, in_speech: bool) -> Resume | None:
        """Once per held interruption: no words came, the driver is silent and ``resume_ms`` passed."""
        if self._held is None or not self._quiet or in_speech or audio_time - self._held < self.resume_s:
            return None
        held, self._held = audio_time - self._held, None
        return Resume(audio_time, held)

    def speech_started(self, audio_time: float, replying: bool) -> bool:
        """A new utterance; True when it may interrupt the reply (mode vad, reply audible)."""
        self.speech_from = audio_time
        self._quiet = False  # a held reply now waits for this utterance's words too
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
        """The wake spotter fired inside the utterance (mode wake): the wake phrase is words, never held."""
        if self.mode == "wake" and replying and self.speech_from is not None:
            return Interruption("wake", audio_time, audio_time - self.speech_from)
        return None

    def _interrupt(self, audio_time: float, speech_s: float) -> Interruption:
        self._interrupting = False
        self._free_until = audio_time + FREE_S
        if self.resume_s > 0 and self._held is None:  # the first interruption holds; a second one changes nothing
            self._held, self._quiet = audio_time, False
        return Interruption("vad", audio_time, speech_s)
