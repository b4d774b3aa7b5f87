"""Wake phrase spotting with PocketSphinx keyword search (offline, no download).

The spotter listens to each speech segment from its first frame; ``feed`` returns a hit
as soon as the keyphrase is heard. The threshold trades misses for false wakes.
All methods block; the pipeline calls them on the wake EngineThread.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pocketsphinx

from cockpit.asr.sphinx import dictionary_words
from cockpit.config import WakeSettings
from cockpit.errors import CockpitError


@dataclass(frozen=True)
class WakeHit:
    phrase: str
    end_s: float
    """Seconds from the start of the fed audio to the end of the keyphrase."""
    score: float


class PhraseSpotter:
    def __init__(self, settings: WakeSettings):
        self.settings = settings
        self._decoder: pocketsphinx.Decoder | None = None
        self._hit: WakeHit | None = None

    def prepare(self) -> None:
        words = dictionary_words()
        unknown = [w for w in self.settings.keyphrase.lower().split() if w not in words]
        if unknown:
            raise CockpitError(f"wake.keyphrase has words the recogniser cannot hear: {unknown}",
                               hint="choose a keyphrase of common English words, e.g. 'cockpit'",
                               code="wake-bad-phrase")
        self._decoder = pocketsphinx.Decoder(keyphrase=self.settings.keyphrase.lower(),
                                             kws_threshold=self.settings.threshold,
                                             samprate=16000, loglevel="FATAL")

    def start(self) -> None:
        assert self._decoder is not None, "PhraseSpotter.prepare() was not called"
        self._hit = None
        self._decoder.start_utt()

    def feed(self, samples: np.ndarray) -> WakeHit | None:
        d = self._decoder
        assert d is not None
        if self._hit is not None:
            return self._hit
        d.process_raw(np.ascontiguousarray(samples, dtype=np.int16).tobytes(), False, False)
        hyp = d.hyp()
        if hyp is not None and hyp.hypstr:
            segs = list(d.seg())
            end = segs[-1].end_frame / 100 if segs else 0.0
            self._hit = WakeHit(hyp.hypstr, end, float(hyp.score))
        return self._hit

    def finish(self) -> WakeHit | None:
        if self._decoder is not None:
            self._decoder.end_utt()
        return self._hit
