"""faster-whisper (CTranslate2) recogniser with streaming partials.

While the driver speaks, the utterance so far is re-decoded every ``partial_interval_ms``
(or every 1.5x the last decode time, whichever is longer, so a slow board never builds a backlog;
on a board where one decode takes longer than the interval, only pauses are decoded);
words on which the last two hypotheses agree are committed (LocalAgreement-2, as in
whisper_streaming) and never retracted. When the driver pauses (``PAUSE_S`` of what the VAD calls
silence after speech) the utterance is decoded at once; if the driver does not speak again
before the endpointer ends the utterance, that decode is the final transcript, ready during
the endpointer's hangover. Otherwise one final decode runs at the end of speech with the
committed words as the decoder prefix, so only the unstable tail is generated again.

Each decode gives the encoder the audio plus ``window_pad_s`` of silence (``asr.whisper.window``
'short'), not Whisper's full 30 s window: the encoder's cost follows the window, so a 2 s command
costs a sixth. The decoder runs with timestamps (in a short window the model then still ends its
text), and a hypothesis that starts over again ("open the window. open the") is cut where the
repeat begins.

The model is a local directory (a catalog name under models/, or a path): nothing is
fetched at run time. All methods block; the pipeline calls them on the ASR EngineThread,
and the lazy segment generator is consumed here, inside that thread.
"""
from __future__ import annotations

import importlib.util
import json
import logging
import time
from pathlib import Path

import numpy as np

from cockpit.asr.base import Partial, Recognition
from cockpit.config import AsrSettings
from cockpit.errors import CockpitError, EngineMissing

log = logging.getLogger(__name__)
SAMPLE_RATE = 16000
PAUSE_S = 0.15
"""This much silence after speech is a pause worth decoding at once (the endpointer's hangover
is longer: the decode runs while it waits)."""
MIN_PAUSE_DECODE_S = 0.25
"""A pause triggers a decode only when at least this much audio came since the last one."""


def agreed_prefix(a: list[str], b: list[str]) -> list[str]:
    """Longest common prefix of two word lists, compared without case and punctuation."""
    out = []
    for x, y in zip(a, b):
        if x.lower().strip(".,!?;:") != y.lower().strip(".,!?;:"):
            break
        out.append(y)
    return out


def _key(word: str) -> str:
    return word.lower().strip(".,!?;:")


def cut_repeat(words: list[str]) -> list[str]:
    """``words`` up to where the hypothesis starts over (X followed by the beginning of X again, at least
    two words of it, or all of a one-word X): a short window's decoder may loop instead of ending."""
    keys = [_key(w) for w in words]
    for k in range(1, len(words)):
        tail = keys[k:]
        if len(tail) >= min(2, k) and tail == keys[:len(tail)]:
            return words[:k]
    return words


def resolve_model_dir(name_or_path: str) -> Path:
    """A directory path, or a catalog name resolved under models/; clear error when missing."""
    p = Path(name_or_path).expanduser()
    if p.is_dir():
        return p
    from cockpit import models
    try:
        return models.require(name_or_path)
    except CockpitError as exc:
        raise EngineMissing(f"Whisper model {name_or_path!r} is not on this machine", hint=exc.hint or
                            f"cockpit models pull {name_or_path}", code="asr-model-missing") from None


class WhisperStream:
    """One utterance at a time: start, feed frames (maybe get a Partial), finish."""

    def __init__(self, settings: AsrSettings):
        self.settings = settings
        self.w = settings.whisper
        self.model = None
        self.is_fixture = False
        self._audio: list[np.ndarray] = []
        self._samples = 0
        self._since_decode = 0
        self._last_words: list[str] = []
        self._committed: list[str] = []
        self._decode_s = 0.0
        self._voiced_upto = 0       # samples up to the end of the last voiced frame
        self._decoded_upto = -1     # samples the last decode covered
        self._silent = 0            # samples of silence since the last voiced frame
        self._language = "en" if settings.language == "auto" else settings.language
        self.short_window = False
        """Decodes use a short encoder window (asr.whisper.window; decided at prepare)."""
        self._tokenizer = None
        self.token_cap: int | None = None
        """At most this many new tokens per decode (besides the 8 per second of audio + 8 cap);
        `cockpit bench` sets it on a fixture, which never emits end-of-text, to the length of
        what the driver said, so the fixture decodes as much as a real model would."""

    def prepare(self) -> None:
        if importlib.util.find_spec("faster_whisper") is None:
            raise EngineMissing("faster-whisper is not installed", hint="pip install faster-whisper", code="asr-missing")
        from faster_whisper import WhisperModel

        from cockpit.stack import ASR_CANDIDATES, model_name
        path = resolve_model_dir(model_name(self.w.model, ASR_CANDIDATES[self.settings.language]))
        marker = path / "FIXTURE.json"
        if marker.exists():
            self.is_fixture = True
            log.warning("Whisper model at %s is a FIXTURE with random weights: transcripts will be gibberish (%s)",
                        path, json.loads(marker.read_text()).get("preset", "?"))
        try:
            self.model = WhisperModel(str(path), device=self.w.device, compute_type=self.w.compute_type,
                                      cpu_threads=self.w.cpu_threads, local_files_only=True)
        except Exception as exc:  # ctranslate2 raises RuntimeError/ValueError on a corrupt model
            raise EngineMissing(f"cannot load the Whisper model in {path}: {exc}",
                                hint=f"re-download it: cockpit models pull {self.w.model}", code="asr-model-corrupt") from None
        if not self.model.model.is_multilingual and self.settings.language == "zh":  # a '.en' model
            raise EngineMissing(f"the Whisper model in {path} is English-only and cannot hear asr.language 'zh'",
                                hint="use a multilingual model (asr.whisper.model: whisper-base) or asr.language: en",
                                code="asr-model-language")
        self.short_window = self._short_window(path)
        self._decode(np.zeros(SAMPLE_RATE // 2, np.float32), prefix=None)  # warm-up: first call allocates

    def _short_window(self, path: Path) -> bool:
        if self.w.window != "auto":
            return self.w.window == "short"
        return self.settings.language == "en" and "tiny" not in path.name.lower()

    def _decode(self, audio: np.ndarray, prefix: str | None) -> list[str]:
        assert self.model is not None, "WhisperStream.prepare() was not called"
        if self.short_window:
            return self._decode_short(audio, prefix)
        seconds = len(audio) / SAMPLE_RATE
        language = None if self.settings.language == "auto" else self.settings.language
        segments, info = self.model.transcribe(
            audio, language=language, beam_size=self.w.beam_size, temperature=0.0,
            condition_on_previous_text=False, without_timestamps=True, vad_filter=False,
            hotwords=self.w.hotwords or None, prefix=prefix or None,
            max_new_tokens=min(int(8 * seconds) + 8, self.token_cap or 10**6))
        text = " ".join(seg.text.strip() for seg in segments)  # the lazy generator is consumed here
        self._language = info.language or self._language
        return text.split()

    def _decode_short(self, audio: np.ndarray, prefix: str | None) -> list[str]:
        """One greedy/beam decode over the audio plus ``window_pad_s`` of silence (zero features, as
        faster-whisper pads its 30 s window), with timestamps; faster-whisper's prompt (hotwords as the
        previous text, or the committed words as the prefix)."""
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_suppressed_tokens
        m = self.model
        if self._tokenizer is None:
            self._tokenizer = Tokenizer(m.hf_tokenizer, m.model.is_multilingual, task="transcribe",
                                        language=self.settings.language)
        tok = self._tokenizer
        features = m.feature_extractor(audio, padding=0)
        window = min(features.shape[1] + round(self.w.window_pad_s * 100), m.feature_extractor.nb_max_frames)
        window += window % 2  # the encoder halves the frame count
        features = np.pad(features, ((0, 0), (0, max(0, window - features.shape[1]))))[:, -window:]
        prompt: list[int] = []
        if self.w.hotwords and not prefix:
            prompt += [tok.sot_prev, *tok.encode(" " + self.w.hotwords.strip())[:m.max_length // 2 - 1]]
        prompt += list(tok.sot_sequence)
        if prefix:
            prompt += [tok.timestamp_begin, *tok.encode(" " + prefix.strip())[:m.max_length // 2 - 1]]
        seconds = len(audio) / SAMPLE_RATE
        new = min(int(8 * seconds) + 8, self.token_cap or 10**6)
        result = m.model.generate(m.encode(features), [prompt], beam_size=self.w.beam_size,
                                  max_length=min(len(prompt) + new, m.max_length), suppress_blank=True,
                                  suppress_tokens=list(get_suppressed_tokens(tok, [-1])),
                                  max_initial_timestamp_index=50)[0]
        text = tok.decode([t for t in result.sequences_ids[0] if t < tok.eot])
        return cut_repeat(text.split())

    def start(self, dialog: bool = False) -> None:
        """``dialog`` changes nothing here: Whisper's vocabulary is open."""
        self._audio, self._samples, self._since_decode = [], 0, 0
        self._last_words, self._committed = [], []
        self._voiced_upto, self._decoded_upto, self._silent = 0, -1, 0
        self._language = self.settings.language if self.settings.language != "auto" else "en"

    def _buffer(self) -> np.ndarray:
        return np.concatenate(self._audio).astype(np.float32) / 32768.0 if self._audio else np.zeros(0, np.float32)

    def feed(self, samples: np.ndarray, voiced: bool = True) -> Partial | None:
        self._audio.append(np.asarray(samples, dtype=np.int16))
        self._samples += len(samples)
        self._since_decode += len(samples)
        silent_before = self._silent
        self._silent = 0 if voiced else self._silent + len(samples)
        if voiced:
            self._voiced_upto = self._samples
        # the driver paused (PAUSE_S of silence, not a flicker of the VAD between words) after saying
        # something not yet decoded: decode now; it is the final transcript if nothing follows
        pause = PAUSE_S * SAMPLE_RATE
        paused = (silent_before < pause <= self._silent and self._voiced_upto > self._decoded_upto
                  and self._since_decode >= MIN_PAUSE_DECODE_S * SAMPLE_RATE)
        # never re-decode faster than decoding takes: a slow board gets fewer partials, not a backlog;
        # where one decode takes longer than the partial interval, periodic partials would only keep
        # the thread busy when the driver stops, so only pauses are decoded; and the moment the
        # driver pauses, decode what was said (it may be all of it)
        interval = max(self.w.partial_interval_ms / 1000, 1.5 * self._decode_s)
        periodic = self._decode_s * 1000 <= self.w.partial_interval_ms and self._since_decode >= interval * SAMPLE_RATE
        if not (paused or periodic):
            return None
        return self._decode_now("pause" if paused else "partial")

    def _decode_now(self, why: str) -> Partial:
        self._since_decode = 0
        t0 = time.perf_counter()
        words = self._decode(self._buffer(), prefix=None)
        self._decode_s = time.perf_counter() - t0
        log.debug("whisper %s decode of %.2f s audio: %.0f ms", why, self._samples / SAMPLE_RATE, self._decode_s * 1000)
        self._decoded_upto = self._samples
        agreed = agreed_prefix(self._last_words, words)
        if len(agreed) > len(self._committed):
            self._committed = agreed
        self._last_words = words
        return Partial(" ".join(self._committed), " ".join(words[len(self._committed):]), self._samples / SAMPLE_RATE)

    def pause(self) -> Partial | None:
        """The endpointer heard a pause (its ``pause_ms``, shorter than PAUSE_S): decode what was said
        now, unless the last decode already heard every voiced frame; the final reuses it if no speech
        follows."""
        if self._samples == 0 or self._decoded_upto >= self._voiced_upto:
            return None
        return self._decode_now("pause")

    def finish(self) -> Recognition:
        if self._samples == 0:
            return Recognition("", None)
        log.debug("whisper finish: decoded up to %.2f s, voiced up to %.2f s, buffer %.2f s", self._decoded_upto / SAMPLE_RATE,
                  self._voiced_upto / SAMPLE_RATE, self._samples / SAMPLE_RATE)
        if self._decoded_upto >= self._voiced_upto > 0:  # the last decode heard every voiced frame
            return Recognition(" ".join(self._last_words).strip(), None, self._language)
        committed = " ".join(self._committed)
        words = self._decode(self._buffer(), prefix=committed or None)
        text = " ".join(words).strip()
        if committed and not text.lower().startswith(committed.lower()):
            text = f"{committed} {text}".strip()
        return Recognition(text, None, self._language)
