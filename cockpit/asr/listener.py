"""The listener stage: microphone frames in, what the driver said out (``cockpit.asr.heard``).

Per frame: echo removal (a live speaker only) -> voice activity (Silero or WebRTC, plus
near-end energy while cockpit talks) -> the endpointer (pure) -> while in speech, the
recogniser and the wake spotter on their worker threads. When the endpointer hears the driver
pause (mode smart-turn), Smart Turn judges the utterance so far on its own worker thread while
the recogniser decodes what was said; the listener waits for both (so the decision is the same
however fast the frames come) and hands the verdict and what the words say — a whole command,
or stopping mid-sentence — back to the endpointer as data. A segment becomes an
:class:`Utterance` when its wake backend fires during it (the phrase said in one breath with
the command, an openWakeWord model, or the push-to-talk button held), when a bare wake
opened the listening window before it, when the driver is answering a question, or when it
interrupted the reply; with wake mode 'none' every segment is one. Other segments are ignored.

The listener knows nothing of its owner: it reads the :class:`ListenMode` the owner sets
(``mode``) and yields typed events. Per-frame telemetry (voice activity, partial transcripts,
speech start) goes to ``emit``.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import AsyncIterable, AsyncIterator, Callable

import numpy as np

from cockpit.asr import Grammars, make_recognizer
from cockpit.asr.heard import (BareWake, Heard, ListenMode, ListenTimeout, SpeechBegan, Utterance,
                               WordsSoFar)
from cockpit.asr.recognition import RecognitionThreads
from cockpit.asr.unfinished import finished, unfinished
from cockpit.audio.bargein import BargeInDecider, has_words
from cockpit.audio.echo import EchoRemoval
from cockpit.audio.endpoint import Discarded, Ended, Endpointer, Paused, Started
from cockpit.audio.framing import Reframer
from cockpit.audio.nearend import NearEndDetector
from cockpit.audio.smartturn import MAX_VERDICTS, SmartTurn, Verdict
from cockpit.audio.vad import make_vad
from cockpit.config import Settings
from cockpit.events import ErrorRaised, Event, SpeechStarted, Stage, Transcript, VoiceActivity
from cockpit.trace import TurnTrace
from cockpit.wake import make_spotter, wake_stripper
from cockpit.wake.ptt import PHRASE as PTT_PHRASE
from cockpit.wake.window import WakeWindow
from cockpit.worker import EngineThread

log = logging.getLogger(__name__)

FRESH_S = 0.3
"""A partial covering the audio up to this close to now counts as fresh."""
WAKE_BREATH_S = 0.4
"""A pause this soon after the wake phrase ("hey cockpit, ...") is the breath before the command:
Smart Turn does not judge it (the fixed hangover applies), nor any pause before the wake phrase."""
BARE_WAKE_S = 0.6
"""Less than this much speech after the wake phrase, with no words recognised: a bare wake."""
WAKE_WORDS = 2
"""A final transcript of at most this many words the wake phrase's removal left unchanged, under BARE_WAKE_S
after the spotter's hit, is the phrase misheard ("Hey, coffee."): a bare wake, not a request for the model."""


class Listener:
    def __init__(self, settings: Settings, emit: Callable[[Event], None], *, grammars: Grammars = Grammars(),
                 player=None, strip_wake: Callable[..., str] | None = None):
        self.settings = settings
        self.emit = emit
        self.mode = ListenMode()
        """Set by the owner; read at every frame."""
        self.echo = EchoRemoval(settings.aec, player)
        self.vad = make_vad(settings.vad, settings.audio)
        self.near = NearEndDetector(self.vad.frame_samples / 16000, settings.barge_in.min_speech_ms) if player else None
        self.spotter = make_spotter(settings.wake)
        self.threads = RecognitionThreads(make_recognizer(settings.asr, grammars), self.spotter,
                                          strip_wake or wake_stripper(settings.wake))
        self.barge = BargeInDecider(settings.barge_in.mode, settings.barge_in.min_speech_ms, settings.barge_in.resume_ms)
        self.window = WakeWindow(settings.wake.listen_s)
        st = settings.endpoint.smart_turn
        self.turn = SmartTurn(st.model, st.threads) if settings.endpoint.mode == "smart-turn" else None
        """Smart Turn (None in endpoint mode fixed: the stack chose it when the model is absent)."""
        self._turn_thread = EngineThread("turn")
        self.verdicts: list[Verdict] = []
        """Every pause Smart Turn judged (for the bench; bounded by the life of a measurement)."""
        self._threshold = settings.vad.threshold if settings.vad.engine == "silero" else 0.5
        self._ep: Endpointer | None = None
        self._utterance_start = 0.0
        self._needs_wake = False
        self._words = ""
        self._speech_over = False
        self._unheard: Utterance | None = None
        """A burst too short for words under the talk button, answered at its release if nothing followed."""
        """The latest partial transcript of the current utterance, wake phrase removed."""
        self._new_words = self._words_told = ""  # WordsSoFar: to tell the owner at the end of this frame / told

    @property
    def asr(self):
        """The recogniser (the bench wraps it to count what it decodes)."""
        return self.threads.asr

    @asr.setter
    def asr(self, recognizer) -> None:
        self.threads.asr = recognizer

    def listen_for_answer(self, seconds: float) -> None:
        """cockpit asked the driver something: speech starting within ``seconds`` of audio from now
        needs no wake phrase (a ListenTimeout follows if none does)."""
        self.window.open(self._ep.audio_time if self._ep is not None else 0.0, seconds)

    def end_of_speech(self) -> None:
        """No more of this utterance will come (the talk button's release, after its silence): what was said
        so far ends now, whatever the endpointer still waits for."""
        self._speech_over = True

    @property
    def audio_time(self) -> float:
        """Seconds of microphone audio heard so far (0 before any)."""
        return self._ep.audio_time if self._ep is not None else 0.0

    def stop_listening_for_answer(self) -> None:
        """The answer window closes now, however little audio came (a typed turn's question, no microphone)."""
        self.window.close()

    async def prepare(self) -> None:
        jobs = [self.threads.prepare()]
        if self.turn is not None:
            jobs.append(self._turn_thread.run(self.turn.prepare))
        await asyncio.gather(*jobs)

    def close(self) -> None:
        self.threads.close()
        self._turn_thread.close()

    async def hear(self, frames: AsyncIterable[np.ndarray]) -> AsyncIterator[Heard]:
        """Everything the driver says in ``frames`` (16 kHz mono int16 chunks of any size)."""
        ep = self._ep = Endpointer(self.settings.endpoint, self.vad.frame_samples)
        framer = Reframer(self.vad.frame_samples)
        async for chunk in frames:
            for frame in framer.push(self.echo.process(np.asarray(chunk, dtype=np.int16))):
                async for heard in self._frame(ep, frame):
                    yield heard
            if self._speech_over:
                self._speech_over = False
                for ev in ep.flush():
                    if heard := await self._ended(ev):
                        yield heard
                if self._unheard is not None:
                    yield self._unheard
                    self._unheard = None
        for ev in ep.flush():
            heard = await self._ended(ev)
            if isinstance(heard, Utterance):
                yield heard

    async def _frame(self, ep: Endpointer, frame: np.ndarray) -> AsyncIterator[Heard]:
        was_in_speech, end_of_frame = ep.in_speech, ep.audio_time + ep.frame_s
        e = self.settings.endpoint  # a short "no" to a question is an answer, not a cough
        answering = self.mode.awaiting_answer or self.window.covers(ep.audio_time)
        ep.min_speech_ms = e.answer_min_speech_ms if answering else e.min_speech_ms
        speech = self._voice(frame, end_of_frame)
        if self.near is not None:
            talking_over = self.near.update(frame)
            # over cockpit's own voice the echo canceller can leave the driver too gated for Silero:
            # near-end energy then also counts as speech, so the utterance starts at the first syllable
            if self.near.loud and (self.mode.replying or self.barge.free(ep.audio_time)):
                speech = True
            if cut := self.barge.near_end(end_of_frame, self.mode.replying, talking_over, self.near.voiced_s):
                yield cut
        events = ep.process(frame, speech)
        if was_in_speech and ep.in_speech:  # the recogniser hears the frame before a pause in it is judged
            self.threads.feed(frame, voiced=speech)
            if cut := self.barge.speech_frame(ep.audio_time, self.mode.replying):
                yield cut
        for ev in events:
            if isinstance(ev, Started):
                yield self._started(ev)
            elif isinstance(ev, Paused):
                for end in await self._judge(ep, ev):
                    if heard := await self._ended(end):
                        yield heard
            elif heard := await self._ended(ev):
                yield heard
        self._take_partials(ep)
        if self._new_words and ep.in_speech:
            yield WordsSoFar(self._new_words, ep.audio_time)
        self._new_words = ""
        if self.threads.wake_fired() and (cut := self.barge.wake_heard(ep.audio_time, self.mode.replying)):
            yield cut
        if self.window.expired(ep.audio_time, ep.in_speech):
            yield ListenTimeout(ep.audio_time)
        if resume := self.barge.resume_due(ep.audio_time, ep.in_speech):
            yield resume

    def _voice(self, frame: np.ndarray, audio_time: float) -> bool:
        p = self.vad.probability(frame)
        speech = p >= self._threshold
        self.emit(VoiceActivity(t=time.monotonic(), audio_time=audio_time, probability=round(p, 4), speech=speech))
        return speech

    def _started(self, ev: Started) -> SpeechBegan:
        """Speech began: feed the recogniser from the first pre-roll sample; is a wake phrase needed?"""
        answering = self.mode.awaiting_answer
        interrupting = self.barge.speech_started(ev.audio_time, self.mode.replying)
        free = answering or interrupting or self.barge.free(self._ep.audio_time) or self.window.covers(ev.audio_time)
        self._needs_wake = self.spotter is not None and not free
        self._utterance_start = self._ep.audio_time - len(ev.audio) / 16000
        self._words = self._words_told = ""
        self.emit(SpeechStarted(t=time.monotonic(), audio_time=ev.audio_time))
        self.threads.begin(ev.audio, dialog=self.mode.confirming, needs_wake=self._needs_wake)
        return SpeechBegan(ev.audio_time, answering)

    async def _judge(self, ep: Endpointer, ev: Paused) -> list[Ended | Discarded]:
        """The driver paused: Smart Turn's verdict and the recogniser's words so far, both awaited (each on
        its worker thread, in parallel), become the endpointer's data. Late or failing: no verdict."""
        heard = self.threads.pause()
        if self.turn is None:
            return []
        verdict = self._turn_thread.submit(self.turn.probability, ev.audio)
        timeout = self.settings.endpoint.smart_turn.timeout_ms / 1000
        t0 = time.perf_counter()
        await asyncio.wait([verdict, *heard], timeout=timeout)
        self._take_partials(ep)
        log.debug("pause at %.2f s judged in %.0f ms: P(turn over) %s, words %r (whole command %s, unfinished %s)",
                  ev.audio_time, (time.perf_counter() - t0) * 1000,
                  f"{verdict.result():.2f}" if verdict.done() and not verdict.exception() else "-", self._words,
                  ep.complete, ep.unfinished)
        hit = self.threads.hit
        if not self._words or (self._needs_wake and (
                hit is None or ev.audio_time - (self._utterance_start + hit.end_s) < WAKE_BREATH_S)):
            return []  # nothing but a wake phrase yet: the driver is about to say the command
        if not verdict.done() or verdict.exception() is not None:
            why = "was late" if not verdict.done() else f"raised {verdict.exception()!r}"
            log.warning("Smart Turn %s on a pause at %.2f s: the fixed hangover ends it", why, ev.audio_time)
            self.emit(ErrorRaised(t=time.monotonic(), code="turn-failed", message=f"Smart Turn {why}", stage=Stage.VAD))
            return []
        if len(self.verdicts) < MAX_VERDICTS:
            self.verdicts.append(Verdict(ev.audio_time, verdict.result(), (time.perf_counter() - t0) * 1000, ep.audio_time,
                                         max(self.turn.last_ms, self.threads.pause_ms)))
        return ep.judge(ev.pause, verdict.result())

    def _take_partials(self, ep: Endpointer | None) -> None:
        """Show each new partial; a fresh one says whether the words are a whole command (shortens the
        wait) or stop mid-sentence (lengthens it)."""
        for partial in self.threads.partials():
            self._words = partial.text
            if not partial.text:
                continue
            self.emit(Transcript(t=time.monotonic(), text=partial.text, final=False))
            if ep is not None and ep.in_speech:
                # only a fresh partial may shorten the hangover: one lagging behind the audio
                # (a slow board, an as-fast-as-possible feed) says nothing about the last words
                fresh = (ep.audio_time - self._utterance_start) - partial.audio_s <= FRESH_S
                if fresh and partial.text != self._words_told:
                    self._new_words = self._words_told = partial.text
                words = self.turn is not None and self.settings.endpoint.smart_turn.words  # mode smart-turn only
                # "Hey, coffee." is the wake phrase misheard, not a finished sentence: until the command has begun
                # after the spotter's hit, nothing shortens the wait (the breath after "hey cockpit," goes on)
                command_begun = not self._needs_wake or (
                    (hit := self.threads.hit) is not None and partial.audio_s >= hit.end_s + WAKE_BREATH_S)
                ep.complete = fresh and command_begun and (
                    self.mode.is_complete(partial.text) or (words and finished(partial.text)))
                ep.unfinished = fresh and words and unfinished(partial.text)
                ep.open_words = fresh and words and command_begun and not ep.complete and not ep.unfinished

    def _only_wake(self, text: str) -> bool:
        """No words but the wake phrase: none left once it was removed, or the recogniser's spelling of the phrase
        alone that removal did not recognise ("Hey, coffee.", "Hey cut") — at most WAKE_WORDS words, unchanged."""
        return not text or (text == self.threads.heard and len(text.split()) <= WAKE_WORDS)

    async def _ended(self, ev: Ended | Discarded) -> Utterance | BareWake | None:
        trace = TurnTrace()  # the turn's origin: the moment the endpointer decided speech ended
        if self._ep is not None:  # ... that long (audio time) after the driver's last speech sample
            trace.endpoint_ms = max(0.0, (self._ep.audio_time - ev.audio_time) * 1000)
        trace.start(Stage.ASR)
        recognition, hit = await self.threads.end()
        trace.end(Stage.ASR)
        self._take_partials(self._ep)  # partials finished while the final decoded come before it
        holding = self.barge.holding
        self.barge.segment_ended(isinstance(ev, Ended) and recognition is not None and has_words(recognition.text))
        if isinstance(ev, Discarded) and hit is not None and hit.phrase == PTT_PHRASE:
            # too short to be words, under the talk button: if nothing else is said before its release, the
            # driver hears "didn't catch that" then (end_of_speech), not silence
            self._unheard = Utterance("", None, "", ev.audio_time, ev.speech_s, False, trace, wake=hit)
        if isinstance(ev, Discarded) or (self._needs_wake and hit is None) or (holding and self.barge.holding):
            return None  # (a sound that held the reply and said nothing: the reply may resume)
        self._unheard = None
        if recognition is None:  # the recogniser raised: the driver still gets an answer
            self.window.close()
            return Utterance("", None, "", ev.audio_time, ev.speech_s, ev.truncated, trace, wake=hit,
                             error="asr-failed", audio=ev.audio)
        # a wake phrase said alone waits for the command; a talk-button press is no phrase: no words under
        # it get the "didn't catch that" answer (else the driver, button released, hears nothing at all)
        ptt = hit is not None and hit.phrase == PTT_PHRASE
        if ev.speech_s * 1000 < self.settings.endpoint.min_speech_ms and not (
                self.mode.is_refusal(recognition.text) or (ptt and not recognition.text)):
            return None  # under the cough bar, let through for an awaited answer: only a "no" counts
        if hit is not None and not ptt and self._only_wake(recognition.text) and ev.speech_s - hit.end_s < BARE_WAKE_S:
            self.window.open(self._ep.audio_time if self._ep else ev.audio_time)
            return BareWake(hit, ev.audio_time, ev.speech_s)
        self.window.close()
        return Utterance(recognition.text, recognition.confidence, recognition.language, ev.audio_time, ev.speech_s,
                         ev.truncated, trace, wake=hit, audio=ev.audio, reading=recognition.reading)
