"""The reply guards wired into the local tier, on a real llama.cpp with the Qwen2 fixture.

The fixture's random weights say gibberish, so where a test needs particular words the model is
made to say them by a grammar: each model call of :class:`Scripted` takes the next text of its
script as a GBNF literal, and llama.cpp decodes every token of it (the tier's own grammar — the
one it ASKED for — is recorded). Unscripted turns run the fixture as it is.
"""
from __future__ import annotations

import asyncio
import time
from collections import deque

import pytest

from cockpit.brain.cloud import CloudLLM
from cockpit.brain.gbnf import NONE_TOOL, literal
from cockpit.brain.guards import CONTEXT_ECHO, REPETITION, UNBACKED_CLAIM, is_question, looks_like_command
from cockpit.brain.llm_turn import LlmTier
from cockpit.brain.local import LocalLLM
from cockpit.brain.prompt import History
from cockpit.config import parse_config
from cockpit.events import ErrorRaised, Route, ToolCalled, ToolResult
from cockpit.pipeline import Assistant
from cockpit.skills.builtin import default_registry
from cockpit.skills.registry import Registry
from cockpit.trace import TurnTrace

SORRY = "Sorry, I couldn't do that."
NOT_A_COMMAND = "this song deserves to be heard properly"
"""Neither a command nor a question (guards.looks_like_command, is_question): a free first round."""


class Scripted(LocalLLM):
    """The fixture on llama.cpp, its words forced by a grammar, one script text per model call."""

    def __init__(self, settings, script=()):
        super().__init__(settings)
        self.script = deque(script)
        self.asked: list[str | None] = []
        """The grammar the tier asked for in each model call (None: a free round)."""
        self.received: list[tuple[float, str]] = []
        """Every delta as the event loop got it, stamped (perf_counter)."""
        self.kwargs: list[dict] = []

    def stream_chat(self, messages, tools=None, *, max_tokens=256, grammar=None, speech=None):
        self.asked.append(grammar)
        if self.script:
            grammar = "root ::= " + literal(self.script.popleft()) + "\n"
        yield from super().stream_chat(messages, tools, max_tokens=max_tokens, grammar=grammar, speech=speech)

    async def astream(self, messages, tools=None, **kwargs):
        self.kwargs.append(kwargs)
        async for delta in super().astream(messages, tools, **kwargs):
            self.received.append((time.perf_counter(), delta))
            yield delta


def make(qwen_tiny, tmp_path, *, script=(), speed: float = 0.0, tools=("media_volume",), **brain) -> Assistant:
    cfg = parse_config({
        "brain": {"mode": "local-only", "max_reply_tokens": 160, **brain,
                  "local": {"model": str(qwen_tiny), "n_ctx": 4096, "temperature": 0.0}},
        "vehicle": {"clock": "2025-05-15T08:30:00", "initial": {"Vehicle.Speed": speed}},
        "audio": {"output": {"sink": "file", "reply_dir": str(tmp_path)}},
        "session": {"audit_log": str(tmp_path / "audit.jsonl")}})
    a = Assistant(cfg, registry=Registry([default_registry().get(name) for name in tools]))
    a.tiers["local"].llm = Scripted(cfg.brain.local, script)
    return a


def turn(a: Assistant, text: str, on_speech=None):
    async def go():
        events: list = []
        a.bus.subscribe(events.append)
        await a.prepare()
        try:
            return await a.text_turn(text), events
        finally:
            await a.close()
    return asyncio.run(go())


def codes(events) -> list[str]:
    return [e.code for e in events if isinstance(e, ErrorRaised)]


def engine(a: Assistant) -> Scripted:
    return a.tiers["local"].llm


def test_the_context_line_is_never_spoken(qwen_tiny, tmp_path):
    a = make(qwen_tiny, tmp_path, script=[
        "Vehicle (08:30 Thu): at 48.13740, 11.57550, fuel 62%. The capital of France is Paris."])
    summary, events = turn(a, "what's the capital of France")
    assert summary.route is Route.LOCAL
    assert summary.reply == "The capital of France is Paris."
    assert codes(events) == [CONTEXT_ECHO]
    assert engine(a).asked == [None]  # a question: a free round


def test_a_loop_is_cut_and_llama_cpp_stops_decoding(qwen_tiny, tmp_path):
    loop = "Paris, France\n" * 12
    a = make(qwen_tiny, tmp_path, script=[loop])
    summary, events = turn(a, "where is the Louvre")
    assert summary.reply == "Paris, France"
    assert codes(events) == [REPETITION]
    said = "".join(d for _, d in engine(a).received)
    assert len(said) < len(loop) // 2  # the tier left the stream: the model did not run to its end


@pytest.mark.parametrize("speed, spoken", [(0.0, 4), (50.0, 2)])
def test_the_sentence_cap_is_shorter_while_driving(qwen_tiny, tmp_path, speed, spoken):
    text = "One is a number. Two is a pair. Three is a crowd. Four is a square. Five is a hand. Six is half."
    a = make(qwen_tiny, tmp_path, script=[text], speed=speed)
    summary, _ = turn(a, "tell me about numbers")
    assert summary.reply == ". ".join(text.split(". ")[:spoken]) + "."
    assert len("".join(d for _, d in engine(a).received)) < len(text)  # stopped, not decoded to the end


def test_the_token_cap_is_shorter_while_driving(qwen_tiny, tmp_path):
    a = make(qwen_tiny, tmp_path, speed=50.0, max_reply_tokens=160, max_reply_tokens_driving=24)
    turn(a, "tell me a story about a dragon")
    assert engine(a).kwargs[0]["max_tokens"] == 24  # llama.cpp's own cap for the (free) round
    b = make(qwen_tiny, tmp_path, speed=0.0, max_reply_tokens=160, max_reply_tokens_driving=24)
    turn(b, "tell me a story about a dragon")
    assert engine(b).kwargs[0]["max_tokens"] == 160


def test_an_unbacked_claim_is_dropped_without_a_retry_by_default(qwen_tiny, tmp_path):
    a = make(qwen_tiny, tmp_path, script=["Sure thing. I've turned up the volume. Enjoy the music."])
    summary, events = turn(a, NOT_A_COMMAND)
    assert summary.reply == "Sure thing."  # not asked to act, and something else was said: no apology
    assert codes(events).count(UNBACKED_CLAIM) == 2 and engine(a).asked == [None]


def test_a_command_the_model_declined_then_claimed_says_it_could_not(qwen_tiny, tmp_path):
    a = make(qwen_tiny, tmp_path, script=['<tool_call>{"name": "none", "arguments": {}}</tool_call>',
                                          "Okay! The volume is now up."])
    summary, events = turn(a, "could you put on something nice to listen to")
    asked = engine(a).asked
    assert asked[0] is not None and asked[1] is None and len(asked) == 2  # constrained, declined, then free
    assert summary.reply == f"Okay! {SORRY}" and codes(events) == [UNBACKED_CLAIM]
    assert not [e for e in events if isinstance(e, ToolCalled)]


def test_an_unbacked_claim_is_not_spoken_and_a_constrained_retry_that_declines_says_so(qwen_tiny, tmp_path):
    a = make(qwen_tiny, tmp_path, claim_retry=True, script=[
        "Sure thing. I've turned up the volume. Enjoy the music.",
        '<tool_call>{"name": "none", "arguments": {}}</tool_call>'])
    assert not looks_like_command(NOT_A_COMMAND) and not is_question(NOT_A_COMMAND)
    summary, events = turn(a, NOT_A_COMMAND)
    assert summary.route is Route.LOCAL
    assert summary.reply == f"Sure thing. {SORRY}"
    assert "turned up" not in " ".join(summary.reply.split()).lower()
    assert codes(events).count(UNBACKED_CLAIM) == 2  # the claim and the sentence after it
    asked = engine(a).asked
    assert asked[0] is None and asked[1] is not None and f'"\\"{NONE_TOOL}\\""' in asked[1]  # retried: tools + none
    assert len(asked) == 2 and not [e for e in events if isinstance(e, ToolCalled)]


def test_an_unbacked_claim_whose_retry_acts_speaks_what_was_done(qwen_tiny, tmp_path):
    a = make(qwen_tiny, tmp_path, claim_retry=True, script=[
        "I've turned up the volume.",
        '<tool_call>{"name": "media_volume", "arguments": {"delta": 2}}</tool_call>',
        "Done, it is louder now."])
    volume = "Vehicle.Cabin.Infotainment.Media.Volume"
    before = a.vehicle.read(volume)
    summary, events = turn(a, NOT_A_COMMAND)
    results = [e for e in events if isinstance(e, ToolResult)]
    assert results and results[0].ok and a.vehicle.read(volume) == results[0].changes[volume] > before
    assert summary.reply == "Done, it is louder now."  # after a call succeeded, what the model says is backed
    assert codes(events) == [UNBACKED_CLAIM]  # the first claim, made before any call, was still dropped
    assert engine(a).asked[0] is None and engine(a).asked[1] is not None and engine(a).asked[2] is None


def test_a_claim_in_the_same_round_as_its_call_is_spoken(qwen_tiny, tmp_path):
    a = make(qwen_tiny, tmp_path, script=[
        'Turning up the volume. <tool_call>{"name": "media_volume", "arguments": {"delta": 1}}</tool_call>', ""])
    summary, events = turn(a, NOT_A_COMMAND)
    assert [e.call.name for e in events if isinstance(e, ToolCalled)] == ["media_volume"]
    assert summary.reply.startswith("Turning up the volume.") and UNBACKED_CLAIM not in codes(events)


def test_a_command_goes_to_the_model_with_a_call_required_over_the_tools_and_none(qwen_tiny, tmp_path):
    """Unscripted: the fixture itself must pick one of the tools or "none" under the grammar."""
    a = make(qwen_tiny, tmp_path, tools=("media_volume", "media_control"))
    text = "could you put on something nice to listen to"
    summary, events = turn(a, text)
    assert summary.route is Route.LOCAL
    first = engine(a).asked[0]
    assert first is not None and "call-media-volume" in first and "call-none" in first
    raw = "".join(d for _, d in engine(a).received)
    assert raw.startswith("<tool_call>")  # never free text in round one
    called = [e.call.name for e in events if isinstance(e, ToolCalled)]
    assert called or raw.split("</tool_call>")[0].replace(" ", "").startswith('<tool_call>{"name":"none"')
    print(f"\n[fixture] {text!r} -> {called or 'none'} (random weights: the choice itself means nothing)")


def test_speech_is_sampled_with_the_voice_penalties_and_tool_calls_without(qwen_tiny, tmp_path):
    a = make(qwen_tiny, tmp_path, tools=("media_volume", "media_control"))
    seen: list[dict] = []

    async def go():
        await a.prepare()
        llama = engine(a).llm
        real = llama.create_completion

        def spy(*args, **kwargs):  # the real llama.cpp call, its arguments noted
            seen.append(kwargs)
            return real(*args, **kwargs)

        llama.create_completion = spy
        try:
            await a.text_turn("tell me a joke")
            await a.text_turn("could you put on something nice to listen to")
        finally:
            await a.close()

    asyncio.run(go())
    calls = [k for k in seen if k.get("max_tokens", 0) > 1]  # not the 1-token prefills
    free = [k for k in calls if k["grammar"] is None]
    constrained = [k for k in calls if k["grammar"] is not None]
    s = a.settings.brain.local
    assert free and constrained and engine(a).asked[0] is None
    assert all(k["repeat_penalty"] == s.repeat_penalty > 1.0 and k["frequency_penalty"] == s.frequency_penalty
               and k["presence_penalty"] == s.presence_penalty for k in free)
    assert not any("repeat_penalty" in k for k in constrained)  # JSON repeats quotes and names by design


def test_the_first_clean_sentence_reaches_the_voice_with_the_delta_that_ends_it(qwen_tiny, tmp_path):
    """No wait beyond the sentence boundary: the sentence is handed on while its boundary delta is
    processed, before the next delta is taken (order, not wall-clock, is asserted; the time is printed)."""
    first = "The capital of France is Paris."
    a = make(qwen_tiny, tmp_path, script=[first + " It is on the Seine."])
    tier = a.tiers["local"]
    handed: list[tuple[float, int, str]] = []

    async def go():
        await a.prepare()
        try:
            context = a.vehicle_context.render("exact")

            async def execute(call):
                return True, ""
            return await tier.answer("where is Paris", context, TurnTrace(), execute,
                                     on_speech=lambda t: handed.append((time.perf_counter(), len(engine(a).received), t)))
        finally:
            await a.close()

    answer = asyncio.run(go())
    assert answer.reply == first + " It is on the Seine."
    received = engine(a).received
    text, boundary = "", None
    for i, (_, delta) in enumerate(received):
        text += delta
        if boundary is None and len(text) > len(first) and text[len(first)].isspace():
            boundary = i
    at, count, said = handed[0]
    assert said.strip() == first and count == boundary + 1  # handed on with delta `boundary`, before the next
    print(f"\n[fixture] first clean sentence handed to the voice {(at - received[boundary][0]) * 1e6:.0f} µs after"
          f" the delta that ended it")


def test_capabilities_are_asked_of_the_engine():
    settings = parse_config({}).brain
    registry = Registry([default_registry().get("media_volume")])
    cloud = LlmTier(settings, registry, CloudLLM(settings.cloud), History(0, 1))
    assert not cloud.llm.supports_grammar and not cloud.llm.supports_prefill
    assert cloud._required is None and [t["function"]["name"] for t in cloud.tools] == ["media_volume"]
    cloud.prefill("Vehicle: speed 0 km/h.")  # nothing to evaluate ahead remotely: a no-op, not an error
    local = LlmTier(settings, registry, LocalLLM(settings.local), History(0, 1))
    assert local.llm.supports_grammar and not local.llm.supports_prefill  # not loaded yet
    assert local._required is not None and "call-none" in local._required
    assert [t["function"]["name"] for t in local.tools] == ["media_volume"]  # "none": in the grammar (and the
    # compact list of a template that does not render tools), never a schema


def test_tool_choice_required_leaves_no_way_out(qwen_tiny, tmp_path):
    a = make(qwen_tiny, tmp_path, tool_choice="required")
    summary, events = turn(a, "tell me a joke")  # not even command-like: required anyway
    first = engine(a).asked[0]
    assert first is not None and "call-media-volume" in first and "call-none" not in first
    assert [e.call.name for e in events if isinstance(e, ToolCalled)] == ["media_volume"]


def test_a_made_up_tool_is_cut_at_its_name_and_the_model_answers_in_words(qwen_tiny, tmp_path):
    a = make(qwen_tiny, tmp_path, script=['<tool_call>{"name": "tell_joke", "arguments": {"topic": "cars"}}</tool_call>',
                                          "Why did the car nap? It was tired."])
    summary, events = turn(a, "tell me a joke")
    asked = engine(a).asked
    assert asked[0] is None and asked[1] is not None and "[^<{}]" in asked[1]  # words only, no repair prompt
    assert summary.reply == "Why did the car nap? It was tired."
    first = "".join(d for _, d in engine(a).received).split("Why")[0]
    assert first.endswith('"tell_joke"') or '"tell_joke",' in first[-14:]  # left at the name, not decoded on
    assert "rejected" not in str(a.tiers["local"].last_sent)


def test_tool_choice_on_the_qwen_fixture_is_wired_and_measured(qwen_tiny, tmp_path):
    """Wiring only: the fixture's random weights choose by chance. Through the tier's own prompt
    (Qwen's template renders the tools; the worked examples where they fit), grammar and parser,
    every one of the 46 requests must come out a registered tool or "none" (printed, labelled)."""
    from support.tool_requests import ACCURACY, HELD_OUT

    from cockpit.brain.toolcall import CallInvalid, CallReady, ToolCallParser

    cfg = parse_config({"brain": {"mode": "local-only",
                                  "local": {"model": str(qwen_tiny), "n_ctx": 8192, "temperature": 0.0}},
                        "audio": {"output": {"sink": "file", "reply_dir": str(tmp_path)}},
                        "session": {"audit_log": str(tmp_path / "audit.jsonl")}})
    a = Assistant(cfg, registry=default_registry())
    tier = a.tiers["local"]
    chosen = []

    async def go():
        await a.prepare()
        try:
            context = a.vehicle_context.render("exact")
            for text, _ in ACCURACY + HELD_OUT:
                messages = tier.prompt.build(History(0, 1), context, text)
                raw = "".join(tier.llm.stream_chat(messages, tier.tools, max_tokens=128, grammar=tier._required))
                parser = ToolCallParser(tier.registry)
                items = [*parser.feed(raw), *parser.finish()]
                ready = [i.call.name for i in items if isinstance(i, CallReady)]
                named = [getattr(i.error, "name", None) for i in items if isinstance(i, CallInvalid)]
                chosen.append((ready or named or ["(cut off)"])[0])
        finally:
            await a.close()

    asyncio.run(go())
    names = set(tier.registry.names()) | {NONE_TOOL}
    assert all(c in names for c in chosen), chosen  # the grammar's names, never free text or a made-up tool
    right = sum(c == e for c, (_, e) in zip(chosen, ACCURACY + HELD_OUT))
    print(f"\n[fixture] Qwen-tiny tool selection (random weights, wiring only): {right}/{len(chosen)} "
          f"(chance ~1/{len(names)}); examples in the prompt: {len(tier.prompt.examples) // 2}")
