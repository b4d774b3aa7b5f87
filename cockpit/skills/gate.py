"""The gate every tool call passes, whoever proposed it (fast path, local LLM, cloud).

validate (schema bounds) -> policy (driving state, confirmation) -> run -> audit.
A refusal is spoken, never raised. A call that needs confirmation is read back and parked under
a random id (``ConfirmationAsked``); only the driver's NEXT utterance heard by the recogniser, or
an HMI Confirm naming that id, can release it (``answer``; ``ConfirmationSettled``) — a model
can't, and typed text can't.

Fail closed: when the audit log cannot be written, a transaction is refused
(``policy-audit-unavailable``, spoken) since nothing could prove it was asked and confirmed;
reads and actuations still run, and ``audit-write-failed`` is raised once per outage.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import time

from cockpit.bus import EventBus
from cockpit.errors import ToolError, spoken
from cockpit.events import (ConfirmationAsked, ConfirmationSettled, ErrorRaised, Route, Stage, ToolCall, ToolCalled,
                            ToolResult)
from cockpit.skills.audit import AuditLog, AuditUnavailable
from cockpit.skills.policy import (TYPED, Allow, Channel, Confirm, DrivingState, HmiAnswer, PolicyDecider, Refuse,
                                   channel_name, sanitize)
from cockpit.skills.readback import readback
from cockpit.skills.registry import Registry, SkillContext
from cockpit.trace import TurnTrace

log = logging.getLogger(__name__)
SPEED = "Vehicle.Speed"
GEAR = "Vehicle.Powertrain.Transmission.SelectedGear"


class ToolGate:
    def __init__(self, registry: Registry, context: SkillContext, audit: AuditLog, bus: EventBus,
                 confirm_window_s: float):
        self.registry, self.context, self.audit, self.bus = registry, context, audit, bus
        self.policy = PolicyDecider(confirm_window_s=confirm_window_s, policy_of=registry.policy,
                                 readback_of=self._readback)
        self.audit_down = False
        """The last audit write failed (reported once; cleared by the next write that works)."""

    def _readback(self, call: ToolCall) -> str:
        """The tool's own question where it declares one, else item, payee and amount from the arguments."""
        tool = self.registry.get(call.name) if call.name in self.registry else None
        if tool is not None and tool.readback is not None:
            return tool.readback(call.arguments)
        return readback(call)

    @property
    def pending(self) -> bool:
        return self.policy.pending is not None

    @property
    def pending_id(self) -> str | None:
        """The id an HMI confirm must name, while a request waits."""
        return self.policy.pending.id if self.policy.pending is not None else None

    def _driving(self) -> DrivingState:
        signals = self.context.vehicle.signals  # a stale reading is unknown: the policy then fails safe
        speed, gear = signals.fresh(SPEED), signals.fresh(GEAR)
        return DrivingState(speed.value if speed else None, gear.value if gear else None)

    def _error(self, turn: int, code: str, message: str) -> None:
        self.bus.emit(ErrorRaised(t=time.monotonic(), turn=turn, code=code, message=message, stage=Stage.TOOL))

    async def _record(self, kind: str, **data) -> bool:
        """Append to the audit log; False (reported once per outage) when it cannot be written."""
        try:
            await asyncio.to_thread(self.audit.append, kind, **data)
        except AuditUnavailable as exc:
            if not self.audit_down:
                self.audit_down = True
                log.error("%s", exc)
                self._error(data.get("turn", 0), exc.code, str(exc).split("\n")[0])
            return False
        self.audit_down = False
        return True

    def _settled(self, turn: int, audit: dict, outcome: str) -> None:
        self.bus.emit(ConfirmationSettled(t=time.monotonic(), turn=turn, id=audit.get("id", ""), outcome=outcome,
                                          channel=audit.get("channel", "none")))

    async def execute(self, call: ToolCall, source: Route, trace: TurnTrace, turn: int,
                      ask: str | None = None) -> tuple[bool, str]:
        """Validate, ask the policy, and run (or refuse, or park for confirmation). ``ask``: cockpit proposes
        ``call`` itself and asks this question; only the driver's yes runs it (PolicyDecider.decide)."""
        self.bus.emit(ToolCalled(t=time.monotonic(), turn=turn, call=call, source=source))
        trace.start(Stage.TOOL)
        try:  # schema bounds first, on the call without injected 'confirmed' flags (the policy records those)
            _, args = self.registry.validate(sanitize(call)[0])
        except ToolError as exc:
            trace.end(Stage.TOOL)
            return await self._refused(call, source, turn, exc.code, f"Sorry, I can't do that. {exc.hint}".strip(),
                                       str(exc).split("\n")[0])
        # judge the call as it will run: schema defaults filled in (the read-back names them too)
        full = {**args.model_dump(mode="json", exclude_none=True), **dict(call.arguments)}
        decision = self.policy.decide(ToolCall(call.name, full), source, self._driving(), time.monotonic(), ask)
        if isinstance(decision, Allow):
            return await self._run(decision.call, source, trace, turn)
        trace.end(Stage.TOOL)
        if "expired_id" in decision.audit:  # a read-back nobody answered made way for this call
            self._settled(turn, {"id": decision.audit["expired_id"]}, "expired")
        recorded = await self._record(decision.audit["kind"], turn=turn, **_without_kind(decision.audit))
        if isinstance(decision, Refuse):
            return await self._refused(call, source, turn, decision.code, decision.spoken_reason,
                                       decision.spoken_reason, audit=False)
        assert isinstance(decision, Confirm)
        if not recorded:  # nothing could prove it was asked: no transaction without its record
            self.policy.withdraw(decision.id)
            code = "policy-audit-unavailable"
            return await self._refused(call, source, turn, code, spoken(code),
                                       f"{call.name} refused: the audit log cannot be written", audit=False)
        self.bus.emit(ConfirmationAsked(t=time.monotonic(), turn=turn, id=decision.id, tool=call.name,
                                        arguments=decision.call.as_dict()["arguments"], readback=decision.readback,
                                        expires_in_s=self.policy.confirm_window_s))
        self.bus.emit(ToolResult(t=time.monotonic(), turn=turn, call=call, ok=False, message=decision.readback))
        return False, decision.readback

    async def answer(self, utterance: str, trace: TurnTrace, turn: int,
                     channel: Channel = TYPED) -> tuple[Route, str, list[ToolCall]]:
        """The answer to a read-back: the driver's next words (``voice``; ``typed`` never confirms) or an HMI
        press. Only an explicit spoken yes, or a Confirm naming the pending id, runs the parked call."""
        now = time.monotonic()
        decision = (self.policy.settle(channel, now) if isinstance(channel, HmiAnswer)
                    else self.policy.answer(utterance, now, channel_name(channel)))
        if decision is None:  # nothing waits, or the press named another request: nothing changes
            code = "policy-confirm-unknown"
            self._error(turn, code, f"{channel_name(channel)}: no pending request with that id")
            return Route.NONE, spoken(code), []
        source = Route(decision.audit.get("source", Route.NONE.value))
        recorded = await self._record(decision.audit["kind"], turn=turn, **_without_kind(decision.audit))
        if isinstance(decision, Allow) and not recorded:
            decision = Refuse(decision.call, code="policy-audit-unavailable",
                              spoken_reason=spoken("policy-audit-unavailable"), audit=decision.audit)
        if isinstance(decision, Allow):
            self._settled(turn, decision.audit, "confirmed")
            trace.start(Stage.TOOL)
            ok, message = await self._run(decision.call, source, trace, turn)
            return source, message, [decision.call]
        assert isinstance(decision, Refuse)
        self._settled(turn, decision.audit, {"policy-expired": "expired", "policy-audit-unavailable": "refused"}
                      .get(decision.code, "cancelled"))
        self._error(turn, decision.code, decision.spoken_reason)
        return source, decision.spoken_reason, []

    async def withdraw(self, request: str, turn: int, reason: str) -> bool:
        """Drop the pending request ``request`` unanswered (a proactive prompt nobody answered in time): the
        driver's next words are a new request again. False when it is no longer waiting."""
        confirm = self.policy.withdraw(request)
        if confirm is None:
            return False
        await self._record("policy-withdrawn", turn=turn, tool=confirm.call.name, id=request, reason=reason)
        self._settled(turn, {"id": request, "channel": "none"}, "expired")
        return True

    async def _refused(self, call: ToolCall, source: Route, turn: int, code: str, spoken: str, detail: str,
                       audit: bool = True) -> tuple[bool, str]:
        self._error(turn, code, detail)
        self.bus.emit(ToolResult(t=time.monotonic(), turn=turn, call=call, ok=False, message=spoken))
        if audit:
            await self._record("tool-refused", turn=turn, source=source.value, tool=call.name,
                               arguments=dict(call.arguments), message=spoken, code=code)
        return False, spoken

    async def _run(self, call: ToolCall, source: Route, trace: TurnTrace, turn: int) -> tuple[bool, str]:
        try:
            outcome = await self.registry.run(call, self.context)
        except ToolError as exc:  # a remote skill's failure says what the driver hears (ToolError.say)
            trace.end(Stage.TOOL)
            said = getattr(exc, "say", "") or f"Sorry, I can't do that. {exc.hint}".strip()
            return await self._refused(call, source, turn, exc.code, said, str(exc).split("\n")[0])
        trace.end(Stage.TOOL)
        changes = dict(outcome.changes)
        self.bus.emit(ToolResult(t=time.monotonic(), turn=turn, call=call, ok=outcome.ok, message=outcome.message,
                                 changes=changes))
        if outcome.shown is not None:  # the places an answer named, for the map
            self.bus.emit(dataclasses.replace(outcome.shown, t=time.monotonic(), turn=turn))
        await self._record("tool-executed" if outcome.ok else "tool-failed", turn=turn, source=source.value,
                           tool=call.name, arguments=dict(call.arguments), message=outcome.message, changes=changes)
        return outcome.ok, outcome.message


def _without_kind(audit: dict) -> dict:
    return {k: v for k, v in audit.items() if k not in ("kind", "turn")}
