"""espeak-ng speech: the offline default voice (Debian package, no model download).

Synthesis runs the espeak-ng program (``--stdout`` gives a WAV). The reply is cut into
sentence chunks before it gets here (cockpit/tts/chunker.py), so the first plays while later
ones are still being made.
"""
from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass

import numpy as np

from cockpit.audio.formats import read_wav, SAMPLE_RATE
from cockpit.config import EspeakSettings
from cockpit.errors import EngineMissing, TtsError

@dataclass(frozen=True)
class Speech:
    """Synthesised audio: mono int16 at ``rate`` (16 kHz from espeak-ng, the voice's own rate from piper)."""

    samples: np.ndarray
    rate: int = SAMPLE_RATE

    @property
    def duration(self) -> float:
        return len(self.samples) / self.rate


class EspeakVoice:
    """espeak-ng adapter. ``synthesize`` blocks: the caller runs it on the TTS worker thread."""

    def __init__(self, settings: EspeakSettings):
        self.settings = settings
        self._exe: str | None = None

    def prepare(self) -> None:
        self._exe = shutil.which("espeak-ng")
        if self._exe is None:
            raise EngineMissing("espeak-ng is not installed (needed for speech output)",
                                hint="sudo apt-get install espeak-ng", code="tts-missing")
        self.synthesize("ok")  # checks the voice exists

    def synthesize(self, text: str) -> Speech:
        exe = self._exe or shutil.which("espeak-ng")
        if exe is None:
            raise EngineMissing("espeak-ng is not installed", hint="sudo apt-get install espeak-ng", code="tts-missing")
        s = self.settings
        cmd = [exe, "-v", s.voice, "-s", str(s.rate_wpm), "-p", str(s.pitch), "--stdout", "--", text]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=30, check=False)
        except subprocess.TimeoutExpired:
            raise TtsError("espeak-ng took longer than 30 s", code="tts-timeout") from None
        if proc.returncode != 0 or not proc.stdout:
            err = proc.stderr.decode(errors="replace").strip()
            raise TtsError(f"espeak-ng failed for voice {s.voice!r}: {err or 'no audio'}",
                           hint="list voices with `espeak-ng --voices` and set tts.espeak.voice")
        return Speech(read_wav(proc.stdout))
