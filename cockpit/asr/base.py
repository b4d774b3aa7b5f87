"""What every recogniser gives back, and the interface the listener drives."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class Recognition:
    """The final transcript of one utterance."""

    text: str
    confidence: float | None
    language: str = "en"
    """The language the recogniser heard (Whisper detects it when asr.language is auto)."""
    reading: str | None = None
    """A closed-grammar recogniser's second, open-vocabulary reading of the same audio (PocketSphinx's
    English language model): the front end acts on ``text`` only when both name the same command."""


@dataclass(frozen=True)
class Partial:
    """A transcript while the driver is still speaking."""

    committed: str
    """Words that will not change any more (empty when the engine cannot tell)."""
    tentative: str
    """The rest of the current best hypothesis."""
    audio_s: float = 0.0
    """Seconds of the utterance's audio this hypothesis covers."""

    @property
    def text(self) -> str:
        return f"{self.committed} {self.tentative}".strip()


class Recognizer(Protocol):
    """Blocking, one utterance at a time; the listener calls it on the ASR worker thread."""

    def prepare(self) -> None: ...
    def start(self, dialog: bool = False) -> None: ...
    def feed(self, samples: np.ndarray, voiced: bool = True) -> Partial | None:
        """``voiced``: the VAD heard speech in these samples (the endpointer's hangover is not)."""
        ...
    def finish(self) -> Recognition: ...
