"""Prompt order that keeps llama.cpp's KV cache warm.

    [system prompt + tool schemas: static]  [history]  [fresh vehicle context + the driver's words]

The static part never changes during a drive, so llama.cpp reuses its evaluated tokens
on every turn (and ``LocalLLM.warm`` evaluates it at start-up, so the first turn is warm
too). Only what follows it — history and the new turn — is evaluated per turn.

Tool schemas are rendered by the model's own chat template when it knows how (Qwen's does);
for a template that ignores ``tools`` (SmolLM2's plain ChatML), :func:`tools_prompt` writes a
compact list of them and the ``<tool_call>`` format, appended to the system prompt — still
inside the static part, so the cache stays warm either way.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping

SYSTEM_PROMPT = (
    "You are cockpit, the voice assistant of this car. The driver is driving: answer in one or two "
    "short spoken sentences, with no lists, markdown, emoji or links. To act on the car or to look "
    "something up, call one of the tools; never claim an action you did not call a tool for. "
    "Payments and orders are confirmed by the driver, never by you. If a request is unsafe or "
    "impossible, say so briefly."
)

TOOL_FORMAT = ('To use a tool, answer with only <tool_call>{"name": "<tool name>", "arguments": '
               '{<arguments as JSON>}}</tool_call>. Otherwise answer in plain words.')


def _kind(schema: Mapping[str, Any]) -> str:
    """One argument's type in a few characters: ``16-30``, ``pause|resume``, ``true|false``."""
    if "enum" in schema:
        return "|".join(str(v) for v in schema["enum"])
    kind = schema.get("type", "value")
    low, high = schema.get("minimum"), schema.get("maximum")
    if kind in ("integer", "number") and low is not None and high is not None:
        return f"{low:g} to {high:g}"
    return {"boolean": "true|false", "string": "text", "integer": "whole number"}.get(kind, str(kind))


def tools_prompt(tools: list[dict]) -> str:
    """The tools as short lines (``name(arg: type, opt?: type): description``) and the call format,
    for a chat template that does not render OpenAI-style ``tools`` itself."""
    lines = []
    for tool in tools:
        fn = tool.get("function", tool)
        params = fn.get("parameters", {})
        defs, required = params.get("$defs", {}), set(params.get("required", ()))
        args = []
        for key, sub in params.get("properties", {}).items():
            if "$ref" in sub:
                sub = defs.get(sub["$ref"].rsplit("/", 1)[-1], sub)
            args.append(f"{key}{'' if key in required else '?'}: {_kind(sub)}")
        lines.append(f"- {fn['name']}({', '.join(args)}): {fn.get('description', '').strip()}")
    return "Tools:\n" + "\n".join(lines) + "\n" + TOOL_FORMAT


def with_tools(messages: list[dict], tools: list[dict]) -> list[dict]:
    """``messages`` with :func:`tools_prompt` appended to the system message (one is added if none)."""
    block = tools_prompt(tools)
    if messages and messages[0].get("role") == "system":
        return [{**messages[0], "content": f"{messages[0]['content']}\n\n{block}"}, *messages[1:]]
    return [{"role": "system", "content": block}, *messages]


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
        self.paused = False
        """Privacy mode: nothing is added (cockpit/privacy/controls.py)."""

    def add(self, user: str, assistant: str) -> None:
        if not self.turns or self.paused:
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

    def forget_since(self, at: float) -> int:
        """Drop the exchanges made at or after ``at`` (this clock; -inf: all); returns how many went."""
        kept = [ex for ex in self._items if ex.at < at]
        gone, self._items = len(self._items) - len(kept), kept
        return gone


class PromptBuilder:
    def __init__(self, system: str = SYSTEM_PROMPT):
        self.system = system

    def static_prefix(self) -> list[dict]:
        """The part that never changes (tool schemas are rendered into it by the chat template)."""
        return [{"role": "system", "content": self.system}]

    def build(self, history: History, context: str, user_text: str) -> list[dict]:
        return [*self.static_prefix(), *history.messages(), {"role": "user", "content": f"{context}\n{user_text}"}]
