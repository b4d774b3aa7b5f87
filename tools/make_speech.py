#!/usr/bin/env python3
"""Write what the simulated driver says as a 16 kHz mono WAV (espeak-ng), for `cockpit sim --wav`.

    python tools/make_speech.py "hey cockpit, open my window a bit" -o window.wav [--rate 160]
"""
from __future__ import annotations

import argparse

from cockpit.audio.formats import write_wav
from cockpit.scenario import DRIVER_VOICE, driver_speech


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("text")
    p.add_argument("-o", "--out", required=True)
    p.add_argument("--rate", type=int, default=160, help="words per minute")
    p.add_argument("--voice", default=DRIVER_VOICE, help="espeak-ng voice")
    a = p.parse_args()
    path = write_wav(a.out, driver_speech(a.text, a.rate, a.voice))
    print(path)


if __name__ == "__main__":
    main()
