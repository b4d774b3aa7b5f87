"""PocketSphinx command recogniser, constrained by the JSGF compiled from the fast-path grammar.

Its English acoustic model and dictionary ship inside the pocketsphinx wheel, so it works
with nothing downloaded. Decoding is incremental: ``feed`` is called per frame while the
driver speaks, so at end of speech only the last frames remain to be searched.
All methods block; the pipeline calls them on the ASR's EngineThread.

Out-of-grammar rejection. A closed grammar forces every sound into some command ("tell me a
joke" -> "show me a petrol"). So at the end of an utterance the same audio is decoded once more
by an unconstrained phone loop (PocketSphinx's allphone search with its phone language model,
in the wheel too): speech the grammar really covers scores nearly as well under the grammar as
under the free phone loop, while forced speech scores far worse. The acoustic log-likelihood
ratio per frame (:attr:`SphinxCommands.last_llr`) below ``MIN_LLR`` returns no text: the
listener's "not understood" (asr-no-text), never a command. The README measures this against a
posterior threshold and gives the figures.

Cross-check. No threshold separates every forced reading from every true one (README "Speech in"),
so with ``asr.sphinx.cross_check`` a second decoder reads the same audio, frame by frame as it comes,
with PocketSphinx's general English language model (in the wheel too) and returns it as
:attr:`Recognition.reading`. The front end runs the grammar's command straight away only when that
open reading names the same command; otherwise it reads the command back and waits for "yes".
"""
from __future__ import annotations

import math
import os

import numpy as np
import pocketsphinx

from cockpit.asr.base import Partial, Recognition
from cockpit.config import AsrSettings
from cockpit.errors import EngineMissing

# Grammar words missing from the bundled CMU dictionary, with ARPAbet pronunciations.
EXTRA_PRONUNCIATIONS = {
    "unmute": "AH N M Y UW T", "halal": "HH AH L AA L", "unpause": "AH N P AO Z",
    "defog": "D IY F AA G", "defogger": "D IY F AA G ER", "defroster": "D IY F R AO S T ER",
    "demist": "D IY M IH S T", "demister": "D IY M IH S T ER", "fogged": "F AA G D", "fogging": "F AA G IH NG",
    "misting": "M IH S T IH NG", "windscreen": "W IH N D S K R IY N",
}


def dictionary_words() -> set[str]:
    path = os.path.join(pocketsphinx.get_model_path(), "en-us", "cmudict-en-us.dict")
    with open(path, encoding="utf-8") as fh:
        return {line.split(" ", 1)[0] for line in fh if line.strip()} | set(EXTRA_PRONUNCIATIONS)


PARTIAL_EVERY = 16000 * 3 // 10  # a partial hypothesis every 300 ms of audio
FRAME_S = 0.01
MIN_LLR = -22.0
"""Grammar vs phone-loop acoustic log-likelihood per 10 ms frame, in PocketSphinx's own units (its
log base 1.0001 on scaled scores), below which the hypothesis is rejected. The ratio depends on the
voice: commands the grammar heard right score -1 to -7 said by piper joe, -8 to -20 said by
espeak-ng's klatt voice (the e2e tests' driver), while forced out-of-grammar speech scores -15 to
-40. -22 keeps every espeak-ng command of the e2e tests; README "Speech in" has the table."""
END_PAD_S = 0.25
"""Silence decoded after the endpointer's last frame. A turn that ends soon after a whole command (the
endpointer's short wait) can leave PocketSphinx no silence to reach the grammar's end with: measured,
"hey cockpit, find the nearest gas station" fed as the listener cut it had no final hypothesis, and
0.15 s of silence more gave it whole."""
_LOGBASE = math.log(1.0001)


def _acoustic(segments) -> float:
    """Sum of a segmentation's acoustic scores in PocketSphinx units (the bindings exponentiate them)."""
    return sum(math.log(s.ascore) for s in segments if s.ascore > 0.0) / _LOGBASE


class SphinxCommands:
    """Grammar-constrained recognition of one utterance at a time."""

    def __init__(self, settings: AsrSettings, jsgf: str, dialog_jsgf: str | None = None):
        self.settings = settings
        self.jsgf = jsgf
        self.dialog_jsgf = dialog_jsgf
        """Answers to a read-back (yes / no / cancel): active only while a confirmation is pending."""
        self._decoder: pocketsphinx.Decoder | None = None
        self._reader: pocketsphinx.Decoder | None = None
        """The open-vocabulary decoder of the cross-check (None: off); it reads commands and answers alike."""
        self._reading = False
        self._frames = 0
        self._audio: list[bytes] = []
        self.last_llr: float | None = None
        """The last finished utterance's grammar vs phone-loop log-likelihood per frame."""

    def prepare(self) -> None:
        model = os.path.join(pocketsphinx.get_model_path(), "en-us")
        if not os.path.isdir(model):
            raise EngineMissing(f"PocketSphinx English model not found at {model}",
                                hint="pip install --force-reinstall pocketsphinx", code="asr-missing")
        s = self.settings.sphinx
        d = pocketsphinx.Decoder(lm=None, samprate=16000, loglevel="FATAL", beam=s.beam, wbeam=s.wbeam,
                                  bestpath=False)
        for word, phones in EXTRA_PRONUNCIATIONS.items():
            if d.lookup_word(word) is None:
                d.add_word(word, phones, False)
        d.add_jsgf_string("commands", self.jsgf)
        if self.dialog_jsgf:
            d.add_jsgf_string("dialog", self.dialog_jsgf)
        d.add_allphone_file("phones", os.path.join(pocketsphinx.get_model_path(), "en-us-phone.lm.bin"))
        d.activate_search("commands")
        self._decoder = d
        if s.cross_check:
            reader = pocketsphinx.Decoder(samprate=16000, loglevel="FATAL")  # its general LM and dictionary
            for word, phones in EXTRA_PRONUNCIATIONS.items():
                if reader.lookup_word(word) is None:
                    reader.add_word(word, phones, False)
            self._reader = reader

    @property
    def decoder(self) -> pocketsphinx.Decoder:
        if self._decoder is None:
            raise RuntimeError("SphinxCommands.prepare() was not called")
        return self._decoder

    def start(self, dialog: bool = False) -> None:
        search = "dialog" if dialog and self.dialog_jsgf else "commands"
        if self.decoder.current_search() != search:
            self.decoder.activate_search(search)
        self.decoder.start_utt()
        self._reading = self._reader is not None
        if self._reading:
            self._reader.start_utt()
        self._frames = 0
        self._last_partial = 0
        self._audio = []

    def feed(self, samples: np.ndarray, voiced: bool = True) -> Partial | None:
        """Decode more audio; every ``PARTIAL_EVERY`` samples return the best path so far."""
        self._feed(samples)
        if self._frames - self._last_partial < PARTIAL_EVERY:
            return None
        self._last_partial = self._frames
        hyp = self.decoder.hyp()
        text = hyp.hypstr.strip() if hyp is not None else ""
        return Partial("", text, self._frames / 16000) if text else None

    def _feed(self, samples: np.ndarray) -> None:
        raw = np.ascontiguousarray(samples, dtype=np.int16).tobytes()
        self.decoder.process_raw(raw, False, False)
        if self._reading:
            self._reader.process_raw(raw, False, False)
        self._audio.append(raw)
        self._frames += len(samples)

    def finish(self) -> Recognition:
        d = self.decoder
        self._feed(np.zeros(int(END_PAD_S * 16000), np.int16))
        d.end_utt()
        hyp = d.hyp()
        reading = self._read()
        self.last_llr = None
        if hyp is None or not hyp.hypstr.strip():
            return Recognition("", None)
        grammar = _acoustic(d.seg())
        search = d.current_search()
        d.activate_search("phones")  # the same audio through the free phone loop
        d.start_utt()
        d.process_raw(b"".join(self._audio), False, True)
        d.end_utt()
        free = _acoustic(d.seg()) if d.hyp() is not None else grammar  # no phone path: nothing to compare
        d.activate_search(search)
        frames = max(1.0, self._frames / 16000 / FRAME_S)
        self.last_llr = (grammar - free) / frames
        confidence = math.exp(min(0.0, self.last_llr))
        if self.last_llr < MIN_LLR or confidence < self.settings.sphinx.min_confidence:
            return Recognition("", confidence)
        return Recognition(hyp.hypstr.strip(), confidence, reading=reading)

    def _read(self) -> str | None:
        """The cross-check's open reading of the utterance just ended (None when it did not read)."""
        if not self._reading:
            return None
        self._reading = False
        self._reader.end_utt()
        hyp = self._reader.hyp()
        return hyp.hypstr.strip() if hyp is not None else ""

    def recognize(self, samples: np.ndarray) -> Recognition:
        """Whole-utterance convenience: start, feed, finish."""
        self.start()
        self.feed(samples)
        return self.finish()
