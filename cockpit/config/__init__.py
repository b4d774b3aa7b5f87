"""YAML -> validated, frozen settings.

Every component has one frozen pydantic model with a docstring per field. Unknown keys,
wrong types and out-of-range values are errors that name the key path and how to fix it;
``load_config`` raises :class:`ConfigError` carrying every problem at once.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError, model_validator

from cockpit.config.base import Section
from cockpit.config.brain import BrainSettings, CloudSettings, FastPathSettings, LocalLLMSettings, PrivacyPolicy
from cockpit.config.vehicle import (CanFeedSettings, DriveFeedSettings, GpsdFeedSettings, NmeaFeedSettings,
                                    Place, PoiSettings, PreferenceSettings, VehicleSettings)
from cockpit.config.privacy import PrivacySettings
from cockpit.config.proactive import ProactiveSettings
from cockpit.config.service import ServiceSettings
from cockpit.config.skills import HomeSettings, SkillsSettings
from cockpit.config.voice import (AecSettings, BargeInSettings, EspeakSettings, PiperSettings, PlaybackSettings,
                                  TtsSettings)
from cockpit.config.speech import (AsrSettings, AudioSettings, EndpointSettings, InputSettings, OpenWakeWordSettings,
                                   OutputSettings, SphinxSettings, VadSettings, WakeSettings, WhisperSettings)
from cockpit.errors import CockpitError

__all__ = ["Section", "Settings", "ConfigError", "load_config", "parse_config",
           "FastPathSettings", "LocalLLMSettings", "CloudSettings", "PrivacyPolicy", "BrainSettings",
           "InputSettings", "OutputSettings", "AudioSettings", "VadSettings", "EndpointSettings",
           "OpenWakeWordSettings", "WakeSettings", "SphinxSettings", "WhisperSettings", "AsrSettings",
           "VehicleSettings", "Place", "PoiSettings", "PreferenceSettings", "GpsdFeedSettings", "NmeaFeedSettings",
           "CanFeedSettings", "DriveFeedSettings", "EspeakSettings", "PiperSettings", "TtsSettings",
           "PlaybackSettings", "BargeInSettings", "AecSettings", "ServiceSettings", "SkillsSettings", "HomeSettings",
           "PrivacySettings", "ProactiveSettings"]


class SessionSettings(Section):
    fallback_reply: str = "Sorry, something went wrong. Please try again."
    """The one spoken fallback after any stage error."""
    not_understood_reply: str = "Sorry, I can't help with that yet."
    """What cockpit says when no tier can handle an utterance."""
    turn_timeout_s: float = Field(45.0, gt=0.5, le=600.0)
    """Deadline for deciding one turn (fast path, model tiers, tools). Past it the model's work is
    cancelled and the turn ends with the spoken fallback (code llm-timeout); the next turn is not
    held up by it."""
    followup_s: float = Field(6.0, ge=0.0, le=60.0)
    """After a reply that asks the driver something ("Which window?", "Shall I navigate there?"), how
    long the answer may take to start without the wake phrase; 0 = always say the wake phrase."""
    confirm_window_s: float = Field(20.0, gt=1.0, le=120.0)
    """How long a read-back waits for the driver's explicit yes; later answers cancel it."""
    state_dir: str = "out/state"
    """The one directory where cockpit keeps the driver's data (README "What cockpit keeps"): the audit
    log, reply audio, the per-car salt, the privacy-mode setting. Created 0700, its files 0600; in a car
    /var/lib/cockpit (the unit's StateDirectory). `cockpit privacy show` lists what is in it."""
    audit_log: str = "audit.jsonl"
    """The tamper-evident log of every side effect, refusal and cloud payload (`cockpit audit verify`
    checks it); a relative path is inside state_dir. Rotated segments sit beside it (audit.000001.jsonl, ...)."""
    audit_segment_kb: int = Field(1024, ge=1, le=1048576)
    """The live audit log is rotated into a closed segment when it would grow past this size, and at the
    first entry of each new local day (so a segment never spans two days)."""
    audit_retention_days: int = Field(30, ge=1, le=3650)
    """Closed audit segments whose last entry is older than this are deleted; the chain records each
    deletion (what range, when, why), so `cockpit audit verify` still proves the rest unaltered."""


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
    playback: PlaybackSettings = PlaybackSettings()
    barge_in: BargeInSettings = BargeInSettings()
    aec: AecSettings = AecSettings()
    vehicle: VehicleSettings = VehicleSettings()
    session: SessionSettings = SessionSettings()
    service: ServiceSettings = ServiceSettings()
    skills: SkillsSettings = SkillsSettings()
    home: HomeSettings = HomeSettings()
    privacy: PrivacySettings = PrivacySettings()
    proactive: ProactiveSettings = ProactiveSettings()

    @model_validator(mode="before")
    @classmethod
    def _inside_state_dir(cls, data: Any) -> Any:
        """Relative ``session.audit_log`` and ``audio.output.reply_dir`` name places inside
        ``session.state_dir``: made absolute here, once, so every reader finds the same file (and a
        dumped config loads back unchanged). Values of the wrong type are left for validation to name."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        session = _as_dict(data.get("session", {}))
        audio = _as_dict(data.get("audio", {}))
        output = _as_dict(audio.get("output", {})) if isinstance(audio, dict) else None
        if not isinstance(session, dict):
            return data
        root = session.get("state_dir", SessionSettings.model_fields["state_dir"].default)
        if not isinstance(root, str):
            return data
        log = session.get("audit_log", SessionSettings.model_fields["audit_log"].default)
        if isinstance(log, str):
            data["session"] = {**session, "audit_log": str((Path(root) / log).absolute())}
        if isinstance(output, dict):
            replies = output.get("reply_dir", OutputSettings.model_fields["reply_dir"].default)
            if isinstance(replies, str):
                data["audio"] = {**audio, "output": {**output, "reply_dir": str((Path(root) / replies).absolute())}}
        return data


def _as_dict(value: Any) -> Any:
    return value.model_dump() if isinstance(value, Section) else value


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
    "union_tag_invalid": "set 'kind' to one of the kinds listed",
    "union_tag_not_found": "add a 'kind' key naming what this entry is",
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


def _key_path(data: Any, loc: tuple, missing: bool) -> str:
    """The dotted path of keys in the file that ``loc`` points at. pydantic's ``loc`` also names the
    union member or tag it tried ('vehicle.feeds.0.gpsd.port', 'audio.input.device.str'): those are
    not keys in the file and are left out; a missing key is named last."""
    parts, node = [], data
    for i, part in enumerate(loc):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif not (missing and i == len(loc) - 1):
            continue
        parts.append(str(part))
    return ".".join(parts) or "<root>"


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
            path = _key_path(data, err["loc"], err["type"] == "missing")
            problems.append((path, err["msg"], _hint(err)))
        raise ConfigError(source, list(dict.fromkeys(problems))) from None


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, but a value its constructors cannot make (a date that does not exist,
    ``!!int abc``, ``!!timestamp x``) is a YAML error with its line, like any other."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ArithmeticError, AttributeError, LookupError, TypeError, ValueError) as exc:  # PyYAML's, on such values
            what = f"{node.value!r}" if isinstance(node, yaml.ScalarNode) else "this value"
            raise yaml.constructor.ConstructorError(None, None, f"cannot read {what}: {exc}",
                                                    node.start_mark) from None


def load_config(path: str | Path | None) -> Settings:
    """Read and validate a YAML config file; ``None`` gives the built-in defaults."""
    if path is None:
        return Settings()
    p = Path(path)
    if not p.is_file():
        raise ConfigError(str(p), [("<file>", "no such file", "check the path; shipped configs live in configs/")])
    try:
        data = yaml.load(p.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "<file>"
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(str(p), [(where, f"YAML syntax error: {problem}",
                                    "fix the indentation or quoting at that spot")]) from None
    except UnicodeDecodeError:
        raise ConfigError(str(p), [("<file>", "not UTF-8 text", "save the file as UTF-8 YAML")]) from None
    except RecursionError:
        raise ConfigError(str(p), [("<file>", "lists or mappings nested too deeply to read",
                                    "a config is a few levels deep: check the brackets")]) from None
    return parse_config(data, str(p))
