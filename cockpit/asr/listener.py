"""From frames to commands: VAD -> endpointer -> wake spotter + grammar recogniser.

Both engines decode incrementally on their own worker threads while the driver speaks. A
segment becomes a command when its wake backend fires during it (the phrase said in one
breath with the command, an openWakeWord model, or the push-to-talk button held), or when a
bare wake was heard within ``wake.listen_s`` before it; with wake mode 'none' every segment
is a command. Other segments are ignored.

While cockpit talks over a live speaker, the microphone signal first goes through the echo
canceller, with what the speaker played as its reference, so cockpit's own voice is not heard
as the driver's. Speech that lasts ``barge_in.min_speech_ms`` (mode 'vad'), or the wake phrase
(mode 'wake'), then interrupts the reply; in mode 'vad' those words need no wake phrase.
"""
from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, AsyncIterable, AsyncIterator

import numpy as np

import asyncio

from cockpit.asr.base import Partial, Recognizer
from cockpit.asr.sphinx import SphinxCommands
from cockpit.asr.whisper import WhisperStream
from cockpit.audio.aec import EchoCanceller, FarEnd
from cockpit.audio.endpoint import Discarded, Endpointer, Ended, Started
from cockpit.audio.nearend import NearEndDetector
from cockpit.audio.vad import make_vad
from cockpit.brain.fastpath import FastPath
from cockpit.bus import EventBus
from cockpit.config import Settings
from cockpit.errors import NoSpeech
from cockpit.events import SpeechEnded, SpeechStarted, Stage, Transcript, VoiceActivity, WakeDetected
from cockpit.session import Trigger, TurnState
from cockpit.trace import TurnTrace
from cockpit.wake.openwakeword import ModelSpotter
from cockpit.wake.phrase import PhraseSpotter
from cockpit.wake.ptt import PushToTalk
from cockpit.worker import EngineThread

FRESH_S = 0.3
"""A partial covering the audio up to this close to now counts as fresh."""

if TYPE_CHECKING:
    from cockpit.pipeline import Assistant, TurnInput


def make_spotter(settings: Settings) -> "PhraseSpotter | ModelSpotter | PushToTalk | None":
    """The wake backend for ``wake.mode``; all share prepare/start/feed/finish -> WakeHit."""
    mode = settings.wake.mode
    if mode == "phrase":
        return PhraseSpotter(settings.wake)
    if mode == "model":
        return ModelSpotter(settings.wake.openwakeword)
    if mode == "ptt":
        return PushToTalk()
    return None


class CommandListener:
    def __init__(self, settings: Settings, fastpath: FastPath, bus: EventBus, *, player=None):
        self.settings = settings
        self.bus = bus
        self.aec: EchoCanceller | None = None
        self.far: FarEnd | None = None
        if player is not None and settings.aec.enabled:  # a live speaker: cancel its echo from the mic
            self.aec, self.far = EchoCanceller(settings.aec), FarEnd()
            player.on_played = self.far.push
        self.near: NearEndDetector | None = None
        self._barge_until = -1.0   # audio time until which words after a barge-in need no wake phrase
        self._aec_rest = np.zeros(0, np.int16)
        self._speech_from: float | None = None   # audio time the current segment's speech began
        self._interrupting = False
        wake = settings.wake.keyphrase.lower() if settings.wake.mode == "phrase" else None
        self.fastpath = fastpath
        self.asr: Recognizer = (WhisperStream(settings.asr) if settings.asr.engine == "whisper"
                                else SphinxCommands(settings.asr, fastpath.jsgf(wake=wake), fastpath.jsgf(wake=wake, dialog=True)))
        self.spotter = make_spotter(settings)
        self.vad = make_vad(settings.vad, settings.audio)
        if player is not None:  # cockpit is heard as it talks: watch for the driver talking over it
            self.near = NearEndDetector(self.vad.frame_samples / 16000, settings.barge_in.min_speech_ms)
        self._ep: Endpointer | None = None
        self._utterance_start = 0.0
        self._vad_threshold = settings.vad.threshold if settings.vad.engine == "silero" else 0.5
        self._turn_hint = 0
        self._asr_thread = EngineThread("asr")
        self._wake_thread = EngineThread("wake")
        words = r"\s+".join(map(re.escape, settings.wake.keyphrase.lower().split()))
        # Whisper writes "Hey Cockpit, ..." where the grammar recogniser writes "hey cockpit ..."
        self._wake_prefix = re.compile(rf"^(?:(?:hey|okay)\s+)?{words}\b[\s,.!?]*", re.IGNORECASE)

    async def prepare(self) -> None:
        jobs = [self._asr_thread.submit(self.asr.prepare)]
        if self.spotter is not None:
            jobs.append(self._wake_thread.submit(self.spotter.prepare))
        await asyncio.gather(*jobs)

    def close(self) -> None:
        self._asr_thread.close()
        self._wake_thread.close()

    def _reframe(self, chunk: np.ndarray, rest: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
        n = self.vad.frame_samples
        data = np.concatenate([rest, chunk]) if len(rest) else chunk
        cut = len(data) - len(data) % n
        return [data[i:i + n] for i in range(0, cut, n)], data[cut:]

    async def utterances(self, frames: AsyncIterable[np.ndarray], assistant: "Assistant") -> AsyncIterator["TurnInput"]:
        ep = self._ep = Endpointer(self.settings.endpoint, self.vad.frame_samples)
        listen_until: float | None = None   # audio time until which no wake phrase is needed
        needs_wake = False
        rest = np.zeros(0, np.int16)
        async for chunk in frames:
            chunk = self._cancel_echo(np.asarray(chunk, dtype=np.int16))
            batch, rest = self._reframe(chunk, rest)
            for frame in batch:
                was_in_speech = ep.in_speech
                speech = self._voice(frame, ep.audio_time + ep.frame_s)
                if self.near is not None:
                    talking_over = self.near.update(frame)
                    # over cockpit's own voice the echo canceller can leave the driver too gated for
                    # Silero: near-end energy then also counts as speech, so the utterance starts
                    # at the driver's first syllable (its pre-roll kept)
                    if self.near.loud and (assistant.interruptible() or ep.audio_time <= self._barge_until):
                        speech = True
                    if talking_over:
                        self._barge(assistant, ep.audio_time + ep.frame_s, self.near.voiced_s)
                for ev in ep.process(frame, speech):
                    if isinstance(ev, Started):
                        # while a read-back waits for an answer, or when the driver talks over the
                        # reply (barge-in on speech), the wake phrase is not needed
                        pending = assistant.gate.pending
                        self._interrupting = (self.settings.barge_in.mode == "vad" and assistant.interruptible())
                        free = pending or self._interrupting or ep.audio_time <= self._barge_until
                        self._speech_from = ev.audio_time
                        assistant.brain.speech_began()
                        needs_wake = self._begin(ev, listen_until if not free else ep.audio_time + 1, dialog=pending)
                    else:
                        heard = await self._end(ev, needs_wake, assistant)
                        if heard == "wake":
                            listen_until = ep.audio_time + self.settings.wake.listen_s
                        elif heard is not None:
                            listen_until = None
                            yield heard
                if was_in_speech and ep.in_speech:
                    self._feed(frame, needs_wake, assistant, voiced=speech)
                    self._maybe_barge_in(ep, assistant)
                if listen_until is not None and not ep.in_speech and ep.audio_time > listen_until:
                    listen_until = None
                    if assistant.state is TurnState.LISTENING:
                        assistant.transition(Trigger.TIMEOUT)
        for ev in ep.flush():
            heard = await self._end(ev, needs_wake, assistant)
            if heard is not None and heard != "wake":
                yield heard

    def _cancel_echo(self, chunk: np.ndarray) -> np.ndarray:
        """Remove the speaker's echo (whole 10 ms blocks; a remainder waits for the next chunk)."""
        if self.aec is None or self.far is None:
            return chunk
        data = np.concatenate([self._aec_rest, chunk]) if len(self._aec_rest) else chunk
        cut = len(data) - len(data) % 160
        self._aec_rest = data[cut:]
        return self.aec.process(data[:cut], self.far.take(cut)) if cut else data[:0]

    def _maybe_barge_in(self, ep: Endpointer, assistant: "Assistant") -> None:
        """Mode 'vad': speech that has lasted long enough interrupts the reply."""
        if self._interrupting and self._speech_from is not None and assistant.interruptible():
            heard = ep.audio_time - self._speech_from
            if heard * 1000 >= self.settings.barge_in.min_speech_ms:
                self._barge(assistant, ep.audio_time, heard)

    def _barge(self, assistant: "Assistant", audio_time: float, heard_s: float) -> None:
        """Mode 'vad': the driver is talking over the reply (Silero, or near-end energy after AEC)."""
        if self.settings.barge_in.mode == "vad" and assistant.interruptible():
            assistant.barge_in("vad", audio_time, heard_s)
            self._interrupting = False
            self._barge_until = audio_time + 1.5

    def _voice(self, frame: np.ndarray, audio_time: float) -> bool:
        """Per-frame speech probability, on the bus as a VoiceActivity event."""
        p = self.vad.probability(frame)
        speech = p >= self._vad_threshold
        self.bus.emit(VoiceActivity(t=time.monotonic(), audio_time=audio_time, probability=round(p, 4), speech=speech))
        return speech

    def _begin(self, ev: Started, listen_until: float | None, dialog: bool = False) -> bool:
        self.bus.emit(SpeechStarted(t=time.monotonic(), audio_time=ev.audio_time))
        # the recogniser is fed from the first pre-roll sample on
        self._utterance_start = (self._ep.audio_time if self._ep else ev.audio_time) - len(ev.audio) / 16000
        needs_wake = self.spotter is not None and not (listen_until is not None and ev.audio_time <= listen_until)
        self._asr_thread.submit(self.asr.start, dialog)
        self._feed(ev.audio, needs_wake, start=needs_wake)
        return needs_wake

    def _feed(self, audio: np.ndarray, needs_wake: bool, assistant: "Assistant | None" = None,
              start: bool = False, voiced: bool = True) -> None:
        self._asr_thread.submit(self.asr.feed, audio, voiced).add_done_callback(self._on_partial)
        if needs_wake and self.spotter is not None:
            if start:
                self._wake_thread.submit(self.spotter.start)
            hit = self._wake_thread.submit(self.spotter.feed, audio)
            if assistant is not None and self.settings.barge_in.mode == "wake":
                hit.add_done_callback(lambda f: self._wake_barge_in(f, assistant))

    def _wake_barge_in(self, fut: "asyncio.Future", assistant: "Assistant") -> None:
        """Mode 'wake': the wake phrase heard while cockpit talks interrupts the reply."""
        if fut.cancelled() or fut.exception() is not None or fut.result() is None:
            return
        if assistant.interruptible() and self._ep is not None and self._speech_from is not None:
            assistant.barge_in("wake", self._ep.audio_time, self._ep.audio_time - self._speech_from)

    def _on_partial(self, fut: "asyncio.Future[Partial | None]") -> None:
        """A partial transcript: show it, and tell the endpointer when it is a whole command."""
        if fut.cancelled() or fut.exception() is not None or fut.result() is None:
            return
        text = fut.result().text
        if isinstance(self.spotter, PhraseSpotter):
            text = self._wake_prefix.sub("", text)
        if not text:
            return
        # partials resolve in feed order on the ASR thread, so they always precede the final
        self.bus.emit(Transcript(t=time.monotonic(), text=text, final=False))
        ep = self._ep
        if ep is not None and ep.in_speech:
            # only a fresh partial may shorten the hangover: one lagging behind the audio
            # (a slow board, an as-fast-as-possible feed) says nothing about the last words
            heard = ep.audio_time - self._utterance_start
            fresh = heard - fut.result().audio_s <= FRESH_S
            ep.complete = fresh and self.fastpath.parse(text) is not None

    async def _end(self, ev: Ended | Discarded, needs_wake: bool, assistant: "Assistant"):
        from cockpit.pipeline import TurnInput
        trace = TurnTrace()  # the turn's origin: the moment the endpointer decided speech ended
        trace.start(Stage.ASR)
        recognition = await self._asr_thread.run(self.asr.finish)
        trace.end(Stage.ASR)
        hit = await self._wake_thread.run(self.spotter.finish) if needs_wake and self.spotter else None
        if isinstance(ev, Discarded) or (needs_wake and hit is None):
            return None
        text = self._wake_prefix.sub("", recognition.text) if isinstance(self.spotter, PhraseSpotter) else recognition.text
        turn = assistant.next_turn()
        self.bus.emit(SpeechEnded(t=time.monotonic(), turn=turn, audio_time=ev.audio_time,
                                  duration=ev.speech_s, truncated=ev.truncated))
        if hit is not None:
            self.bus.emit(WakeDetected(t=time.monotonic(), turn=turn, phrase=hit.phrase, score=hit.score,
                                       audio_time=ev.audio_time - ev.speech_s + hit.end_s))
            assistant.transition(Trigger.WAKE)
            after_wake = ev.speech_s - hit.end_s
            if not text and after_wake < 0.6:
                return "wake"  # a bare wake phrase: listen for the command
        if not text:
            return TurnInput("", trace, error=NoSpeech("no command was recognised in the utterance",
                                                       hint="speak one of the commands in `cockpit sim --help`"),
                             turn=turn)
        self.bus.emit(Transcript(t=time.monotonic(), turn=turn, text=text, final=True,
                                 confidence=recognition.confidence))
        return TurnInput(text, trace, turn=turn)
