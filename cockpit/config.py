"""YAML -> validated, frozen settings.

Every component has one frozen pydantic model with a docstring per field. Unknown keys,
wrong types and out-of-range values are errors that name the key path and how to fix it;
``load_config`` raises :class:`ConfigError` carrying every problem at once.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cockpit.errors import CockpitError


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class InputSettings(Section):
    """Microphone capture (``cockpit sim --mic``; the daemon). Also the options of
    :class:`cockpit.audio.capture.Microphone`."""

    device: str | int | None = None
    """Input device: a unique part of its name, a PortAudio index, or null for the system default."""
    samplerate: int | None = Field(None, gt=0)
    """Capture rate in Hz; null uses the device's own default rate (resampled to 16 kHz)."""
    channels: int = Field(1, ge=1, le=32)
    """Channels to open; more than one is averaged to mono."""
    block_ms: int = Field(20, ge=5, le=200)
    """PortAudio block length in milliseconds."""
    buffer_s: float = Field(2.0, gt=0, le=30)
    """Ring buffer length; the oldest audio is overwritten when the consumer falls behind (counted)."""
    stall_s: float = Field(2.0, gt=0, le=60)
    """No audio for this long while the stream is open counts as a lost device."""
    retry_initial_s: float = Field(0.5, gt=0, le=60)
    """First wait before reopening a lost device; doubles after each failure."""
    retry_max_s: float = Field(8.0, gt=0, le=600)
    """Cap on the reopen back-off."""
    rescan: bool = True
    """Re-initialise PortAudio before each reopen so a re-plugged USB microphone is found."""


class OutputSettings(Section):
    sink: Literal["speaker", "file", "none"] = "file"
    """Where replies go: the sound card, WAV files only, or nowhere."""
    device: str | int | None = None
    """Output device name (substring) or index; null picks the system default."""
    reply_dir: str = "out/replies"
    """Folder for reply WAVs when sink is 'file' (and for `cockpit sim --out`)."""


class AudioSettings(Section):
    frame_ms: Literal[10, 20, 30] = 30
    """VAD frame length in milliseconds (the WebRTC-style VAD accepts 10, 20 or 30)."""
    input: InputSettings = InputSettings()
    output: OutputSettings = OutputSettings()


class VadSettings(Section):
    engine: Literal["webrtc", "silero"] = "silero"
    """'webrtc': the C VAD inside the pocketsphinx wheel (30 ms frames, microseconds each);
    'silero': the Silero ONNX model inside the faster-whisper wheel (32 ms frames, ~6 ms CPU
    per second of audio), far more robust to cabin noise."""
    threshold: float = Field(0.5, gt=0.0, lt=1.0)
    """Silero: speech probability above which a frame is speech."""
    aggressiveness: int = Field(3, ge=0, le=3)
    """0 lets most sound through as speech, 3 is strictest. Below 3 this detector calls
    steady broadband noise (fans, road) speech, so 3 is the default."""
    min_level_dbfs: float = Field(-50.0, ge=-90.0, le=-10.0)
    """Energy gate: frames quieter than this are never speech, whatever the VAD says."""


class EndpointSettings(Section):
    start_ms: int = Field(90, ge=0, le=1000)
    """Continuous speech needed to declare that the driver started talking."""
    hangover_ms: int = Field(600, ge=100, le=3000)
    """Silence after speech before the utterance is declared finished."""
    hangover_complete_ms: int = Field(300, ge=100, le=3000)
    """Shorter hangover used while the partial transcript already parses as a complete
    command (the fast path matches it): the driver is most likely done."""
    min_speech_ms: int = Field(250, ge=0, le=5000)
    """Shorter bursts (a cough, a click) are discarded."""
    max_utterance_s: float = Field(12.0, gt=1.0, le=120.0)
    """An utterance is cut off (and marked truncated) after this long."""
    preroll_ms: int = Field(300, ge=0, le=2000)
    """Audio kept from before speech start so the first syllable is never clipped."""


class OpenWakeWordSettings(Section):
    models: list[str] = []
    """openWakeWord wake-model .onnx files (e.g. models/openwakeword/hey_jarvis_v0.1.onnx);
    each is spotted, and a hit is named by the file's stem. Supplied by the user."""
    melspec_model: str = "models/openwakeword/melspectrogram.onnx"
    """openWakeWord's shared melspectrogram feature model."""
    embedding_model: str = "models/openwakeword/embedding_model.onnx"
    """openWakeWord's shared speech-embedding feature model."""
    threshold: float = Field(0.5, gt=0.0, lt=1.0)
    """Score (0..1) a wake model must exceed; higher = fewer false wakes, more misses."""
    threads: int = Field(1, ge=1, le=8)
    """onnxruntime intra-op threads per model."""


class WakeSettings(Section):
    mode: Literal["phrase", "model", "ptt", "none"] = "phrase"
    """phrase: a spoken keyword (PocketSphinx) starts a turn; model: openWakeWord models;
    ptt: push-to-talk (speech while the button is held is a command); none: every utterance
    is a command (bench and tests)."""
    keyphrase: str = "cockpit"
    """Word(s) spotted by PocketSphinx; 'hey cockpit' works because 'cockpit' is spotted."""
    threshold: float = Field(1e-25, gt=0.0, le=1.0)
    """Detection threshold: smaller detects more (and false-wakes more). 1e-30 .. 1e-10."""
    listen_s: float = Field(6.0, gt=0.5, le=30.0)
    """After a bare wake phrase, how long to wait for the command."""
    openwakeword: OpenWakeWordSettings = OpenWakeWordSettings()


class SphinxSettings(Section):
    beam: float = Field(1e-48, gt=0.0, lt=1.0)
    """Main search beam; wider (smaller) is more accurate and slower."""
    wbeam: float = Field(7e-29, gt=0.0, lt=1.0)
    """Word-exit beam."""
    min_confidence: float = Field(0.0, ge=0.0, le=1.0)
    """Posterior below which a grammar hypothesis is rejected as 'not understood'."""


class WhisperSettings(Section):
    model: str = "whisper-tiny"
    """A catalog name (models/<name>/, fetched by `cockpit models pull`) or a model directory."""
    device: Literal["cpu", "cuda", "auto"] = "cpu"
    """Where CTranslate2 runs: 'cuda' on a Jetson or a GPU box."""
    compute_type: Literal["int8", "int8_float16", "int8_float32", "float16", "float32", "default"] = "int8"
    """Weight/compute precision: int8 on CPU, float16 or int8_float16 on CUDA."""
    cpu_threads: int = Field(0, ge=0, le=64)
    """Intra-op threads; 0 lets CTranslate2 choose."""
    beam_size: int = Field(1, ge=1, le=10)
    """1 = greedy, lowest latency."""
    hotwords: str = "temperature window navigate volume fan air conditioning seat heating defrost"
    """Vehicle vocabulary biasing the decoder (faster-whisper hotwords)."""
    partial_interval_ms: int = Field(600, ge=100, le=5000)
    """How much new audio triggers a partial re-decode while the driver speaks."""


class AsrSettings(Section):
    engine: Literal["sphinx", "whisper"] = "sphinx"
    """'sphinx': PocketSphinx constrained by the command grammar (offline, no download);
    'whisper': faster-whisper, open vocabulary (needs a model: `cockpit models pull whisper-base`)."""
    language: Literal["en", "zh", "auto"] = "en"
    """Recognition language; 'auto' lets Whisper detect it. The grammar recogniser is English only."""
    sphinx: SphinxSettings = SphinxSettings()
    whisper: WhisperSettings = WhisperSettings()

    @model_validator(mode="after")
    def _language_supported(self) -> "AsrSettings":
        if self.engine == "sphinx" and self.language != "en":
            raise ValueError(f"asr.language {self.language!r} needs asr.engine: whisper "
                             "(the grammar recogniser is English only)")
        return self


class FastPathSettings(Section):
    enabled: bool = True
    """Deterministic grammar intents answered without any LLM."""


class LocalLLMSettings(Section):
    """The local Qwen on llama.cpp (brain tier 2)."""

    model: str = "qwen2.5-1.5b"
    """A .gguf file path, or a catalog name (models/catalog.yaml) whose .gguf is used."""
    n_ctx: int = Field(4096, ge=256)
    """Context window in tokens (prompt + answer); the KV cache is sized for it."""
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
    mode: Literal["fastpath-only", "local-only", "local-first", "cloud-first"] = "fastpath-only"
    """Which tiers may answer, after the fast path: 'fastpath-only' (grammar, no download);
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
    """Token budget of one model answer (replies are spoken: keep them short)."""
    history_turns: int = Field(6, ge=0, le=50)
    """Earlier exchanges kept in the prompt."""
    history_ttl_s: float = Field(300.0, gt=0, le=86400)
    """History older than this is forgotten (a new conversation)."""


class EspeakSettings(Section):
    voice: str = "en-us"
    """espeak-ng voice name (see `espeak-ng --voices`)."""
    rate_wpm: int = Field(175, ge=80, le=450)
    """Speaking rate in words per minute."""
    pitch: int = Field(50, ge=0, le=99)
    """Voice pitch, 0-99."""


class TtsSettings(Section):
    engine: Literal["espeak"] = "espeak"
    """'espeak': espeak-ng (Debian package), offline, no download."""
    espeak: EspeakSettings = EspeakSettings()


class Place(Section):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class VehicleSettings(Section):
    adapter: Literal["sim"] = "sim"
    """Where vehicle signals come from and actuations go: 'sim' is the simulated vehicle."""
    initial: dict[str, float | int | str | bool] = {}
    """VSS path -> starting value for the simulated vehicle (overrides its defaults)."""
    places: dict[str, Place] = {}
    """Named destinations the driver can ask for by name ('home', 'work')."""

    @field_validator("initial")
    @classmethod
    def _vss_paths(cls, value: dict[str, Any]) -> dict[str, Any]:
        bad = [k for k in value if not k.startswith("Vehicle.")]
        if bad:
            raise ValueError(f"keys must be VSS paths starting with 'Vehicle.', got {bad}")
        return value


class SessionSettings(Section):
    fallback_reply: str = "Sorry, something went wrong. Please try again."
    """The one spoken fallback after any stage error."""
    not_understood_reply: str = "Sorry, I can't help with that yet."
    """What cockpit says when no tier can handle an utterance."""


class Settings(Section):
    """The whole runtime configuration (one YAML file)."""

    name: str = "default"
    """A label for this configuration, shown in logs and benchmark reports."""
    audio: AudioSettings = AudioSettings()
    vad: VadSettings = VadSettings()
    endpoint: EndpointSettings = EndpointSettings()
    wake: WakeSettings = WakeSettings()
    asr: AsrSettings = AsrSettings()
    brain: BrainSettings = BrainSettings()
    tts: TtsSettings = TtsSettings()
    vehicle: VehicleSettings = VehicleSettings()
    session: SessionSettings = SessionSettings()


class ConfigError(CockpitError):
    """A configuration file could not be used. ``problems`` lists every (path, message, hint)."""

    code = "config-invalid"

    def __init__(self, source: str, problems: list[tuple[str, str, str]]):
        self.source = source
        self.problems = problems
        lines = [f"{source}: {len(problems)} problem(s)"]
        lines += [f"  {path}: {msg}" + (f"\n    hint: {hint}" if hint else "") for path, msg, hint in problems]
        super().__init__("\n".join(lines))


_HINTS = {
    "extra_forbidden": "remove this key or check its spelling (see configs/default.yaml)",
    "literal_error": "use one of the allowed values listed",
    "greater_than_equal": "raise the value into the allowed range",
    "less_than_equal": "lower the value into the allowed range",
    "greater_than": "raise the value into the allowed range",
    "less_than": "lower the value into the allowed range",
}


def _hint(error: dict[str, Any]) -> str:
    kind = error["type"]
    if kind in _HINTS:
        return _HINTS[kind]
    if kind in ("model_type", "dict_type"):
        return "this key holds a mapping of settings, not a single value"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return "give a value of the expected type"
    return ""


def parse_config(data: Any, source: str = "<config>") -> Settings:
    """Validate already-parsed YAML data."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(source, [("<root>", f"expected a mapping of settings, got {type(data).__name__}",
                                    "the file must start with keys such as 'audio:' or 'wake:'")])
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            path = ".".join(str(p) for p in err["loc"]) or "<root>"
            problems.append((path, err["msg"], _hint(err)))
        raise ConfigError(source, problems) from None


def load_config(path: str | Path | None) -> Settings:
    """Read and validate a YAML config file; ``None`` gives the built-in defaults."""
    if path is None:
        return Settings()
    p = Path(path)
    if not p.is_file():
        raise ConfigError(str(p), [("<file>", "no such file", "check the path; shipped configs live in configs/")])
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "<file>"
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(str(p), [(where, f"YAML syntax error: {problem}",
                                    "fix the indentation or quoting at that spot")]) from None
    except UnicodeDecodeError:
        raise ConfigError(str(p), [("<file>", "not UTF-8 text", "save the file as UTF-8 YAML")]) from None
    return parse_config(data, str(p))
