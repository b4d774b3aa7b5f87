"""What the listener hears, and the mode its owner sets: the listener stage's whole vocabulary.

The listener turns microphone frames into these typed, frozen events and knows nothing of
who consumes them. What it needs to know about the rest of the car — is a reply audible and
interruptible, is the driver being asked a question, is a partial transcript already a whole
command — it reads from the :class:`ListenMode` its owner sets.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from cockpit.trace import TurnTrace
from cockpit.wake.phrase import WakeHit


def _never(_text: str) -> bool:
    return False


@dataclass(frozen=True)
class ListenMode:
    """Set by the listener's owner whenever the turn state changes."""

    replying: bool = False
    """A reply is audible and may be interrupted (barge-in is on and cockpit is speaking)."""
    awaiting_answer: bool = False
    """cockpit asked the driver something (a read-back, a clarification): the next words need no
    wake phrase."""
    confirming: bool = False
    """The question is a read-back waiting for yes or no: the grammar recogniser listens with its
    dialog grammar (yes / no / cancel) rather than the commands."""
    is_complete: Callable[[str], bool] = _never
    """Is this partial transcript already a whole command? (shortens the endpointer's hangover)"""
    is_refusal: Callable[[str], bool] = _never
    """Is this a "no" / "cancel"? The only words a burst shorter than endpoint.min_speech_ms may carry
    (it is heard at all only because an answer is awaited): a clipped "no" cancels, a clipped "yes" or a
    cough forced into words never acts."""


@dataclass(frozen=True)
class SpeechBegan:
    """The endpointer heard speech start (the pre-roll before it is kept)."""

    audio_time: float
    awaiting_answer: bool
    """The speech began while the driver was being asked something."""


@dataclass(frozen=True)
class BareWake:
    """The wake phrase alone: the next words within ``wake.listen_s`` need no wake phrase."""

    hit: WakeHit
    audio_time: float
    """Microphone time (s) the speech ended."""
    speech_s: float


@dataclass(frozen=True)
class ListenTimeout:
    """The window after a bare wake passed with no command."""

    audio_time: float


@dataclass(frozen=True)
class Interruption:
    """The driver is talking over the reply (barge-in)."""

    trigger: str
    """``vad`` (speech, or near-end energy after echo cancellation) or ``wake`` (the wake phrase)."""
    audio_time: float
    speech_s: float


@dataclass(frozen=True)
class WordsSoFar:
    """A fresh partial transcript while the driver is still talking (wake phrase removed): what a model
    could start reading before the turn ends. Never a request by itself."""

    text: str
    audio_time: float


@dataclass(frozen=True)
class Resume:
    """The sound that interrupted the reply ended without words (a cough, a door, "mm-hm") and none came
    within ``barge_in.resume_ms``: the paused reply may play on."""

    audio_time: float
    held_s: float
    """Audio time since the interruption paused the reply."""


@dataclass(frozen=True, eq=False)
class Utterance:
    """One thing the driver said to cockpit, recognised."""

    text: str
    """The transcript, wake phrase removed ('' when nothing was recognised)."""
    confidence: float | None
    language: str
    audio_time: float
    """Microphone time (s) at the end of the last speech frame."""
    speech_s: float
    truncated: bool
    """The maximum utterance length cut it off."""
    trace: TurnTrace
    """Starts at the endpointer's decision; the recogniser's final decode is already in it."""
    wake: WakeHit | None = None
    error: str | None = None
    """The recogniser raised on this utterance (``asr-failed``): heard, but not understood."""
    audio: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int16), repr=False)
    """Pre-roll + speech + hangover, 16 kHz mono int16."""
    reading: str | None = None
    """The recogniser's open-vocabulary cross-check of ``text`` (asr.base.Recognition.reading)."""


Heard = SpeechBegan | BareWake | ListenTimeout | Interruption | Resume | WordsSoFar | Utterance
