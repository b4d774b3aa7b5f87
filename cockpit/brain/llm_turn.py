"""One LLM turn: stream, guard, split speech from tool calls, act, feed results back, bounded.

The model's text streams through :class:`ToolCallParser`; every proposed call is validated by the
registry and executed through the same ``execute`` the fast path uses (so the policy gate sees
every call from every tier). An invalid call gets one repair round; tool results go back as
``tool`` messages for at most ``max_tool_rounds`` model calls. Speech goes through the turn's
:class:`~cockpit.brain.guards.ReplyGuard` and reaches ``on_speech`` sentence by sentence, once
judged: the context line, tool names, repeats and claimed actions no call backed are never spoken;
the sentence and token caps (driving: shorter) stop the model.

How a turn runs, on an engine that ``supports_grammar`` (llama.cpp):

* Words that look like a command (:func:`~cockpit.brain.guards.looks_like_command`): the first
  round is constrained to one call among the tools or "none"; "none" lets the model answer in
  words in the next round. With ``tool_choice: required`` every first round must call a tool.
* A claimed action with no call behind it ("I've turned up the volume") is dropped. With
  ``brain.claim_retry`` (off by default: a small model then acts on chit-chat), a free round that
  claimed one is tried once more, constrained the same way.
* Still no call that succeeded: "Sorry, I couldn't do that." (``llm-unbacked-claim``) when the
  words asked for an action, a retry ran, or nothing else was said, unless a skill's own words (a refusal, a
  read-back) explain it.

Engines are asked what they can do (:class:`LLM`): ``supports_grammar``, ``supports_prefill``.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import re
import logging
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Awaitable, Callable, Protocol

from cockpit.brain.cloud import is_garbled
from cockpit.brain.gbnf import NONE_TOOL, WORDS_ONLY, tool_call_grammar
from cockpit.brain.guards import Dropped, ReplyGuard, Spoken, Verdict, is_question, looks_like_command, moving
from cockpit.brain.privacy import PrivacyReport, filter_payload
from cockpit.brain.prompt import EXAMPLE_CONTEXT, History, PromptBuilder, example_turns
from cockpit.brain.toolcall import CallInvalid, CallReady, SpokenText, ToolCallParser, repair_prompt
from cockpit.config import BrainSettings, PrivacyPolicy
from cockpit.errors import spoken as spoken_fallback
from cockpit.events import Stage, ToolCall
from cockpit.skills.policy import MOVING_KMH
from cockpit.skills.registry import Registry
from cockpit.trace import TurnTrace

log = logging.getLogger(__name__)

WORDS_GO_HERE = "\u2063"
"""An invisible separator standing in for the driver's words while the prompt is prefilled."""

CALL_TOKENS = 128
"""The least budget of a grammar-constrained round: a tool call cut off by the reply's token cap
(meant for spoken replies) can never run. Small models spend a token per digit and blank."""

MIN_TALK_TOKENS = 8
"""A free round with fewer tokens left in the reply's budget is not started."""

_CALL_NAME = re.compile(r'<tool_call>\s*\{\s*"name"\s*:\s*"([^"]*)"')



def _made_up(raw: list[str], registry: Registry) -> str | None:
    """The name of the last call in the text so far, when it is complete and no tool has it."""
    names = _CALL_NAME.findall("".join(raw))
    return names[-1] if names and names[-1] not in registry and names[-1] != NONE_TOOL else None


Execute = Callable[[ToolCall], Awaitable[tuple[bool, str]]]
"""Runs one validated call; returns (ok, what to tell the driver)."""


class LLM(Protocol):
    """What a model tier needs of an engine (brain/local.py, brain/cloud.py)."""

    supports_grammar: bool
    """``astream`` takes ``grammar=`` (GBNF) to constrain decoding: tool calls can be required."""

    @property
    def supports_prefill(self) -> bool:
        """``warm`` and ``prefill_soon`` evaluate a prompt ahead (a local KV cache)."""

    def prepare(self) -> None: ...

    def close(self) -> None: ...

    def astream(self, messages: list[dict], tools: list[dict] | None = None, *,
                max_tokens: int = ..., **options: Any) -> AsyncIterator[str]: ...

    def warm(self, prefix_messages: list[dict], tools: list[dict] | None = None) -> float: ...

    def fits_static(self, prefix_messages: list[dict], tools: list[dict] | None = None) -> bool:
        """Does this static prefix leave enough of the context window for the turns?"""

    def prefill_soon(self, messages: list[dict], tools: list[dict] | None,
                     upto: str) -> "asyncio.Future[float] | None": ...


@dataclass
class LlmAnswer:
    reply: str
    calls: list[ToolCall] = field(default_factory=list)
    rounds: int = 0
    repaired: bool = False
    retried: bool = False
    """A constrained round ran again after an action was claimed with no call behind it."""
    declined: bool = False
    """A constrained round chose "none": no tool fits."""
    discarded: str = ""
    """Model text that was not spoken because it was garbled."""
    dropped: list[Dropped] = field(default_factory=list)
    """Sentences the guards kept from the driver, with their codes (context echo, claim, ...)."""
    stopped: str = ""
    """Why the guards stopped the model early ('sentence-cap', 'repetition'), if they did."""


@dataclass
class _Round:
    raw: str = ""
    calls: list[ToolCall] = field(default_factory=list)
    invalid: CallInvalid | None = None
    declined: bool = False
    made_up: str | None = None
    """A call to a tool that does not exist (the stream was left at its name)."""
    tokens: int = 0


class LlmTier:
    """A model tier (local llama.cpp or cloud) with its own history; both stream text deltas."""

    def __init__(self, settings: BrainSettings, registry: Registry, engine: LLM,
                 history: History, privacy: PrivacyPolicy | None = None):
        self.settings = settings
        self.registry = registry
        self.llm = engine
        self.prompt = PromptBuilder(examples=example_turns(registry.names()))
        self.history = history
        self.privacy = privacy
        """When set (cloud), every payload is filtered before it leaves the car."""
        self._prefilling: "asyncio.Future[float] | None" = None
        self.last_sent: list[dict] = []
        """The messages of the last round exactly as the model got them (after the privacy filter)."""
        self.last_report: PrivacyReport | None = None
        self.on_payload: Callable[[PrivacyReport, int], None] | None = None
        """Called with the privacy report of every payload that leaves the car (for the audit)."""
        self._examples = False
        """Worked examples in the static prefix: where it is cached (local) and fits (``prepare``)."""
        self._sync_tools()

    def _sync_tools(self) -> None:
        """(Re)build the tool list and grammar when the registry changed (MCP servers' tools join at prepare,
        or when a server that was down comes up)."""
        if getattr(self, "_tools_version", None) == self.registry.version:
            return
        self._tools_version = self.registry.version
        self.tools = self.registry.schemas()
        """The tools as the model is told of them (the "none" choice is added by the compact list
        of prompt.tools_prompt, for templates that do not render tools)."""
        grammars = self.llm.supports_grammar and len(self.registry)
        self._required = tool_call_grammar(self.registry, allow_none=True) if grammars else None
        """One call among the tools or "none": command-like words, the claim retry (None: the engine cannot)."""
        self._always = tool_call_grammar(self.registry) if grammars and self.settings.tool_choice == "required" else None
        """One call among the tools, no way out: ``tool_choice: required``."""
        self.prompt.examples = example_turns(self.registry.names()) if self._examples else []  # only tools that exist

    def prepare(self) -> None:
        """Load the model and (where it can) evaluate the static prefix, so the first turn is warm."""
        self.llm.prepare()
        self._examples = self.llm.supports_prefill  # paid once where a KV cache keeps them, never per request
        self._tools_version = None
        self._sync_tools()
        if self._examples and not self.llm.fits_static(self.prompt.static_prefix(), self.tools):
            log.warning("the worked examples would leave too little of the model's context for the turns: "
                        "left out (raise brain.local.n_ctx to keep them)")
            self._examples, self._tools_version = False, None
            self._sync_tools()
        if self.llm.supports_prefill:
            self.llm.warm(self.prompt.static_prefix(), tools=self.tools)

    def close(self) -> None:
        self.llm.close()

    def prefill(self, context: str, words: str = "") -> None:
        """The driver started speaking: evaluate [static][history][context] now (where the engine can); with
        ``words`` (what they have said so far) those too, so that only what changes is evaluated at the end
        (llama.cpp keeps the longest common prefix: words that changed are simply evaluated again)."""
        if not self.llm.supports_prefill:
            return
        if self._prefilling is not None and not self._prefilling.done():
            return  # the last one is still running (speech in quick succession): never queue a backlog
        messages = self.prompt.build(self.history, context, words + WORDS_GO_HERE)
        self._prefilling = self.llm.prefill_soon(messages, self.tools, WORDS_GO_HERE)

    def limits(self, driving: bool) -> tuple[int, int]:
        """(sentences, tokens) a spoken reply may have: shorter while the car moves."""
        s = self.settings
        if driving:
            return s.max_sentences_driving, min(s.max_reply_tokens_driving, s.max_reply_tokens)
        return s.max_sentences_parked, s.max_reply_tokens

    async def answer(self, text: str, context: str, trace: TurnTrace, execute: Execute,
                     on_speech: Callable[[str], None] | None = None, *, driving: bool | None = None) -> LlmAnswer:
        """Run the model (and its tool calls) for one request. Speech is released to ``on_speech``
        sentence by sentence, once the guards have judged it, while the model is still generating.
        ``driving``: the car moves or its speed is unknown (shorter replies); None: as the context
        line says (its speed, or none)."""
        self._sync_tools()
        s = self.settings
        sentences, tokens = self.limits(moving(context, MOVING_KMH) if driving is None else driving)
        guard = ReplyGuard(f"{context}\n{EXAMPLE_CONTEXT}", max_sentences=sentences, ngram=s.repeat_ngram,
                           tool_names=self.registry.names(), request=text)
        answer = LlmAnswer("")
        said: list[str] = []

        def speak(verdicts: list[Verdict]) -> None:
            for v in verdicts:
                if isinstance(v, Spoken):
                    said.append(v.text)
                    if on_speech is not None:
                        on_speech(v.text)
                elif v.code:
                    answer.dropped.append(v)

        messages = self.prompt.build(self.history, context, text)
        command = looks_like_command(text)
        grammar = self._always or (self._required if command else None)
        required = grammar is not None
        answer.retried = required  # a constrained round is the one retry a claim could get
        acted, outcomes, used, rounds = False, [], 0, s.max_tool_rounds
        said_before_calls, retrying, words_only = 0, False, False
        while answer.rounds < rounds:
            talk = grammar is None or grammar is WORDS_ONLY
            if talk and (guard.stopped or tokens - used < MIN_TALK_TOKENS):
                break  # the reply is over: stopped by a guard, or its token budget spent
            answer.rounds += 1
            budget = max(tokens, CALL_TOKENS) if not talk else tokens - used
            turn = await self._one_round(messages, grammar, trace, guard, budget, speak)
            if talk and turn.made_up is None:
                used += turn.tokens
            unknown = turn.invalid is not None and getattr(turn.invalid.error, "name", None) not in self.registry
            if (grammar is None and self._required is not None and not words_only
                    and (turn.made_up is not None or unknown or turn.declined)):
                # a made-up tool, or "none", where words were wanted: once, words only (no repair of a
                # tool that does not exist: SmolLM2 then reads the repair prompt back)
                speak(guard.end_round(acted))
                answer.declined = answer.declined or turn.declined
                words_only, grammar, rounds = True, WORDS_ONLY, max(rounds, answer.rounds + 1)
                continue
            if turn.invalid is not None and not answer.repaired:
                answer.repaired = True
                messages += [{"role": "assistant", "content": turn.raw},
                             {"role": "user", "content": repair_prompt(turn.invalid.error)}]
                continue
            if turn.calls:
                messages.append({"role": "assistant", "content": turn.raw})
                for call in turn.calls:
                    ok, message = await execute(call)
                    acted = acted or ok
                    answer.calls.append(call)
                    outcomes.append(message)
                    messages.append({"role": "tool", "content": json.dumps({"name": call.name, "ok": ok, "result": message})})
                speak(guard.end_round(acted))
                said_before_calls = len(said)
                grammar = None  # after acting, the model may just talk
                continue
            speak(guard.end_round(acted))
            answer.declined = answer.declined or turn.declined
            if turn.declined and grammar is not None and not retrying:
                grammar = None  # nothing fits: the model may answer in words
                rounds = max(rounds, answer.rounds + 1)
                continue
            if (guard.unbacked and not acted and not answer.retried and s.claim_retry and self._required is not None
                    and not is_question(text)):
                answer.retried = retrying = True  # the claim is dropped; once, the model must act or say "none"
                grammar, rounds = self._required, rounds + 1
                continue
            break
        answer.stopped = guard.stopped
        reply = "".join(said).strip()
        if reply and is_garbled(reply):
            answer.discarded, reply = reply, ""
        extra = ""
        if outcomes and len(said) == said_before_calls:
            extra = " ".join(outcomes)  # nothing speakable from the model after acting: the skills' words
        elif guard.unbacked and not acted and not outcomes and (command or retrying or not said):
            extra = spoken_fallback("llm-unbacked-claim")  # an action was meant, or nothing else was said
        if extra:
            if on_speech is not None:
                on_speech((" " if said else "") + extra)
            reply = f"{reply} {extra}".strip()
        answer.reply = reply
        if answer.reply:
            self.history.add(text, answer.reply)
        return answer

    async def _one_round(self, messages: list[dict], grammar: str | None, trace: TurnTrace, guard: ReplyGuard,
                         budget: int, speak: Callable[[list[Verdict]], None]) -> _Round:
        parser = ToolCallParser(self.registry)
        out = _Round()
        raw: list[str] = []
        trace.start(Stage.LLM)

        def take(items) -> None:
            for item in items:
                if isinstance(item, SpokenText):
                    speak(guard.feed(item.text))
                elif isinstance(item, CallReady):
                    out.calls.append(item.call)
                elif isinstance(item, CallInvalid) and getattr(item.error, "name", None) == NONE_TOOL:
                    out.declined = True
                elif isinstance(item, CallInvalid) and out.invalid is None:
                    out.invalid = item

        if self.privacy is not None:
            messages, self.last_report = filter_payload(messages, self.privacy)
            if self.on_payload is not None:
                self.on_payload(self.last_report, len(messages))
        self.last_sent = messages
        extra: dict[str, Any] = {"grammar": grammar} if grammar is not None else {}
        if grammar is WORDS_ONLY:
            extra["speech"] = True
        stream = self.llm.astream(messages, self.tools, max_tokens=budget, **extra)
        async with contextlib.aclosing(stream):  # leaving early stops the model at its next token
            async for delta in stream:
                trace.first(Stage.LLM)
                raw.append(delta)
                out.tokens += 1
                take(parser.feed(delta))
                if guard.stopped:
                    break
                if grammar is None and '"' in delta and (name := _made_up(raw, self.registry)) is not None:
                    out.made_up = name  # a tool that does not exist: no need to hear the rest of it
                    break
        if not guard.stopped and out.made_up is None:
            take(parser.finish())
        trace.end(Stage.LLM)
        out.raw = "".join(raw)
        return out
