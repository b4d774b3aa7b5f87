"""The local LLM adapter (cockpit/brain/local.py) on a real llama.cpp with a Qwen2 fixture.

The fixture (tools/make_gguf_fixture.py) has random weights but the real Qwen2 tokenizer and the
Qwen2.5 chat template, so prompt rendering, tokenisation, streaming, grammar-constrained decoding
and the KV prefix cache are all the real code paths. Its text is gibberish; its speed is real.
"""
from __future__ import annotations

import asyncio
import importlib.util
import json
import logging
import re
import sys
import threading
import time
from pathlib import Path

import pytest

import llama_cpp  # noqa: E402,F401  (a declared dependency: never skipped)

from cockpit.brain.local import LocalLLM, LocalLLMSettings, ThinkFilter  # noqa: E402
from cockpit.errors import EngineMissing  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / ".cache" / "fixtures"


def _tool():
    name = "make_gguf_fixture"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / "make_gguf_fixture.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod  # dataclasses need the module registered
        spec.loader.exec_module(mod)
    return sys.modules[name]


@pytest.fixture(scope="module")
def llm(qwen_tiny):
    engine = LocalLLM(LocalLLMSettings(model=str(qwen_tiny), n_ctx=1024, n_batch=256, temperature=0.0))
    t0 = time.perf_counter()
    engine.prepare()
    print(f"\nqwen tiny loaded in {time.perf_counter() - t0:.2f} s")
    yield engine
    engine.close()


FAN_TOOL = {"type": "function", "function": {
    "name": "climate_set_fan", "description": "Set the cabin fan speed.",
    "parameters": {"type": "object", "properties": {"level": {"type": "integer", "minimum": 1, "maximum": 5}},
                   "required": ["level"]}}}
SYSTEM = {"role": "system", "content": "You are the in-car assistant. Answer briefly."}
USER = {"role": "user", "content": "Set the fan to three."}


def test_fixture_file_has_qwen2_layout(qwen_tiny):
    kv = _tool().read_kv(qwen_tiny)
    assert kv["general.architecture"] == "qwen2"
    assert kv["general.name"] == "cockpit-fixture-tiny" and kv["cockpit.fixture"] is True
    assert kv["general.file_type"] == 7  # Q8_0, written by llama_model_quantize
    assert (kv["qwen2.block_count"], kv["qwen2.embedding_length"], kv["qwen2.attention.head_count"],
            kv["qwen2.attention.head_count_kv"], kv["qwen2.feed_forward_length"]) == (2, 64, 4, 2, 128)
    assert kv["tokenizer.ggml.pre"] == "qwen2" and len(kv["tokenizer.ggml.tokens"]) == 151936
    assert kv["tokenizer.ggml.tokens"][151657] == "<tool_call>"
    assert "<tool_call>" in kv["tokenizer.chat_template"]


def test_fixture_tokenizes_like_qwen2(llm):
    """llama.cpp's own Qwen2 tokenizer test vectors (tools/data/qwen2-vocab-test.*, from its models/)."""
    data = ROOT / "tools" / "data"
    texts = (data / "qwen2-vocab-test.inp").read_text(encoding="utf-8").split("\n__ggml_vocab_test__\n")
    expected = (data / "qwen2-vocab-test.out").read_text().splitlines()
    assert len(expected) >= 40
    for text, ids in zip(texts, expected):
        got = llm.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)
        assert got == [int(i) for i in ids.split()], text


def test_fixture_build_is_cached(qwen_tiny):
    mtime = qwen_tiny.stat().st_mtime_ns
    assert _tool().make_gguf_fixture(qwen_tiny, preset="tiny", quant="Q8_0") == qwen_tiny
    assert qwen_tiny.stat().st_mtime_ns == mtime


def test_fixture_is_detected_loudly(qwen_tiny, caplog):
    engine = LocalLLM(LocalLLMSettings(model=str(qwen_tiny), n_ctx=256))
    with caplog.at_level(logging.WARNING, logger="cockpit.brain.local"):
        engine.prepare()
    engine.close()
    assert engine.is_fixture
    assert any("FIXTURE" in r.getMessage() for r in caplog.records)


def test_template_renders_tools_and_tool_call_instructions(llm):
    prompt = llm.render([SYSTEM, USER], [FAN_TOOL])
    assert prompt.startswith("<|im_start|>system\nYou are the in-car assistant.")
    assert "<tools>" in prompt and '"name": "climate_set_fan"' in prompt
    assert "<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call>" in prompt
    assert "<|im_start|>user\nSet the fan to three.<|im_end|>\n" in prompt
    assert prompt.endswith("<|im_start|>assistant\n")
    tokens = llm._tokens(prompt)
    assert tokens[0] == 151644 and 151657 in tokens  # <|im_start|>, <tool_call> as single tokens
    # the static prefix (system + tools) is a token prefix of the full prompt: the KV cache can keep it
    prefix = llm._tokens(llm.render([SYSTEM], [FAN_TOOL], add_generation_prompt=False))
    assert tokens[:len(prefix)] == prefix


def test_stream_yields_deltas(llm):
    n = 32
    t0 = time.perf_counter()
    deltas = list(llm.stream_chat([SYSTEM, USER], max_tokens=n))
    dt = time.perf_counter() - t0
    print(f"\ntiny: {len(deltas)} deltas in {dt * 1000:.0f} ms ({len(deltas) / dt:.0f} deltas/s incl. prefill)")
    assert len(deltas) >= n // 2 and all(isinstance(d, str) for d in deltas)
    assert "<think>" not in "".join(deltas)


def test_astream_steps_on_the_engine_thread(llm, monkeypatch):
    threads = set()
    real = llm.llm.create_completion

    def spy(*args, **kwargs):
        for chunk in real(*args, **kwargs):
            threads.add(threading.current_thread().name)
            yield chunk

    monkeypatch.setattr(llm.llm, "create_completion", spy)

    async def collect():
        return [d async for d in llm.astream([SYSTEM, USER], max_tokens=16)]

    deltas = asyncio.run(collect())
    assert len(deltas) >= 8
    assert threads and all(name.startswith("cockpit-llm") for name in threads)


def test_grammar_forces_a_parseable_tool_call(llm):
    gbnf = r'''
root ::= "<tool_call>" "\n"? call "\n"? "</tool_call>"
call ::= "{\"name\": \"climate_set_fan\", \"arguments\": {\"level\": " [1-5] "}}"
'''
    text = "".join(llm.stream_chat([SYSTEM, USER], [FAN_TOOL], max_tokens=96, grammar=gbnf))
    m = re.fullmatch(r"\s*<tool_call>\s*(\{.*\})\s*</tool_call>\s*", text, re.S)
    assert m, text
    call = json.loads(m.group(1))
    assert call["name"] == "climate_set_fan" and 1 <= call["arguments"]["level"] <= 5


def test_warm_prefix_is_reused(llm, monkeypatch):
    """The static prefix is evaluated once: warming it again evaluates nothing new, and a turn after
    it evaluates only its own suffix (llama.cpp's prefix match against its KV cache)."""
    evaluated: list[tuple[int, int]] = []  # per llama.cpp eval: (tokens already in the cache, tokens evaluated)
    real = llm.llm.eval

    def spy(tokens):
        evaluated.append((llm.llm.n_tokens, len(tokens)))
        return real(tokens)

    monkeypatch.setattr(llm.llm, "eval", spy)
    prefix = llm._tokens(llm.render([SYSTEM], [FAN_TOOL], add_generation_prompt=False))
    turn = llm._tokens(llm.render([SYSTEM, USER], [FAN_TOOL]))
    assert len(prefix) > 100 and turn[:len(prefix)] == prefix
    llm.llm.reset()  # forget what earlier tests left in the cache
    first = llm.warm([SYSTEM], [FAN_TOOL])
    assert evaluated == [(0, len(prefix))] and llm.llm.n_tokens == len(prefix)  # cold: all of it, once
    evaluated.clear()
    again = llm.warm([SYSTEM], [FAN_TOOL])
    assert sum(n for _, n in evaluated) <= 1  # cached (at most the last token again, to refresh its logits)
    evaluated.clear()
    list(llm.stream_chat([SYSTEM, USER], [FAN_TOOL], max_tokens=1))
    assert evaluated[0] == (len(prefix), len(turn) - len(prefix))  # the turn: its own tokens only
    print(f"\nwarm prefix of {len(prefix)} tokens: first {first * 1000:.1f} ms, again {again * 1000:.1f} ms; "
          f"the turn evaluated {len(turn) - len(prefix)} tokens")


def test_missing_model_file(tmp_path):
    engine = LocalLLM(LocalLLMSettings(model=str(tmp_path / "nope.gguf")))
    with pytest.raises(EngineMissing) as err:
        engine.prepare()
    assert err.value.code == "llm-model-missing"
    assert "cockpit models pull qwen2.5-0.5b" in err.value.hint


@pytest.mark.parametrize("damage", ["truncated", "not-gguf"])
def test_corrupt_model_file(qwen_tiny, tmp_path, damage):
    bad = tmp_path / "broken.gguf"
    data = qwen_tiny.read_bytes()
    bad.write_bytes(data[: len(data) // 2] if damage == "truncated" else b"<html>404</html>" * 64)
    engine = LocalLLM(LocalLLMSettings(model=str(bad), n_ctx=256))
    with pytest.raises(EngineMissing) as err:
        engine.prepare()
    assert err.value.code == "llm-model-corrupt"
    assert str(bad) in str(err.value)


@pytest.mark.parametrize("pieces", [
    ["<think>\nhmm</think>\n\nHello"],
    ["<th", "ink>x</thi", "nk>", "Hel", "lo"],
    ["Hel", "lo<", "think>y", "</think>"],
])
def test_think_blocks_are_never_yielded(pieces):
    f = ThinkFilter()
    out = "".join(f.feed(p) for p in pieces) + f.flush()
    assert out == "Hello"


def test_astream_decodes_ahead_while_the_loop_is_busy_and_stops_when_left(llm, monkeypatch):
    produced: list[int] = []  # one entry per token llama.cpp handed out, on the LLM thread
    more = threading.Condition()
    real = llm.llm.create_completion

    def spy(*args, **kwargs):
        for chunk in real(*args, **kwargs):
            with more:
                produced.append(1)
                more.notify_all()
            yield chunk

    monkeypatch.setattr(llm.llm, "create_completion", spy)

    async def consume():
        taken, ahead = 0, None
        async for _ in llm.astream([SYSTEM, USER], max_tokens=900):
            taken += 1
            if taken == 1:
                # the loop is busy (parsing, speech) and blocked: it takes nothing, yet tokens keep
                # coming (a stream stepped only on request would never reach 5 more: this waits out)
                at = len(produced)
                with more:
                    ahead = more.wait_for(lambda: len(produced) >= at + 5, timeout=120)
            if taken == 3:
                break  # a barge-in: the caller leaves
        await llm._thread.run(lambda: None)  # queued behind the decode: runs once llama.cpp stopped
        return ahead

    assert asyncio.run(consume()), "no token was decoded while the loop was busy with the first"
    assert len(produced) < 900  # leaving the stream stopped llama.cpp long before max_tokens


def test_prefill_while_the_driver_speaks_never_queues_a_backlog(llm):
    from cockpit.brain.llm_turn import LlmTier
    from cockpit.brain.prompt import History
    from cockpit.config import BrainSettings
    from cockpit.skills.registry import Registry
    tier = LlmTier(BrainSettings(), Registry(), llm, History(6, 300))  # no tool schemas: fits the tiny n_ctx

    async def go():
        tier.prefill("Vehicle: speed 50 km/h.")
        first = tier._prefilling
        tier.prefill("Vehicle: speed 51 km/h.")  # speech again before the first prefill finished
        assert tier._prefilling is first
        seconds = await first
        tier.prefill("Vehicle: speed 52 km/h.")  # done: the next speech prefills again
        assert tier._prefilling is not first
        await tier._prefilling
        return seconds

    assert asyncio.run(go()) > 0
