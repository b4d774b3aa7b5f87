"""Prompt order that keeps llama.cpp's KV cache warm.

    [system prompt + tool schemas: static]  [history]  [fresh vehicle context + the driver's words]

The static part never changes during a drive, so llama.cpp reuses its evaluated tokens
on every turn (and ``LocalLLM.warm`` evaluates it at start-up, so the first turn is warm
too). Only what follows it — history and the new turn — is evaluated per turn.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

SYSTEM_PROMPT = (
    "You are cockpit, the voice assistant of this car. The driver is driving: answer in one or two "
    "short spoken sentences, with no lists, markdown, emoji or links. To act on the car or to look "
    "something up, call one of the tools; never claim an action you did not call a tool for. "
    "Payments and orders are confirmed by the driver, never by you. If a request is unsafe or "
    "impossible, say so briefly."
)

@dataclass(frozen=True)
class Exchange:
    at: float
    user: str
    assistant: str


class History:
    """At most ``turns`` recent exchanges, forgotten after ``ttl_s`` of silence.

    When full, the oldest half is dropped at once rather than one exchange per turn: every drop
    shifts everything after the static prefix, so llama.cpp must evaluate the whole history again;
    dropping in blocks keeps the cached prompt valid for ``turns // 2`` turns in between.
    """

    def __init__(self, turns: int, ttl_s: float, clock: Callable[[], float] = time.monotonic):
        self._items: list[Exchange] = []
        self.turns, self.ttl_s, self.clock = max(turns, 0), ttl_s, clock

    def add(self, user: str, assistant: str) -> None:
        if not self.turns:
            return
        if len(self._items) >= self.turns:
            del self._items[:max(1, self.turns // 2)]
        self._items.append(Exchange(self.clock(), user, assistant))

    def messages(self) -> list[dict]:
        now = self.clock()
        if self._items and now - self._items[-1].at > self.ttl_s:
            self._items.clear()  # a new conversation
        out: list[dict] = []
        for ex in self._items:
            out += [{"role": "user", "content": ex.user}, {"role": "assistant", "content": ex.assistant}]
        return out


class PromptBuilder:
    def __init__(self, system: str = SYSTEM_PROMPT):
        self.system = system

    def static_prefix(self) -> list[dict]:
        """The part that never changes (tool schemas are rendered into it by the chat template)."""
        return [{"role": "system", "content": self.system}]

    def build(self, history: History, context: str, user_text: str) -> list[dict]:
        return [*self.static_prefix(), *history.messages(), {"role": "user", "content": f"{context}\n{user_text}"}]
