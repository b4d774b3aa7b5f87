#!/usr/bin/env python3
"""Write what the simulated driver says as a 16 kHz mono WAV, for `cockpit sim --wav` and tests.

Two synthetic speakers: espeak-ng (the default, no download) and the real piper voice
"joe" (`cockpit models pull piper-en-joe`, through cockpit's own piper adapter), resampled
from the voice's 22050 Hz to the pipeline's 16 kHz.

    python tools/make_speech.py "hey cockpit, open my window a bit" -o window.wav [--rate 160]
    python tools/make_speech.py "navigate to the airport" -o nav.wav --voice piper [--piper-voice PATH]

In code, ``speech(text, "espeak" | "piper")`` returns the samples; with ``cache=`` a folder,
each text is synthesised once and kept there as a WAV keyed by text, speaker and settings.
"""
from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np

from cockpit.audio.formats import read_wav, write_wav
from cockpit.scenario import DRIVER_VOICE, driver_speech, piper_speech, piper_voice  # noqa: F401

SPEAKERS = ("espeak", "piper")
PIPER_VOICE = "piper-en-joe"
"""The piper voice used as the second speaker: a catalog name or a path to a voice .onnx."""


def _cache_key(text: str, speaker: str, rate: int, voice: str) -> str:
    if speaker == "piper":
        p = Path(voice)
        ident = f"{p.name}:{p.stat().st_size}" if p.is_file() else voice
    else:
        ident = f"{voice}:{rate}"
    digest = hashlib.sha1(f"{speaker}|{ident}|{text}".encode()).hexdigest()[:16]
    return f"{speaker}-{digest}.wav"


def speech(text: str, speaker: str = "espeak", *, rate: int = 160, voice: str | None = None,
           cache: Path | str | None = None) -> np.ndarray:
    """``text`` as 16 kHz mono int16, said by ``speaker`` ('espeak' or 'piper').

    ``rate``: words per minute (espeak-ng only). ``voice``: the espeak-ng voice, or the piper
    voice (catalog name or .onnx path). ``cache``: a folder keeping one WAV per text and speaker."""
    if speaker not in SPEAKERS:
        raise ValueError(f"speaker must be one of {SPEAKERS}, not {speaker!r}")
    voice = voice or (PIPER_VOICE if speaker == "piper" else DRIVER_VOICE)
    path = Path(cache) / _cache_key(text, speaker, rate, voice) if cache is not None else None
    if path is not None and path.is_file():
        return read_wav(path)
    samples = piper_speech(text, voice) if speaker == "piper" else driver_speech(text, rate, voice)
    if path is not None:
        write_wav(path, samples)
    return samples


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("text")
    p.add_argument("-o", "--out", required=True)
    p.add_argument("--rate", type=int, default=160, help="words per minute (espeak-ng)")
    p.add_argument("--voice", default=DRIVER_VOICE,
                   help=f"'piper' for the piper voice, else an espeak-ng voice (default {DRIVER_VOICE})")
    p.add_argument("--piper-voice", default=PIPER_VOICE, help="piper voice: catalog name or .onnx path")
    a = p.parse_args()
    if a.voice == "piper":
        samples = speech(a.text, "piper", voice=a.piper_voice)
    else:
        samples = speech(a.text, "espeak", rate=a.rate, voice=a.voice)
    print(write_wav(a.out, samples))


if __name__ == "__main__":
    main()
