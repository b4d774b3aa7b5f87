"""Voice cues: how this driver talks now against how they talked earlier in this trip. A weak prior.

Fed with bus events (:meth:`VoiceCues.observe`), no audio kept: per driver turn the speech rate (words
of the final transcript over the speech's duration, ``SpeechEnded``), the words per turn, and — when
cockpit had just asked something — the latency from the end of its question to the driver starting to
speak (``SpeechStarted``). Rate and words count for requests only (an answer, "no thanks", is short by
nature); latency for answers only. For each cue the first ``baseline_turns`` values of the trip are this
driver's baseline; after that :meth:`VoiceCues.level` says how far the last three are below it (slower,
fewer words, later answers), 0..1, or None while no cue has a baseline.

Slower, sparser, later speech is *consistent with* sleepiness in the speech-sleepiness literature
(Krajewski et al. 2009), but equally with a hard junction, a passenger talking, or a bad recognition:
so it only ever scales an estimate the other signals already make, and never triggers on its own.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from statistics import fmean
from typing import Callable

from cockpit.events import ConfirmationAsked, ProactivePrompt, SpeechEnded, SpeechStarted, Transcript, TurnSummary

SLOWER_FULL = 0.3
"""A speech rate this much below the baseline counts fully."""
LATER_FULL = 1.0
"""Answers this much later than the baseline (relative) count fully."""
FEWER_FULL = 0.5
"""This many fewer words per turn (relative) count fully."""


@dataclass(frozen=True)
class Turn:
    rate: float | None
    """Words per second of speech."""
    words: int | None
    """Words in a request; None for an answer to cockpit's question (short by nature)."""
    latency: float | None
    """Seconds from cockpit's question to the driver starting to answer, when it was an answer."""


class VoiceCues:
    def __init__(self, baseline_turns: int = 3, clock: Callable[[], float] | None = None) -> None:
        self.baseline_turns = baseline_turns
        self.clock = clock
        """The cabin clock (seconds) latency is measured on; None: the events' own ``t``."""
        self.turns: list[Turn] = []
        self._duration: dict[int, float] = {}
        self._asked_at: float | None = None
        self._latency: float | None = None

    def _now(self, event) -> float:
        return self.clock() if self.clock is not None else event.t

    def observe(self, event) -> None:
        if isinstance(event, (ProactivePrompt, ConfirmationAsked)) or (
                isinstance(event, TurnSummary) and event.reply.rstrip().endswith(("?", "？"))):
            self._asked_at = self._now(event)
        elif isinstance(event, SpeechStarted):
            if self._asked_at is not None:
                self._latency, self._asked_at = max(0.0, self._now(event) - self._asked_at), None
        elif isinstance(event, SpeechEnded):
            self._duration[event.turn] = event.duration
        elif isinstance(event, Transcript) and event.final and event.turn in self._duration:
            words = len(event.text.split()) if event.language != "zh" else len(event.text.strip()) // 2
            seconds = self._duration.pop(event.turn)
            if self._latency is not None:  # an answer ("yes", "no thanks"): short by nature, only its latency counts
                self.turns.append(Turn(None, None, self._latency))
            else:
                self.turns.append(Turn(words / seconds if seconds > 0.3 and words else None, words, None))
            self._latency = None

    def _split(self, values: list[float]) -> tuple[list[float], list[float]] | None:
        """(this driver's baseline, the last three) once there are more values than the baseline needs."""
        if len(values) <= self.baseline_turns:
            return None
        return values[:self.baseline_turns], list(deque(values[self.baseline_turns:], maxlen=3))

    def level(self) -> float | None:
        """0..1: how far below this driver's own baseline the last turns are; None without a baseline."""
        cues = []
        rates = self._split([t.rate for t in self.turns if t.rate])
        if rates:
            cues.append((fmean(rates[0]) - fmean(rates[1])) / fmean(rates[0]) / SLOWER_FULL)
        words = self._split([float(t.words) for t in self.turns if t.words is not None])
        if words and fmean(words[0]) > 0:
            cues.append((fmean(words[0]) - fmean(words[1])) / fmean(words[0]) / FEWER_FULL)
        latency = self._split([t.latency for t in self.turns if t.latency is not None])
        if latency:
            cues.append((fmean(latency[1]) - fmean(latency[0])) / max(1.0, fmean(latency[0])) / LATER_FULL)
        return round(fmean(min(1.0, max(0.0, c)) for c in cues), 4) if cues else None


__all__ = ["Turn", "VoiceCues"]
