"""The endpointer: a pure state machine over audio time. No clock, no I/O.

Feed it one frame at a time with the VAD's verdict; it says when the driver started and
stopped talking and hands back the utterance audio, including a pre-roll (so the first
syllable is not clipped) and the hangover silence (which lets the recogniser close the
last word).

Policy (defaults in EndpointSettings):
- speech starts after ``start_ms`` of consecutive speech frames;
- mode ``smart-turn``: after ``pause_ms`` of non-speech it emits :class:`Paused` (the utterance
  so far); the caller has a model judge the pause and hands the verdict back as data,
  ``judge(pause, probability)``: at or above ``complete_threshold`` the utterance ends right
  there; at or above ``command_threshold`` while the caller marks the partial transcript as
  a complete command (``complete = True``) it ends too; a complete command Smart Turn doubts
  still ends after ``hangover_complete_ms``; otherwise the driver is mid-sentence ("navigate
  to ... uh ...") and the pause may last ``incomplete_max_ms``. While the caller marks the
  partial as stopping where no sentence ends (``unfinished = True``: "navigate to the") the
  pause always may. A pause that gets no verdict ends as in mode fixed. Speech resuming
  starts a new pause.
- mode ``fixed``: it ends after ``hangover_ms`` of consecutive non-speech, or after the shorter
  ``hangover_complete_ms`` while ``complete`` is set: a finished command needs no long wait;
- utterances shorter than ``min_speech_ms`` are discarded (clicks, coughs); ``answer_min_speech_ms``
  while an answer is awaited (the owner sets :attr:`Endpointer.min_speech_ms`);
- at ``max_utterance_s`` the utterance is cut and marked truncated; the next frames are
  ignored until silence, so a monologue cannot grow memory without bound.

Every decision is a function of the frames and the verdicts alone, so a test states exactly
at which audio time an utterance ends.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from cockpit.config import EndpointSettings


@dataclass(frozen=True)
class Started:
    audio_time: float
    """Seconds of stream audio at which speech began (start of the first speech frame)."""
    audio: np.ndarray
    """Pre-roll + the speech frames so far; later frames arrive one by one while in speech."""


@dataclass(frozen=True)
class Ended:
    audio_time: float
    """Seconds of stream audio at the end of the last speech frame."""
    audio: np.ndarray
    """Pre-roll + speech + hangover, 16 kHz mono int16."""
    speech_s: float
    truncated: bool = False


@dataclass(frozen=True)
class Discarded:
    audio_time: float
    speech_s: float


@dataclass(frozen=True)
class Paused:
    """Mode smart-turn: the driver has been silent for ``pause_ms``; is the turn over?"""

    audio_time: float
    """Seconds of stream audio at the end of the last speech frame."""
    audio: np.ndarray
    """The utterance so far: pre-roll + speech + the pause, 16 kHz mono int16."""
    pause: int
    """Which pause of the stream this is: ``judge`` names it (a verdict for an older one is ignored)."""


EndpointEvent = Started | Ended | Discarded | Paused


class Endpointer:
    def __init__(self, settings: EndpointSettings, frame_samples: int, rate: int = 16000):
        self.s = settings
        self.frame_s = frame_samples / rate
        self.min_speech_ms = settings.min_speech_ms
        """Shorter utterances are discarded; the owner lowers it while an answer is awaited."""
        self._start_frames = max(1, round(settings.start_ms / 1000 / self.frame_s))
        self._hang_frames = max(1, round(settings.hangover_ms / 1000 / self.frame_s))
        self._hang_complete = max(1, round(settings.hangover_complete_ms / 1000 / self.frame_s))
        self._smart = settings.mode == "smart-turn"
        self._pause_frames = max(1, round(settings.pause_ms / 1000 / self.frame_s))
        self._incomplete_frames = max(1, round(settings.smart_turn.incomplete_max_ms / 1000 / self.frame_s))
        self._pauses = 0  # pauses judged or being judged, over the stream (names each Paused)
        self._max_frames = int(settings.max_utterance_s / self.frame_s)
        self._preroll: deque[np.ndarray] = deque(maxlen=max(1, round(settings.preroll_ms / 1000 / self.frame_s)))
        self.reset()

    def reset(self) -> None:
        self.n = 0  # frames seen
        self.in_speech = False
        self._run = 0  # consecutive speech frames (silence) / non-speech frames (speech)
        self._utt: list[np.ndarray] = []
        self._speech_frames = 0
        self._start_frame = 0
        self._last_speech = 0
        self._draining = False  # after truncation: wait for silence before listening again
        self._preroll.clear()
        self.complete = False
        """Set by the caller while the partial transcript is a complete command: the
        shorter ``hangover_complete_ms`` then ends the utterance (mode fixed), or the lower
        ``command_threshold`` (mode smart-turn)."""
        self.unfinished = False
        """Set by the caller while the partial transcript stops where no sentence ends (mode smart-turn)."""
        self.open_words = False
        """Set by the caller while there are words that are neither: no whole command, no finished sentence, no
        dangling end ("turn it", "find a vegetarian"). Smart Turn alone then ends the pause at once only from
        ``open_threshold``; from ``complete_threshold`` up to it the fixed hangover must pass."""
        self.probability: float | None = None
        """Smart Turn's verdict on the current pause (None: not judged, or speech resumed)."""

    @property
    def audio_time(self) -> float:
        return self.n * self.frame_s

    def process(self, frame: np.ndarray, is_speech: bool) -> list[EndpointEvent]:
        self.n += 1
        if self._draining:
            self._run = self._run + 1 if not is_speech else 0
            if self._run >= self._hang_frames:
                self._draining = False
                self._run = 0
            return []
        return self._speech(frame, is_speech) if self.in_speech else self._silence(frame, is_speech)

    def _silence(self, frame: np.ndarray, is_speech: bool) -> list[EndpointEvent]:
        self._preroll.append(frame)
        self._run = self._run + 1 if is_speech else 0
        if self._run < self._start_frames:
            return []
        self.in_speech = True
        self._utt = list(self._preroll)
        self._preroll.clear()
        self._start_frame = self.n - self._run
        self._speech_frames = self._run
        self._last_speech = self.n
        self._run = 0
        return [Started(self._start_frame * self.frame_s, np.concatenate(self._utt))]

    def _speech(self, frame: np.ndarray, is_speech: bool) -> list[EndpointEvent]:
        self._utt.append(frame)
        if is_speech:
            self._run = 0
            self._speech_frames += 1
            self._last_speech = self.n
            self.probability = None
        else:
            self._run += 1
        if self.n - self._start_frame >= self._max_frames:
            self._draining = self._run < self._hang_frames
            return [self._finish(truncated=True)]
        if self._run >= self._silence_needed():
            return [self._finish(truncated=False)]
        if self._smart and self._run == self._pause_frames:
            self._pauses += 1
            return [Paused(self._last_speech * self.frame_s, np.concatenate(self._utt), self._pauses)]
        return []

    def _silence_needed(self) -> int:
        """Frames of silence that end the utterance, given what is known about this pause."""
        p = self.probability
        if not self._smart or p is None:
            return self._hang_complete if self.complete else self._hang_frames
        t = self.s.smart_turn
        if self.unfinished:
            return self._incomplete_frames
        if self.complete and p >= t.command_threshold:
            return self._pause_frames
        if p >= t.complete_threshold:
            return self._hang_frames if self.open_words and p < t.open_threshold else self._pause_frames
        return self._hang_complete if self.complete else self._incomplete_frames

    def judge(self, pause: int, probability: float) -> list[EndpointEvent]:
        """Smart Turn's verdict on ``pause`` (the probability that the turn is over). Returns the
        utterance's end when the verdict ends it now; a verdict on a pause speech has already
        broken is ignored."""
        if not self.in_speech or pause != self._pauses or self._run < self._pause_frames:
            return []
        self.probability = probability
        return self.recheck()

    def recheck(self) -> list[EndpointEvent]:
        """Call after setting ``complete`` between frames: the end, if what is known now ends the pause."""
        if self.in_speech and self._run >= self._pause_frames and self._run >= self._silence_needed():
            return [self._finish(truncated=False)]
        return []

    def _finish(self, truncated: bool) -> EndpointEvent:
        speech_s = (self._last_speech - self._start_frame) * self.frame_s
        end_time = self._last_speech * self.frame_s
        audio = np.concatenate(self._utt) if self._utt else np.zeros(0, np.int16)
        self.in_speech = False
        self.complete = self.unfinished = self.open_words = False
        self.probability = None
        self._utt = []
        self._run = 0
        if speech_s * 1000 < self.min_speech_ms and not truncated:
            return Discarded(end_time, speech_s)
        return Ended(end_time, audio, speech_s, truncated)

    def flush(self) -> list[EndpointEvent]:
        """End of stream: close an open utterance as if the hangover had passed."""
        if not self.in_speech:
            return []
        return [self._finish(truncated=False)]
