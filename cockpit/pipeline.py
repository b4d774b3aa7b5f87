"""The assistant: audio or text in, a spoken reply out, every hop an event on the bus.

``Assistant.prepare`` loads every engine (in parallel, before any audio is taken);
``listen`` runs frames through (echo cancellation ->) VAD -> endpointer -> wake -> ASR and
starts a turn for each command; ``text_turn`` skips ASR. A turn is always closed: any error
becomes one ``ErrorRaised`` event, a spoken fallback and a return to idle.

With a live speaker the microphone keeps being heard while cockpit talks: the driver's speech
(or the wake phrase, per ``barge_in.mode``) stops playback, cancels the turn's model and speech
work, and the interrupting words become the next turn — their first syllables kept by the
endpointer's pre-roll.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterable

import numpy as np

from cockpit.asr.listener import CommandListener
from cockpit.audio.output import ReplySink
from cockpit.brain.brain import Brain
from cockpit.brain.commands_zh import BilingualFastPath
from cockpit.brain.context import ContextRenderer
from cockpit.bus import EventBus
from cockpit.config import Settings
from cockpit.errors import CockpitError, NoSpeech
from cockpit.events import (BargeIn, ErrorRaised, ReplyText, Route, RouteDecided, Stage, StackReady, StateChanged,
                            ToolCall, Transcript, TurnSummary)
from cockpit.session import TurnState, Trigger, advance
from cockpit.stack import choose, on_disk
from cockpit.skills.audit import AuditLog
from cockpit.skills.builtin import default_registry
from cockpit.skills.gate import ToolGate
from cockpit.skills.registry import Registry, SkillContext
from cockpit.trace import TurnTrace
from cockpit.tts.reply import SpokenReply
from cockpit.tts.voices import Voices
from cockpit.vehicle.car import Car
from cockpit.vehicle.sim import SimulatedVehicle
from cockpit.worker import EngineThread

log = logging.getLogger(__name__)

FALLBACKS = {
    "asr-no-text": "Sorry, I didn't catch that.",
    "llm-unavailable": "Sorry, I can't answer that right now.",
}


@dataclass
class TurnInput:
    transcript: str
    trace: TurnTrace
    error: CockpitError | None = None
    turn: int = 0
    """The turn id the listener gave the utterance (0: take the current one)."""


class Assistant:
    def __init__(self, settings: Settings, *, vehicle: SimulatedVehicle | None = None,
                 registry: Registry | None = None, bus: EventBus | None = None, sink: ReplySink | None = None):
        settings, self.stack = choose(settings, on_disk())  # 'auto' -> the real stack if on disk, else offline
        self.settings = settings
        self.bus = bus or EventBus()
        self.car = Car(settings.vehicle, vehicle=vehicle)
        self.vehicle = self.car.vehicle
        self.registry = registry or default_registry()
        v = settings.vehicle
        self.context = SkillContext(vehicle=self.vehicle, places=self.car.places, pois=self.car.pois, now=self.car.clock,
                                    route=self.car.route_ahead, preferences=v.preferences, poi_settings=v.poi)
        self.situation = ContextRenderer(self.vehicle.signals, coarse_km=settings.brain.privacy.location_precision_km,
                                         clock=self.car.clock)
        self.fastpath = BilingualFastPath()
        self.voices = Voices(settings.tts)
        self.sink = sink or ReplySink(settings.audio.output, settings.playback)
        self.listener = CommandListener(settings, self.fastpath, self.bus, player=self.sink.player)
        self.audit = AuditLog(settings.session.audit_log)
        self.gate = ToolGate(self.registry, self.context, self.audit, self.bus, settings.session.confirm_window_s)
        self.brain = Brain(settings, self.fastpath, self.registry, self.gate, self.bus, self.situation, self.audit)
        self.state = TurnState.IDLE
        self.ready: StackReady | None = None
        """What runs, as loaded (set by prepare)."""
        self.turn_id = 0
        self._tts_thread = EngineThread("tts")
        self._running: asyncio.Task | None = None   # the turn being spoken, when the mic runs alongside
        self._barged = False

    @property
    def router(self):
        return self.brain.router

    @router.setter
    def router(self, router) -> None:
        self.brain.router = router

    @property
    def tiers(self):
        return self.brain.tiers

    async def prepare(self) -> None:
        """Load and check every engine before the microphone opens; fail with a clear error."""
        self.car.start()  # feeds: a missing device or bad DBC fails here, with its fix
        jobs = [asyncio.to_thread(self.voices.prepare), self.listener.prepare(), asyncio.to_thread(self.sink.prepare),
                self.brain.prepare()]
        await asyncio.gather(*jobs)
        for problem in self.voices.problems:  # a voice fell back to espeak-ng: say so once
            self.bus.emit(ErrorRaised(t=time.monotonic(), code=problem.code, stage=Stage.TTS,
                                      message=str(problem).split("\n")[0] + " (speaking with espeak-ng)"))
        self.ready = self._stack_ready()
        for line in self.ready.fallbacks:
            log.warning("%s", line)
        self.bus.emit(self.ready)

    def _stack_ready(self) -> StackReady:
        """What runs, as loaded: each part's engine and model, and which are random-weight fixtures."""
        s, parts, fixtures = self.settings, {}, []

        def put(part: str, label: str, engine: object = None) -> None:
            parts[part] = label
            if getattr(engine, "is_fixture", False):
                fixtures.append(part)
        wake = {"phrase": f"phrase '{s.wake.keyphrase}' (PocketSphinx)", "ptt": "push-to-talk", "none": "none",
                "model": "openWakeWord " + ", ".join(Path(m).stem for m in s.wake.openwakeword.models)}
        put("wake", wake[s.wake.mode], self.listener.spotter)
        put("vad", s.vad.engine)
        asr = self.listener.asr
        put("asr", f"whisper ({Path(str(s.asr.whisper.model)).name})" if s.asr.engine == "whisper"
            else "sphinx (command grammar)", asr)
        for name, tier in self.tiers.items():
            model = getattr(tier.llm, "path", None) or getattr(tier.llm.settings, "model", "")
            put(f"llm-{name}", f"{name} ({Path(str(model)).name})", tier.llm)
        if not self.tiers:
            put("llm", "none (fast path only)")
        for language, voice in self.voices.piper.items():
            put(f"tts-{language}", f"piper ({Path(str(getattr(voice, 'model_path', '') or '')).name or language})", voice)
        put("tts", "espeak-ng" if not self.voices.piper else "piper, espeak-ng fallback")
        fallbacks = tuple(c.line() for c in self.stack if c.fallback)
        return StackReady(t=time.monotonic(), parts=parts, fixtures=tuple(fixtures), fallbacks=fallbacks)

    async def close(self) -> None:
        self.car.stop()
        self.listener.close()
        self.brain.close()
        self.sink.close()
        self._tts_thread.close()

    # -- state -----------------------------------------------------------------------------
    def transition(self, trigger: Trigger) -> None:
        """Advance the turn state machine and announce the new state on the bus."""
        new = advance(self.state, trigger)
        if new is not self.state:
            self.bus.emit(StateChanged(t=time.monotonic(), turn=self.turn_id, state=new.value,
                                       previous=self.state.value))
        self.state = new

    # -- entry points ----------------------------------------------------------------------
    async def text_turn(self, text: str) -> TurnSummary:
        """A typed request: no ASR, straight to the brain."""
        self.turn_id += 1
        trace = TurnTrace()
        self.bus.emit(Transcript(t=time.monotonic(), turn=self.turn_id, text=text, final=True))
        return await self._turn(TurnInput(text, trace))

    async def listen(self, frames: AsyncIterable[np.ndarray]) -> list[TurnSummary]:
        """Run a stream of 16 kHz frames; return one summary per turn, in order."""
        summaries: list[TurnSummary] = []
        if not self.sink.live:  # nothing audible to talk over: one turn strictly after another
            async for heard in self.listener.utterances(frames, self):
                summaries.append(await self._turn(heard))
            return summaries
        # the microphone keeps flowing while a turn talks (barge-in needs it; the simulated cabin's
        # speaker is even clocked by it), so a command heard meanwhile waits in line as a task
        turns: list[asyncio.Task] = []
        async for heard in self.listener.utterances(frames, self):
            turns.append(asyncio.create_task(self._after(turns[-1] if turns else None, heard)))
        for task in turns:
            summaries.append(await task)
        return summaries

    async def _after(self, previous: asyncio.Task | None, heard: TurnInput) -> TurnSummary:
        if previous is not None:
            await asyncio.wait([previous])
        self._running = asyncio.current_task()
        return await self._turn(heard)

    def interruptible(self) -> bool:
        """cockpit is audibly talking and barge-in is on."""
        return (self.settings.barge_in.mode != "off" and self.sink.live and self.state is TurnState.SPEAKING
                and self._running is not None and not self._running.done())

    def barge_in(self, trigger: str, audio_time: float, speech_s: float) -> None:
        """The driver spoke over the reply: silence now, cancel the turn's work, listen."""
        if not self.interruptible():
            return
        dropped = self.sink.stop()
        self._barged = True
        assert self._running is not None
        self._running.cancel()
        self.transition(Trigger.BARGE_IN)
        self.bus.emit(BargeIn(t=time.monotonic(), turn=self.turn_id, trigger=trigger, audio_time=audio_time,
                              speech_s=round(speech_s, 3), dropped_s=round(dropped, 3)))

    def next_turn(self) -> int:
        self.turn_id += 1
        return self.turn_id

    # -- one turn --------------------------------------------------------------------------
    async def _turn(self, heard: TurnInput) -> TurnSummary:
        trace, turn = heard.trace, heard.turn or self.turn_id
        route, error, calls = Route.NONE, None, []
        reply: str | None = None
        if self.state is not TurnState.THINKING:
            self.transition(Trigger.UTTERANCE)
        out = SpokenReply(self.voices, self.sink, trace, self.settings.tts, self._tts_thread, self.bus, turn,
                          on_first_audio=lambda: self.transition(Trigger.REPLY) if self.state is TurnState.THINKING else None)
        speaking = asyncio.create_task(out.run())
        try:
            try:
                if heard.error is not None:
                    raise heard.error
                if not heard.transcript.strip():
                    raise NoSpeech("nothing was recognised in the utterance")
                route, reply, calls = await self.brain.decide(heard.transcript, trace, turn, out.say)
            except Exception as exc:
                error = exc.code if isinstance(exc, CockpitError) else "internal"
                if not isinstance(exc, CockpitError):
                    log.exception("turn %s failed", turn)
                self.bus.emit(ErrorRaised(t=time.monotonic(), turn=turn, code=error, message=str(exc).split("\n")[0]))
                reply = FALLBACKS.get(error, self.settings.session.fallback_reply)
                self.transition(Trigger.ERROR)
                out.say(("" if out.text.endswith((" ", "\n")) or not out.text else " ") + reply)
            out.close()
            audio_path = None
            try:
                chunks = await speaking
                if self.state is TurnState.THINKING:
                    self.transition(Trigger.REPLY)
                audio_path = await self.sink.finish_turn(chunks, turn, self.bus, trace)
            except CockpitError as exc:  # speech itself failed: report it, still close the turn
                error = error or exc.code
                self.bus.emit(ErrorRaised(t=time.monotonic(), turn=turn, code=exc.code, message=str(exc), stage=Stage.TTS))
            self.transition(Trigger.SPOKEN)
            return self._summary(heard, turn, route, reply if reply is not None else out.text, calls, error, audio_path)
        except asyncio.CancelledError:
            speaking.cancel()
            if not self._barged:
                self.transition(Trigger.CANCEL)
                raise
            self._barged = False  # the driver spoke over it: this turn ends here, cut short
            return self._summary(heard, turn, route, out.text, calls, error, None, interrupted=True)

    def _summary(self, heard: TurnInput, turn: int, route: Route, reply: str, calls: list[ToolCall],
                 error: str | None, audio_path: str | None, interrupted: bool = False) -> TurnSummary:
        self.bus.emit(ReplyText(t=time.monotonic(), turn=turn, text=reply))
        reasons = [e.reason for e in self.bus.history if isinstance(e, RouteDecided) and e.turn == turn]
        summary = TurnSummary(t=time.monotonic(), turn=turn, transcript=heard.transcript, route=route,
                              tool_calls=tuple(calls), reply=reply, timings_ms=heard.trace.timings_ms(),
                              error=error, audio_path=audio_path, route_reason=reasons[-1] if reasons else "",
                              interrupted=interrupted)
        self.bus.emit(summary)
        return summary
