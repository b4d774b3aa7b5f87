"""Prompt order that keeps llama.cpp's KV cache warm.

    [system prompt + tool schemas + worked examples: static]  [history]  [fresh vehicle context + the driver's words]

The static part never changes during a drive, so llama.cpp reuses its evaluated tokens
on every turn (and ``LocalLLM.warm`` evaluates it at start-up, so the first turn is warm
too). Only what follows it — history and the new turn — is evaluated per turn.

Tool schemas are rendered by the model's own chat template when it knows how (Qwen's does);
for a template that ignores ``tools`` (SmolLM2's plain ChatML), :func:`tools_prompt` writes a
compact list of them and the ``<tool_call>`` format, appended to the system prompt — still
inside the static part, so the cache stays warm either way.

The worked examples (:data:`EXAMPLES`) are chat turns in the static part: one plain answer, then
one call each for seven tools, every user turn starting with a context line as real turns do (so
the model sees the line answered around, never read out). They raise the real SmolLM2-135M's tool
selection (measured before/after in tests/real/test_real_llm.py; figures in the README, "The
brain"). They cost ~1,000 tokens once per drive, in the KV cache, so the tier adds them only for a
local model and only where the static prefix still leaves a quarter of ``n_ctx`` (at least
1,024 tokens) for the turns.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

SYSTEM_PROMPT = (
    "You are cockpit, the voice assistant of this car. The driver is driving: answer in one or two "
    "short spoken sentences, with no lists, markdown, emoji or links. Each driver message starts with "
    "a line of car data (clock, position, speed, fuel...): it is for you, never read it out; give one "
    "reading only when the driver asks for it. To act on the car or to look something up, call one "
    "of the tools; never claim an action you did not call a tool for. Payments and orders are "
    "confirmed by the driver, never by you. If a request is unsafe or impossible, say so briefly."
)

EXAMPLE_CONTEXT = ("Vehicle (17:05 Mon): at 52.52000, 13.40500, speed 50 km/h, heading east (90°), fuel 40%, "
                   "battery 90%, range 300 km, outside 20°C, cabin set to 22°C.")
"""The context line of the worked examples: another car, another place and time (the guards also
know it, so a model copying it is caught like one reading out the real line)."""

EXAMPLES: tuple[tuple[str, str, str | None], ...] = (
    ("what's the capital of Italy?", "Rome is the capital of Italy.", None),
    ("set the temperature to 20", '{"name": "climate_set_temperature", "arguments": {"celsius": 20}}',
     "climate_set_temperature"),
    ("turn on the heated seat", '{"name": "seat_heating", "arguments": {"level": 2}}', "seat_heating"),
    ("open my window", '{"name": "window_set", "arguments": {"window": "driver", "position": 100}}', "window_set"),
    ("louder please", '{"name": "media_volume", "arguments": {"delta": 2}}', "media_volume"),
    ("next song", '{"name": "media_control", "arguments": {"action": "next"}}', "media_control"),
    ("navigate to work", '{"name": "navigate_to", "arguments": {"destination": "work"}}', "navigate_to"),
    ("phone Dad", '{"name": "phone_call", "arguments": {"contact": "Dad"}}', "phone_call"),
)
"""(driver's words, the answer, the tool it calls or None). The plain answer comes first: a model
this small copies the last example's form (and a second one, "thanks" -> "You're welcome, drive
safely.", it said back to most chit-chat). No vehicle_status example: the context line already pulls
SmolLM2 towards that tool (it chose it for 29 of 31 held-out requests without examples)."""


def example_turns(tools: Iterable[str] | None = None) -> list[dict]:
    """:data:`EXAMPLES` as chat turns; a call example only where its tool is among ``tools``."""
    known = None if tools is None else set(tools)
    out: list[dict] = []
    for words, answer, tool in EXAMPLES:
        if tool is not None and known is not None and tool not in known:
            continue
        reply = answer if tool is None else f"<tool_call>{answer}</tool_call>"
        out += [{"role": "user", "content": f"{EXAMPLE_CONTEXT}\n{words}"}, {"role": "assistant", "content": reply}]
    return out

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


NONE_LINE = "- none(): No tool fits the request: answer in words instead."
"""The grammar's "no tool" choice (gbnf.NONE_TOOL), listed last. Only in this compact list: a template
that renders ``tools`` itself (Qwen's, a JSON schema per tool) is not given it, as ~45 tokens more of
a prefix that is ~4,000 tokens with every tool."""


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
    lines.append(NONE_LINE)
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
    def __init__(self, system: str = SYSTEM_PROMPT, examples: list[dict] | None = None):
        self.system = system
        self.examples = list(examples or [])
        """Worked example turns (:func:`example_turns`), part of the static prefix."""

    def static_prefix(self) -> list[dict]:
        """The part that never changes (tool schemas are rendered into it by the chat template)."""
        return [{"role": "system", "content": self.system}, *self.examples]

    def build(self, history: History, context: str, user_text: str) -> list[dict]:
        return [*self.static_prefix(), *history.messages(), {"role": "user", "content": f"{context}\n{user_text}"}]
