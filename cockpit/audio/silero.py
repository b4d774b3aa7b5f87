"""Streaming Silero VAD, using the ONNX model that ships inside the faster-whisper wheel.

The bundled model (``faster_whisper/assets/silero_vad_v6.onnx``) has this signature::

    inputs:  input [seq_len, 576] float32   (64 samples of context + 512 new samples, 16 kHz, [-1, 1])
             h     [1, 1, 128]     float32   (LSTM hidden state)
             c     [1, 1, 128]     float32   (LSTM cell state)
    outputs: speech_probs [seq_len]  float32
             hn, cn [1, 1, 128]      float32

There is no ``sr`` input (16 kHz only). faster-whisper feeds it the whole file at once, each
512-sample chunk prefixed with the last 64 samples of the previous chunk (zeros for the first),
and resets h/c per call. Here the same model runs one 512-sample frame at a time with the
context and the h/c state carried between frames, so it can sit on a live microphone.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from cockpit.errors import EngineMissing

MODEL_FILE = "silero_vad_v6.onnx"
"""File name of the Silero model inside ``faster_whisper/assets``."""

FRAME_SAMPLES = 512
"""New samples per model call (32 ms at 16 kHz)."""

CONTEXT_SAMPLES = 64
"""Samples of the previous frame prepended to each call, as faster-whisper does."""

_HINT = "pip install faster-whisper"


def model_path() -> Path:
    """Locate the Silero ONNX model inside the installed faster-whisper package."""
    spec = importlib.util.find_spec("faster_whisper")
    if spec is None or not spec.submodule_search_locations:
        raise EngineMissing("Silero VAD needs the faster-whisper package, which is not installed",
                            hint=_HINT, code="vad-missing")
    for base in spec.submodule_search_locations:
        path = Path(base) / "assets" / MODEL_FILE
        if path.is_file():
            return path
    raise EngineMissing(f"Silero VAD model {MODEL_FILE} not found in faster-whisper's assets",
                        hint=_HINT, code="vad-missing")


class SileroVad:
    """Per-frame speech probability from Silero VAD, with its recurrent state carried between frames.

    Frames are 16 kHz mono int16, exactly ``frame_samples`` (512) long. Call ``reset()`` between
    independent streams (e.g. between utterances of different sessions).
    """

    frame_samples: int = FRAME_SAMPLES

    def __init__(self, threshold: float = 0.5, path: str | Path | None = None):
        """``threshold``: probability at or above which a frame counts as speech."""
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"threshold must be between 0 and 1, got {threshold}")
        try:
            import onnxruntime
        except ImportError:
            raise EngineMissing("Silero VAD needs onnxruntime, which is not installed",
                                hint=_HINT, code="vad-missing") from None
        model = Path(path) if path is not None else model_path()
        if not model.is_file():
            raise EngineMissing(f"Silero VAD model not found: {model}", hint=_HINT, code="vad-missing")
        opts = onnxruntime.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 4
        self._session = onnxruntime.InferenceSession(
            str(model), sess_options=opts, providers=["CPUExecutionProvider"])
        self.threshold = float(threshold)
        self._h = np.zeros((1, 1, 128), np.float32)
        self._c = np.zeros((1, 1, 128), np.float32)
        self._context = np.zeros(CONTEXT_SAMPLES, np.float32)
        self.reset()

    def reset(self) -> None:
        """Forget all previous audio: zero the LSTM state and the 64-sample context."""
        self._h = np.zeros((1, 1, 128), np.float32)
        self._c = np.zeros((1, 1, 128), np.float32)
        self._context = np.zeros(CONTEXT_SAMPLES, np.float32)

    def probability(self, frame: np.ndarray) -> float:
        """Speech probability (0..1) of one 512-sample int16 frame; advances the state."""
        if len(frame) != self.frame_samples:
            raise ValueError(f"Silero VAD frame must be {self.frame_samples} samples, got {len(frame)}")
        x = np.asarray(frame).astype(np.float32) / 32768.0
        x = np.nan_to_num(x, nan=0.0, posinf=1.0, neginf=-1.0)
        batch = np.concatenate([self._context, x])[None, :]
        prob, h, c = self._session.run(None, {"input": batch, "h": self._h, "c": self._c})
        self._h, self._c = h, c
        self._context = x[-CONTEXT_SAMPLES:].copy()
        p = float(np.asarray(prob).reshape(-1)[0])
        return p if np.isfinite(p) else 0.0

    def is_speech(self, frame: np.ndarray) -> bool:
        """True when the frame's speech probability reaches the threshold; advances the state."""
        return self.probability(frame) >= self.threshold
