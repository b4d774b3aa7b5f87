"""The gate every tool call passes, whoever proposed it (fast path, local LLM, cloud).

validate (schema bounds) -> policy (driving state, confirmation) -> run -> audit.
A refusal is spoken, never raised. A call that needs confirmation is read back and parked;
only the driver's NEXT utterance (``answer``) can release it — a model can't.
"""
from __future__ import annotations

import asyncio
import time

from cockpit.bus import EventBus
from cockpit.errors import ToolError
from cockpit.events import ErrorRaised, Route, Stage, ToolCall, ToolCalled, ToolResult
from cockpit.skills.audit import AuditLog
from cockpit.skills.policy import Allow, Confirm, DrivingState, PolicyGate, Refuse, sanitize
from cockpit.skills.registry import Registry, SkillContext
from cockpit.trace import TurnTrace

SPEED = "Vehicle.Speed"
GEAR = "Vehicle.Powertrain.Transmission.SelectedGear"


class ToolGate:
    def __init__(self, registry: Registry, context: SkillContext, audit: AuditLog, bus: EventBus,
                 confirm_window_s: float):
        self.registry, self.context, self.audit, self.bus = registry, context, audit, bus
        self.policy = PolicyGate(confirm_window_s=confirm_window_s)

    @property
    def pending(self) -> bool:
        return self.policy.pending is not None

    def _driving(self) -> DrivingState:
        signals = self.context.vehicle.signals  # a stale reading is unknown: the policy then fails safe
        speed, gear = signals.fresh(SPEED), signals.fresh(GEAR)
        return DrivingState(speed.value if speed else None, gear.value if gear else None)

    def _error(self, turn: int, code: str, message: str) -> None:
        self.bus.emit(ErrorRaised(t=time.monotonic(), turn=turn, code=code, message=message, stage=Stage.TOOL))

    async def _record(self, kind: str, **data) -> None:
        await asyncio.to_thread(self.audit.append, kind, **data)

    async def execute(self, call: ToolCall, source: Route, trace: TurnTrace, turn: int) -> tuple[bool, str]:
        """Validate, ask the policy, and run (or refuse, or park for confirmation)."""
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
        decision = self.policy.decide(ToolCall(call.name, full), source, self._driving(), time.monotonic())
        if isinstance(decision, Allow):
            return await self._run(decision.call, source, trace, turn)
        trace.end(Stage.TOOL)
        await self._record(decision.audit["kind"], turn=turn, **_without_kind(decision.audit))
        if isinstance(decision, Refuse):
            return await self._refused(call, source, turn, decision.code, decision.spoken_reason, decision.spoken_reason,
                                       audit=False)
        assert isinstance(decision, Confirm)
        self.bus.emit(ToolResult(t=time.monotonic(), turn=turn, call=call, ok=False, message=decision.readback))
        return False, decision.readback

    async def answer(self, utterance: str, trace: TurnTrace, turn: int) -> tuple[Route, str, list[ToolCall]]:
        """The driver's next words after a read-back: only an explicit yes runs the parked call."""
        decision = self.policy.answer(utterance, time.monotonic())
        assert decision is not None, "answer() without a pending confirmation"
        await self._record(decision.audit["kind"], turn=turn, **_without_kind(decision.audit))
        source = Route(decision.audit.get("source", Route.NONE.value))
        if isinstance(decision, Allow):
            trace.start(Stage.TOOL)
            ok, message = await self._run(decision.call, source, trace, turn)
            return source, message, [decision.call]
        assert isinstance(decision, Refuse)
        self._error(turn, decision.code, decision.spoken_reason)
        return source, decision.spoken_reason, []

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
            outcome = self.registry.call(call, self.context)
        except ToolError as exc:
            trace.end(Stage.TOOL)
            return await self._refused(call, source, turn, exc.code, f"Sorry, I can't do that. {exc.hint}".strip(),
                                       str(exc).split("\n")[0])
        trace.end(Stage.TOOL)
        changes = dict(outcome.changes)
        self.bus.emit(ToolResult(t=time.monotonic(), turn=turn, call=call, ok=outcome.ok, message=outcome.message,
                                 changes=changes))
        await self._record("tool-executed" if outcome.ok else "tool-failed", turn=turn, source=source.value,
                           tool=call.name, arguments=dict(call.arguments), message=outcome.message, changes=changes)
        return outcome.ok, outcome.message


def _without_kind(audit: dict) -> dict:
    return {k: v for k, v in audit.items() if k not in ("kind", "turn")}
