"""The policy gate: what a tool call may do given the driving state, and who must say yes.

Pure: no clock, no I/O; the caller passes ``now`` (monotonic seconds) and appends each decision's
``audit`` dict to the audit log. A transaction is read back and held in one pending slot under a
random id. Only two things release it, in time:

- the driver's next utterance heard by the recogniser (channel ``voice``) being an explicit yes
  (:meth:`PolicyDecider.answer`);
- an authenticated HMI client pressing Confirm and naming the pending id (an :class:`HmiAnswer`,
  channel ``hmi-confirm``; :meth:`PolicyDecider.settle`).

Typed text (channel ``typed``: the API's text turns, ``cockpit sim --text``) never confirms: a typed
yes cancels like any other answer, so nothing typed can pay. A press naming another id changes
nothing. Every answer's audit line records its channel.
"""
from __future__ import annotations

import hmac
import math
import re
import secrets
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

from cockpit.events import Route, ToolCall
from cockpit.skills.readback import readback
from cockpit.skills.declared import STRICTEST, ToolPolicy  # noqa: F401  (re-exported)

MOVING_KMH = 3.0  # above this speed the car counts as moving


class _BuiltinPolicies(Mapping[str, ToolPolicy]):
    """The built-in tools' declared policies, by name (read from their Tool declarations on first use)."""

    def _table(self) -> dict[str, ToolPolicy]:
        from cockpit.skills.builtin import default_registry  # the built-ins import the registry, not this module
        table = getattr(self, "_cache", None)
        if table is None:
            registry = default_registry()
            table = self._cache = {name: registry.policy(name) for name in registry.names()}
        return table

    def __getitem__(self, name: str) -> ToolPolicy:
        return self._table()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._table())

    def __len__(self) -> int:
        return len(self._table())


POLICY_TABLE: Mapping[str, ToolPolicy] = _BuiltinPolicies()
"""A view of the built-in tools' own declarations (cockpit/skills/builtin/*.py): not a second source."""


def policy_for(name: str) -> ToolPolicy:
    """A built-in tool's declared policy; any other name gets the strictest one."""
    return POLICY_TABLE.get(name, STRICTEST)


@dataclass(frozen=True, slots=True)
class DrivingState:
    """Speed (km/h, ``Vehicle.Speed``) and selected gear (VSS 4.0: 126 = park, 127 = drive); None where unknown."""

    speed_kmh: float | None
    gear: int | None = None

    @property
    def speed_known(self) -> bool:
        return self.speed_kmh is not None and math.isfinite(self.speed_kmh)

    @property
    def moving(self) -> bool:  # fail safe: an unknown or non-finite speed is moving, whatever the gear
        return not self.speed_known or abs(self.speed_kmh) > MOVING_KMH  # type: ignore[arg-type]

    def as_dict(self) -> dict[str, Any]:
        return {"speed_kmh": self.speed_kmh, "gear": self.gear, "moving": self.moving}


@dataclass(frozen=True, slots=True)
class Allow:  # run the call (its arguments cleaned of any confirmation claim)
    call: ToolCall
    audit: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Refuse:  # do not run it; say spoken_reason
    call: ToolCall
    code: str
    """policy-moving, policy-speed, policy-pending, policy-cancelled, policy-expired."""
    spoken_reason: str
    audit: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Confirm:  # say readback; the call waits for PolicyDecider.answer or .settle
    call: ToolCall
    readback: str
    """What the driver hears: the question and how to answer it."""
    expires_at: float
    id: str = ""
    """Random id an HMI confirm or cancel must name."""
    audit: dict[str, Any] = field(default_factory=dict)


Decision = Allow | Refuse | Confirm

VOICE, TYPED = "voice", "typed"
"""Channels of an utterance: heard by the recogniser (microphone, or PCM frames over the API), or typed."""
HOW_TO_CONFIRM = "Say yes to confirm, or press Confirm."
TYPED_YES = "I cancelled it: typed text can't confirm. Ask again, then say yes or press Confirm."


@dataclass(frozen=True, slots=True)
class HmiAnswer:
    """An authenticated HMI client pressed Confirm (or Cancel) on the pending request ``id``."""

    id: str
    confirm: bool

    @property
    def channel(self) -> str:
        return "hmi-confirm" if self.confirm else "hmi-cancel"


Channel = str | HmiAnswer
"""``voice``, ``typed``, or an HMI press."""


def channel_name(channel: Channel) -> str:
    return channel.channel if isinstance(channel, HmiAnswer) else str(channel)

# ---- confirmation words: the whole utterance, punctuation and case aside, must be one of these
CONFIRM_WORDS = frozenset({"yes", "yes pay", "yes please", "confirm", "do it", "go ahead",
                           "是的", "确认", "是的 确认", "好的 付款"})
CANCEL_WORDS = ("no", "cancel", "stop", "don't", "nope", "不要", "取消", "算了", "停")


def _compact(text: str) -> str:
    """Lower case, punctuation and spaces removed: 'Yes, pay!' -> 'yespay', '是的，确认' -> '是的确认'."""
    return re.sub(r"[\W_]+", "", text.casefold())


def is_confirmation(utterance: str) -> bool:
    """True only for an explicit confirmation and nothing else ('yes, and open the window' is not)."""
    return _compact(utterance) in {_compact(w) for w in CONFIRM_WORDS}


def is_cancel(utterance: str) -> bool:  # a cancel word anywhere: 'no', 'cancel that', '取消'
    words = re.sub(r"[^\w']+", " ", utterance.casefold()).split()
    return any(w in words if w.isascii() else w in utterance for w in CANCEL_WORDS)


# ---- injection: a model (or a merchant name) claiming the driver already said yes
_CLAIM = re.compile(r"(already|has|have|had|pre)[\s-]*confirm|user\s+(said|says|agreed)|confirmed\W*(true|yes)"
                    r"|skip\w*\s+(the\s+)?confirm|without\s+(asking|confirm)|no\s+need\s+to\s+(ask|confirm)"
                    r"|已经?确认|已同意|无需确认|不需要确认|不用确认", re.IGNORECASE)


def _scrub(value: Any, path: str, findings: list[str]) -> Any:
    """``value`` with every ``*confirm*`` key dropped; a finding per dropped key or claiming string."""
    if isinstance(value, Mapping):
        kept = {}
        for key, item in value.items():
            if "confirm" in str(key).casefold():
                findings.append(f"argument {path}{key} dropped")
            else:
                kept[key] = _scrub(item, f"{path}{key}.", findings)
        return kept
    if isinstance(value, (list, tuple)):
        return [_scrub(v, path, findings) for v in value]
    if isinstance(value, str) and _CLAIM.search(value):
        findings.append(f"argument {path.rstrip('.')} claims a confirmation: {value[:80]!r}")
    return value


def sanitize(call: ToolCall) -> tuple[ToolCall, list[str]]:
    """The call without any argument a model could use to claim the driver confirmed; findings."""
    findings: list[str] = []
    return ToolCall(call.name, _scrub(call.arguments, "", findings)), findings


class PolicyDecider:
    """Decides every tool call (pure: no I/O; the ToolGate runs and audits what it allows); holds at most one
    transaction waiting for the driver's yes."""

    def __init__(self, *, confirm_window_s: float = 20.0, policy_of: Callable[[str], ToolPolicy] = policy_for,
                 readback_of: Callable[[ToolCall], str] = readback,
                 new_id: Callable[[], str] = lambda: secrets.token_hex(8)) -> None:
        self.confirm_window_s = confirm_window_s  # how long a read-back waits for the answer
        self.policy_of = policy_of
        """Tool name -> the policy to enforce (the ToolGate passes its registry's: declared, then tightened)."""
        self.readback_of = readback_of
        self.new_id = new_id
        self._pending: Confirm | None = None

    @property
    def pending(self) -> Confirm | None:  # the call waiting for the driver, expired or not
        return self._pending

    def decide(self, call: ToolCall, source: Route, driving: DrivingState, now: float,
               ask: str | None = None) -> Decision:
        """Allow, refuse, or read back and hold a call proposed by any tier. ``ask``: cockpit proposes the
        call on its own (a proactive prompt) — it is held for the driver's yes even when the tool needs no
        confirmation, with ``ask`` as its question (a tool that needs one keeps its own read-back)."""
        policy = self.policy_of(call.name)
        findings: list[str] = []
        clean = ToolCall(call.name, _scrub(call.arguments, "", findings))
        audit = {"kind": "", "tool": call.name, "arguments": call.as_dict()["arguments"], "source": Route(source).value,
                 "reason": "", "side_effect": policy.side_effect, "driving": driving.as_dict(),
                 "findings": ["policy-injection: " + f for f in findings]}
        def refuse(*, code: str, spoken: str, reason: str) -> Refuse:
            return Refuse(clean, code, spoken, {**audit, "kind": "policy-refused", "code": code, "reason": reason})

        if not policy.allowed_while_moving and driving.moving:
            why = "the speed is unknown" if not driving.speed_known else f"the car is moving at {driving.speed_kmh:g} km/h"
            return refuse(code="policy-moving", spoken="I can only do that when the car is stopped.",
                          reason=f"{call.name} is not allowed while moving; {why}")
        if policy.max_speed_kmh is not None and (not driving.speed_known or abs(driving.speed_kmh) > policy.max_speed_kmh):
            return refuse(code="policy-speed", spoken=f"I can't do that above {policy.max_speed_kmh:g} km/h.",
                          reason=f"{call.name} is limited to {policy.max_speed_kmh:g} km/h; speed is {driving.speed_kmh}")
        if not policy.needs_confirmation and ask is None:
            return Allow(clean, {**audit, "kind": "policy-allowed", "reason": f"{policy.side_effect} tool allowed"})
        if self._pending is not None and now > self._pending.expires_at:  # stale: the new one may ask
            audit["expired_pending"], audit["expired_id"] = self._pending.call.name, self._pending.id
            self._pending = None
        if self._pending is not None:
            return refuse(code="policy-pending", spoken="Please answer the question I asked first.",
                          reason=f"{self._pending.call.name} is already waiting for confirmation")
        expires_at, request = now + self.confirm_window_s, self.new_id()
        question = ask if ask is not None and not policy.needs_confirmation else \
            f"{self.readback_of(clean)} {HOW_TO_CONFIRM}"
        confirm = Confirm(clean, question, expires_at, request,
                          {**audit, "kind": "policy-confirm-asked", "id": request, "expires_at": expires_at,
                           "reason": "cockpit proposed it: only the driver's yes runs it" if ask is not None else
                           f"{policy.side_effect} tool needs the driver's explicit confirmation"})
        self._pending = confirm
        return confirm

    def withdraw(self, request: str) -> Confirm | None:
        """Drop the pending request ``request`` unanswered (its read-back could not be recorded)."""
        if self._pending is None or self._pending.id != request:
            return None
        confirm, self._pending = self._pending, None
        return confirm

    def answer(self, utterance: str, now: float, channel: str = TYPED) -> Decision | None:
        """Settle the pending call with the driver's next utterance; None if nothing is pending.
        Only a ``voice`` utterance can confirm; a ``typed`` yes cancels."""
        if self._pending is None:
            return None
        confirm, self._pending = self._pending, None
        audit = self._settled(confirm, channel, utterance=utterance)
        if is_cancel(utterance):  # "no" to what cockpit offered on its own is just that
            code, reason = "policy-cancelled", "the driver cancelled"
            spoken = "Okay." if confirm.audit.get("source") == Route.NONE.value else "Okay, cancelled."
        elif now > confirm.expires_at:
            return self._expired(confirm, now, audit)
        elif is_confirmation(utterance) and channel == VOICE:
            return Allow(confirm.call, {**audit, "kind": "policy-confirmed",
                                        "reason": "explicit confirmation by the driver"})
        elif is_confirmation(utterance):
            code, spoken = "policy-confirm-channel", TYPED_YES
            reason = f"a {channel} yes is not a confirmation: only the driver's voice or an HMI confirm is"
        else:
            code, spoken = "policy-cancelled", "I didn't hear a clear yes, so I cancelled it."
            reason = "the answer was not an explicit confirmation"
        return Refuse(confirm.call, code, spoken, {**audit, "kind": "policy-refused", "code": code, "reason": reason})

    def settle(self, press: HmiAnswer, now: float) -> Decision | None:
        """An HMI client's Confirm or Cancel; None (and nothing changes) unless it names the pending id."""
        if self._pending is None or not hmac_equal(press.id, self._pending.id):
            return None
        confirm, self._pending = self._pending, None
        audit = self._settled(confirm, press.channel)
        if not press.confirm:
            return Refuse(confirm.call, code="policy-cancelled", spoken_reason="Okay, cancelled.",
                          audit={**audit, "kind": "policy-refused", "code": "policy-cancelled",
                                 "reason": "cancelled on the HMI"})
        if now > confirm.expires_at:
            return self._expired(confirm, now, audit)
        return Allow(confirm.call, {**audit, "kind": "policy-confirmed", "reason": "confirmed on the HMI"})

    @staticmethod
    def _settled(confirm: Confirm, channel: str, **extra: Any) -> dict[str, Any]:
        call = confirm.call
        return {"tool": call.name, "arguments": call.as_dict()["arguments"], "source": confirm.audit["source"],
                "id": confirm.id, "channel": channel, **extra, "asked": confirm.readback, "findings": []}

    @staticmethod
    def _expired(confirm: Confirm, now: float, audit: dict[str, Any]) -> Refuse:
        reason = f"answer came {now - confirm.expires_at:.1f} s after the confirmation window closed"
        return Refuse(confirm.call, code="policy-expired",
                      spoken_reason="That request timed out, so I didn't go ahead.", audit={**audit, "kind": "policy-refused", "code": "policy-expired", "reason": reason})


def hmac_equal(a: str, b: str) -> bool:
    """Compare ids in constant time."""
    return hmac.compare_digest(a.encode(), b.encode())
