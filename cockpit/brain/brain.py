"""The brain of one turn: a pending read-back, else the fast path, else the model tiers in order.

The router orders the tiers (local, cloud) for the configured mode and the circuit breaker; a
tier that fails hands the same words to the next. Reply text goes to ``say`` as soon as it
exists — the fast path's answer at once, a model's speech piece by piece while it generates —
so speech can start before the answer is complete.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Callable

from cockpit.brain.cloud import CloudLLM
from cockpit.brain.context import ContextRenderer
from cockpit.brain.fastpath import FastPath
from cockpit.brain.llm_turn import LlmTier
from cockpit.brain.local import LocalLLM
from cockpit.brain.prompt import History
from cockpit.brain.router import Router
from cockpit.brain.understand import FrontEnd, Open
from cockpit.brain.understand.agree import affirmed
from cockpit.brain.understand.turn import FastTurn
from cockpit.bus import EventBus
from cockpit.config import BrainSettings, Settings
from cockpit.errors import CockpitError
from cockpit.factory import pick
from cockpit.events import CloudPayload, ErrorRaised, Route, RouteDecided, Stage, ToolCall
from cockpit.skills.audit import AuditLog
from cockpit.skills.gate import ToolGate
from cockpit.skills.policy import is_cancel
from cockpit.skills.registry import Registry
from cockpit.trace import TurnTrace
from cockpit.wake import wake_phrases

log = logging.getLogger(__name__)
Say = Callable[[str], None]
EARLY_CONTEXT_S = 30.0
"""How old the vehicle context rendered when the driver began speaking may be and still be used."""


TIERS: dict[str, Callable] = {
    "local": lambda b, registry, history: LlmTier(b, registry, LocalLLM(b.local), history),
    "cloud": lambda b, registry, history: LlmTier(b, registry, CloudLLM(b.cloud), history, privacy=b.privacy),
}
"""A model tier's name -> its LLM behind the tier's turn logic (the router orders them per brain.mode)."""


def make_tier(name: str, brain: "BrainSettings", registry: Registry, history: History) -> LlmTier:
    return pick("brain.mode's tiers", name, TIERS)(brain, registry, history)


@dataclass(frozen=True)
class Decision:
    """What the brain made of one utterance."""

    route: Route
    reply: str
    """The whole reply (it was also spoken piece by piece as it came)."""
    calls: list[ToolCall] = field(default_factory=list)
    reason: str = ""
    """Why this route: the fast-path rule, the tier order and any tier that failed."""
    error: str | None = None
    """The error code the turn ended with (its spoken fallback is the reply)."""


class Brain:
    def __init__(self, settings: Settings, fastpath: FastPath, registry: Registry, gate: ToolGate, bus: EventBus,
                 vehicle_context: ContextRenderer, audit: AuditLog) -> None:
        self.settings, self.fastpath, self.registry, self.gate = settings, fastpath, registry, gate
        self.fast = FastTurn(FrontEnd(fastpath, wake_phrases(settings.wake)), gate, registry, bus,
                             settings.session.confirm_window_s, settings.brain.fastpath.enabled)
        self.bus, self.vehicle_context, self.audit = bus, vehicle_context, audit
        self.router = Router(settings.brain)
        self.tiers = self._tiers(settings)
        self.turn = 0
        self._context: tuple[str, float] | None = None

    async def prepare(self) -> None:
        await asyncio.gather(*(asyncio.to_thread(tier.prepare) for tier in self.tiers.values()))
        if "cloud" in self.tiers:  # connectivity probe: an unreachable cloud is not tried on the first turn
            self.router.probed(await asyncio.to_thread(self.tiers["cloud"].llm.probe))

    def close(self) -> None:
        for tier in self.tiers.values():
            tier.close()

    def _tiers(self, settings: Settings) -> dict[str, LlmTier]:
        """One LlmTier per model tier the mode may use; they share the conversation history."""
        b = settings.brain
        history = History(b.history_turns, b.history_ttl_s)
        made: dict[str, LlmTier] = {}
        for name in self.router.tiers:
            made[name] = make_tier(name, b, self.registry, history)
            if name == "cloud":
                made[name].on_payload = self._record_payload
        return made

    def _record_payload(self, report, messages: int) -> None:
        """Every payload that leaves the car: on the bus and in the audit log."""
        self.bus.emit(CloudPayload(t=time.monotonic(), turn=self.turn, redactions=report.counts(), messages=messages))
        self.audit.append("cloud-payload", turn=self.turn, messages=messages, redactions=report.counts(),
                          endpoint=self.settings.brain.cloud.base_url)

    def speech_began(self) -> None:
        """The driver started speaking: the local model may evaluate the prompt up to their words
        now (history + the vehicle context as they began), while they talk."""
        tier = self.tiers.get("local")
        if tier is None or not self.settings.brain.local.prefill or self.gate.pending:
            return
        self._context = (self.vehicle_context.render("exact"), time.monotonic())
        tier.prefill(self._context[0])

    def heard_so_far(self, text: str) -> None:
        """The driver is still talking and has said ``text`` so far: if the words go to the local model (not a
        command the fast path takes), it may read them now, after the prefix ``speech_began`` evaluated."""
        tier = self.tiers.get("local")
        if tier is None or self._context is None or self.gate.pending or not text.strip():
            return
        heard = self.fast.frontend.understand(text)
        if isinstance(heard, Open):
            tier.prefill(self._context[0], heard.text or text)

    def _early_context(self) -> str:
        """The context the prefill used (the situation as the driver began, if within
        EARLY_CONTEXT_S), so the cached prompt matches; else the situation now."""
        early, self._context = self._context, None
        if early is not None and time.monotonic() - early[1] <= EARLY_CONTEXT_S:
            return early[0]
        return self.vehicle_context.render("exact")

    def _route(self, turn: int, route: Route, reason: str) -> str:
        self.bus.emit(RouteDecided(t=time.monotonic(), turn=turn, route=route, reason=reason))
        return reason

    @property
    def awaiting_answer(self) -> bool:
        """cockpit asked the driver something (a read-back, or the fast path's own question): their
        next words answer it."""
        return self.gate.pending or self.fast.asking

    async def decide(self, text: str, trace: TurnTrace, turn: int, say: Say, channel: object = "typed",
                     reading: str | None = None) -> Decision:
        """Answer ``text``: the route, the whole reply (which also went to ``say``), the tool calls.
        ``channel``: ``voice`` (heard by the recogniser), ``typed``, or an HMI Confirm/Cancel press
        (cockpit.skills.policy.HmiAnswer); only the first and the last can confirm a read-back.
        ``reading``: a closed-grammar recogniser's open cross-check (a command it disagrees with is read back)."""
        self.turn = turn
        yes_no = self.gate.pending or self.fast.asking_yes_no
        if reading is not None and yes_no and not is_cancel(text) and not affirmed(reading):
            text = ""  # a yes that only the closed grammar of answers heard is no yes (brain/understand/agree.py)
        if self.gate.pending or not isinstance(channel, str):  # the answer to a read-back (or an HMI press), nothing else
            reason = self._route(turn, Route.NONE, "answer to a pending confirmation")
            route, reply, calls = await self.gate.answer(text, trace, turn, channel)
            say(reply)
            return Decision(route, reply, calls, reason)
        trace.start(Stage.ROUTE)
        heard = self.fast.understand(text, reading)  # brain/understand: wake phrase, fillers, guards, grammar
        trace.end(Stage.ROUTE)
        if not isinstance(heard, Open):  # a command, a question back, or a "don't"
            reply, calls, why = await self.fast.act(heard, trace, turn, say)
            return Decision(Route.FASTPATH, reply, calls, self._route(turn, Route.FASTPATH, why))
        text = heard.text or text
        order, why = self.router.order()
        if not order:
            reason = self._route(turn, Route.NONE, f"no fast-path rule matched; brain.mode is {why}")
            say(self.settings.session.not_understood_reply)
            return Decision(Route.NONE, self.settings.session.not_understood_reply, [], reason)
        failures: list[str] = []
        for name in order:
            route = Route(name)
            reason = self._route(turn, route, "no fast-path rule matched; " + why + "".join(f"; {f}" for f in failures))
            try:
                situation = self._early_context() if name == "local" else self.vehicle_context.render("coarse")
                answer = await self.tiers[name].answer(text, situation, trace,
                                                       self.fast.execute(heard, route, trace, turn),
                                                       on_speech=say)
            except Exception as exc:  # noqa: BLE001 - the tier failed this turn: the next one answers the same words
                code = exc.code if isinstance(exc, CockpitError) else "llm-failed"
                if code == "llm-failed":
                    log.exception("the %s tier raised", name)
                self.router.record(name, ok=False)
                failures.append(f"{name} failed ({code})")
                # degraded, not yet a fault: the turn goes on with the next tier; if none is left, the
                # turn's one fault is llm-unavailable
                self.bus.emit(ErrorRaised(t=time.monotonic(), turn=turn, code=code, stage=Stage.LLM, kind="degraded",
                                          message=str(exc).split("\n")[0]))
                continue
            self.router.record(name, ok=True)
            if answer.discarded:
                self.bus.emit(ErrorRaised(t=time.monotonic(), turn=turn, code="llm-garbled", stage=Stage.LLM,
                                          message=f"discarded {len(answer.discarded)} characters of garbled model text"))
            for dropped in answer.dropped:  # what the reply guards kept from the driver (brain/guards.py)
                self.bus.emit(ErrorRaised(t=time.monotonic(), turn=turn, code=dropped.code, stage=Stage.LLM,
                                          message=f"not spoken: {dropped.text.strip()[:120]!r}"))
            if not answer.reply:
                say(self.settings.session.not_understood_reply)
            return Decision(route, answer.reply or self.settings.session.not_understood_reply, answer.calls, reason)
        raise CockpitError("; ".join(failures), code="llm-unavailable")
