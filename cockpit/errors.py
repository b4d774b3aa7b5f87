"""Errors with stable codes. Each becomes one ``ErrorRaised`` event and one spoken fallback."""
from __future__ import annotations


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
