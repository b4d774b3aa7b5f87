"""Settings of the brain tiers: fast path, local Qwen, cloud, privacy, routing."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from cockpit.config.base import Section


class FastPathSettings(Section):
    enabled: bool = True
    """Deterministic grammar intents answered without any LLM."""


class LocalLLMSettings(Section):
    """The local Qwen on llama.cpp (brain tier 2)."""

    model: str = "auto"
    """A .gguf file path, or a catalog name (models/catalog.yaml) whose .gguf is used; 'auto': the
    first downloaded of qwen2.5-1.5b, qwen2.5-0.5b, smollm2-135m."""
    n_ctx: int = Field(8192, ge=256)
    """Context window in tokens (prompt + answer); the KV cache is sized for it. Qwen's template
    writes every tool's JSON schema into the prompt: ~4,000 tokens with the 25 tools of a default
    assistant, so 4096 leaves no room for history (the KV cache of 8192 is ~235 MB for Qwen2.5-1.5B)."""
    n_threads: int | None = None
    """CPU threads for decoding and prefill; None = llama-cpp-python's default (half the logical CPUs
    for decoding, all of them for prefill)."""
    n_batch: int = Field(512, ge=1)
    """Prompt tokens evaluated per batch (bigger = faster prefill, more memory)."""
    n_gpu_layers: int = 0
    """Layers offloaded to the GPU; 0 = CPU only, -1 = all."""
    flash_attn: bool = False
    """Use flash attention (needed for a quantised V cache)."""
    type_k: str | None = None
    """KV cache type for K: f16 (default), q8_0, q4_0, ..."""
    type_v: str | None = None
    """KV cache type for V (quantised V needs flash_attn)."""
    seed: int = 0
    """Sampling seed, for repeatable answers."""
    temperature: float = Field(0.2, ge=0.0)
    """Sampling temperature; 0 = greedy."""
    repeat_penalty: float = Field(1.15, ge=1.0, le=2.0)
    """llama.cpp's repeat penalty on the reply's own last 64 tokens (not the prompt): above 1 a small
    model stops saying one phrase over and over; 1 = off. Not applied to a grammar-constrained tool
    call, whose JSON repeats quotes and names by design."""
    frequency_penalty: float = Field(0.0, ge=0.0, le=2.0)
    """Subtracted from a token's logit once per time it was used in those 64 tokens; 0 = off (spoken
    replies are too short for it to matter once the repeat penalty is on)."""
    presence_penalty: float = Field(0.0, ge=0.0, le=2.0)
    """Subtracted once from any token already used in those 64 tokens; 0 = off (it pushes a small
    model away from the words of the question it must answer)."""
    weight_repack: bool | None = None
    """llama.cpp's extra weight buffers (repacked layouts, Intel AMX tiles): faster on the CPUs that
    have them. None = auto: on, except where a one-off probe in a subprocess finds that the CPU's AMX
    unit faults (virtual machines that advertise AMX without allowing it)."""
    prefill: bool = True
    """While the driver is still speaking, evaluate the prompt up to their words (history and the
    vehicle context as they began), so after they stop only their words are left to evaluate."""


class CloudSettings(Section):
    """The cloud tier: any OpenAI-compatible endpoint (brain tier 3)."""

    base_url: str = "https://dashscope-intl.aliyuncs.com/compatible-mode/v1"
    """The OpenAI-compatible API root (ending in /v1 or the provider's equivalent)."""
    model: str = "qwen-plus"
    """The model name the endpoint expects."""
    api_key_env: str = "DASHSCOPE_API_KEY"
    """NAME of the environment variable holding the API key; the key itself never goes in config."""
    connect_timeout_s: float = Field(2.0, gt=0)
    """Deadline for the TCP + TLS connection."""
    first_token_timeout_s: float = Field(3.0, gt=0)
    """Deadline from sending the request to the first content (text or tool call); it also bounds
    any silent gap later in the stream."""
    total_timeout_s: float = Field(15.0, gt=0)
    """Deadline for the whole answer, from sending the request to the last delta."""
    max_tokens: int = Field(256, ge=1)
    """Most tokens in one answer."""
    temperature: float = Field(0.2, ge=0.0)
    """Sampling temperature; 0 = greedy."""
    verify_tls: bool = True
    """Check the server's TLS certificate. Only switch off for a test endpoint."""


class PrivacyPolicy(Section):
    """What the privacy filter does to a payload bound for a cloud model."""

    location_precision_km: float = Field(1.0, ge=0.0)
    """Coordinates are snapped to a grid of this cell size (km); 0 sends them unchanged."""
    redact_phone: bool = True
    """Replace phone numbers (international and national formats) with ``[phone]``."""
    redact_email: bool = True
    """Replace e-mail addresses with ``[email]``."""
    redact_plate: bool = True
    """Replace licence plates (DE, UK, US, CN formats) with ``[plate]``."""
    redact_vin: bool = True
    """Replace 17-character vehicle identification numbers with ``[vin]``."""


class BrainSettings(Section):
    mode: Literal["auto", "fastpath-only", "local-only", "local-first", "cloud-first"] = "auto"
    """Which tiers may answer, after the fast path: 'auto' (local-only when a local model is
    downloaded, else fastpath-only, announced at start); 'fastpath-only' (grammar, no download);
    'local-only' (the local Qwen: `cockpit models pull qwen2.5-1.5b`); 'local-first' (local,
    cloud if local fails); 'cloud-first' (cloud while it is healthy, local otherwise)."""
    fastpath: FastPathSettings = FastPathSettings()
    local: LocalLLMSettings = LocalLLMSettings()
    cloud: CloudSettings = CloudSettings()
    privacy: PrivacyPolicy = PrivacyPolicy()
    """What may leave the car: applied to every cloud payload."""
    breaker_failures: int = Field(3, ge=1, le=100)
    """Consecutive cloud failures that open the circuit breaker (cloud skipped)."""
    breaker_cooldown_s: float = Field(30.0, gt=0, le=3600)
    """How long the breaker stays open before one probe request is let through."""
    tool_choice: Literal["auto", "required"] = "auto"
    """'required' constrains decoding with a GBNF grammar so the model must emit one valid
    tool call (use when every request maps to an action)."""
    max_tool_rounds: int = Field(2, ge=1, le=5)
    """Model calls per turn: tool results go back to the model at most this many times."""
    max_reply_tokens: int = Field(160, ge=16, le=2048)
    """Tokens a model may write for one spoken reply while the car is parked (all the turn's model
    calls together; a grammar-constrained tool call gets at least 128 of its own)."""
    max_reply_tokens_driving: int = Field(64, ge=16, le=2048)
    """The same budget while the car moves (or its speed is unknown); never above max_reply_tokens."""
    max_sentences_parked: int = Field(4, ge=1, le=20)
    """Sentences of a model's reply that are spoken while parked; the model is stopped at the next."""
    max_sentences_driving: int = Field(2, ge=1, le=20)
    """Sentences spoken while the car moves (or its speed is unknown)."""
    claim_retry: bool = False
    """A reply that claims an action no call backed, to words that did not look like a command
    (guards.looks_like_command; those are constrained from the start): true = the claim is dropped
    and the round runs once more constrained to one tool call or "none" (a capable model then acts
    or declines); false = the claim is dropped and, if nothing else was said, "Sorry, I couldn't do
    that." Off by default: on chit-chat a small model (SmolLM2) then picks some tool and acts."""
    repeat_ngram: int = Field(6, ge=3, le=20)
    """A reply that repeats a run of this many words (or a whole sentence) is looping: the repeat is
    dropped and the model stopped."""
    history_turns: int = Field(6, ge=0, le=50)
    """Earlier exchanges kept in the prompt."""
    history_ttl_s: float = Field(300.0, gt=0, le=86400)
    """History older than this is forgotten (a new conversation)."""
