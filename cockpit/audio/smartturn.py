"""Smart Turn v3: from the sound of an utterance, has the driver finished their turn?

The model (pipecat-ai's Smart Turn v3.2, int8 ONNX, a Whisper-tiny encoder with a linear head)
hears the last ``WINDOW_S`` seconds of the utterance — intonation, a trailing "uh", a clause left
open — and gives the probability that the turn is over. The endpointer asks it when the driver
has been silent for ``endpoint.pause_ms``.

Preprocessing, as the model was trained (pipecat's reference inference): 16 kHz mono float in
[-1, 1]; keep the last 8 s, or pad zeros at the START up to 8 s; normalise the waveform to zero
mean and unit variance (the padding included); Whisper's log-mel spectrogram (80 mels, 25 ms
window, 10 ms hop: 800 frames), computed here by faster-whisper's own feature extractor. The
input and output names and the frame count are read from the ONNX file itself.

Blocking: ``prepare`` and ``probability`` run on the listener's turn worker thread.
"""
from __future__ import annotations

import importlib.util
import logging
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np

from cockpit.errors import CockpitError, EngineMissing

log = logging.getLogger(__name__)
SAMPLE_RATE = 16000
HOP = 160
"""Samples per feature frame (10 ms)."""
NORM_EPS = 1e-7


def resolve_model(name_or_path: str) -> Path:
    """An .onnx path, or a catalog name resolved under the models dir; a clear error when missing."""
    p = Path(name_or_path).expanduser()
    if p.suffix == ".onnx":
        if not p.is_file():
            raise EngineMissing(f"the Smart Turn model {p} does not exist",
                                hint="cockpit models pull smart-turn-v3.2", code="turn-model-missing")
        return p
    from cockpit import models
    try:
        folder = models.require(name_or_path)
    except CockpitError as exc:
        raise EngineMissing(f"the Smart Turn model {name_or_path!r} is not on this machine",
                            hint=exc.hint or f"cockpit models pull {name_or_path}", code="turn-model-missing") from None
    found = sorted(folder.glob("*.onnx"))
    if not found:
        raise EngineMissing(f"no .onnx file in {folder}", hint=f"cockpit models pull {name_or_path}",
                            code="turn-model-missing")
    return found[0]


class SmartTurn:
    """One utterance's audio in, the probability that the driver's turn is over out."""

    def __init__(self, model: str, threads: int = 1):
        self.model = model
        self.threads = threads
        self.path: Path | None = None
        self._session = None
        self._input = self._output = ""
        self._extractor = None
        self.frames = 0
        """Feature frames the model takes (800: 8 s)."""
        self.last_ms = 0.0
        """How long the last verdict took (features + inference, on its thread)."""

    @property
    def window_s(self) -> float:
        return self.frames * HOP / SAMPLE_RATE

    def prepare(self) -> None:
        if importlib.util.find_spec("onnxruntime") is None:
            raise EngineMissing("onnxruntime is not installed", hint="pip install onnxruntime", code="engine-missing")
        import onnxruntime as ort
        from faster_whisper.feature_extractor import FeatureExtractor

        self.path = resolve_model(self.model)
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            session = ort.InferenceSession(str(self.path), sess_options=options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own Fail/InvalidGraph on a corrupt file
            raise EngineMissing(f"cannot load the Smart Turn model {self.path}: {exc}",
                                hint="delete it and run: cockpit models pull smart-turn-v3.2",
                                code="turn-model-corrupt") from None
        inp, out = session.get_inputs()[0], session.get_outputs()[0]
        shape = list(inp.shape)
        if len(shape) != 3 or not all(isinstance(d, int) for d in shape[1:]):
            raise EngineMissing(f"{self.path} takes {inp.name}{shape}, not (batch, mels, frames)",
                                hint="use a Smart Turn v3 ONNX model", code="turn-model-corrupt")
        n_mels, self.frames = shape[1], shape[2]
        self._session, self._input, self._output = session, inp.name, out.name
        self._extractor = FeatureExtractor(feature_size=n_mels, chunk_length=self.frames * HOP // SAMPLE_RATE)
        self.probability(np.zeros(SAMPLE_RATE, np.int16))  # warm-up: the first run allocates

    def features(self, audio: np.ndarray) -> np.ndarray:
        """(mels, frames) float32 log-mel features of the last ``window_s`` of ``audio``."""
        assert self._extractor is not None, "SmartTurn.prepare() was not called"
        x = np.asarray(audio)
        x = x.astype(np.float32) / 32768.0 if x.dtype == np.int16 else x.astype(np.float32)
        n = self.frames * HOP
        x = x[-n:] if len(x) >= n else np.concatenate([np.zeros(n - len(x), np.float32), x])
        x = (x - x.mean()) / np.sqrt(x.var() + NORM_EPS)
        mel = self._extractor(x, padding=0)
        return np.ascontiguousarray(mel[:, :self.frames], dtype=np.float32)

    def probability(self, audio: np.ndarray) -> float:
        """The probability (0..1) that the turn is over after ``audio`` (16 kHz mono, int16 or float)."""
        if self._session is None:
            raise CockpitError("SmartTurn.prepare() was not called", code="turn-model-missing")
        t0 = time.perf_counter()
        out = self._session.run([self._output], {self._input: self.features(audio)[None]})[0]
        self.last_ms = (time.perf_counter() - t0) * 1000
        return float(np.clip(np.asarray(out).reshape(-1)[0], 0.0, 1.0))


MAX_VERDICTS = 10000
"""Verdicts kept for measurement; a listener running for the life of the car stops recording."""


class Verdict(NamedTuple):
    audio_time: float
    """The end of the last speech frame before the pause."""
    probability: float
    judged_ms: float
    """Wall time from the pause to the verdict and the words (the listener waited for both)."""
    at: float
    """Audio time of the frame at which the pause was judged."""
    work_ms: float
    """The longer of Smart Turn's and the recogniser's own work on the pause (in parallel): what the wait is
    when the recogniser has kept up with the audio, as at real-time pace."""
