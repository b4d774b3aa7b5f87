"""The assistant: audio or text in, a spoken reply out, every hop an event on the bus.

``Assistant.prepare`` loads every engine (in parallel, before any audio is taken);
``listen`` runs frames through VAD -> endpointer -> wake -> ASR and starts a turn for each
command; ``text_turn`` skips ASR. A turn is always closed: any error becomes one
``ErrorRaised`` event, a spoken fallback and a return to idle.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import AsyncIterable

import numpy as np

from cockpit.asr.listener import CommandListener
from cockpit.audio.output import ReplySink
from cockpit.brain.commands_zh import BilingualFastPath
from cockpit.brain.cloud import CloudLLM
from cockpit.brain.llm_turn import LlmTier
from cockpit.brain.local import LocalLLM
from cockpit.brain.context import ContextRenderer
from cockpit.brain.prompt import History
from cockpit.brain.router import Router
from cockpit.bus import EventBus
from cockpit.config import Settings
from cockpit.errors import CockpitError, NoSpeech
from cockpit.events import (CloudPayload, ErrorRaised, ReplyText, Route, RouteDecided, Stage, StateChanged, ToolCall,
                            Transcript, TurnSummary)
from cockpit.session import TurnState, Trigger, advance
from cockpit.skills.audit import AuditLog
from cockpit.skills.gate import ToolGate
from cockpit.skills.builtin import default_registry
from cockpit.skills.registry import Registry, SkillContext
from cockpit.trace import TurnTrace
from cockpit.tts.espeak import EspeakVoice
from cockpit.vehicle.car import Car
from cockpit.vehicle.sim import SimulatedVehicle

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


class Assistant:
    def __init__(self, settings: Settings, *, vehicle: SimulatedVehicle | None = None,
                 registry: Registry | None = None, bus: EventBus | None = None, sink: ReplySink | None = None):
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
        self.tts = EspeakVoice(settings.tts.espeak)
        self.sink = sink or ReplySink(settings.audio.output)
        self.listener = CommandListener(settings, self.fastpath, self.bus)
        self.audit = AuditLog(settings.session.audit_log)
        self.gate = ToolGate(self.registry, self.context, self.audit, self.bus, settings.session.confirm_window_s)
        self.router = Router(settings.brain)
        self.tiers = self._tiers(settings)
        self.state = TurnState.IDLE
        self.turn_id = 0

    async def prepare(self) -> None:
        """Load and check every engine before the microphone opens; fail with a clear error."""
        self.car.start()  # feeds: a missing device or bad DBC fails here, with its fix
        jobs = [asyncio.to_thread(self.tts.prepare), self.listener.prepare(), asyncio.to_thread(self.sink.prepare)]
        jobs += [asyncio.to_thread(tier.prepare) for tier in self.tiers.values()]
        await asyncio.gather(*jobs)
        if "cloud" in self.tiers:  # connectivity probe: an unreachable cloud is not tried on the first turn
            self.router.probed(await asyncio.to_thread(self.tiers["cloud"].llm.probe))

    async def close(self) -> None:
        self.car.stop()
        self.listener.close()
        for tier in self.tiers.values():
            tier.close()

    def _tiers(self, settings: Settings) -> dict[str, LlmTier]:
        """One LlmTier per model tier the mode may use; they share the conversation history."""
        b = settings.brain
        history = History(b.history_turns, b.history_ttl_s)
        made: dict[str, LlmTier] = {}
        for name in self.router.tiers:
            if name == "local":
                made[name] = LlmTier(b, self.registry, LocalLLM(b.local), history)
            else:
                made[name] = LlmTier(b, self.registry, CloudLLM(b.cloud), history, privacy=b.privacy)
                made[name].on_payload = self._record_payload
        return made

    def _record_payload(self, report, messages: int) -> None:
        """Every payload that leaves the car: on the bus and in the audit log."""
        self.bus.emit(CloudPayload(t=time.monotonic(), turn=self.turn_id, redactions=report.counts(), messages=messages))
        self.audit.append("cloud-payload", turn=self.turn_id, messages=messages, redactions=report.counts(),
                          endpoint=self.settings.brain.cloud.base_url)

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
        async for heard in self.listener.utterances(frames, self):
            summaries.append(await self._turn(heard))
        return summaries

    def next_turn(self) -> int:
        self.turn_id += 1
        return self.turn_id

    # -- one turn --------------------------------------------------------------------------
    async def _turn(self, heard: TurnInput) -> TurnSummary:
        trace, turn = heard.trace, self.turn_id
        route, reply, error = Route.NONE, "", None
        calls: list[ToolCall] = []
        if self.state is not TurnState.THINKING:
            self.transition(Trigger.UTTERANCE)
        try:
            if heard.error is not None:
                raise heard.error
            if not heard.transcript.strip():
                raise NoSpeech("nothing was recognised in the utterance")
            route, reply, calls = await self._decide(heard.transcript, trace, turn)
            self.transition(Trigger.REPLY)
        except asyncio.CancelledError:
            self.transition(Trigger.CANCEL)
            raise
        except Exception as exc:
            error = exc.code if isinstance(exc, CockpitError) else "internal"
            if not isinstance(exc, CockpitError):
                log.exception("turn %s failed", turn)
            self.bus.emit(ErrorRaised(t=time.monotonic(), turn=turn, code=error, message=str(exc).split("\n")[0]))
            reply = FALLBACKS.get(error, self.settings.session.fallback_reply)
            self.transition(Trigger.ERROR)
        audio_path = None
        try:
            audio_path = await self._speak(reply, trace, turn)
        except CockpitError as exc:  # speech itself failed: report it, still close the turn
            error = error or exc.code
            self.bus.emit(ErrorRaised(t=time.monotonic(), turn=turn, code=exc.code, message=str(exc), stage=Stage.TTS))
        finally:
            self.transition(Trigger.SPOKEN)
        reasons = [e.reason for e in self.bus.history if isinstance(e, RouteDecided) and e.turn == turn]
        summary = TurnSummary(t=time.monotonic(), turn=turn, transcript=heard.transcript, route=route,
                              tool_calls=tuple(calls), reply=reply, timings_ms=trace.timings_ms(),
                              error=error, audio_path=audio_path, route_reason=reasons[-1] if reasons else "")
        self.bus.emit(summary)
        return summary

    async def _decide(self, text: str, trace: TurnTrace, turn: int) -> tuple[Route, str, list[ToolCall]]:
        if self.gate.pending:  # a read-back is waiting: these words are the driver's answer, nothing else
            self.bus.emit(RouteDecided(t=time.monotonic(), turn=turn, route=Route.NONE,
                                       reason="answer to a pending confirmation"))
            return await self.gate.answer(text, trace, turn)
        trace.start(Stage.ROUTE)
        match = self.fastpath.parse(text) if self.settings.brain.fastpath.enabled else None
        trace.end(Stage.ROUTE)
        if match is not None:
            self.bus.emit(RouteDecided(t=time.monotonic(), turn=turn, route=Route.FASTPATH, reason=f"rule: {match.rule}"))
            ok, message = await self.gate.execute(match.call, Route.FASTPATH, trace, turn)
            return Route.FASTPATH, message, [match.call]
        order, why = self.router.order()
        if not order:
            self.bus.emit(RouteDecided(t=time.monotonic(), turn=turn, route=Route.NONE,
                                       reason=f"no fast-path rule matched; brain.mode is {why}"))
            return Route.NONE, self.settings.session.not_understood_reply, []
        failures: list[str] = []
        for name in order:
            route = Route(name)
            reason = "no fast-path rule matched; " + why + "".join(f"; {f}" for f in failures)
            self.bus.emit(RouteDecided(t=time.monotonic(), turn=turn, route=route, reason=reason))
            try:
                situation = self.situation.render("coarse" if name == "cloud" else "exact")
                answer = await self.tiers[name].answer(text, situation, trace,
                                                       lambda call: self.gate.execute(call, route, trace, turn))
            except CockpitError as exc:  # the tier failed this turn: the next one answers the same words
                self.router.record(name, ok=False)
                failures.append(f"{name} failed ({exc.code})")
                self.bus.emit(ErrorRaised(t=time.monotonic(), turn=turn, code=exc.code, stage=Stage.LLM,
                                          message=str(exc).split("\n")[0]))
                continue
            self.router.record(name, ok=True)
            if answer.discarded:
                self.bus.emit(ErrorRaised(t=time.monotonic(), turn=turn, code="llm-garbled", stage=Stage.LLM,
                                          message=f"discarded {len(answer.discarded)} characters of garbled model text"))
            return route, answer.reply or self.settings.session.not_understood_reply, answer.calls
        raise CockpitError("; ".join(failures), code="llm-unavailable")

    async def _speak(self, reply: str, trace: TurnTrace, turn: int) -> str | None:
        self.bus.emit(ReplyText(t=time.monotonic(), turn=turn, text=reply))
        trace.start(Stage.TTS)
        chunks = []
        async for speech in self.tts.stream(reply):
            trace.first(Stage.TTS)
            chunks.append(speech)
            await self.sink.play(speech, trace)
        trace.end(Stage.TTS)
        return await self.sink.finish_turn(chunks, turn, self.bus, trace)
