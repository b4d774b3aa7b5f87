"""faster-whisper (CTranslate2) recogniser with streaming partials.

While the driver speaks, the utterance so far is re-decoded every ``partial_interval_ms``
(or every 1.5x the last decode time, whichever is longer, so a slow board never builds a backlog);
words on which the last two hypotheses agree are committed (LocalAgreement-2, as in
whisper_streaming) and never retracted. At the end of speech one final decode runs with
the committed words as the decoder prefix, so only the unstable tail is generated again.

The model is a local directory (a catalog name under models/, or a path): nothing is
fetched at run time. All methods block; the pipeline calls them on the ASR EngineThread,
and the lazy segment generator is consumed here, inside that thread.
"""
from __future__ import annotations

import importlib.util
import json
import logging
import time
from pathlib import Path

import numpy as np

from cockpit.asr.base import Partial, Recognition
from cockpit.config import AsrSettings
from cockpit.errors import CockpitError, EngineMissing

log = logging.getLogger(__name__)
SAMPLE_RATE = 16000


def agreed_prefix(a: list[str], b: list[str]) -> list[str]:
    """Longest common prefix of two word lists, compared without case and punctuation."""
    out = []
    for x, y in zip(a, b):
        if x.lower().strip(".,!?;:") != y.lower().strip(".,!?;:"):
            break
        out.append(y)
    return out


def resolve_model_dir(name_or_path: str) -> Path:
    """A directory path, or a catalog name resolved under models/; clear error when missing."""
    p = Path(name_or_path).expanduser()
    if p.is_dir():
        return p
    from cockpit import models
    try:
        return models.require(name_or_path)
    except CockpitError as exc:
        raise EngineMissing(f"Whisper model {name_or_path!r} is not on this machine", hint=exc.hint or
                            f"cockpit models pull {name_or_path}", code="asr-model-missing") from None


class WhisperStream:
    """One utterance at a time: start, feed frames (maybe get a Partial), finish."""

    def __init__(self, settings: AsrSettings):
        self.settings = settings
        self.w = settings.whisper
        self.model = None
        self.is_fixture = False
        self._audio: list[np.ndarray] = []
        self._samples = 0
        self._since_decode = 0
        self._last_words: list[str] = []
        self._committed: list[str] = []
        self._decode_s = 0.0

    def prepare(self) -> None:
        if importlib.util.find_spec("faster_whisper") is None:
            raise EngineMissing("faster-whisper is not installed", hint="pip install faster-whisper", code="asr-missing")
        from faster_whisper import WhisperModel

        path = resolve_model_dir(self.w.model)
        marker = path / "FIXTURE.json"
        if marker.exists():
            self.is_fixture = True
            log.warning("Whisper model at %s is a FIXTURE with random weights: transcripts will be gibberish (%s)",
                        path, json.loads(marker.read_text()).get("preset", "?"))
        try:
            self.model = WhisperModel(str(path), device=self.w.device, compute_type=self.w.compute_type,
                                      cpu_threads=self.w.cpu_threads, local_files_only=True)
        except Exception as exc:  # ctranslate2 raises RuntimeError/ValueError on a corrupt model
            raise EngineMissing(f"cannot load the Whisper model in {path}: {exc}",
                                hint=f"re-download it: cockpit models pull {self.w.model}", code="asr-model-corrupt") from None
        self._decode(np.zeros(SAMPLE_RATE // 2, np.float32), prefix=None)  # warm-up: first call allocates

    def _decode(self, audio: np.ndarray, prefix: str | None) -> list[str]:
        assert self.model is not None, "WhisperStream.prepare() was not called"
        seconds = len(audio) / SAMPLE_RATE
        language = None if self.settings.language == "auto" else self.settings.language
        segments, _info = self.model.transcribe(
            audio, language=language, beam_size=self.w.beam_size, temperature=0.0,
            condition_on_previous_text=False, without_timestamps=True, vad_filter=False,
            hotwords=self.w.hotwords or None, prefix=prefix or None,
            max_new_tokens=int(8 * seconds) + 8)
        text = " ".join(seg.text.strip() for seg in segments)  # the lazy generator is consumed here
        return text.split()

    def start(self, dialog: bool = False) -> None:
        """``dialog`` changes nothing here: Whisper's vocabulary is open."""
        self._audio, self._samples, self._since_decode = [], 0, 0
        self._last_words, self._committed = [], []

    def _buffer(self) -> np.ndarray:
        return np.concatenate(self._audio).astype(np.float32) / 32768.0 if self._audio else np.zeros(0, np.float32)

    def feed(self, samples: np.ndarray) -> Partial | None:
        self._audio.append(np.asarray(samples, dtype=np.int16))
        self._samples += len(samples)
        self._since_decode += len(samples)
        # never re-decode faster than decoding takes: a slow board gets fewer partials, not a backlog
        interval = max(self.w.partial_interval_ms / 1000, 1.5 * self._decode_s)
        if self._since_decode < interval * SAMPLE_RATE:
            return None
        self._since_decode = 0
        t0 = time.perf_counter()
        words = self._decode(self._buffer(), prefix=None)
        self._decode_s = time.perf_counter() - t0
        agreed = agreed_prefix(self._last_words, words)
        if len(agreed) > len(self._committed):
            self._committed = agreed
        self._last_words = words
        return Partial(" ".join(self._committed), " ".join(words[len(self._committed):]), self._samples / SAMPLE_RATE)

    def finish(self) -> Recognition:
        if self._samples == 0:
            return Recognition("", None)
        committed = " ".join(self._committed)
        words = self._decode(self._buffer(), prefix=committed or None)
        text = " ".join(words).strip()
        if committed and not text.lower().startswith(committed.lower()):
            text = f"{committed} {text}".strip()
        return Recognition(text, None)
