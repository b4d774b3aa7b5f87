#!/usr/bin/env python3
"""The pause set: what a driver says with the hesitations drivers make, for judging an endpointer.

Each sentence has a point where a driver may stop to think ("navigate to the | airport"). From it:
- ``fluent``: the whole sentence in one breath (the turn ends at its last word: how fast is that seen?);
- ``pause-S``: the same sentence said fluently, cut at the hesitation point and S seconds of silence
  put in (the words before the pause keep the tune of a sentence that goes on);
- ``filler-S``: "navigate to the, uh, airport" said with its filler, a short pause after the prefix
  and S seconds after the "uh".
Every clip is said by both synthetic speakers (espeak-ng's Klatt voice, the real piper joe) and heard
clean and in cabin noise (engine + road, ``cockpit/audio/cabin.py``) at 20 and 10 dB SNR. A clip
knows exactly where its speech ends (the last 10 ms block above -45 dBFS before noise) and where its
pauses are: an endpointer that ends the turn before the last word has cut the driver off.

    python tools/make_pause_set.py [--out .cache/pause-set] [--speakers espeak piper] [--snr none 20 10]

In code, ``pause_set(...)`` returns the clips (made once per speaker and cached as WAVs by
``make_speech``).
"""
from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from cockpit.audio.cabin import cabin_noise, mix_at_snr
from cockpit.audio.formats import SAMPLE_RATE, write_wav

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "speech"
SENTENCES = [
    ("navigate to the", "airport"),
    ("set the temperature to", "twenty two degrees"),
    ("find me a", "vegetarian restaurant nearby"),
    ("open the", "passenger window halfway"),
    ("what's the weather like", "tomorrow morning"),
    ("play some", "jazz music"),
    ("how far is it to the", "next charging station"),
    ("turn the volume", "down a little"),
    ("remind me to", "buy milk when we get home"),
    ("is it safe to keep driving with the", "engine light on"),
    ("set the fan speed to", "three"),
    ("take me to my", "office"),
]
"""(before the hesitation, after it). Some prefixes are whole sentences themselves ("what's the weather
like", "set the temperature to twenty"-like cases): a real endpointer's hard cases, kept on purpose."""
PAUSES_S = (0.5, 1.0)
SPEECH_DBFS = -45.0
LEAD_S, TAIL_S = 0.5, 2.5


@dataclass
class Clip:
    name: str
    speaker: str
    kind: str
    """fluent | pause | filler"""
    text: str
    pause_s: float
    snr_db: float | None
    audio: np.ndarray = field(repr=False)
    speech_end_s: float
    """Where the last word ends, in the clip (lead included)."""
    pauses: list[tuple[float, float]] = field(default_factory=list)
    """(start, end) of the inserted silences, in the clip."""


def _say(text: str, speaker: str) -> np.ndarray:
    import sys
    sys.path.insert(0, str(ROOT / "tools"))
    from make_speech import speech
    return _trim(speech(text, speaker, cache=CACHE))


def _trim(x: np.ndarray) -> np.ndarray:
    loud = _loud_blocks(x)
    return x[loud[0] * 160:(loud[-1] + 1) * 160] if len(loud) else x


def _loud_blocks(x: np.ndarray) -> np.ndarray:
    n = len(x) // 160 * 160
    blocks = x[:n].reshape(-1, 160).astype(np.float64)
    return np.flatnonzero(20 * np.log10(np.sqrt((blocks ** 2).mean(axis=1)) / 32768 + 1e-12) > SPEECH_DBFS)


def _boundary(full: np.ndarray, near_s: float) -> int:
    """The quietest 10 ms block of ``full`` within -150/+100 ms of ``near_s``: where the words part."""
    n = len(full) // 160
    rms = np.sqrt((full[:n * 160].reshape(-1, 160).astype(np.float64) ** 2).mean(axis=1))
    c = int(near_s * 100)
    lo, hi = max(1, c - 15), min(n - 1, c + 10)
    return (lo + int(np.argmin(rms[lo:hi]))) * 160


def _with_silences(parts: list[np.ndarray], gaps: list[float]) -> tuple[np.ndarray, list[tuple[float, float]]]:
    out, pauses, at = [np.zeros(int(LEAD_S * SAMPLE_RATE), np.int16)], [], LEAD_S
    for i, part in enumerate(parts):
        out.append(part)
        at += len(part) / SAMPLE_RATE
        if i < len(gaps):
            out.append(np.zeros(int(gaps[i] * SAMPLE_RATE), np.int16))
            pauses.append((round(at, 3), round(at + gaps[i], 3)))
            at += gaps[i]
    out.append(np.zeros(int(TAIL_S * SAMPLE_RATE), np.int16))
    return np.concatenate(out), pauses


def sentence_clips(before: str, after: str, speaker: str) -> list[tuple[str, str, float, np.ndarray, list]]:
    """(kind, text, pause_s, clean audio, pauses) for one sentence and speaker."""
    text = f"{before} {after}"
    full = _say(text, speaker)
    cut = _boundary(full, len(_say(before, speaker)) / SAMPLE_RATE)
    filled_text = f"{before}, uh, {after}"
    filled = _say(filled_text, speaker)
    cut1 = _boundary(filled, len(_say(before, speaker)) / SAMPLE_RATE)
    cut2 = _boundary(filled, len(_say(f"{before}, uh", speaker)) / SAMPLE_RATE)
    out = [("fluent", text, 0.0, *_with_silences([full], []))]
    for s in PAUSES_S:
        out.append(("pause", text, s, *_with_silences([full[:cut], full[cut:]], [s])))
        out.append(("filler", filled_text, s, *_with_silences([filled[:cut1], filled[cut1:cut2], filled[cut2:]],
                                                               [0.25, s])))
    return out


def pause_set(speakers=("espeak", "piper"), snrs=(None, 20.0, 10.0), seed: int = 0) -> list[Clip]:
    clips = []
    for speaker in speakers:
        for i, (before, after) in enumerate(SENTENCES):
            for kind, text, pause_s, audio, pauses in sentence_clips(before, after, speaker):
                end = (_loud_blocks(audio)[-1] + 1) * 160 / SAMPLE_RATE
                for snr in snrs:
                    noisy = audio if snr is None else mix_at_snr(
                        audio, cabin_noise(len(audio) / SAMPLE_RATE, seed=seed + i), snr)
                    name = f"{speaker}-{i:02d}-{kind}{'-' + str(pause_s) if pause_s else ''}-{'clean' if snr is None else f'{snr:g}dB'}"
                    clips.append(Clip(name, speaker, kind, text, pause_s, snr, noisy, round(end, 3), pauses))
    return clips


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=ROOT / ".cache" / "pause-set")
    p.add_argument("--speakers", nargs="+", choices=["espeak", "piper"], default=["espeak", "piper"])
    p.add_argument("--snr", nargs="+", default=["none", "20", "10"], help="SNRs in dB ('none' = clean)")
    a = p.parse_args()
    snrs = [None if s == "none" else float(s) for s in a.snr]
    clips = pause_set(a.speakers, snrs)
    a.out.mkdir(parents=True, exist_ok=True)
    for c in clips:
        write_wav(a.out / f"{c.name}.wav", c.audio, SAMPLE_RATE)
    manifest = [{k: v for k, v in asdict(c).items() if k != "audio"} for c in clips]
    (a.out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    print(f"{len(clips)} clips in {a.out}")


if __name__ == "__main__":
    main()
