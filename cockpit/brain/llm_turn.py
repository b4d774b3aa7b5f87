"""One LLM turn: stream, split speech from tool calls, act, feed results back, bounded.

The model's text streams through :class:`ToolCallParser`; every proposed call is validated
by the registry and executed through the same ``execute`` the fast path uses (so the
policy gate, when it lands, sees every call from every tier). An invalid call gets one
repair round; tool results go back as ``tool`` messages for at most ``max_tool_rounds``
model calls. A reply that is empty or garbled is never spoken: the skills' own messages,
or the caller's fallback, are used instead.
"""
from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Awaitable, Callable

from cockpit.brain.cloud import is_garbled
from cockpit.brain.gbnf import tool_call_grammar
from cockpit.brain.cloud import CloudLLM
from cockpit.brain.local import LocalLLM
from cockpit.brain.privacy import PrivacyReport, filter_payload
from cockpit.brain.prompt import History, PromptBuilder
from cockpit.brain.toolcall import CallInvalid, CallReady, Speech, ToolCallParser, repair_prompt
from cockpit.config import BrainSettings, PrivacyPolicy
from cockpit.events import Stage, ToolCall
from cockpit.skills.registry import Registry
from cockpit.trace import TurnTrace

WORDS_GO_HERE = "\u2063"
"""An invisible separator standing in for the driver's words while the prompt is prefilled."""

CALL_TOKENS = 128
"""The least budget of a grammar-constrained round: a tool call cut off by ``max_reply_tokens``
(meant for spoken replies) can never run. Small models spend a token per digit and blank."""

Execute = Callable[[ToolCall], Awaitable[tuple[bool, str]]]
"""Runs one validated call; returns (ok, what to tell the driver)."""


@dataclass
class LlmAnswer:
    reply: str
    calls: list[ToolCall] = field(default_factory=list)
    rounds: int = 0
    repaired: bool = False
    discarded: str = ""
    """Model text that was not spoken because it was garbled."""


class LlmTier:
    """A model tier (local llama.cpp or cloud) with its own history; both stream text deltas."""

    def __init__(self, settings: BrainSettings, registry: Registry, engine: LocalLLM | CloudLLM,
                 history: History, privacy: PrivacyPolicy | None = None):
        self.settings = settings
        self.registry = registry
        self.llm = engine
        self.prompt = PromptBuilder()
        self.history = history
        self.privacy = privacy
        self._on_speech: Callable[[str], None] | None = None
        self._prefilling: "asyncio.Future[float] | None" = None
        self.last_sent: list[dict] = []
        """The messages of the last round exactly as the model got them (after the privacy filter)."""
        """When set (cloud), every payload is filtered before it leaves the car."""
        self.last_report: PrivacyReport | None = None
        self.on_payload: Callable[[PrivacyReport, int], None] | None = None
        """Called with the privacy report of every payload that leaves the car (for the audit)."""
        local = isinstance(engine, LocalLLM)
        self._grammar = tool_call_grammar(registry) if local and settings.tool_choice == "required" else None

    def prepare(self) -> None:
        """Load the model and (locally) evaluate the static prefix, so the first turn is warm."""
        self.llm.prepare()
        if isinstance(self.llm, LocalLLM):
            self.llm.warm(self.prompt.static_prefix(), tools=self.registry.schemas())

    def close(self) -> None:
        self.llm.close()

    def prefill(self, context: str) -> None:
        """The driver started speaking: evaluate [static][history][context] now (local model only)."""
        if not isinstance(self.llm, LocalLLM) or self.llm.llm is None:
            return
        if self._prefilling is not None and not self._prefilling.done():
            return  # the last one is still running (speech in quick succession): never queue a backlog
        messages = self.prompt.build(self.history, context, WORDS_GO_HERE)
        self._prefilling = self.llm.prefill_soon(messages, self.registry.schemas(), WORDS_GO_HERE)

    async def answer(self, text: str, context: str, trace: TurnTrace, execute: Execute,
                     on_speech: Callable[[str], None] | None = None) -> LlmAnswer:
        """Run the model (and its tool calls) for one request. Speech is released to ``on_speech``
        as the stream parser lets it go, while the model is still generating."""
        self._on_speech = on_speech
        messages = self.prompt.build(self.history, context, text)
        tools = self.registry.schemas()
        answer = LlmAnswer("")
        spoken: list[str] = []
        outcomes: list[str] = []
        grammar = self._grammar
        while answer.rounds < self.settings.max_tool_rounds:
            answer.rounds += 1
            raw, speech, calls, invalid = await self._one_round(messages, tools, grammar, trace)
            spoken.append("".join(speech))  # one round's speech arrives in stream pieces: join them as they are
            if invalid is not None and not answer.repaired:
                answer.repaired = True
                messages += [{"role": "assistant", "content": raw}, {"role": "user", "content": repair_prompt(invalid.error)}]
                continue
            if not calls:
                break
            messages.append({"role": "assistant", "content": raw})
            for call in calls:
                ok, message = await execute(call)
                answer.calls.append(call)
                outcomes.append(message)
                messages.append({"role": "tool", "content": json.dumps({"name": call.name, "ok": ok, "result": message})})
            grammar = None  # after acting, the model may just talk
        reply = " ".join(s.strip() for s in spoken if s.strip())
        if reply and is_garbled(reply):
            answer.discarded, reply = reply, ""
        answer.reply = reply or " ".join(outcomes)
        if not reply and outcomes and self._on_speech is not None:
            self._on_speech(answer.reply)  # nothing speakable from the model after acting: the skills' words
        if answer.reply:
            self.history.add(text, answer.reply)
        return answer

    async def _one_round(self, messages, tools, grammar, trace: TurnTrace):
        parser = ToolCallParser(self.registry)
        raw: list[str] = []
        speech: list[str] = []
        calls: list[ToolCall] = []
        invalid: CallInvalid | None = None
        trace.start(Stage.LLM)

        def take(items) -> None:
            nonlocal invalid
            for item in items:
                if isinstance(item, Speech):
                    speech.append(item.text)
                    if self._on_speech is not None:
                        self._on_speech(item.text)
                elif isinstance(item, CallReady):
                    calls.append(item.call)
                elif isinstance(item, CallInvalid) and invalid is None:
                    invalid = item

        if self.privacy is not None:
            messages, self.last_report = filter_payload(messages, self.privacy)
            if self.on_payload is not None:
                self.on_payload(self.last_report, len(messages))
        self.last_sent = messages
        extra = {"grammar": grammar} if grammar is not None else {}
        budget = self.settings.max_reply_tokens if grammar is None else max(self.settings.max_reply_tokens, CALL_TOKENS)
        async for delta in self.llm.astream(messages, tools, max_tokens=budget, **extra):
            trace.first(Stage.LLM)
            raw.append(delta)
            take(parser.feed(delta))
        take(parser.finish())
        trace.end(Stage.LLM)
        return "".join(raw), speech, calls, invalid
