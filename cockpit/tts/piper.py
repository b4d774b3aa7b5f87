"""Piper neural voices (piper-tts, ONNX) for English and Mandarin replies.

A voice is a ``.onnx`` with its ``.onnx.json`` beside it: a catalog name resolved under the
models folder (`cockpit models pull piper-en-joe`) or a path. Nothing is fetched at run time.
Piper phonemizes with its bundled espeak-ng and yields one AudioChunk per sentence; every method
here blocks, so the caller steps ``synthesize_chunks`` in a worker thread (to_thread(next, it)).
Audio stays at the voice's own rate (22050 Hz for the medium voices): ``Speech.rate`` says so.
"""
from __future__ import annotations

import importlib.util
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from cockpit.config import PiperSettings
from cockpit.errors import CockpitError, EngineMissing, TtsError
from cockpit.tts.espeak import Speech

log = logging.getLogger(__name__)
DEFAULT_VOICES = {"en": "piper-en-joe", "zh": "piper-zh-huayan"}
WARM_UP = {"en": "Ready.", "zh": "好。"}


class PiperVoice:
    """One piper voice for one reply language. ``prepare`` once, then ``synthesize`` per reply."""

    def __init__(self, settings: PiperSettings, language: str = "en", *, models_dir: Path | str | None = None):
        if language not in DEFAULT_VOICES:
            raise ValueError(f"language must be one of {sorted(DEFAULT_VOICES)}")
        self.settings = settings
        self.language = language
        self.models_dir = Path(models_dir) if models_dir is not None else None
        self.model_path: Path | None = None
        self.is_fixture = False
        self._voice = None
        self._syn_config = None

    @property
    def _pull_hint(self) -> str:
        return f"cockpit models pull {DEFAULT_VOICES[self.language]}"

    def resolve(self) -> tuple[Path, Path]:
        """(model .onnx, config .onnx.json) of the configured voice; EngineMissing 'tts-missing' when absent."""
        name = self.settings.voices.get(self.language) or DEFAULT_VOICES[self.language]
        p = Path(name).expanduser()
        if p.suffix == ".onnx" or os.sep in name or p.is_file():
            if not p.is_file():
                raise EngineMissing(f"piper voice file {p} does not exist", code="tts-missing",
                                    hint=f"{self._pull_hint}, or set tts.piper.voices.{self.language} to a voice .onnx")
            return p, self._config_beside(p, hint=f"put the voice's .onnx.json next to {p.name}")
        from cockpit import models
        try:
            entry = models.Catalog.load().get(name)
        except CockpitError as exc:
            raise EngineMissing(f"piper voice {name!r} is neither a catalog voice nor a file",
                                code="tts-missing", hint=f"{self._pull_hint} ({exc.hint})") from None
        folder = (self.models_dir or models.models_dir()) / entry.name
        files = [folder / f.local_name for f in entry.files]
        missing = [f.name for f in files if not f.is_file()]
        if missing:
            raise EngineMissing(f"piper voice {name!r} is not downloaded: {', '.join(missing)} missing in {folder}",
                                code="tts-missing", hint=f"cockpit models pull {name}")
        onnx = next((f for f in files if f.suffix == ".onnx"), None)
        if onnx is None:
            raise EngineMissing(f"catalog entry {name!r} lists no .onnx voice", code="tts-missing",
                                hint="choose a tts catalog voice, e.g. piper-en-joe")
        return onnx, self._config_beside(onnx, hint=f"cockpit models pull {name}")

    @staticmethod
    def _config_beside(model: Path, *, hint: str) -> Path:
        config = model.with_name(model.name + ".json")
        if not config.is_file():
            raise EngineMissing(f"piper voice {model} has no config: {config} is missing", code="tts-missing",
                                hint=hint)
        return config

    def prepare(self) -> None:
        """Resolve, load and warm up the voice; fails with a message before the first reply needs it."""
        if importlib.util.find_spec("piper") is None:
            raise EngineMissing("piper-tts is not installed", hint="pip install piper-tts", code="tts-missing")
        import onnxruntime
        from piper import PiperVoice as Voice, SynthesisConfig
        from piper.config import PiperConfig

        model, config_path = self.resolve()
        redo = f"download it again ({self._pull_hint}) or point tts.piper.voices.{self.language} at a good voice"
        try:
            config = json.loads(config_path.read_text(encoding="utf-8"))
            PiperConfig.from_dict(config)  # the same parse piper does, so a bad field is named here
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise TtsError(f"piper voice config {config_path} is unreadable or invalid: {type(exc).__name__}: {exc}",
                           code="tts-model-corrupt", hint=redo) from None
        s = self.settings
        if s.use_cuda and "CUDAExecutionProvider" not in onnxruntime.get_available_providers():
            log.warning("tts.piper.use_cuda is set but onnxruntime has no CUDA provider here; piper runs on the CPU")
        try:
            self._voice = Voice.load(model, config_path=config_path, use_cuda=s.use_cuda)
        except Exception as exc:  # onnxruntime raises its own InvalidProtobuf/Fail/... on a bad file
            raise TtsError(f"piper voice {model} cannot be loaded: {type(exc).__name__}: {exc}",
                           code="tts-model-corrupt", hint=redo) from None
        self.model_path = model
        self.is_fixture = config.get("cockpit_fixture") is True
        if self.is_fixture:
            log.warning("PIPER VOICE %s IS A FIXTURE WITH RANDOM WEIGHTS: it speaks gibberish", model)
        self._syn_config = SynthesisConfig(speaker_id=s.speaker_id, length_scale=s.length_scale,
                                           noise_scale=s.noise_scale, noise_w_scale=s.noise_w)
        try:
            self.synthesize(WARM_UP[self.language])  # first run allocates; a graph piper cannot drive fails here
        except CockpitError:
            raise
        except Exception as exc:
            self._voice = None
            raise TtsError(f"piper voice {model} loads but does not speak: {type(exc).__name__}: {exc}",
                           code="tts-model-corrupt", hint=redo) from None
        log.info("piper voice %s ready (%s, %d Hz)", model.name, self.language, self.sample_rate)

    @property
    def sample_rate(self) -> int:
        return int(self._ready().config.sample_rate)

    def _ready(self):
        if self._voice is None:
            raise TtsError("PiperVoice.prepare() was not called", code="tts-not-ready")
        return self._voice

    def synthesize_chunks(self, text: str) -> Iterator[Speech]:
        """One Speech per sentence, as piper yields them (int16 mono at the voice's rate)."""
        voice = self._ready()
        for chunk in voice.synthesize(text, syn_config=self._syn_config):
            yield Speech(np.ascontiguousarray(chunk.audio_int16_array, dtype=np.int16), rate=chunk.sample_rate)

    def synthesize(self, text: str) -> Speech:
        """The whole text as one Speech (sentences joined)."""
        parts = [c.samples for c in self.synthesize_chunks(text)]
        samples = np.concatenate(parts) if parts else np.zeros(0, np.int16)
        return Speech(samples, rate=self.sample_rate)
