"""The event vocabulary: every hop of a turn emits one of these frozen dataclasses.

Serialisation is derived from the dataclass fields (``to_dict`` / ``from_dict``), never
hand-written per type, so a field that is declared is always sent and always read back.
Bytes payloads (audio) are base64 in JSON; nested event-like records (``ToolCall``) are
rebuilt from their type hints.
"""
from __future__ import annotations

import base64
import dataclasses
import enum
import json
import types
import typing
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping


class Stage(str, enum.Enum):
    """The stages of one turn, in pipeline order."""

    WAKE = "wake"
    VAD = "vad"
    ASR = "asr"
    ROUTE = "route"
    LLM = "llm"
    TOOL = "tool"
    TTS = "tts"
    PLAYBACK = "playback"


class Route(str, enum.Enum):
    """Which brain tier answered a turn."""

    FASTPATH = "fastpath"
    LOCAL = "local"
    CLOUD = "cloud"
    NONE = "none"


_REGISTRY: dict[str, type["Event"]] = {}


def _freeze(value: Any) -> Any:
    """Make mappings and lists immutable so a frozen event is frozen all the way down."""
    if isinstance(value, Mapping) and not isinstance(value, types.MappingProxyType):
        return types.MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _plain(value: Any) -> Any:
    """Turn a field value into JSON-ready data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def _revive(hint: Any, value: Any) -> Any:
    """Rebuild a field value from JSON data using the field's type hint."""
    if value is None:
        return None
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        non_none = [a for a in args if a is not type(None)]
        return _revive(non_none[0], value) if len(non_none) == 1 else value
    if hint is bytes:
        return base64.b64decode(value)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        return hint(**{k: _revive(hints[k], v) for k, v in value.items() if k in hints})
    if origin is tuple:
        inner = args[0] if args else Any
        return tuple(_revive(inner, v) for v in value)
    return value


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A request to run one tool, from whichever tier proposed it."""

    name: str
    arguments: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "arguments", _freeze(dict(self.arguments)))

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "arguments": _plain(self.arguments)}


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base of every bus event. ``t`` is seconds on the monotonic clock; ``turn`` the turn id."""

    type: ClassVar[str] = "event"
    t: float = 0.0
    turn: int = 0

    def __init_subclass__(cls, **kwargs: Any) -> None:
        name = cls.__dict__.get("type")
        if isinstance(name, str):
            _REGISTRY[name] = cls

    def to_dict(self) -> dict[str, Any]:
        data = {"type": self.type}
        data.update({f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)})
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> "Event":
        try:
            cls = _REGISTRY[data["type"]]
        except KeyError as exc:
            raise ValueError(f"unknown event type {data.get('type')!r}") from exc
        hints = typing.get_type_hints(cls)
        kwargs = {k: _revive(hints[k], v) for k, v in data.items() if k != "type" and k in hints}
        return cls(**kwargs)


def event(cls: type) -> type:
    """Decorator: a frozen, slotted, keyword-only event dataclass."""
    return dataclass(frozen=True, slots=True, kw_only=True)(cls)


@event
class WakeDetected(Event):
    type: ClassVar[str] = "wake"
    phrase: str
    score: float
    audio_time: float
    """Seconds of input audio at which the wake phrase ended."""


@event
class VoiceActivity(Event):
    type: ClassVar[str] = "voice"
    audio_time: float
    """Seconds of input audio at the end of the frame."""
    probability: float
    """Speech probability of the frame (Silero); 1.0 / 0.0 for the WebRTC VAD's yes/no."""
    speech: bool


@event
class SpeechStarted(Event):
    type: ClassVar[str] = "speech-started"
    audio_time: float


@event
class SpeechEnded(Event):
    type: ClassVar[str] = "speech-ended"
    audio_time: float
    duration: float
    truncated: bool = False
    """True when the maximum utterance length cut the speech off."""


@event
class Transcript(Event):
    type: ClassVar[str] = "transcript"
    text: str
    final: bool = True
    confidence: float | None = None
    language: str = "en"


@event
class RouteDecided(Event):
    type: ClassVar[str] = "route"
    route: Route
    reason: str


@event
class CloudPayload(Event):
    type: ClassVar[str] = "cloud-payload"
    redactions: Mapping[str, int]
    """What the privacy filter removed or coarsened before the payload left the car (kind -> count)."""
    messages: int
    """How many chat messages were sent."""


@event
class ToolCalled(Event):
    type: ClassVar[str] = "tool-call"
    call: ToolCall
    source: Route


@event
class ToolResult(Event):
    type: ClassVar[str] = "tool-result"
    call: ToolCall
    ok: bool
    message: str
    """What the skill says happened, in the driver's words."""
    changes: Mapping[str, Any] = field(default_factory=dict)
    """VSS path -> new value for every vehicle signal the call set."""


@event
class ReplyText(Event):
    type: ClassVar[str] = "reply"
    text: str
    final: bool = True


@event
class AudioOut(Event):
    type: ClassVar[str] = "audio-out"
    sample_rate: int
    duration: float
    path: str | None = None
    payload: bytes | None = None


@event
class BargeIn(Event):
    """The driver spoke while cockpit was talking: playback stopped, the turn's work cancelled."""

    type: ClassVar[str] = "barge-in"
    trigger: str
    """What interrupted: ``vad`` (speech) or ``wake`` (the wake phrase)."""
    audio_time: float
    """Microphone time (s) when the interruption was decided."""
    speech_s: float
    """How much of the driver's speech had been heard when it was decided."""
    dropped_s: float = 0.0
    """Seconds of queued reply audio that were never played."""
    held: bool = False
    """The reply was paused, not dropped (barge_in.resume_ms): words cancel it, none let it play on."""


@event
class ReplyResumed(Event):
    """The sound that interrupted the reply ended without words (a cough, a door, "mm-hm"): it plays on."""

    type: ClassVar[str] = "reply-resumed"
    audio_time: float
    """Microphone time (s) when it resumed."""
    held_s: float
    """How long the reply was held (audio time since the interruption)."""


@event
class StateChanged(Event):
    type: ClassVar[str] = "state"
    state: str
    previous: str


@event
class ErrorRaised(Event):
    type: ClassVar[str] = "error"
    code: str
    """Stable error code, e.g. ``asr-no-text`` (every code: ``cockpit errors``)."""
    message: str
    stage: Stage | None = None
    kind: str = ""
    """``fault``, ``refusal`` or ``degraded``: from the error registry when not given."""

    def __post_init__(self) -> None:
        if not self.kind:
            from cockpit.errors import spec
            object.__setattr__(self, "kind", spec(self.code).kind)


@event
class TurnSummary(Event):
    type: ClassVar[str] = "turn"
    transcript: str
    route: Route
    tool_calls: tuple[ToolCall, ...]
    reply: str
    timings_ms: Mapping[str, float]
    error: str | None = None
    audio_path: str | None = None
    route_reason: str = ""
    """Why that tier answered (the rule that matched, the mode, which tiers failed first)."""
    interrupted: bool = False
    """The driver barged in: the reply was cut off (``reply`` is what had been produced)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "timings_ms", _freeze(dict(self.timings_ms)))
        object.__setattr__(self, "tool_calls", tuple(self.tool_calls))


@event
class StackReady(Event):
    """Every engine is loaded: which ones run, each labelled real or fixture (emitted by prepare)."""

    type: ClassVar[str] = "stack"
    parts: Mapping[str, str]
    """part (wake, vad, asr, llm, tts) -> 'engine (model)' as it runs"""
    fixtures: tuple[str, ...] = ()
    """the parts answering with random-weight fixtures: their output is gibberish"""
    fallbacks: tuple[str, ...] = ()
    """one line per part that fell back to the offline engine because its real model is absent"""

    def __post_init__(self) -> None:
        object.__setattr__(self, "parts", _freeze(dict(self.parts)))
        object.__setattr__(self, "fixtures", tuple(self.fixtures))
        object.__setattr__(self, "fallbacks", tuple(self.fallbacks))


@event
class ConfirmationAsked(Event):
    """A transaction was read back and waits for the driver: their spoken yes, or an authenticated
    HMI client's ``confirm`` naming ``id``."""

    type: ClassVar[str] = "confirmation-asked"
    id: str
    """Random id of the pending request; an HMI confirm or cancel must name it."""
    tool: str
    arguments: Mapping[str, Any]
    readback: str
    """The sentence the driver hears, ending with how to confirm."""
    expires_in_s: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "arguments", _freeze(dict(self.arguments)))


@event
class ConfirmationSettled(Event):
    """The pending request ``id`` is no longer waiting."""

    type: ClassVar[str] = "confirmation-settled"
    id: str
    outcome: str
    """confirmed | cancelled | expired | refused (its confirmation could not be recorded)"""
    channel: str
    """Who settled it: voice | hmi-confirm | hmi-cancel | typed | none (it expired unanswered)"""


@event
class PrivacyModeChanged(Event):
    """Privacy mode went on or off (the driver's "privacy mode on/off"): while it is on, cockpit keeps no
    conversation history, never uses the cloud tier and writes no reply audio."""

    type: ClassVar[str] = "privacy-mode"
    on: bool


@dataclass(frozen=True, slots=True)
class PlaceMark:
    """One place an answer named, as a map shows it."""

    id: int
    """The POI store's id (the same as in GET /map)."""
    name: str
    lat: float
    lon: float
    kind: str
    """What it is, as spoken: 'restaurant', 'museum', 'gas station'."""
    open: bool | None = None
    """Open when the answer was given; None when its hours are unknown."""
    hours: str = ""
    """Its opening state in words: 'open until 14:30', 'closed until 17:00'; '' when unknown."""
    side: str = ""
    """Which side of the car it was seen on (whats_around): right, left, ahead, behind."""
    distance_m: float = 0.0
    """Straight-line distance from the car when the answer was given."""


@dataclass(frozen=True, slots=True)
class Sector:
    """The part of the car's surroundings an answer looked at ('what's on my right?')."""

    lat: float
    lon: float
    heading: float
    """The car's heading, degrees clockwise from north."""
    side: str
    """right | left | ahead | around"""
    from_deg: float
    """Bearing (clockwise from north, 0-360) where the sector starts."""
    to_deg: float
    """Where it ends, clockwise from ``from_deg`` (may exceed 360; from + 360 for 'around')."""
    radius_m: float


@event
class PlacesShown(Event):
    """The places a tool's answer named (find_nearby, whats_around), for screens to highlight; emitted
    right after that call's ToolResult. An empty ``places`` with a ``sector``: it looked and found nothing."""

    type: ClassVar[str] = "places"
    tool: str
    places: tuple[PlaceMark, ...] = ()
    sector: Sector | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "places", tuple(self.places))


@event
class ProactivePrompt(Event):
    """cockpit speaks first: a prompt it asks the driver (a break, a fuel stop, a reminder, the arrival
    routine). It only asks; what it offers runs on the driver's yes, through the policy gate."""

    type: ClassVar[str] = "proactive-prompt"
    kind: str
    """fatigue | range | timer | reminder | arrival"""
    key: str
    """What this prompt is about, stable across a trip ('range:20', 'reminder:7'): never asked twice."""
    reason: str
    """Why now, in words (for the HMI and the audit log)."""
    priority: int
    question: str
    """What the driver hears."""
    options: tuple[str, ...] = ("yes", "no")
    """The answers it expects."""
    offers: ToolCall | None = None
    """What a yes runs (through the gate); None when nothing would."""
    trip_s: float = 0.0
    """Seconds into the trip (the simulated drive's clock where there is one) when it was asked."""
    expires_in_s: float = 0.0
    """How long it waits for its answer before it is withdrawn."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", tuple(self.options))


@event
class ProactiveSettled(Event):
    """What became of a prompt: answered yes or no, unanswered (withdrawn), refused by the gate, or dropped
    before it could be asked (no quiet moment before it expired)."""

    type: ClassVar[str] = "proactive-settled"
    kind: str
    key: str
    outcome: str
    """yes | no | unanswered | refused | dropped"""
    trip_s: float = 0.0
