"""Audio format, stated once at the edge: everything inside cockpit is 16 kHz mono int16.

``read_wav`` and ``to_pipeline`` convert whatever arrives (any rate, stereo, 8/16/24/32-bit,
float with NaNs) into that format; nothing downstream ever guesses a format.
"""
from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np
import soxr

from cockpit.errors import AudioInputError

SAMPLE_RATE = 16000
"""The pipeline's one sample rate."""


def to_pipeline(samples: np.ndarray, rate: int, channels: int = 1) -> np.ndarray:
    """Any PCM (int or float, interleaved channels) -> 16 kHz mono int16."""
    x = np.asarray(samples)
    if x.size == 0:
        return np.zeros(0, dtype=np.int16)
    if np.issubdtype(x.dtype, np.floating):
        x = np.nan_to_num(x.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)  # a non-finite sample carries nothing
        x = np.clip(x, -1.0, 1.0) * 32767.0
    else:
        x = x.astype(np.float32)
    if channels > 1:
        x = x[: len(x) - len(x) % channels].reshape(-1, channels).mean(axis=1)
    if rate != SAMPLE_RATE:
        if rate <= 0:
            raise AudioInputError(f"invalid sample rate {rate}", hint="give audio with a positive sample rate")
        x = soxr.resample(x, rate, SAMPLE_RATE)
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)


def resample(samples: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Mono int16 at ``rate_in`` -> mono int16 at ``rate_out`` (soxr, high quality)."""
    if rate_in == rate_out:
        return np.asarray(samples, dtype=np.int16)
    y = soxr.resample(np.asarray(samples, dtype=np.float32), rate_in, rate_out)
    return np.clip(np.round(y), -32768, 32767).astype(np.int16)


def _decode_frames(raw: bytes, width: int) -> np.ndarray:
    if width == 1:  # 8-bit WAV is unsigned
        return (np.frombuffer(raw, np.uint8).astype(np.int16) - 128) * 256
    if width == 2:
        return np.frombuffer(raw, "<i2")
    if width == 3:
        b = np.frombuffer(raw[: len(raw) - len(raw) % 3], np.uint8).reshape(-1, 3)
        v = (b[:, 0].astype(np.int32) | (b[:, 1].astype(np.int32) << 8) | (b[:, 2].astype(np.int32) << 16))
        v = np.where(v & 0x800000, v - 0x1000000, v)
        return (v >> 8).astype(np.int16)
    if width == 4:
        return (np.frombuffer(raw, "<i4") >> 16).astype(np.int16)
    raise AudioInputError(f"unsupported sample width {width * 8} bits", hint="convert to 16-bit PCM WAV (sox in.wav -b 16 out.wav)")


def read_wav(source: str | Path | bytes) -> np.ndarray:
    """Read a PCM WAV file (or bytes) into pipeline format. Bad files raise AudioInputError."""
    name = "<bytes>" if isinstance(source, (bytes, bytearray)) else str(source)
    try:
        fh = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else open(source, "rb")
    except OSError as exc:
        raise AudioInputError(f"cannot open {name}: {exc.strerror}", hint="check the path", code="audio-bad-file") from None
    with fh:
        try:
            with wave.open(fh, "rb") as w:
                rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
                raw = w.readframes(w.getnframes())
        except (wave.Error, EOFError) as exc:
            raise AudioInputError(
                f"{name} is not a readable PCM WAV file ({exc or 'truncated or empty file'})",
                hint="convert it with: sox INPUT -r 16000 -c 1 -b 16 OUTPUT.wav", code="audio-bad-file") from None
    return to_pipeline(_decode_frames(raw, width), rate, channels)


def wav_bytes(samples: np.ndarray, rate: int = SAMPLE_RATE) -> bytes:
    """Mono int16 samples -> WAV file bytes."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(samples, dtype="<i2").tobytes())
    return buf.getvalue()


def write_wav(path: str | Path, samples: np.ndarray, rate: int = SAMPLE_RATE) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(wav_bytes(samples, rate))
    return p


def frames(samples: np.ndarray, frame_len: int) -> list[np.ndarray]:
    """Split into fixed-length frames; the last partial frame is zero-padded."""
    n = len(samples)
    if n == 0:
        return []
    pad = (-n) % frame_len
    x = np.concatenate([samples, np.zeros(pad, np.int16)]) if pad else samples
    return [x[i : i + frame_len] for i in range(0, len(x), frame_len)]


def rms_dbfs(samples: np.ndarray) -> float:
    """Level in dB relative to full scale (-inf for digital silence)."""
    if len(samples) == 0:
        return float("-inf")
    rms = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))
    return 20 * np.log10(rms / 32768.0) if rms > 0 else float("-inf")
