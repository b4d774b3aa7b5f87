"""The co-pilot: cockpit speaking first — one mechanism for every kind of prompt.

Watches (fatigue, range, the agenda's timers and reminders, the arrival routine) look at the car each
tick and say what is due (:class:`~cockpit.proactive.prompt.Prompt`). The co-pilot queues what is due,
drops what waited past its expiry, and hands the most urgent one to the Assistant only when all hold:

- the Assistant is idle and no read-back waits for an answer (its ``quiet``);
- the cabin is quiet: no voice activity and no turn for ``proactive.quiet_s`` (the cabin clock);
- no prompt of its own waits for its answer;
- at least ``proactive.min_gap_s`` trip seconds since the last prompt;
- the road does not need the driver (:mod:`cockpit.proactive.attention`: speed bands, harsh braking);
- the offered tool may run at this speed (else it would be refused out loud: dropped instead).

The Assistant speaks it as a turn with no words from the driver: the offered call goes to the policy
gate with the prompt's question, and the gate holds it for the driver's spoken yes (a prompt only asks).
Its reply ends with a question, so the Assistant listens on without the wake phrase. The answer is the
gate's (``ConfirmationSettled``): confirmed = yes (the gate runs the call), cancelled = no; a prompt not
answered within ``proactive.answer_s`` is withdrawn, so the driver's next words are a new request again.
Every prompt and its outcome is an event on the bus (the HMI shows them) and a line in the audit log;
each watch hears what became of its prompt (back-off after a no).

Two clocks: the *trip clock* (gap, expiry, time on task, timers: the simulated drive's clock when the
car's clock follows it) and the *cabin clock* (quiet, answer window: monotonic in the car; a scripted
drive sets it to its microphone's audio time).
"""
from __future__ import annotations

import asyncio
import logging
import math
import time
from dataclasses import dataclass, replace
from typing import Any, AsyncIterator, Callable

from cockpit.config import Settings
from cockpit.events import (ConfirmationAsked, ConfirmationSettled, ProactivePrompt, ProactiveSettled, SpeechEnded,
                            SpeechStarted, TurnSummary, VoiceActivity)
from cockpit.proactive.agenda import Agenda, AgendaWatch
from cockpit.proactive.attention import Attention
from cockpit.proactive.fatigue import FatigueWatch
from cockpit.proactive.moment import Moment, read_moment, trip_clock
from cockpit.proactive.prompt import Prompt, Watch
from cockpit.proactive.reserve import RangeWatch
from cockpit.proactive.stops import stop_ahead
from cockpit.proactive.voice import VoiceCues
from cockpit.skills.policy import MOVING_KMH
from cockpit.vehicle import vss

log = logging.getLogger(__name__)
_OUTCOME = {"confirmed": "yes", "cancelled": "no", "expired": "unanswered", "refused": "refused"}


@dataclass(frozen=True)
class _Asked:
    prompt: Prompt
    request: str
    """The gate's pending request id."""
    at: float
    """Cabin time it was asked."""
    turn: int


class CoPilot:
    def __init__(self, settings: Settings, bus: Any, car: Any, gate: Any, *, audit: Any = None,
                 agenda: Agenda | None = None, arrival: Watch | None = None,
                 trip: Callable[[], float] | None = None, cabin: Callable[[], float] = time.monotonic) -> None:
        self.settings, self.bus, self.car, self.gate, self.audit = settings, bus, car, gate, audit
        p = self.p = settings.proactive
        self.trip_clock = trip or trip_clock(car)
        self.cabin_clock = cabin
        """Seconds on the cabin clock (a scripted drive replaces it with its microphone's audio time)."""
        self.attention = Attention(p.attention)
        self.voice = VoiceCues(p.fatigue.voice_baseline_turns, clock=lambda: self.cabin_clock())
        prefs = settings.vehicle.preferences
        self.watches: list[Watch] = []
        if p.on("fatigue") and p.fatigue.enabled:
            self.fatigue = FatigueWatch(p.fatigue, lambda m: stop_ahead(car.pois, m, p.fatigue.stop_categories,
                                                                        p.fatigue.search_m, prefs),
                                        self.voice.level, p.priority.get("fatigue", 30))
            self.watches.append(self.fatigue)
        if p.on("range") and p.range.enabled:
            self.watches.append(RangeWatch(p.range, lambda m, c: stop_ahead(car.pois, m, [c], p.range.search_m),
                                           p.priority.get("range", 40)))
        if agenda is not None and p.agenda.enabled and (p.on("timer") or p.on("reminder")):
            self.watches.append(AgendaWatch(agenda, p.agenda, dict(p.priority)))
        if arrival is not None and p.on("arrival"):
            self.watches.append(arrival)
        self.waiting: dict[str, Prompt] = {}
        """Due prompts not yet asked, by key."""
        self.asked: list[ProactivePrompt] = []
        """Every prompt asked, in order (what the HMI saw)."""
        self.last_moment: Moment | None = None
        self._source: dict[str, Watch] = {}
        self._done: set[str] = set()
        self._last_asked = -math.inf
        self._speech_at = self._turn_end_at = -math.inf
        self._selected: Prompt | None = None
        self._asked_id: str | None = None
        self._open: _Asked | None = None
        self._quiet: Callable[[], bool] = lambda: True
        self._ready: asyncio.Queue[Prompt] | None = None
        self._spoken: asyncio.Event | None = None
        self._lock: asyncio.Lock | None = None
        self._writes: set[asyncio.Task] = set()
        bus.subscribe(self._on_event)
        car.signals.subscribe(self._on_brake, (vss.ACCEL_LONGITUDINAL, vss.ABS_ENGAGED))

    # -- what the bus and the car say ------------------------------------------------------------
    def _on_event(self, event: Any) -> None:
        self.voice.observe(event)
        if isinstance(event, VoiceActivity):
            if event.speech:
                self._speech_at = self.cabin_clock()
        elif isinstance(event, (SpeechStarted, SpeechEnded)):  # an utterance that made no turn ends here too
            self._speech_at = self.cabin_clock()
        elif isinstance(event, TurnSummary):
            self._turn_end_at = self.cabin_clock()
        elif isinstance(event, ConfirmationAsked) and self._selected is not None:
            self._asked_id = event.id
        elif isinstance(event, ConfirmationSettled) and self._open is not None and event.id == self._open.request:
            asked, self._open = self._open, None
            self._settle(asked.prompt, _OUTCOME.get(event.outcome, "no"), event.turn)

    def _on_brake(self, _old: Any, new: Any) -> None:  # the feed's thread: only a number is stored
        value = new.value
        self.attention.braking(value if not isinstance(value, bool) else None,
                               value if isinstance(value, bool) else None, self.trip_clock())

    @property
    def awaiting(self) -> bool:
        """A prompt is being asked or waits for its answer."""
        return self._selected is not None or self._open is not None

    # -- the loop the Assistant runs -------------------------------------------------------------
    async def prompts(self, quiet: Callable[[], bool]) -> AsyncIterator[Prompt]:
        """The prompts to speak, one at a time, as they may be spoken; ``quiet``: the Assistant is idle and
        no read-back waits. After each, the Assistant reports the turn to :meth:`spoken`."""
        self._quiet = quiet
        self._ensure()
        ticker = asyncio.create_task(self._tick_forever())
        try:
            while True:
                yield await self._ready.get()  # type: ignore[union-attr]
        finally:
            ticker.cancel()

    def _ensure(self) -> None:
        if self._ready is None:
            self._ready, self._spoken, self._lock = asyncio.Queue(), asyncio.Event(), asyncio.Lock()

    async def _tick_forever(self) -> None:
        period = self.p.check_every_s
        if any(w.kind == "arrival" for w in self.watches):
            period = min(period, self.settings.home.check_every_s)
        while True:
            await asyncio.sleep(period)
            try:
                await self.tick()
            except Exception:  # noqa: BLE001 - a watch that fails must not stop the car's assistant
                log.exception("proactive tick failed")

    async def step(self) -> Prompt | None:
        """One tick now, and if it chose a prompt, wait until it was spoken (a scripted drive calls this)."""
        chosen = await self.tick()
        if chosen is not None and self._spoken is not None:
            await self._spoken.wait()
        return chosen

    async def tick(self) -> Prompt | None:
        """Look at the car: settle an unanswered prompt, queue what is due, and choose one to speak now."""
        if not self.p.enabled:
            return None
        self._ensure()
        async with self._lock:  # type: ignore[union-attr]
            trip = self.trip_clock()
            m = self.last_moment = read_moment(self.car.signals, trip, self.car.clock(), self.car.drive)
            busy = self.attention.needed(m)
            await self._withdraw_unanswered()
            for watch in self.watches:
                for prompt in watch.due(m):
                    self._queue(watch, prompt, m)
            for key, prompt in list(self.waiting.items()):
                if m.trip_s > prompt.expires_s or not self.p.on(prompt.kind):
                    del self.waiting[key]
                    self._settle(prompt, "dropped", 0)
            if busy is not None or not self.waiting or self._why_not(m) is not None:
                return None
            best = max(self.waiting.values(), key=lambda p: (p.priority, -p.due_s))
            del self.waiting[best.key]
            refresh = getattr(self._source.get(best.key), "refresh", None)
            fresh = refresh(best, m) if refresh is not None else best  # as it would be made now
            if fresh is None or fresh.key != best.key or not self._may_run(fresh, m):
                self._settle(best, "dropped", 0)
                return None
            best = replace(fresh, priority=best.priority, expires_s=best.expires_s)
            self._selected, self._asked_id = best, None
            self._spoken.clear()  # type: ignore[union-attr]
            self._ready.put_nowait(best)  # type: ignore[union-attr]
            return best

    def _queue(self, watch: Watch, prompt: Prompt, m: Moment) -> None:
        if prompt.key in self.waiting or prompt.key in self._done:
            return
        self._source[prompt.key] = watch
        self.waiting[prompt.key] = replace(prompt, priority=self.p.priority.get(prompt.kind, prompt.priority),
                                           expires_s=m.trip_s + self.p.expire_s.get(prompt.kind, 300.0))

    def _why_not(self, m: Moment) -> str | None:
        """Why no prompt may be spoken now (None: it may)."""
        cabin = self.cabin_clock()
        if self._selected is not None or self._open is not None:
            return "a prompt is being asked"
        if not self._quiet():
            return "cockpit is busy or waiting for an answer"
        if cabin - max(self._speech_at, self._turn_end_at) < self.p.quiet_s:
            return "someone is speaking"
        if m.trip_s - self._last_asked < self.p.min_gap_s:
            return "too soon after the last prompt"
        return None

    def _may_run(self, prompt: Prompt, m: Moment) -> bool:
        """Would the gate let the offered tool run at this speed? (Else the refusal would be said out loud.)"""
        registry = self.gate.registry
        if prompt.offers.name not in registry:
            return False
        policy = registry.policy(prompt.offers.name)
        speed = m.speed_kmh
        if not policy.allowed_while_moving and (speed is None or abs(speed) > MOVING_KMH):
            return False
        return policy.max_speed_kmh is None or (speed is not None and abs(speed) <= policy.max_speed_kmh)

    async def _withdraw_unanswered(self) -> None:
        asked = self._open
        if asked is None or self.cabin_clock() - asked.at < self.p.answer_s:
            return
        if not self._quiet() and not self.gate.pending:  # cockpit is answering something else
            return
        if self.cabin_clock() - self._speech_at < self.p.quiet_s:  # the driver may be answering right now
            return
        if not await self.gate.withdraw(asked.request, asked.turn, f"proactive {asked.prompt.kind}: no answer "
                                        f"within {self.p.answer_s:g} s"):
            if self._open is asked:  # settled meanwhile without our hearing of it
                self._open = None
                self._settle(asked.prompt, "unanswered", asked.turn)

    # -- what the Assistant reports ----------------------------------------------------------------
    async def spoken(self, prompt: Prompt, summary: TurnSummary | None) -> None:
        """The Assistant spoke ``prompt`` (``summary``: its turn) or could not now (None: it waits again)."""
        self._selected = None
        try:
            if summary is None:
                self.waiting.setdefault(prompt.key, prompt)
                return
            trip = self.trip_clock()
            self._last_asked = trip
            event = ProactivePrompt(t=time.monotonic(), turn=summary.turn, kind=prompt.kind, key=prompt.key,
                                    reason=prompt.reason, priority=prompt.priority, question=summary.reply,
                                    options=prompt.options, offers=prompt.offers, trip_s=round(trip, 1),
                                    expires_in_s=self.p.answer_s)
            self.asked.append(event)
            self.bus.emit(event)
            await self._record("proactive-prompt", turn=summary.turn, prompt=prompt.kind, key=prompt.key,
                               reason=prompt.reason, question=summary.reply, offers=prompt.offers.as_dict(),
                               trip_s=round(trip, 1))
            self._tell(prompt, "asked")
            if self._asked_id is not None:
                self._open = _Asked(prompt, self._asked_id, self.cabin_clock(), summary.turn)
            else:  # the gate refused to hold it (nothing waits for an answer)
                self._settle(prompt, "refused", summary.turn)
        finally:
            self._spoken.set()  # type: ignore[union-attr]

    def _settle(self, prompt: Prompt, outcome: str, turn: int) -> None:
        trip = self.trip_clock()
        if outcome != "dropped":
            self._done.add(prompt.key)
        self.bus.emit(ProactiveSettled(t=time.monotonic(), turn=turn, kind=prompt.kind, key=prompt.key,
                                       outcome=outcome, trip_s=round(trip, 1)))
        self._record_soon("proactive-settled", turn=turn, prompt=prompt.kind, key=prompt.key, outcome=outcome,
                          trip_s=round(trip, 1))
        self._tell(prompt, outcome)

    def _tell(self, prompt: Prompt, outcome: str) -> None:
        watch = self._source.get(prompt.key)
        if watch is not None:
            try:
                watch.settled(prompt, outcome, self.trip_clock())
            except Exception:  # noqa: BLE001 - e.g. the agenda's disk: reported, the prompt is settled anyway
                log.exception("the %s watch failed on %s", prompt.kind, outcome)

    async def _record(self, kind: str, **data: Any) -> None:
        if self.audit is None:
            return
        try:
            await asyncio.to_thread(self.audit.append, kind, **data)
        except Exception as exc:  # noqa: BLE001 - AuditUnavailable: the gate reports the outage
            log.error("audit entry %s not written: %s", kind, exc)

    def _record_soon(self, kind: str, **data: Any) -> None:
        try:
            task = asyncio.get_running_loop().create_task(self._record(kind, **data))
        except RuntimeError:  # no loop (a test driving it by hand): write it now
            if self.audit is not None:
                self.audit.append(kind, **data)
            return
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)


__all__ = ["CoPilot"]
