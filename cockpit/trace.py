"""A turn's trace: each stage's start, first output and end on the monotonic clock.

Only the first ``first()`` per stage counts (time to first output), as in pipecat's TTFB
metrics. Timings are reported in milliseconds relative to the turn's origin, which is the
moment the endpointer decided the driver stopped speaking (or the text arrived).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from cockpit.events import Stage


@dataclass
class StageMarks:
    start: float | None = None
    first: float | None = None
    end: float | None = None


@dataclass
class TurnTrace:
    """Stamps for one turn. ``clock`` is injectable so tests need no sleeping."""

    clock: Callable[[], float] = time.perf_counter
    origin: float = field(default=0.0)
    marks: dict[Stage, StageMarks] = field(default_factory=dict)
    endpoint_ms: float | None = None
    """A spoken turn: how long the endpointer waited after the driver's last speech sample (audio time)
    before it decided, i.e. before the origin. Reported as ``endpoint``; the other times stay from the origin."""

    def __post_init__(self) -> None:
        if not self.origin:
            self.origin = self.clock()

    def _mark(self, stage: Stage) -> StageMarks:
        return self.marks.setdefault(stage, StageMarks())

    def start(self, stage: Stage) -> None:
        m = self._mark(stage)
        if m.start is None:
            m.start = self.clock()

    def first(self, stage: Stage) -> None:
        m = self._mark(stage)
        now = self.clock()
        if m.start is None:
            m.start = now
        if m.first is None:
            m.first = now

    def end(self, stage: Stage) -> None:
        self.first(stage)
        self._mark(stage).end = self.clock()

    def timings_ms(self) -> dict[str, float]:
        """Per stage: duration (``asr``), first output (``tts_first``), the model's own time to first
        token (``llm_ttft``); plus turn totals; ``endpoint`` (the wait before the origin) for a spoken turn."""
        out: dict[str, float] = {}
        for stage, m in self.marks.items():
            if m.start is not None and m.end is not None:
                out[stage.value] = round((m.end - m.start) * 1000, 2)
            if m.first is not None and stage in (Stage.LLM, Stage.TTS, Stage.PLAYBACK):
                out[f"{stage.value}_first"] = round((m.first - self.origin) * 1000, 2)
            if stage is Stage.LLM and m.first is not None and m.start is not None:
                out["llm_ttft"] = round((m.first - m.start) * 1000, 2)  # model asked -> first token
        if self.endpoint_ms is not None:
            out["endpoint"] = round(self.endpoint_ms, 2)
        ends = [m.end for m in self.marks.values() if m.end is not None]
        if ends:
            out["total"] = round((max(ends) - self.origin) * 1000, 2)
        return out
