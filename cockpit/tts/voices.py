"""The reply voice for each language: piper when configured, espeak-ng otherwise or as the fallback.

A piper voice that is missing, corrupt or fails mid-reply never leaves the driver in silence
when ``tts.fallback`` is on: the sentence is said by espeak-ng instead, and the problem is
kept in :attr:`Voices.problems` (its stable code is reported once on the bus by the pipeline).
"""
from __future__ import annotations

import logging
from collections import deque
from typing import Callable

from cockpit.config.voice import TtsSettings
from cockpit.errors import CockpitError, TtsError
from cockpit.factory import pick
from cockpit.tts.espeak import EspeakVoice, Speech

log = logging.getLogger(__name__)

LANGUAGES = ("en", "zh")


def _espeak(tts: TtsSettings, language: str) -> EspeakVoice:
    e = tts.espeak
    return EspeakVoice(e if language != "zh" else e.model_copy(update={"voice": e.voice_zh}))


def _piper(tts: TtsSettings, language: str):
    from cockpit.tts.piper import PiperVoice
    return PiperVoice(tts.piper, language)


VOICES: dict[str, Callable] = {"espeak": _espeak, "piper": _piper}
"""``tts.engine`` -> the voice for one language ('auto' is resolved before, by cockpit.stack)."""


def make_voice(tts: TtsSettings, language: str, engine: str | None = None):
    """The voice ``engine`` (default ``tts.engine``) speaks ``language`` with (not yet prepared)."""
    return pick("tts.engine", engine or tts.engine, VOICES)(tts, language)


class Voices:
    def __init__(self, settings: TtsSettings) -> None:
        self.settings = settings
        self.espeak = {language: make_voice(settings, language, "espeak") for language in LANGUAGES}
        self.piper: dict[str, object] = {}
        self.problems: deque[CockpitError] = deque(maxlen=16)
        """The latest fallbacks taken (a piper voice that could not load or speak), oldest first."""
        self.fallbacks = 0
        """How many times espeak-ng spoke for a failed voice (the reply compares it to report each once)."""

    @property
    def engine(self) -> str:
        return "piper" if self.piper else "espeak"

    def prepare(self) -> None:
        """Load every configured voice now (a missing one fails here, or falls back with a warning)."""
        self.espeak["en"].prepare()
        if self.settings.engine != "piper":
            return
        for language in self.settings.piper.voices:
            voice = make_voice(self.settings, language)
            try:
                voice.prepare()
            except CockpitError as exc:
                self._fall_back(exc, f"piper voice for {language!r} unavailable")
                continue
            self.piper[language] = voice

    def synthesize(self, text: str, language: str = "en") -> Speech:
        """Speak ``text`` in ``language`` (blocking: call it on the TTS worker thread)."""
        voice = self.piper.get(language)
        if voice is not None:
            try:
                return voice.synthesize(text)  # type: ignore[attr-defined]
            except Exception as exc:  # noqa: BLE001 - any engine failure may fall back
                err = exc if isinstance(exc, CockpitError) else TtsError(f"piper failed: {exc}")
                self._fall_back(err, f"piper failed on {text[:40]!r}")
        return self.espeak.get(language, self.espeak["en"]).synthesize(text)

    def _fall_back(self, exc: CockpitError, what: str) -> None:
        if not self.settings.fallback:
            raise exc
        log.warning("%s: %s — speaking with espeak-ng instead", what, str(exc).split("\n")[0])
        self.problems.append(exc)
        self.fallbacks += 1
