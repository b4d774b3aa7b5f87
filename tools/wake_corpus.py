#!/usr/bin/env python3
"""Speech for measuring a wake model: the wake phrase, and other talk that must not wake it.

Two synthetic speakers say every text in a few variants: espeak-ng (the simulated driver's voice,
cockpit.scenario.driver_speech) at several rates, and the real piper voice (piper-en-joe, through
cockpit's PiperVoice adapter, resampled 22.05 -> 16 kHz) at several lengths. Piper samples noise
inside its model, so the audio is synthesised once and cached in ``.cache/wake-corpus/`` under a
key of the texts, variants and voice file: later runs measure the same audio.

    python tools/wake_corpus.py [--piper models/piper-en-joe/en_US-joe-medium.onnx]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cockpit.audio.formats import SAMPLE_RATE, resample  # noqa: E402

CACHE = ROOT / ".cache" / "wake-corpus"
VERSION = 1
"""Bump when the way audio is made changes: the cache key includes it."""

WAKE_TEXTS = [
    "hey jarvis", "hey jarvis, turn on the air conditioning", "hey jarvis, next track",
    "hey jarvis, navigate to the airport", "hey jarvis, what's my fuel level",
]
from phrases import COMMANDS  # noqa: E402  (tools/: the grammar's commands, no wake phrase)
NEWS = [
    "The city council approved a new budget for road repairs on Tuesday evening.",
    "Heavy rain is expected across the northern region until the end of the week.",
    "Traffic on the ring road is moving slowly after an accident near the river bridge.",
    "The central bank left interest rates unchanged, citing steady inflation figures.",
    "Local farmers say the late frost has damaged a large part of this year's apple harvest.",
    "A new electric bus line will connect the university with the main railway station.",
    "The national football team won its qualifying match by two goals to one.",
    "Scientists have found traces of water ice in a crater near the moon's south pole.",
    "Petrol prices rose for the third week in a row, according to the motoring association.",
    "The museum reopens on Saturday with an exhibition of early photography.",
    "Roadworks on the motorway will close two lanes overnight from Monday.",
    "The airline has cancelled dozens of flights because of a strike by ground staff.",
    "Unemployment fell slightly last quarter, with most new jobs in construction and retail.",
    "A storm warning remains in place for the coast, with gusts of up to ninety kilometres an hour.",
    "The mayor opened a new cycle path along the old harbour this morning.",
    "Shares in the carmaker rose after it reported record sales of its smaller models.",
    "Police are asking drivers to avoid the town centre during tonight's parade.",
    "The hospital will add forty beds to its emergency department by next spring.",
    "Researchers say a four day working week did not reduce output at the trial companies.",
    "The festival drew more than fifty thousand visitors over the long weekend.",
    "A landslide has blocked the mountain pass, and a diversion is signposted.",
    "The government plans to install ten thousand public chargers for electric cars.",
    "Fog is causing delays at the airport, where visibility is below two hundred metres.",
    "The orchestra announced its new season, opening with a programme of Brahms and Dvorak.",
    "The school holidays begin on Friday, so expect busy roads towards the coast.",
    "A sinkhole opened on a residential street overnight; nobody was hurt.",
    "The tennis final was postponed until tomorrow because of the rain.",
    "Engineers are inspecting the tunnel after cracks were reported in its ceiling.",
    "The price of coffee beans has doubled in two years after poor harvests in Brazil.",
    "A new ferry service will link the two islands from the beginning of June.",
    "The weather tomorrow will be mostly sunny, with a high of twenty four degrees.",
    "The library is extending its opening hours during the exam period.",
    "Drivers are reminded that winter tyres are compulsory from the first of November.",
    "The company recalled thousands of vehicles over a fault in the braking software.",
    "Wildfires in the south have forced hundreds of people to leave their homes.",
    "The parliament will vote next week on a law to lower speed limits near schools.",
    "An old bridge over the canal will be replaced with a wider one for cyclists.",
    "The zoo welcomed two baby elephants, the first born there in thirty years.",
    "Commuters face disruption as the train operator carries out signal upgrades.",
    "Tourism numbers have returned to the levels seen before the pandemic.",
]
CHAT = [
    "Can you believe how long this queue at the lights is?",
    "I think we should stop for lunch after the next town.",
    "Did you remember to bring the charger for the phone?",
    "My sister is visiting us this weekend with her two kids.",
    "Let's take the scenic route along the lake, we have time.",
    "I'm not sure the restaurant is open on Sundays.",
    "The kids were asleep before we even left the city.",
    "We need to pick up milk and bread on the way back.",
    "What time does the meeting start tomorrow morning?",
    "That car in front has been braking for no reason.",
    "I really liked the film we watched last night.",
    "Remind me to call the garage about the service.",
    "Honestly, this road has more potholes every year.",
    "Turn left after the petrol station, then it's the second house.",
    "Are we there yet? I need to stretch my legs.",
    "The parking near the office is impossible on Mondays.",
    "Grandma wants us to bring the photos from the holiday.",
    "I'll drive the first half and you can take over after the border.",
    "Did you hear the news about the new stadium?",
    "Jason said he would join us at the beach later.",
]
OTHER_TEXTS = COMMANDS + NEWS + CHAT
ESPEAK_RATES = (135, 165, 195)
"""espeak-ng speaking rates (words per minute) per text."""
PIPER_LENGTHS = (0.85, 1.0, 1.15)
"""piper length scales per text (below 1 faster, above 1 slower)."""
SPEAKERS = ("espeak", "piper")


@dataclass(frozen=True)
class Clip:
    speaker: str
    variant: str
    """'rate 165' (espeak-ng wpm) or 'length 1.0' (piper length scale)."""
    text: str
    samples: np.ndarray
    """16 kHz mono int16."""

    @property
    def seconds(self) -> float:
        return len(self.samples) / SAMPLE_RATE


def _espeak(texts: list[str]) -> list[Clip]:
    from cockpit.scenario import driver_speech
    return [Clip("espeak", f"rate {r}", t, driver_speech(t, r)) for r in ESPEAK_RATES for t in texts]


def _piper(texts: list[str], voice: Path) -> list[Clip]:
    from cockpit.config import PiperSettings
    from cockpit.tts.piper import PiperVoice
    out = []
    for length in PIPER_LENGTHS:
        v = PiperVoice(PiperSettings(voices={"en": str(voice)}, length_scale=length))
        v.prepare()
        for t in texts:
            s = v.synthesize(t)
            out.append(Clip("piper", f"length {length}", t, resample(s.samples, s.rate, SAMPLE_RATE)))
    return out


def clips(kind: str, speaker: str, piper_voice: Path | None = None, cache: Path = CACHE) -> list[Clip]:
    """``kind`` 'wake' or 'other' texts said by ``speaker`` ('espeak' or 'piper') in every
    variant; synthesised on first use, then read from ``cache``."""
    texts = {"wake": WAKE_TEXTS, "other": OTHER_TEXTS}[kind]
    if speaker == "piper" and piper_voice is None:
        raise ValueError("piper needs the voice .onnx")
    key = json.dumps([VERSION, texts, ESPEAK_RATES if speaker == "espeak" else PIPER_LENGTHS,
                      _file_id(piper_voice) if speaker == "piper" else "driver_speech"])
    path = cache / f"{kind}-{speaker}-{hashlib.sha256(key.encode()).hexdigest()[:12]}.npz"
    if path.is_file():
        with np.load(path) as z:
            meta, audio, lengths = json.loads(str(z["meta"])), z["audio"], z["lengths"]
        ends = np.cumsum(lengths)
        return [Clip(speaker, v, t, audio[e - n:e]) for (v, t), n, e in zip(meta, lengths, ends)]
    made = _espeak(texts) if speaker == "espeak" else _piper(texts, piper_voice)  # type: ignore[arg-type]
    cache.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, audio=np.concatenate([c.samples for c in made]),
             lengths=np.array([len(c.samples) for c in made]),
             meta=json.dumps([(c.variant, c.text) for c in made]))
    tmp.replace(path)
    return made


def _file_id(path: Path | None) -> str:
    st = Path(path).stat()  # type: ignore[arg-type]
    return f"{Path(path).name}:{st.st_size}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--piper", type=Path, default=ROOT / "models/piper-en-joe/en_US-joe-medium.onnx")
    a = p.parse_args()
    for kind in ("wake", "other"):
        for speaker in SPEAKERS:
            t = time.perf_counter()
            got = clips(kind, speaker, a.piper)
            print(f"{kind:5} {speaker:6}: {len(got)} clips, {sum(c.seconds for c in got) / 60:.1f} min "
                  f"({time.perf_counter() - t:.1f} s)")


if __name__ == "__main__":
    main()
