"""Wake word spotting with openWakeWord models, run directly on onnxruntime.

openWakeWord is three ONNX models in a row, re-implemented here with openwakeword 0.6.0's
streaming arithmetic (``utils.AudioFeatures``) but without the package, which imports scipy and
scikit-learn at import time and seeds its buffers with random noise::

    16 kHz int16 audio, in 1280-sample (80 ms) steps, plus the previous 480 samples
      -> melspectrogram.onnx  "input" [1, samples] -> "output" [1, 1, frames, 32]; x/10 + 2
      -> 76-frame windows, one per step (8 mel frames = 80 ms apart)
      -> embedding_model.onnx "input_1" [N, 76, 32, 1] -> [N, 1, 1, 96]
      -> the last 16 embeddings -> wake model [1, 16, 96] -> [1, 1] score in 0..1

The wake model's first input fixes how many embeddings it reads (16 for the published models).
Like openwakeword, scores of the first 5 steps after ``start()`` are zeroed. Buffers start
from silence, not noise, so a cold start is deterministic (openwakeword 0.4.0, whose wheel carries
the published models, also starts from silence: its per-step scores equal these exactly, see
tests/real/test_real_wake.py). All methods block; the pipeline calls them on the wake engine
thread. Nothing is ever downloaded: model files come from settings.
A relative path starting with ``models/`` (the defaults: models/openwakeword/...) is looked up in
the models folder (``cockpit.models.models_dir()``: $COCKPIT_MODELS or <repo>/models), then in the
working directory; any other relative path is relative to the working directory.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from cockpit.errors import CockpitError, EngineMissing
from cockpit.wake.phrase import WakeHit

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
STEP_SAMPLES = 1280
"""Audio per step (80 ms): openWakeWord computes features in whole steps."""
MEL_CONTEXT = 480
"""Earlier samples fed with each step so its mel frames line up (160 * 3)."""
MEL_BINS = 32
MEL_PER_STEP = 8
WINDOW = 76
"""Mel frames per embedding window."""
EMBED_DIM = 96
MEL_KEEP = 970
"""Mel frames kept (10 s), as openwakeword."""
FEATURES_KEEP = 120
"""Embeddings kept (~10 s), as openwakeword."""
MAX_BLOCK = 64 * STEP_SAMPLES
"""Most audio turned into features per model call (5.1 s)."""
WARMUP_STEPS = 5
"""Scores of the first steps after start() are forced to 0, as openwakeword does."""
KEY = "wake.openwakeword"
_HINT_FETCH = ("fetch openWakeWord's models (cockpit models pull openwakeword) or point {key} at "
               "the file; tests build fixtures with tools/make_oww_fixture.py")


class ModelSpotter:
    """Spots one or more openWakeWord wake models on a 16 kHz int16 stream.

    ``settings`` is the ``wake.openwakeword`` section: ``models`` (list of .onnx paths),
    ``melspec_model``, ``embedding_model``, ``threshold``, ``threads``.
    """

    def __init__(self, settings: Any):
        self.settings = settings
        self._mel = self._emb = None
        self._wake: list[tuple[str, Any, str, int]] = []  # (phrase, session, input name, frames)
        self._silence_features = np.zeros((0, EMBED_DIM), np.float32)
        self.fixture = False
        """True when any loaded model is a cockpit test fixture (random weights)."""
        self.last_scores: dict[str, float] = {}
        """Each wake model's latest score (for metrics and tuning the threshold)."""
        self._hit: WakeHit | None = None

    # -- loading -------------------------------------------------------------------------

    def prepare(self) -> None:
        """Load and check every model (shapes and one probe run); raise before the mic opens."""
        s = self.settings
        if not s.models:
            raise CockpitError(f"{KEY}.models is empty: no wake model to listen for",
                               hint=f"set {KEY}.models to a list of openWakeWord .onnx files",
                               code="wake-bad-model")
        self._mel = self._load(s.melspec_model, f"{KEY}.melspec_model")
        self._emb = self._load(s.embedding_model, f"{KEY}.embedding_model")
        self._check_features()
        self._wake = []
        for i, path in enumerate(s.models):
            sess = self._load(path, f"{KEY}.models[{i}]")
            self._wake.append(self._check_wake_model(sess, Path(path), f"{KEY}.models[{i}]"))
        # openwakeword primes its features with 4 s of noise; 4 s of silence is the honest start.
        self._silence_features = self._embed_clip(np.zeros(4 * SAMPLE_RATE, np.int16))
        if self.fixture:
            log.warning("openWakeWord: running FIXTURE models with random weights - detections are "
                        "not real wake words")
        self.start()

    def _load(self, path: str, key: str):
        import onnxruntime as ort

        p = resolve_model_path(path)
        if not p.is_file():
            raise EngineMissing(f"openWakeWord model file not found: {p} (set by {key})",
                                hint=_HINT_FETCH.format(key=key), code="wake-model-missing")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = int(getattr(self.settings, "threads", 1))
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        try:
            sess = ort.InferenceSession(str(p), sess_options=opts, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types
            raise CockpitError(f"{p} (set by {key}) is not a loadable ONNX model: {exc}",
                               hint="download the file again; it may be truncated",
                               code="wake-bad-model") from None
        if "cockpit_fixture" in sess.get_modelmeta().custom_metadata_map:
            self.fixture = True
        return sess

    def _check_features(self) -> None:
        mel_key, emb_key = f"{KEY}.melspec_model", f"{KEY}.embedding_model"
        mel = self._run_mel(np.zeros(STEP_SAMPLES + MEL_CONTEXT, np.float32), mel_key)
        if mel.shape != (MEL_PER_STEP, MEL_BINS):
            raise _shape_error(self.settings.melspec_model, mel_key,
                               f"gives mel frames of shape {mel.shape} for 1760 samples, "
                               f"expected {(MEL_PER_STEP, MEL_BINS)}")
        emb = self._run_emb(np.zeros((1, WINDOW, MEL_BINS), np.float32), emb_key)
        if emb.shape != (1, EMBED_DIM):
            raise _shape_error(self.settings.embedding_model, emb_key,
                               f"gives embeddings of shape {emb.shape}, expected (1, {EMBED_DIM})")

    def _check_wake_model(self, sess, path: Path, key: str) -> tuple[str, Any, str, int]:
        inp, out = sess.get_inputs()[0], sess.get_outputs()[0]
        shape = list(inp.shape)
        if len(shape) != 3 or shape[2] != EMBED_DIM or not isinstance(shape[1], int):
            raise _shape_error(path, key, f"input {inp.name!r} has shape {shape}; an openWakeWord "
                               f"wake model takes [1, frames, {EMBED_DIM}] embeddings")
        frames = shape[1]
        if frames > FEATURES_KEEP:
            raise _shape_error(path, key, f"wants {frames} embeddings; at most {FEATURES_KEEP} are kept")
        try:
            score = sess.run(None, {inp.name: np.zeros((1, frames, EMBED_DIM), np.float32)})[0]
        except Exception as exc:
            raise _shape_error(path, key, f"failed a probe run: {exc}") from None
        if np.asarray(score).size != 1:
            raise _shape_error(path, key, f"output {out.name!r} has shape {np.shape(score)}; "
                               "only single-score wake models [1, 1] are supported")
        return path.stem, sess, inp.name, frames

    # -- the three stages ----------------------------------------------------------------

    def _run_mel(self, audio: np.ndarray, key: str = "") -> np.ndarray:
        try:
            out = self._mel.run(None, {"input": audio.astype(np.float32)[None, :]})[0]
        except Exception as exc:
            raise _shape_error(self.settings.melspec_model, key or f"{KEY}.melspec_model",
                               f"failed: {exc}") from None
        return np.squeeze(out, axis=(0, 1)) / 10.0 + 2.0  # openwakeword's transform

    def _run_emb(self, windows: np.ndarray, key: str = "") -> np.ndarray:
        try:
            out = self._emb.run(None, {"input_1": windows[:, :, :, None].astype(np.float32)})[0]
        except Exception as exc:
            raise _shape_error(self.settings.embedding_model, key or f"{KEY}.embedding_model",
                               f"failed: {exc}") from None
        return out.reshape(len(windows), -1)

    def _embed_clip(self, audio: np.ndarray) -> np.ndarray:
        mel = self._run_mel(audio)
        windows = [mel[i:i + WINDOW] for i in range(0, len(mel) - WINDOW + 1, MEL_PER_STEP)]
        return self._run_emb(np.stack(windows))

    # -- streaming -----------------------------------------------------------------------

    def start(self) -> None:
        """Begin a new stream: clear buffers, the hit and audio time."""
        assert self._mel is not None, "ModelSpotter.prepare() was not called"
        self._pending = np.zeros(0, np.int16)
        self._context = np.zeros(0, np.int16)  # openwakeword has no context before the 1st step
        self._mels = np.ones((WINDOW, MEL_BINS), np.float32)
        self._features = self._silence_features.copy()
        self._steps = 0
        self._done = 0  # samples turned into features
        self._hit = None
        self.last_scores = {}

    def feed(self, samples: np.ndarray) -> WakeHit | None:
        """Add audio; return the hit once a wake model's score exceeds the threshold."""
        if self._hit is not None:
            return self._hit
        x = np.concatenate([self._pending, np.asarray(samples, dtype=np.int16).ravel()])
        n = len(x) // STEP_SAMPLES * STEP_SAMPLES
        self._pending = x[n:]
        for at in range(0, n, MAX_BLOCK):  # bounded so the mel buffer always holds the windows
            if self._steps_of(x[at:min(n, at + MAX_BLOCK)]):
                break
        return self._hit

    def _steps_of(self, block: np.ndarray) -> bool:
        """Turn whole steps of audio into features and scores; True once a model fires."""
        mel = self._run_mel(np.concatenate([self._context, block]))
        self._context = block[-MEL_CONTEXT:]
        self._mels = np.vstack([self._mels, mel])[-MEL_KEEP:]
        k = len(block) // STEP_SAMPLES
        # One window per step, ending at that step's last mel frame (the buffer starts with 76).
        ends = [len(self._mels) - MEL_PER_STEP * i for i in range(k - 1, -1, -1)]
        new = self._run_emb(np.stack([self._mels[e - WINDOW:e] for e in ends]))
        self._features = np.vstack([self._features, new])
        fired = False
        for i in range(k - 1, -1, -1):
            self._steps += 1
            self._done += STEP_SAMPLES
            if self._score(len(self._features) - i, self._done / SAMPLE_RATE):
                fired = True
                break
        self._features = self._features[-FEATURES_KEEP:]
        return fired

    def _score(self, upto: int, end_s: float) -> bool:
        for phrase, sess, name, frames in self._wake:
            window = self._features[upto - frames:upto][None].astype(np.float32)
            score = float(np.asarray(sess.run(None, {name: window})[0]).ravel()[0])
            if self._steps <= WARMUP_STEPS:
                score = 0.0
            self.last_scores[phrase] = score
            if score > self.settings.threshold:
                self._hit = WakeHit(phrase, end_s, score)
                return True
        return False

    def finish(self) -> WakeHit | None:
        return self._hit


def resolve_model_path(path: str | Path) -> Path:
    """Where a configured model file is: ``models/<rest>`` in the models folder first, as it moves
    with $COCKPIT_MODELS; else the path as given (relative to the working directory)."""
    from cockpit.models import models_dir

    p = Path(path).expanduser()
    if not p.is_absolute() and p.parts[:1] == ("models",):
        in_models = models_dir() / Path(*p.parts[1:])
        if in_models.is_file() or not p.is_file():
            return in_models
    return p


def _shape_error(path, key: str, what: str) -> CockpitError:
    return CockpitError(f"{path} (set by {key}) is not an openWakeWord model of the right shape: {what}",
                        hint=f"check that {key} points at the right file", code="wake-bad-model")
