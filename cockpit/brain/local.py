"""The local brain tier: an instruct GGUF (Qwen, SmolLM2, ...) through llama-cpp-python, prompted
with the model's OWN chat template (``tokenizer.chat_template`` in the GGUF) and Hermes
``<tool_call>`` blocks.

A template that renders OpenAI-style ``tools`` (Qwen's) gets them; one that ignores them (SmolLM2's
plain ChatML) is detected at ``prepare`` by rendering a probe tool, and the tools then go into the
system prompt as a compact list (``prompt.with_tools``), so the model sees them either way.

Everything here blocks except ``astream``, which steps the blocking token generator on this
engine's EngineThread, so llama.cpp never runs on the event loop. One ``Llama`` object lives for
the whole drive: llama.cpp reuses the longest common token prefix of consecutive prompts, so the
static [system prompt + tool schemas] stays in the KV cache (``warm`` puts it there up front).
Qwen3 "thinking" is switched off in the template and any ``<think>...</think>`` is never yielded.
"""
from __future__ import annotations

import asyncio
import importlib.util
import logging
import threading
import time
from pathlib import Path
from typing import Any, AsyncIterator, Iterator

from cockpit.brain.gguf import PULL_HINT, load_llama, repack_works, resolve_model_file
from cockpit.brain.prompt import with_tools
from cockpit.config import LocalLLMSettings
from cockpit.errors import CockpitError, EngineMissing
from cockpit.worker import EngineThread

log = logging.getLogger(__name__)
KV_TYPES = {"f32": 0, "f16": 1, "q4_0": 2, "q5_0": 6, "q8_0": 8}  # ggml_type ids
STOP = ["<|im_end|>", "<|endoftext|>"]
"""ChatML's end of turn and end of text; the model's own end-of-sequence token is added to them."""
PROBE_TOOL = {"type": "function", "function": {"name": "cockpit_probe_tool", "description": "probe",
                                               "parameters": {"type": "object", "properties": {}}}}
"""Rendered once at prepare: when its name is not in the prompt, the template ignores ``tools``."""
TAGS = ("<tool_call>", "</tool_call>", "<think>", "</think>")
"""Tags the tier reads in the text stream (brain/toolcall.py, ThinkFilter)."""


class ThinkFilter:
    """Drops ``<think>...</think>`` from a stream of text deltas, even when tags are split."""

    OPEN, CLOSE = "<think>", "</think>"

    def __init__(self) -> None:
        self._buf = ""
        self._inside = False

    def feed(self, text: str) -> str:
        self._buf += text
        out = []
        while True:
            tag = self.CLOSE if self._inside else self.OPEN
            i = self._buf.find(tag)
            if i < 0:
                break
            if not self._inside:
                out.append(self._buf[:i])
            rest = self._buf[i + len(tag):]
            self._buf = rest.lstrip("\n") if self._inside else rest  # "</think>\n\n" leaves no blank lines
            self._inside = not self._inside
        # hold back a tail that may be the start of a tag split across deltas
        keep = next((k for k in range(min(len(tag) - 1, len(self._buf)), 0, -1) if tag.startswith(self._buf[-k:])), 0)
        if not self._inside:
            out.append(self._buf[:len(self._buf) - keep])
        self._buf = self._buf[len(self._buf) - keep:]
        return "".join(out)

    def flush(self) -> str:
        rest, self._buf = ("" if self._inside else self._buf), ""
        return rest


class _Failed:
    def __init__(self, error: BaseException):
        self.error = error


class LocalLLM:
    """One local GGUF model. ``prepare`` first; then ``stream_chat`` (blocking) or ``astream``."""

    supports_grammar = True
    """``astream(grammar=...)`` constrains decoding with a GBNF grammar (llama.cpp)."""

    def __init__(self, settings: LocalLLMSettings | None = None):
        self.settings = settings or LocalLLMSettings()
        self.llm: Any = None
        self.path: Path | None = None
        self.is_fixture = False
        """True for a cockpit test fixture (random weights, ``cockpit.fixture`` in the GGUF); else real."""
        self.template_renders_tools = True
        """False when the chat template ignores ``tools``: they are written into the system prompt."""
        self.stop: list[str] = list(STOP)
        self.hidden_tags: dict[int, float] = {}
        """Tokens that spell one of TAGS but that llama.cpp would not show in the text (control
        tokens), banned from sampling so a tag is always written where the parser can see it."""
        self._prompt_fmt: Any = None
        self._prefix_fmt: Any = None
        self._thread = EngineThread("llm")

    def prepare(self) -> None:
        if importlib.util.find_spec("llama_cpp") is None:
            raise EngineMissing("llama-cpp-python is not installed", hint="pip install llama-cpp-python",
                                code="llm-missing")
        import llama_cpp
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        s = self.settings
        from cockpit.stack import LLM_CANDIDATES, model_name
        self.path = resolve_model_file(model_name(s.model, LLM_CANDIDATES))
        with open(self.path, "rb") as fh:
            magic = fh.read(4)
        t0 = time.perf_counter()
        try:
            if magic != b"GGUF":
                raise ValueError("not a GGUF file")
            repack = s.weight_repack if s.weight_repack is not None else repack_works(self.path)
            self.llm = load_llama(
                self.path, repack, n_ctx=s.n_ctx, n_threads=s.n_threads, n_threads_batch=s.n_threads, n_batch=s.n_batch,
                n_gpu_layers=s.n_gpu_layers, flash_attn=s.flash_attn, seed=s.seed, verbose=False,
                type_k=KV_TYPES[s.type_k] if s.type_k else None, type_v=KV_TYPES[s.type_v] if s.type_v else None)
        except Exception as exc:  # llama.cpp reports a truncated/corrupt file as ValueError
            raise EngineMissing(f"cannot load the local LLM model {self.path}: {exc}", code="llm-model-corrupt",
                                hint=f"delete {self.path} and download it again ({PULL_HINT})") from None
        meta = self.llm.metadata
        template = meta.get("tokenizer.chat_template")
        if not template:
            raise EngineMissing(f"{self.path} has no tokenizer.chat_template", code="llm-model-corrupt",
                                hint="use an instruct GGUF that carries its chat template")
        eos, bos = (self.llm._model.token_get_text(t) if t >= 0 else ""
                    for t in (self.llm.token_eos(), self.llm.token_bos()))
        self._prompt_fmt = Jinja2ChatFormatter(template, eos, bos, add_generation_prompt=True)
        self._prefix_fmt = Jinja2ChatFormatter(template, eos, bos, add_generation_prompt=False)
        self.stop = list(dict.fromkeys([*STOP, *([eos] if eos else [])]))
        self.template_renders_tools = self._renders_tools()
        self.hidden_tags = {ids[0]: float("-inf") for tag in TAGS
                            if len(ids := self._tokens(tag)) == 1 and not self.llm.detokenize(ids)}
        self.is_fixture = meta.get("cockpit.fixture") == "true"
        if self.is_fixture:
            log.warning("LOCAL LLM %s IS A FIXTURE (%s) WITH RANDOM WEIGHTS: its answers are gibberish",
                        self.path, meta.get("general.name", "?"))
        log.info("local LLM %s (%s, real weights unless marked fixture) loaded in %.2f s; tools %s",
                 self.path.name, meta.get("general.name", "?"), time.perf_counter() - t0,
                 "rendered by its chat template" if self.template_renders_tools else "listed in the system prompt")

    @property
    def supports_prefill(self) -> bool:
        """The model is loaded, so a prompt can be evaluated ahead (``warm``, ``prefill_soon``)."""
        return self.llm is not None

    @property
    def label(self) -> str:
        """``real`` or ``fixture``: every figure measured on this model says which."""
        return "fixture" if self.is_fixture else "real"

    def _renders_tools(self) -> bool:
        """Does the chat template write ``tools`` into the prompt? (a probe tool's name appears)"""
        probe = [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]
        try:
            prompt = self._prompt_fmt(messages=probe, tools=[PROBE_TOOL], enable_thinking=False).prompt
        except Exception:  # noqa: BLE001 - a template that chokes on tools does not render them
            return False
        return PROBE_TOOL["function"]["name"] in prompt

    def render(self, messages: list[dict], tools: list[dict] | None = None, *,
               add_generation_prompt: bool = True) -> str:
        """The prompt text the model sees, from its own chat template (OpenAI-style tools)."""
        fmt = self._prompt_fmt if add_generation_prompt else self._prefix_fmt
        if fmt is None:
            raise CockpitError("LocalLLM.prepare() was not called", code="llm-not-ready")
        if tools and not self.template_renders_tools:
            messages, tools = with_tools(messages, tools), None
        return fmt(messages=messages, tools=tools or None, enable_thinking=False).prompt

    def _tokens(self, prompt: str) -> list[int]:
        return self.llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)

    def stream_chat(self, messages: list[dict], tools: list[dict] | None = None, *, max_tokens: int = 256,
                    grammar: Any = None, speech: bool | None = None) -> Iterator[str]:
        """Text deltas of the assistant's answer (blocking). ``grammar``: GBNF text or LlamaGrammar.
        ``speech``: sample with the voice penalties (default: when there is no grammar)."""
        import llama_cpp

        tokens = self._tokens(self.render(messages, tools))
        if len(tokens) + max_tokens > self.settings.n_ctx:
            raise CockpitError(f"prompt of {len(tokens)} tokens + {max_tokens} does not fit n_ctx="
                               f"{self.settings.n_ctx}", code="llm-context-full", hint="raise n_ctx or trim history")
        s = self.settings
        if isinstance(grammar, str):
            grammar = llama_cpp.LlamaGrammar.from_string(grammar, verbose=False)
        # penalties are for speech: a constrained tool call repeats quotes and names by design
        penalties = {} if not (grammar is None if speech is None else speech) else {"repeat_penalty": s.repeat_penalty, "presence_penalty": s.presence_penalty,
                                                    "frequency_penalty": s.frequency_penalty}
        if self.hidden_tags:
            penalties["logit_bias"] = self.hidden_tags
        chunks = self.llm.create_completion(tokens, max_tokens=max_tokens, stream=True, grammar=grammar,
                                            stop=self.stop, temperature=s.temperature, seed=s.seed, **penalties)
        think = ThinkFilter()
        for chunk in chunks:
            text = think.feed(chunk["choices"][0]["text"])
            if text:
                yield text
        if rest := think.flush():
            yield rest

    async def astream(self, messages: list[dict], tools: list[dict] | None = None, *, max_tokens: int = 256,
                      grammar: Any = None, speech: bool | None = None) -> AsyncIterator[str]:
        """``stream_chat`` run on the LLM's own thread, decoding ahead: each delta is handed to the
        event loop as soon as llama.cpp has it, so the loop's work on one token (tool-call parsing,
        chunking, speech) overlaps the decoding of the next. Leaving the loop early (a barge-in,
        a cancelled turn) stops llama.cpp at its next token."""
        loop = asyncio.get_running_loop()
        deltas: asyncio.Queue = asyncio.Queue()
        stop = threading.Event()
        end = object()

        def send(item: Any) -> None:
            try:
                loop.call_soon_threadsafe(deltas.put_nowait, item)
            except RuntimeError:  # the loop is gone (shutdown): nobody is listening any more
                stop.set()

        def produce() -> None:
            try:
                more = {} if speech is None else {"speech": speech}  # wrappers of stream_chat (the bench's probe) predate it
                for delta in self.stream_chat(messages, tools, max_tokens=max_tokens, grammar=grammar, **more):
                    if stop.is_set():
                        break
                    send(delta)
            except BaseException as exc:  # noqa: BLE001 - re-raised on the loop's side
                send(_Failed(exc))
            finally:
                send(end)

        self._thread.submit(produce)
        try:
            while (item := await deltas.get()) is not end:
                if isinstance(item, _Failed):
                    raise item.error
                yield item
        finally:
            stop.set()

    def prefill(self, messages: list[dict], tools: list[dict] | None, upto: str) -> float:
        """Evaluate the rendered prompt of ``messages`` up to (not including) the text ``upto`` —
        a marker standing where the driver's words will go. Blocking: run it on this engine's
        thread (``prefill_soon``). Returns the seconds it took."""
        prompt = self.render(messages, tools)
        cut = prompt.rfind(upto)
        if cut < 0:
            return 0.0
        tokens = self._tokens(prompt[:cut])
        t0 = time.perf_counter()
        for _ in self.llm.create_completion(tokens, max_tokens=1, stream=True, temperature=0.0):
            pass  # the sampled token is not evaluated: the cache holds exactly the prefix
        return time.perf_counter() - t0

    def prefill_soon(self, messages: list[dict], tools: list[dict] | None, upto: str) -> "asyncio.Future[float]":
        """``prefill`` queued on the LLM thread, ahead of the turn's own call."""
        return self._thread.submit(self.prefill, messages, tools, upto)

    def warm(self, prefix_messages: list[dict], tools: list[dict] | None = None) -> float:
        """Evaluate the static prompt prefix now so the first real turn only pays for its new tokens.

        Returns the seconds it took (near zero when the prefix is already cached)."""
        tokens = self._tokens(self.render(prefix_messages, tools, add_generation_prompt=False))
        t0 = time.perf_counter()
        for _ in self.llm.create_completion(tokens, max_tokens=1, stream=True, temperature=0.0):
            pass  # one sampled token is not evaluated, so the cache holds exactly the prefix
        return time.perf_counter() - t0

    def fits_static(self, prefix_messages: list[dict], tools: list[dict] | None = None) -> bool:
        """Does this static prefix leave a quarter of ``n_ctx`` (at least 1,024 tokens) for history,
        context and answers?"""
        tokens = self._tokens(self.render(prefix_messages, tools, add_generation_prompt=False))
        return len(tokens) <= self.settings.n_ctx - max(1024, self.settings.n_ctx // 4)

    def close(self) -> None:
        self._thread.close(wait=True)  # a prefill may still be decoding: freeing under it crashes llama.cpp
        if self.llm is not None:
            self.llm.close()
            self.llm = None
