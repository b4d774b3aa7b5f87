"""The local LLM tier on the REAL SmolLM2-135M-Instruct (Q4_1 GGUF, 135 M parameters, llama.cpp).

SmolLM2's chat template is plain ChatML and ignores OpenAI-style ``tools``: LocalLLM detects that
and lists the tools in the (static, KV-cached) system prompt instead. What is asserted is the
machinery on real weights: the tools reach the prompt, a question gets a short spoken answer
through the real chunker and espeak-ng, the reply stays inside ``max_reply_tokens``, and a
grammar-constrained turn (``tool_choice: required``) yields a schema-valid call that is EXECUTED
on the simulated vehicle. Which tool a model this small picks is measured and printed (the
tool-selection accuracy table), never asserted. Every figure printed here is labelled real.
"""
from __future__ import annotations

import asyncio
import re
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from cockpit.brain.cloud import is_garbled
from cockpit.brain.gbnf import NONE_TOOL, tool_call_grammar
from cockpit.brain.llm_turn import CALL_TOKENS
from cockpit.brain.prompt import SYSTEM_PROMPT, History, PromptBuilder
from cockpit.brain.toolcall import CallInvalid, CallReady, ToolCallParser
from cockpit.config import parse_config
from cockpit.events import ErrorRaised, Route, ToolCalled, ToolResult
from cockpit.pipeline import Assistant
from cockpit.skills.builtin import default_registry
from cockpit.skills.registry import Registry
from support.tool_requests import ACCURACY, HELD_OUT

GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
MAX_REPLY_TOKENS = 48
QUESTIONS = ["what's the capital of France?", "tell me a fun fact about cars"]
CABIN_TOOLS = ["climate_set_fan", "climate_set_ac", "climate_set_defrost", "seat_heating", "window_set",
               "media_control"]
"""Actuating tools whose schema says everything their validator checks: any call the grammar lets
through runs and sets a signal. (climate_set_temperature and media_volume also want "exactly one of"
their optional arguments, which GBNF does not say; SmolLM2 fills them all in and is refused — that
shows up in the accuracy table, which runs on every built-in tool.)"""


def settings(model: Path, tmp_path: Path, tool_choice: str):
    """No history (each request stands alone, whatever order the tests run in) and a fixed car clock
    (the context line, hence the greedy answer, is the same every run)."""
    return parse_config({
        "brain": {"mode": "local-only", "tool_choice": tool_choice, "max_reply_tokens": MAX_REPLY_TOKENS,
                  "history_turns": 0,
                  "local": {"model": str(model), "n_ctx": 4096, "temperature": 0.0}},
        "tts": {"engine": "espeak"}, "vehicle": {"clock": "2025-05-15T08:30:00"},
        "audio": {"output": {"sink": "file", "reply_dir": str(tmp_path)}}})


class Drive:
    """One prepared Assistant on its own event loop, for several turns (the model loads once)."""

    def __init__(self, assistant: Assistant):
        self.a = assistant
        self.loop = asyncio.new_event_loop()
        self.events: list = []
        self.a.bus.subscribe(self.events.append)
        t0 = time.perf_counter()
        self.loop.run_until_complete(self.a.prepare())
        self.prepare_s = time.perf_counter() - t0

    def turn(self, text: str):
        start = len(self.events)
        summary = self.loop.run_until_complete(self.a.text_turn(text))
        return summary, self.events[start:]

    def close(self) -> None:
        self.loop.run_until_complete(self.a.close())
        self.loop.close()


@pytest.fixture(scope="module")
def smollm(real_model) -> Path:
    return real_model("smollm2-135m") / GGUF


@pytest.fixture(scope="module")
def talker(smollm, tmp_path_factory):
    """The driver's assistant: every built-in tool, the model free to talk (tool_choice auto)."""
    drive = Drive(Assistant(settings(smollm, tmp_path_factory.mktemp("replies"), "auto")))
    print(f"\n[real] SmolLM2-135M: assistant prepared (model load + static prefix) in {drive.prepare_s:.1f} s")
    yield drive
    drive.close()


def local(drive: Drive):
    return drive.a.tiers["local"]


def test_template_ignores_tools_so_they_go_in_the_static_system_prompt(talker):
    tier = local(talker)
    llm = tier.llm
    assert llm.label == "real" and not llm.is_fixture
    assert not llm.template_renders_tools  # SmolLM2's ChatML template has no `tools` in it
    assert "<|im_end|>" in llm.stop
    tools = tier.tools
    prompt = llm.render(tier.prompt.build(History(0, 300), "Vehicle: parked.", "hello"), tools)
    system = prompt[:prompt.index("<|im_start|>user")]
    assert system.startswith("<|im_start|>system\n" + SYSTEM_PROMPT)
    assert all(f"- {name}(" in system for name in [*tier.registry.names(), NONE_TOOL])
    assert '<tool_call>{"name": ' in system and system.endswith("<|im_end|>\n")
    assert "SmolLM" not in prompt  # our system prompt replaced the template's default one
    static = llm._tokens(llm.render(tier.prompt.static_prefix(), tools, add_generation_prompt=False))
    full = llm._tokens(prompt)
    assert full[:len(static)] == static  # the tool list is in the cached prefix: warm every turn
    print(f"\n[real] SmolLM2-135M static prefix (system + {len(tools)} tools): {len(static)} tokens")


def test_warm_model_streams_a_short_answer_measured(talker):
    """TTFT and decode speed on the warm static prefix, straight from the engine (real weights)."""
    tier = local(talker)
    messages = tier.prompt.build(History(0, 300), talker.a.vehicle_context.render("exact"), QUESTIONS[0])
    t0 = time.perf_counter()
    stamps = [time.perf_counter() for _ in tier.llm.stream_chat(messages, tier.tools, max_tokens=64)]
    assert stamps, "the model said nothing"
    ttft = stamps[0] - t0
    rate = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else float("nan")
    print(f"\n[real] SmolLM2-135M on the warm static prefix (context line + words evaluated): TTFT {ttft * 1000:.0f} ms,"
          f" {len(stamps)} tokens at {rate:.1f} tok/s")


@pytest.mark.parametrize("question", QUESTIONS)
def test_a_question_gets_a_short_spoken_answer(talker, question):
    assert talker.a.fastpath.parse(question) is None  # it really goes to the model
    summary, events = talker.turn(question)
    assert summary.route is Route.LOCAL
    reply = summary.reply
    assert reply.strip() and not is_garbled(reply), reply
    assert not [e for e in events if isinstance(e, ErrorRaised)]  # nothing discarded, no fallback
    assert reply != talker.a.settings.session.not_understood_reply  # the model's own words
    tokens = len(talker.a.tiers["local"].llm._tokens(reply))
    assert tokens <= MAX_REPLY_TOKENS * talker.a.settings.brain.max_tool_rounds + 8  # capped, never runaway
    with wave.open(summary.audio_path, "rb") as w:
        seconds = w.getnframes() / w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    assert seconds > 0.3 and np.abs(pcm).max() > 500  # espeak-ng really spoke it
    t = summary.timings_ms
    decode_s = (t["llm"] - t["llm_ttft"]) / 1000
    notes = misbehaviour(reply, talker.a.vehicle_context.render("exact"), tokens)
    # the context line is already in the KV cache here (as after the prefill while the driver speaks)
    print(f"\n[real] SmolLM2-135M {question!r}: TTFT {t['llm_ttft']:.0f} ms, context cached (first speech {t.get('tts_first', 0):.0f} ms"
          f" after the words), ~{tokens / decode_s if decode_s > 0 else float('nan'):.1f} tok/s, reply {tokens} tokens /"
          f" {len(reply.split())} words, {seconds:.1f} s of speech{'; ' + '; '.join(notes) if notes else ''}\n"
          f"  reply: {reply!r}")


def misbehaviour(reply: str, context: str, tokens: int) -> list[str]:
    """What a guard should catch, noted (not asserted): loops, the context read aloud, the cap hit."""
    notes = []
    sentences = [s.strip().lower() for s in re.split(r"(?<=[.!?])\s+", reply) if len(s.strip()) > 12]
    if len(sentences) != len(set(sentences)):
        notes.append("LOOPS (a sentence repeats)")
    if any(word in reply for word in ("Vehicle:", "km/h")) or context[:40] in reply:
        notes.append("READS THE CONTEXT LINE")
    if tokens >= MAX_REPLY_TOKENS - 2:
        notes.append(f"cut at max_reply_tokens={MAX_REPLY_TOKENS}")
    return notes


@pytest.fixture(scope="module")
def cabin(smollm, tmp_path_factory):
    """tool_choice: required over the cabin-comfort tools: the grammar forces one call."""
    registry = default_registry()
    registry = Registry([registry.get(name) for name in CABIN_TOOLS])
    drive = Drive(Assistant(settings(smollm, tmp_path_factory.mktemp("cabin"), "required"), registry=registry))
    yield drive
    drive.close()


@pytest.mark.parametrize("text", ["cool the car down with the AC", "I need some fresh air"])
def test_a_constrained_turn_executes_a_schema_valid_call_on_the_vehicle(cabin, text):
    a = cabin.a
    assert a.fastpath.parse(text) is None  # the fast path does not parse it: only the model can act
    before = len(a.vehicle.actuations)
    summary, events = cabin.turn(text)
    assert summary.route is Route.LOCAL
    called = [e.call for e in events if isinstance(e, ToolCalled) and e.source is Route.LOCAL]
    assert called, f"no tool call: {summary.reply!r}"
    for call in called:
        a.registry.validate(call)  # a registered tool with arguments its schema accepts
    results = [e for e in events if isinstance(e, ToolResult)]
    assert results and results[0].ok and results[0].changes
    assert len(a.vehicle.actuations) > before
    for path, value in results[0].changes.items():
        assert a.vehicle.read(path) == value  # the signal changed on the simulated vehicle
    print(f"\n[real] SmolLM2-135M required: {text!r} -> {called[0].name}({dict(called[0].arguments)}) executed, "
          f"changed {dict(results[0].changes)}; reply {summary.reply!r}")


BEFORE_SYSTEM = (
    "You are cockpit, the voice assistant of this car. The driver is driving: answer in one or two "
    "short spoken sentences, with no lists, markdown, emoji or links. To act on the car or to look "
    "something up, call one of the tools; never claim an action you did not call a tool for. "
    "Payments and orders are confirmed by the driver, never by you. If a request is unsafe or "
    "impossible, say so briefly."
)
"""The system prompt before the worked examples (commit 93e9774), kept to measure 'before' in the same run."""


def choose(tier, messages, tools, grammar) -> str:
    """The tool a constrained model call names ('none', or '(invalid: ...)' for a refused call)."""
    raw = "".join(tier.llm.stream_chat(messages, tools, max_tokens=CALL_TOKENS, grammar=grammar))
    parser = ToolCallParser(tier.registry)
    items = [*parser.feed(raw), *parser.finish()]
    ready = [i.call for i in items if isinstance(i, CallReady)]
    if ready:
        return ready[0].name
    invalid = [i for i in items if isinstance(i, CallInvalid)]
    if invalid and getattr(invalid[0].error, "name", None) == NONE_TOOL:
        return NONE_TOOL
    assert invalid or len(tier.llm._tokens(raw)) >= CALL_TOKENS - 4, raw  # a call, a refused call, or the budget
    name = getattr(invalid[0].error, "name", None) if invalid else None
    return f"(invalid {name}: {invalid[0].reason[:40]})" if invalid else "(cut off)"


@pytest.mark.timeout(1800)  # 92 constrained calls on 2 shared cores
def test_tool_selection_accuracy_is_measured_before_and_after_the_worked_examples(talker):
    """Grammar-constrained over all built-in tools, on the assistant's own prompt (warm prefix, real
    vehicle context): BEFORE = the former prompt (no examples, no "none" choice), AFTER = today's
    (worked examples in the static prefix, "none" offered). 46 requests: the 15 of the first
    measurement and 31 held out, none of them an example. Both runs' choices are printed; the
    grammar's guarantee (a registered tool or "none") and the gain are asserted."""
    tier = local(talker)
    context = talker.a.vehicle_context.render("exact")
    names = set(tier.registry.names())
    runs = {
        "before": (PromptBuilder(BEFORE_SYSTEM), tier.registry.schemas(), tool_call_grammar(tier.registry)),
        "after": (tier.prompt, tier.tools, tool_call_grammar(tier.registry, allow_none=True)),
    }
    chosen: dict[str, list[str]] = {}
    for run, (prompt, tools, grammar) in runs.items():
        t0 = time.perf_counter()
        chosen[run] = [choose(tier, prompt.build(History(0, 300), context, text), tools, grammar)
                       for text, _ in ACCURACY + HELD_OUT]
        seconds = (time.perf_counter() - t0) / len(chosen[run])
        for name in chosen[run]:
            assert name in names or name == NONE_TOOL and run == "after" or name.startswith("(invalid "), name
        first = sum(c == e for c, (_, e) in zip(chosen[run], ACCURACY))
        held = sum(c == e for c, (_, e) in zip(chosen[run][len(ACCURACY):], HELD_OUT))
        print(f"\n[real] SmolLM2-135M tool selection {run}: {first}/{len(ACCURACY)} of the first set, "
              f"{held}/{len(HELD_OUT)} held out, {first + held}/{len(ACCURACY) + len(HELD_OUT)} in all; "
              f"{chosen[run].count(NONE_TOOL)} 'none'; {seconds:.2f} s per request")
    print("| request | expected | before | after |\n|---|---|---|---|")
    for (text, expected), b, a in zip(ACCURACY + HELD_OUT, chosen["before"], chosen["after"]):
        print(f"| {text} | {expected} | {b}{' ✓' if b == expected else ''} | {a}{' ✓' if a == expected else ''} |")
    tier.llm.warm(tier.prompt.static_prefix(), tier.tools)  # the cache as the assistant left it
    right = {run: sum(c == e for c, (_, e) in zip(chosen[run], ACCURACY + HELD_OUT)) for run in runs}
    assert right["after"] > right["before"], right  # the examples help this model (greedy: the same every run)
