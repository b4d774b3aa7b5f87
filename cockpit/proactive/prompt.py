"""A proactive prompt: what cockpit would like to ask the driver, why, how urgent, until when.

A :class:`Prompt` is made by a watch (fatigue, range, the agenda, the arrival routine) when it falls
due; the :class:`~cockpit.proactive.copilot.CoPilot` queues it, speaks the most urgent one when the cabin
is quiet, and tells the watch what became of it. A prompt only asks: ``offers`` is the tool call a yes
runs, and it runs through the policy gate like any call (the gate holds it for the driver's spoken yes).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from cockpit.events import ToolCall

Kind = Literal["fatigue", "range", "timer", "reminder", "arrival"]
KINDS: tuple[str, ...] = ("fatigue", "range", "timer", "reminder", "arrival")
Outcome = Literal["yes", "no", "unanswered", "refused", "dropped"]


@dataclass(frozen=True)
class Prompt:
    kind: str
    """fatigue | range | timer | reminder | arrival"""
    key: str
    """What it is about, stable within a trip ('range:50', 'reminder:7'): a key is asked at most once."""
    reason: str
    """Why it is due, in words (audit log, HMI)."""
    offers: ToolCall
    """What the driver's yes runs, through the gate."""
    question: str = ""
    """What cockpit asks, ending with '?'; '' = the offered tool's own read-back (a tool that needs
    confirmation always keeps its read-back)."""
    priority: int = 0
    """Higher goes first when several wait."""
    due_s: float = 0.0
    """Trip second it fell due."""
    expires_s: float = math.inf
    """Trip second after which it is dropped unasked (a place 'ahead' goes stale)."""
    options: tuple[str, ...] = ("yes", "no")
    """The answers it expects."""
    meta: Any = None
    """The watch's own note about it (e.g. the station offered)."""


class Watch(Protocol):
    """Something that decides when a kind of prompt is due (pure over the :class:`Moment` it is shown)."""

    kind: str

    def due(self, moment) -> list[Prompt]:
        """Prompts due now (a watch does not repeat one it already made and was not told about)."""

    def settled(self, prompt: Prompt, outcome: str, trip_s: float) -> None:
        """What became of ``prompt``: asked (then yes/no/unanswered/refused) or dropped unasked."""

    # optional: def refresh(self, prompt, moment) -> Prompt | None — the prompt as it would be made now,
    # or None when it no longer holds; called right before it is spoken.


__all__ = ["KINDS", "Kind", "Outcome", "Prompt", "Watch"]
