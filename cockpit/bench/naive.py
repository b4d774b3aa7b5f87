"""The baselines `cockpit bench` runs in the same process, on the same models and inputs.

NAIVE: what a user scripts with the same libraries when there is no cockpit: when the driver
stops, transcribe the whole utterance (``WhisperModel.transcribe``), make one non-streaming
chat completion with the same messages and tools (``Llama.create_chat_completion``, its own
``Llama`` object with the same settings, llama-cpp-python's automatic prefix reuse included),
then synthesise the whole reply with the same voice. It has no fast path: every command goes to
the model. Its time to first audio is the sum of the three.

RAW: the engines alone, for cockpit's overhead. A bare ``Llama.generate`` loop on cockpit's own
``Llama`` with the turn's prompt, as many tokens as cockpit generated (decode rate after the
first token), and the cold time to first token (KV cache reset, the whole prompt evaluated).
The raw recogniser time is the naive transcription of the same utterance.
"""
from __future__ import annotations

import time
from typing import Any

import numpy as np

from cockpit.config import Settings
from cockpit.tts.text import speakable


class NaivePipeline:
    def __init__(self, settings: Settings, voices: Any):
        self.settings = settings
        self.voices = voices   # cockpit's prepared voices: the same voice, called once for the whole reply
        self.whisper: Any = None
        self.llama: Any = None

    def prepare(self, whisper_dir: str | None, gguf: str) -> None:
        import llama_cpp
        s = self.settings.brain.local
        self.llama = llama_cpp.Llama(gguf, n_ctx=s.n_ctx, n_threads=s.n_threads, n_threads_batch=s.n_threads,
                                     n_batch=s.n_batch, n_gpu_layers=s.n_gpu_layers, flash_attn=s.flash_attn,
                                     seed=s.seed, verbose=False)
        if whisper_dir is not None:
            from faster_whisper import WhisperModel
            w = self.settings.asr.whisper
            self.whisper = WhisperModel(whisper_dir, device=w.device, compute_type=w.compute_type,
                                        cpu_threads=w.cpu_threads, local_files_only=True)
            self.transcribe(np.zeros(8000, np.int16), None)  # first call allocates, as cockpit's prepare does

    def close(self) -> None:
        if self.llama is not None:
            self.llama.close()

    def transcribe(self, audio: np.ndarray, token_cap: int | None) -> tuple[str, float]:
        """The whole utterance at once; (text, seconds). ``token_cap`` as cockpit's for a fixture."""
        x = audio.astype(np.float32) / 32768.0
        language = None if self.settings.asr.language == "auto" else self.settings.asr.language
        t0 = time.perf_counter()
        segments, _ = self.whisper.transcribe(x, language=language, beam_size=self.settings.asr.whisper.beam_size,
                                              temperature=0.0, without_timestamps=True,
                                              max_new_tokens=min(int(8 * len(x) / 16000) + 8, token_cap or 10**6))
        text = " ".join(s.text.strip() for s in segments)  # the lazy generator decodes here
        return text, time.perf_counter() - t0

    def turn(self, audio: np.ndarray | None, messages: list[dict], tools: list[dict], max_tokens: int,
             reply: str, token_cap: int | None = None) -> dict:
        """One naive turn from end of speech; ms per stage and ``ttfa`` (first audio = all audio).
        ``reply`` is what is spoken (cockpit's words: a fixture's own text is gibberish)."""
        asr_s = self.transcribe(audio, token_cap)[1] if audio is not None and self.whisper is not None else 0.0
        t0 = time.perf_counter()
        out = self.llama.create_chat_completion(messages=messages, tools=tools, max_tokens=max_tokens,
                                                temperature=0.0, seed=self.settings.brain.local.seed)
        llm_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        speech = self.voices.synthesize(speakable(reply) or reply)
        tts_s = time.perf_counter() - t1
        ms = lambda s: round(s * 1000, 2)  # noqa: E731
        return {"asr": ms(asr_s), "llm": ms(llm_s), "tts": ms(tts_s), "ttfa": ms(asr_s + llm_s + tts_s),
                "tokens": out["usage"]["completion_tokens"], "audio_s": round(speech.duration, 3)}


def bare_decode(llama: Any, prompt_tokens: list[int], n: int) -> float | None:
    """Tokens per second of a bare ``Llama.generate`` loop after its first token (greedy, n tokens)."""
    stamps: list[float] = []
    for _ in llama.generate(prompt_tokens, temp=0.0):
        stamps.append(time.perf_counter())
        if len(stamps) >= n:
            break
    if len(stamps) < 3:
        return None
    return (len(stamps) - 1) / (stamps[-1] - stamps[0])


def cold_first_token_ms(llama: Any, stream_chat: Any, messages: list[dict], tools: list[dict]) -> float:
    """KV cache emptied, then cockpit's own call (``LocalLLM.stream_chat``) for one token: the
    whole prompt is evaluated, as on the first turn of a drive without ``LocalLLM.warm``."""
    llama.reset()
    t0 = time.perf_counter()
    for _ in stream_chat(messages, tools, max_tokens=1):
        pass
    return round((time.perf_counter() - t0) * 1000, 2)
