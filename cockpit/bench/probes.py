"""Instruments for `cockpit bench`: when each model token arrives, and fixture scripts.

``LlmProbe`` wraps a prepared ``LocalLLM``: its ``astream`` (what the pipeline awaits), to stamp
every text delta as the pipeline receives it, and its ``stream_chat`` (run on the LLM thread),
to note how many tokens each round generated. ``AsrProbe`` wraps the listener's recogniser.

Fixtures (random weights) compute real tokens but say gibberish, which would send every turn
down the "not understood" path. For them, and only for them, a turn's script stands in for the
words: the model runs for exactly as many tokens as the script has (so decode time is real),
and its i-th delta is replaced by the script's i-th token piece (the model's own tokenizer);
a fixture recogniser decodes as many tokens as the real transcript has, then returns it. Real
models are only timed, never scripted.
"""
from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Iterator

from cockpit.asr.base import Recognition


@dataclass
class Round:
    """One model call: its prompt, delta arrival times (perf_counter) and tokens generated."""
    messages: list[dict]
    tools: list[dict] | None
    arrivals: list[float] = field(default_factory=list)
    tokens: int = 0
    """Filled in by :meth:`LlmProbe.count` (llama.cpp's cache length minus the prompt)."""
    n_after: int = 0

    def decode_tok_s(self) -> float | None:
        """Tokens per second after the first token (the decode rate, prompt evaluation excluded)."""
        if self.tokens < 3 or len(self.arrivals) < 2 or self.arrivals[-1] <= self.arrivals[0]:
            return None
        return (self.tokens - 1) / (self.arrivals[-1] - self.arrivals[0])


class LlmProbe:
    def __init__(self, local_llm: Any):
        self.local = local_llm
        self.scripted = bool(local_llm.is_fixture)
        self.rounds: list[Round] = []
        self._script: deque[list[str]] = deque()
        self.real_stream = local_llm.stream_chat
        self._real_astream = local_llm.astream
        local_llm.stream_chat = self._stream
        local_llm.astream = self._astream

    def pieces(self, text: str) -> list[str]:
        """``text`` as the model's own token pieces."""
        llama = self.local.llm
        ids = llama.tokenize(text.encode("utf-8"), add_bos=False, special=True)
        out, pending = [], b""
        for i in ids:  # a piece may end inside a UTF-8 character: carry the bytes over
            pending += llama.detokenize([i], special=True)
            try:
                out.append(pending.decode("utf-8"))
                pending = b""
            except UnicodeDecodeError:
                out.append("")
        return out

    def next_turn(self, script: list[str]) -> None:
        """Forget the last turn; with a fixture, the texts its model rounds will say."""
        self.rounds = []
        self._script = deque(self.pieces(t) for t in script) if self.scripted else deque()

    async def _astream(self, messages: list[dict], tools: list[dict] | None = None, **kwargs: Any):
        """What the pipeline awaits: each delta is stamped as the pipeline receives it."""
        r = Round(messages, tools)
        self.rounds.append(r)
        async for delta in self._real_astream(messages, tools, **kwargs):
            r.arrivals.append(time.perf_counter())
            yield delta

    def _stream(self, messages: list[dict], tools: list[dict] | None = None, *, max_tokens: int = 256,
                grammar: Any = None) -> Iterator[str]:
        """On the LLM thread: the real llama.cpp stream, its text replaced by the script for a fixture."""
        script = self._script.popleft() if self._script else None
        limit = min(max_tokens, len(script)) if script is not None else max_tokens
        i = 0
        for delta in self.real_stream(messages, tools, max_tokens=limit, grammar=grammar):
            out = delta if script is None else "".join(script[i:i + 1])
            i += 1
            if out:
                yield out
        if script is not None and i < len(script):
            yield "".join(script[i:])  # pieces whose deltas llama.cpp merged (partial UTF-8, stop holds)
        if self.rounds:
            self.rounds[-1].n_after = int(self.local.llm.n_tokens)

    def count(self) -> None:
        """Tokens generated per round of the last turn (call after the turn: it tokenises the prompts).
        llama.cpp evaluates every generated token but the last: cache = prompt + generated - 1."""
        for r in self.rounds:
            prompt = len(self.local._tokens(self.local.render(r.messages, r.tools)))
            r.tokens = max(r.n_after - prompt + 1, len(r.arrivals))


class AsrProbe:
    """Stands in for the listener's recogniser; scripted only when it is a Whisper fixture."""

    def __init__(self, recognizer: Any):
        self.inner = recognizer
        self.scripted = bool(getattr(recognizer, "is_fixture", False))
        self.text = ""

    def next_turn(self, text: str, tokens: int | None) -> None:
        self.text = text
        if self.scripted and hasattr(self.inner, "token_cap"):
            self.inner.token_cap = tokens

    def prepare(self) -> None:
        self.inner.prepare()
        self.scripted = bool(getattr(self.inner, "is_fixture", False))

    def start(self, dialog: bool = False) -> None:
        self.inner.start(dialog)

    def feed(self, samples, voiced: bool = True):
        return self.inner.feed(samples, voiced)

    def finish(self) -> Recognition:
        heard = self.inner.finish()
        return Recognition(self.text, heard.confidence) if self.scripted else heard
