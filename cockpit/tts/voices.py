"""The reply voice for each language: piper when configured, espeak-ng otherwise or as the fallback.

A piper voice that is missing, corrupt or fails mid-reply never leaves the driver in silence
when ``tts.fallback`` is on: the sentence is said by espeak-ng instead, and the problem is
kept in :attr:`Voices.problems` (its stable code is reported once on the bus by the pipeline).
"""
from __future__ import annotations

import logging

from cockpit.config.voice import TtsSettings
from cockpit.errors import CockpitError, TtsError
from cockpit.tts.espeak import EspeakVoice, Speech

log = logging.getLogger(__name__)

LANGUAGES = ("en", "zh")


class Voices:
    def __init__(self, settings: TtsSettings) -> None:
        self.settings = settings
        e = settings.espeak
        self.espeak = {"en": EspeakVoice(e), "zh": EspeakVoice(e.model_copy(update={"voice": e.voice_zh}))}
        self.piper: dict[str, object] = {}
        self.problems: list[CockpitError] = []
        """Fallbacks taken (a piper voice that could not load or speak), oldest first."""

    @property
    def engine(self) -> str:
        return "piper" if self.piper else "espeak"

    def prepare(self) -> None:
        """Load every configured voice now (a missing one fails here, or falls back with a warning)."""
        self.espeak["en"].prepare()
        if self.settings.engine != "piper":
            return
        from cockpit.tts.piper import PiperVoice
        for language in self.settings.piper.voices:
            voice = PiperVoice(self.settings.piper, language)
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
