"""Words read ahead (cockpit/brain/llm_turn.py LlmTier.prefill with the driver's words so far): the turn then
evaluates only what came after them, counted on llama.cpp's own evaluations (a Qwen2 fixture: real
tokenizer, template and KV cache)."""
from __future__ import annotations

import asyncio

import pytest

from cockpit.brain.llm_turn import LlmTier
from cockpit.brain.local import LocalLLM, LocalLLMSettings
from cockpit.brain.prompt import History
from cockpit.config import BrainSettings
from cockpit.skills.registry import Registry

CONTEXT = "Vehicle (12:31 Fri): speed 50 km/h."
SO_FAR = "why is the tire pressure"
FINAL = "why is the tire pressure light on"


@pytest.fixture(scope="module")
def tier(qwen_tiny):
    llm = LocalLLM(LocalLLMSettings(model=str(qwen_tiny), n_ctx=1024, n_batch=256, temperature=0.0))
    llm.prepare()
    yield LlmTier(BrainSettings(), Registry(), llm, History(6, 300))
    llm.close()


def evaluations(tier, monkeypatch) -> list[int]:
    """Tokens per llama.cpp evaluation from now on."""
    seen: list[int] = []
    real = tier.llm.llm.eval
    monkeypatch.setattr(tier.llm.llm, "eval", lambda tokens: (seen.append(len(tokens)), real(tokens))[1])
    return seen


def turn_tokens(tier, words: str) -> list[int]:
    return tier.llm._tokens(tier.llm.render(tier.prompt.build(tier.history, CONTEXT, words), tier.tools))


def turn_after(tier, monkeypatch, ahead: str | None) -> int:
    """Tokens the turn for FINAL evaluates after reading ``ahead`` (None: nothing read ahead)."""
    tier.llm.llm.reset()
    if ahead is not None:
        async def read_ahead():
            tier.prefill(CONTEXT, ahead)
            await tier._prefilling
        asyncio.run(read_ahead())
    seen = evaluations(tier, monkeypatch)
    list(tier.llm.stream_chat(tier.prompt.build(tier.history, CONTEXT, FINAL), tier.tools, max_tokens=1))
    monkeypatch.undo()
    return seen[0]


def test_the_words_so_far_are_evaluated_while_the_driver_talks(tier, monkeypatch):
    full = len(turn_tokens(tier, FINAL))
    cold, prefix_only, with_words = (turn_after(tier, monkeypatch, a) for a in (None, "", SO_FAR))
    words = len(tier.llm._tokens(" " + SO_FAR))
    print(f"\nthe turn evaluated {cold} tokens cold, {prefix_only} after the prefix was read ahead, {with_words} "
          f"after the words so far too ({words} tokens of words)")
    assert cold == full  # nothing read ahead: the whole prompt at the end
    assert prefix_only < full // 4  # [static][history][context] read while the driver talked
    assert prefix_only - with_words >= words - 1  # ... and the words said so far: only the rest is left
