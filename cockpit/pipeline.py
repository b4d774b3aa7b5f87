"""The assistant: audio or text in, a spoken reply out, every hop an event on the bus.

``Assistant.prepare`` loads every engine (in parallel, before any audio is taken). ``turns``
runs microphone frames through the listener stage (cockpit/asr/listener.py), which yields what
the driver said, and runs one turn per utterance; ``text_turn`` is a typed request. The
Assistant is the only owner of the turn state: it drives :class:`TurnState`, tells the listener
what it needs to know through a :class:`ListenMode`, and reads each turn linearly —
utterance -> decide (cockpit/brain) -> speak (cockpit/tts) -> summary. A turn always closes:
an error becomes one ``ErrorRaised`` event, the registry's spoken fallback and a return to idle.

With a live speaker the microphone keeps flowing while a turn talks: the driver's speech (or
the wake phrase, per ``barge_in.mode``) interrupts — the turn's task is cancelled, queued audio
is flushed, and the interrupting words become the next turn.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from typing import AsyncIterable, AsyncIterator

import numpy as np

from cockpit.asr.heard import BareWake, Interruption, ListenMode, ListenTimeout, Resume, SpeechBegan, Utterance, WordsSoFar
from cockpit.audio.output import ReplySink
from cockpit.brain.brain import Decision
from cockpit.bus import EventBus
from cockpit.config import Settings
from cockpit.errors import CockpitError, spoken
from cockpit.events import (ConfirmationAsked, ConfirmationSettled, Route, SpeechEnded, Stage, StackReady, StateChanged,
                            ToolCall, Transcript, TurnSummary, WakeDetected)
from cockpit.parts import assemble
from cockpit.session import Trigger, TurnState, advance
from cockpit.skills.policy import is_cancel
from cockpit.skills.registry import Registry
from cockpit.stack import stack_ready
from cockpit.trace import TurnTrace
from cockpit.turn import BARGE_IN, Request, check_heard, decide_in_time, failure, play_out, report, summarise
from cockpit.tts.reply import SpokenReply
from cockpit.vehicle.sim import SimulatedVehicle
from cockpit.worker import EngineThread

log = logging.getLogger(__name__)
FOLLOW_UP_SLACK_S = 1.0
"""After session.followup_s of wall clock and this, a question's answer window closes even with no audio."""


class Assistant:
    def __init__(self, settings: Settings, *, vehicle: SimulatedVehicle | None = None,
                 registry: Registry | None = None, bus: EventBus | None = None, sink: ReplySink | None = None):
        parts = assemble(settings, vehicle=vehicle, registry=registry, bus=bus, sink=sink)  # cockpit/parts.py
        vars(self).update(vars(parts))  # settings, bus, car, vehicle, audit, skills, ..., brain, copilot, privacy
        self.state = TurnState.IDLE
        self.ready: StackReady | None = None
        """What runs, as loaded (set by prepare)."""
        self.turn_id = 0
        self._tts_thread = EngineThread("tts")
        self._running: asyncio.Task | None = None  # the turn being decided or spoken (a barge-in cancels it)
        self._one_turn = asyncio.Lock()
        self._offering: asyncio.Task | None = None
        self._set_mode()
        self.bus.subscribe(self._on_bus)

    def _on_bus(self, event) -> None:
        if isinstance(event, (ConfirmationAsked, ConfirmationSettled)):  # the driver is (no longer) being asked
            self._set_mode()

    @property
    def router(self):
        return self.brain.router

    @property
    def tiers(self):
        return self.brain.tiers

    @property
    def online(self) -> bool:
        """The car has a network (the cloud tier may be tried)."""
        return self.router.online

    @online.setter
    def online(self, online: bool) -> None:
        self.router.online = online

    @property
    def pending_confirmation(self):
        """The transaction read back and waiting for the driver (a policy ``Confirm``), or None."""
        return self.gate.policy.pending

    async def prepare(self) -> None:
        """Load and check every engine before the microphone opens; fail with a clear error."""
        self.car.start()  # feeds: a missing device or bad DBC fails here, with its fix
        await self.skills.prepare()  # MCP servers' tools join the registry before the models see the tool list
        await asyncio.gather(asyncio.to_thread(self.voices.prepare), self.listener.prepare(),
                             asyncio.to_thread(self.sink.prepare), self.brain.prepare())
        for problem in self.voices.problems:  # a voice fell back to espeak-ng: say so once
            report(self.bus, 0, problem.code, str(problem).split("\n")[0] + " (speaking with espeak-ng)", Stage.TTS)
        self.ready = stack_ready(self.settings, self.stack, self.listener, self.tiers, self.voices)
        for line in self.ready.fallbacks:
            log.warning("%s", line)
        self.bus.emit(self.ready)
        self._offering = asyncio.create_task(self._offer_when_due())

    async def close(self) -> None:
        if self._offering is not None:
            self._offering.cancel()
            await asyncio.gather(self._offering, return_exceptions=True)  # the co-pilot's loop ends here
        await self.skills.close()
        self.car.stop()
        self.listener.close()
        self.brain.close()
        self.sink.close()
        self._tts_thread.close()

    # -- state: only the Assistant moves it ------------------------------------------------------
    def _advance(self, trigger: Trigger) -> None:
        new = advance(self.state, trigger)
        if new is not self.state:
            self.bus.emit(StateChanged(t=time.monotonic(), turn=self.turn_id, state=new.value, previous=self.state.value))
        self.state = new
        self._set_mode()

    def _set_mode(self) -> None:
        replying = (self.settings.barge_in.mode != "off" and self.sink.live and self.state is TurnState.SPEAKING
                    and self._running is not None and not self._running.done())
        # a read-back waits for its yes (session.confirm_window_s); any other question — the fast path's "Which
        # window?", a model's — is answered without the wake phrase within session.followup_s (_follow_up); a
        # yes/no question (the gate's or the fast path's) is heard with the dialog grammar
        self.listener.mode = ListenMode(replying=replying, awaiting_answer=self.gate.pending,
                                        confirming=self.gate.pending or self.brain.fast.asking_yes_no,
                                        is_complete=self._is_command,
                                        is_refusal=is_cancel)

    def _is_command(self, text: str) -> bool:
        return self.brain.fast.frontend.is_complete_command(text)

    def press_to_talk(self, down: bool) -> bool:
        """The talk button (HMI, steering wheel). With wake.mode ptt it is the wake: returns True
        when it opened the microphone gate, False when this wake mode has no button."""
        from cockpit.wake.ptt import PushToTalk
        button = self.listener.spotter
        if not isinstance(button, PushToTalk):
            return False
        if down:
            button.press()
            if self.state is TurnState.IDLE:
                self._advance(Trigger.WAKE)  # show that cockpit listens
        else:
            button.release()
        return True

    # -- entry points ----------------------------------------------------------------------------
    async def text_turn(self, text: str, channel: str = "typed", reading: str | None = None) -> TurnSummary:
        """A typed request: no ASR, straight to the brain (``reading``: replay a grammar recogniser's cross-check)."""
        self.turn_id += 1
        self.bus.emit(Transcript(t=time.monotonic(), turn=self.turn_id, text=text, final=True))
        return await self._turn(Request(text, TurnTrace(), self.turn_id, channel, reading=reading))

    async def offer(self, call: ToolCall, question: str | None = None) -> TurnSummary:
        """cockpit speaks first: ``call`` goes to the policy gate from no tier, held for the driver's yes with
        ``question`` (or its read-back) as this turn's reply; the driver's next words answer it. The co-pilot
        (cockpit/proactive/) says when."""
        self.turn_id += 1
        return await self._turn(Request("", TurnTrace(), self.turn_id, "none", offer=call, ask=question))

    async def _offer_when_due(self) -> None:
        quiet = lambda: self.state is TurnState.IDLE and not self.gate.pending  # noqa: E731
        async for prompt in self.copilot.prompts(quiet):
            await self.copilot.spoken(prompt, await self.offer(prompt.offers, prompt.question or None) if quiet() else None)

    async def listen(self, frames: AsyncIterable[np.ndarray]) -> list[TurnSummary]:
        """A finite stream of 16 kHz frames (a WAV, a scripted drive): every turn's summary, in order."""
        return [summary async for summary in self.turns(frames)]

    async def turns(self, frames: AsyncIterable[np.ndarray]) -> AsyncIterator[TurnSummary]:
        """One summary per turn heard in ``frames``, in order. Holds nothing per turn once it is
        yielded, so it runs for the life of the car."""
        if not self.sink.live:  # nothing audible to talk over: one turn strictly after another
            async for heard in self.listener.hear(frames):
                if isinstance(heard, Utterance):
                    yield await self._turn(self._request(heard))
                else:
                    self._react(heard)
            return
        # the microphone keeps flowing while a turn talks (barge-in needs it; the simulated cabin's
        # speaker is even clocked by it), so a command heard meanwhile waits in line as a task
        queued: deque[asyncio.Task] = deque()
        async for heard in self.listener.hear(frames):
            if isinstance(heard, Utterance):
                if (held := self.floor.take()) is not None:  # words after a barge-in: they take the floor
                    self._cut(held, announced=True)
                queued.append(asyncio.create_task(self._after(queued[-1] if queued else None, self._request(heard))))
            else:
                self._react(heard)
            while queued and queued[0].done():
                yield queued.popleft().result()
        while queued:
            yield await queued.popleft()

    async def _after(self, previous: asyncio.Task | None, request: Request) -> TurnSummary:
        if previous is not None:
            await asyncio.wait([previous])
        return await self._turn(request)

    def _react(self, heard: SpeechBegan | BareWake | ListenTimeout | Interruption | Resume | WordsSoFar) -> None:
        """What the listener heard that is not a request."""
        if isinstance(heard, SpeechBegan):
            self.brain.speech_began()
        elif isinstance(heard, WordsSoFar):  # a model may read the words while the driver is still talking
            self.brain.heard_so_far(heard.text)
        elif isinstance(heard, BareWake):
            self.turn_id += 1
            self.bus.emit(SpeechEnded(t=time.monotonic(), turn=self.turn_id, audio_time=heard.audio_time,
                                      duration=heard.speech_s))
            self._woke(heard.hit, heard.audio_time - heard.speech_s)
        elif isinstance(heard, ListenTimeout):
            if self.state is TurnState.LISTENING:
                self._advance(Trigger.TIMEOUT)
        elif isinstance(heard, Interruption) and self.listener.mode.replying and self._running is not None:
            if not self.floor.hold(heard, self.turn_id):  # held (paused): words cut it, silence resumes it
                self._cut(heard)
        elif isinstance(heard, Resume):
            self.floor.give_back(heard, self.turn_id)

    def _cut(self, heard: Interruption, announced: bool = False) -> None:
        """The driver takes the floor: silence now, drop what is queued, cancel the turn."""
        if self._running is None or self._running.done():
            return
        dropped = self.sink.stop()
        self._running.cancel(BARGE_IN)
        self._advance(Trigger.BARGE_IN)
        if not announced:
            self.floor.announce(heard, self.turn_id, dropped)

    def _woke(self, hit, speech_began: float) -> None:
        self.bus.emit(WakeDetected(t=time.monotonic(), turn=self.turn_id, phrase=hit.phrase, score=hit.score,
                                   audio_time=speech_began + hit.end_s))
        self._advance(Trigger.WAKE)

    def _request(self, u: Utterance) -> Request:
        """An utterance becomes the next turn: numbered and announced."""
        self.turn_id += 1
        self.bus.emit(SpeechEnded(t=time.monotonic(), turn=self.turn_id, audio_time=u.audio_time, duration=u.speech_s,
                                  truncated=u.truncated))
        if u.wake is not None:
            self._woke(u.wake, u.audio_time - u.speech_s)
        if u.text:
            self.bus.emit(Transcript(t=time.monotonic(), turn=self.turn_id, text=u.text, final=True,
                                     confidence=u.confidence, language=u.language))
        return Request(u.text, u.trace, self.turn_id, "voice", error=u.error, reading=u.reading)

    # -- one turn --------------------------------------------------------------------------------
    async def _turn(self, request: Request) -> TurnSummary:
        """One turn at a time, whatever its source (the microphone, the CLI, the HMI API)."""
        async with self._one_turn:
            self._running = asyncio.current_task()
            return await self._run_turn(request)

    async def _run_turn(self, request: Request) -> TurnSummary:
        """Decide, speak, summarise. A barge-in cancels it: it ends cut short, nothing raised."""
        if self.state is not TurnState.THINKING:
            self._advance(Trigger.UTTERANCE)
        out = SpokenReply(self.voices, self.sink, request.trace, self.settings.tts, self._tts_thread, self.bus,
                          request.turn, on_first_audio=self._first_audio)
        speaking = asyncio.create_task(out.run())
        decision = Decision(Route.NONE, "")
        try:
            decision = await self._decide(request, out)
            out.close()
            audio_path, speech_error = await self._speak(speaking, request)
            if self.state is TurnState.LISTENING:  # talked over just as the reply ended: cut short all the same
                return summarise(self.bus, request, decision, out.text, decision.error, None, interrupted=True)
            self._advance(Trigger.SPOKEN)
            self._follow_up(decision.reply)
            return summarise(self.bus, request, decision, decision.reply, decision.error or speech_error, audio_path)
        except asyncio.CancelledError as cancel:
            speaking.cancel()
            if not cancel.args or cancel.args[0] != BARGE_IN:
                self._advance(Trigger.CANCEL)
                raise
            return summarise(self.bus, request, decision, out.text, decision.error, None, interrupted=True)

    async def _decide(self, request: Request, out: SpokenReply) -> Decision:
        """The brain's answer; any failure becomes one error event and the registry's spoken fallback."""
        try:
            if request.offer is not None:
                _ok, reply = await self.gate.execute(request.offer, Route.NONE, request.trace, request.turn, request.ask)
                out.say(reply)
                return Decision(Route.NONE, reply, [request.offer], f"cockpit offered {request.offer.name}")
            check_heard(request)
            return await decide_in_time(lambda: self.brain.decide(request.text, request.trace, request.turn, out.say,
                                                                  channel=request.channel, reading=request.reading),
                                        self.settings.session.turn_timeout_s)
        except Exception as exc:  # noqa: BLE001 - every failure ends the same way: one event, one sentence
            code, message = failure(exc, request.turn)
        report(self.bus, request.turn, code, message)
        self._advance(Trigger.ERROR)
        fallback = spoken(code, self.settings.session.fallback_reply)
        out.say(fallback if not out.text or out.text.endswith((" ", "\n")) else " " + fallback)
        return Decision(Route.NONE, fallback, error=code)

    async def _speak(self, speaking: asyncio.Task, request: Request) -> tuple[str | None, str | None]:
        """Wait for the reply's audio to be made and played; returns (WAV path, error code)."""
        try:
            chunks = await speaking
            if self.state is TurnState.THINKING:
                self._advance(Trigger.REPLY)
            return await play_out(self.sink, self.bus, request, chunks)
        except CockpitError as exc:  # speech itself failed: reported, and the turn still closes
            report(self.bus, request.turn, exc.code, str(exc), Stage.TTS)
            return None, exc.code

    def _follow_up(self, reply: str) -> None:
        """A reply that asked the driver something (a model's question, or a skill's missing slot: "Which
        window?"): listen for the answer without the wake phrase for session.followup_s of audio."""
        seconds = self.settings.session.followup_s
        if seconds > 0 and reply.rstrip().endswith(("?", "？")) and self.state is TurnState.IDLE:
            self.listener.listen_for_answer(seconds)
            self._advance(Trigger.WAKE)  # listening, as after a bare wake phrase (a timeout goes back to idle)
            # the window is measured in microphone audio; with none flowing (typed or HMI turns) the clock closes it
            asyncio.get_running_loop().call_later(seconds + FOLLOW_UP_SLACK_S, self._follow_up_over, self.turn_id,
                                                  self.listener.audio_time)

    def _follow_up_over(self, turn: int, audio_time: float) -> None:
        """No audio came since the question (a typed turn, no microphone): the window closes on the clock.
        While audio flows, the listener's window in audio time decides (a slow decode may lag the clock)."""
        if self.turn_id == turn and self.state is TurnState.LISTENING and self.listener.audio_time == audio_time:
            self.listener.stop_listening_for_answer()
            self._advance(Trigger.TIMEOUT)

    def _first_audio(self) -> None:
        if self.state is TurnState.THINKING:
            self._advance(Trigger.REPLY)
