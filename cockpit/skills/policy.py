"""The policy gate: what a tool call may do given the driving state, and who must say yes.

Pure: no clock, no I/O; the caller passes ``now`` (monotonic seconds) and appends each decision's
``audit`` dict to the audit log. A transaction is read back and held in one pending slot; only
:meth:`PolicyGate.answer` with the driver's next utterance, an explicit yes in time, releases it.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from cockpit.events import Route, ToolCall
from cockpit.skills.registry import SideEffect

MOVING_KMH = 3.0  # above this speed the car counts as moving


@dataclass(frozen=True, slots=True)
class ToolPolicy:
    """What one tool may do, and when."""

    side_effect: SideEffect
    allowed_while_moving: bool  # False: only with the speed known and at most MOVING_KMH
    max_speed_kmh: float | None = None  # refused above it, or when the speed is unknown
    needs_confirmation: bool = False  # read back, wait for an explicit yes; always for transact

    def __post_init__(self) -> None:
        if self.side_effect == "transact" and not self.needs_confirmation:
            raise ValueError("a transact tool always needs confirmation")


_READ = ToolPolicy("read", allowed_while_moving=True)
_ACTUATE = ToolPolicy("actuate", allowed_while_moving=True)
_PAY_WHILE_DRIVING = ToolPolicy("transact", allowed_while_moving=True, needs_confirmation=True)
STRICTEST = ToolPolicy("transact", allowed_while_moving=False, needs_confirmation=True)
"""The row for any tool not in the table; also paying at a pump or a barrier (car stopped)."""

POLICY_TABLE: Mapping[str, ToolPolicy] = {
    "vehicle_status": _READ, "find_nearby": _READ, "whats_around": _READ,
    "climate_set_temperature": _ACTUATE, "climate_set_fan": _ACTUATE, "climate_set_ac": _ACTUATE,
    "media_control": _ACTUATE, "media_volume": _ACTUATE, "navigate_to": _ACTUATE,
    "climate_set_defrost": _ACTUATE, "seat_heating": _ACTUATE, "navigation_cancel": _ACTUATE,
    "window_set": ToolPolicy("actuate", allowed_while_moving=True, max_speed_kmh=120.0),
    "place_order": _PAY_WHILE_DRIVING, "send_message": _PAY_WHILE_DRIVING, "phone_call": _PAY_WHILE_DRIVING,
    "pay_charging": STRICTEST, "pay_parking": STRICTEST,
}


def policy_for(name: str) -> ToolPolicy:
    """The tool's row; unknown tools get the strictest one."""
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
class Confirm:  # say readback; the call waits for PolicyGate.answer
    call: ToolCall
    readback: str
    expires_at: float
    audit: dict[str, Any] = field(default_factory=dict)


Decision = Allow | Refuse | Confirm

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


# ---- read-back
_VERB = {"place_order": ("Order", "from"), "pay_charging": ("Pay for charging", "at"),
         "pay_parking": ("Pay for parking", "at"), "send_message": ("Send", "to"), "phone_call": ("Call", "")}
_NUMBERS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_CURRENCY = {"eur": "euros", "usd": "dollars", "gbp": "pounds", "cny": "yuan", "rmb": "yuan"}
_METHODS = {"car_card": "the car's card", "car": "the car's card", "vehicle_wallet": "the car's wallet"}


def sanitize(call: ToolCall) -> tuple[ToolCall, list[str]]:
    """The call without any argument a model could use to claim the driver confirmed; findings."""
    findings: list[str] = []
    return ToolCall(call.name, _scrub(call.arguments, "", findings)), findings


def _first(args: Mapping[str, Any], *keys: str) -> Any:  # the first key given with a value
    return next((args[k] for k in keys if args.get(k) not in (None, "", [], ())), None)


def _say(value: Any) -> str:  # an argument value as words, at most 80 characters
    if isinstance(value, Mapping):
        value = _first(value, "name", "item", "product") or ""
    if isinstance(value, (list, tuple)):
        return " and ".join(_say(v) for v in value)
    return str(value).strip()[:80]


def readback(call: ToolCall) -> str:
    """The sentence that asks the driver: item, payee, amount and payment method, where given."""
    args, (verb, prep) = call.arguments, _VERB.get(call.name, (f"Run {call.name.replace('_', ' ')}", "with"))
    words, item = [verb], _first(args, "item", "items", "product", "message", "text")
    if item is not None:
        qty = _first(args, "quantity", "qty")
        if isinstance(qty, int) and not isinstance(qty, bool):
            words.append(_NUMBERS[qty] if 0 <= qty < len(_NUMBERS) else str(qty))
        words += [_say(_first(args, "size") or ""),
                  f'the message "{_say(item)}"' if call.name == "send_message" else _say(item)]
    payee = _first(args, "merchant", "payee", "vendor", "station", "operator", "recipient", "contact", "to")
    if payee is not None:
        words += [prep, _say(payee)]
    amount = _first(args, "amount", "price", "total")
    if isinstance(amount, (int, float)) and not isinstance(amount, bool):
        currency = str(args.get("currency") or "").strip()
        words += ["for", f"{amount:.2f}", _CURRENCY.get(currency.casefold(), currency)]
    if call.name not in _VERB and item is None and payee is None:
        words.append("with " + (", ".join(f"{k} {_say(v)}" for k, v in args.items()) or "no arguments"))
    method = _first(args, "payment_method", "payment", "card")
    paid = "" if method is None else ", paid with " + _METHODS.get(str(method), _say(method).replace("_", " "))
    return " ".join(w for w in words if w) + paid + ". Shall I go ahead?"


class PolicyGate:
    """Decides every tool call; holds at most one transaction waiting for the driver's yes."""

    def __init__(self, *, confirm_window_s: float = 20.0, table: Mapping[str, ToolPolicy] = POLICY_TABLE) -> None:
        self.confirm_window_s = confirm_window_s  # how long a read-back waits for the answer
        self.table = table
        self._pending: Confirm | None = None

    @property
    def pending(self) -> Confirm | None:  # the call waiting for the driver, expired or not
        return self._pending

    def decide(self, call: ToolCall, source: Route, driving: DrivingState, now: float) -> Decision:
        """Allow, refuse, or read back and hold a call proposed by any tier."""
        policy = self.table.get(call.name, STRICTEST)
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
        if not policy.needs_confirmation:
            return Allow(clean, {**audit, "kind": "policy-allowed", "reason": f"{policy.side_effect} tool allowed"})
        if self._pending is not None and now > self._pending.expires_at:  # stale: the new one may ask
            audit["expired_pending"], self._pending = self._pending.call.name, None
        if self._pending is not None:
            return refuse(code="policy-pending", spoken="Please answer the question I asked first.",
                          reason=f"{self._pending.call.name} is already waiting for confirmation")
        expires_at = now + self.confirm_window_s
        confirm = Confirm(clean, readback(clean), expires_at,
                          {**audit, "kind": "policy-confirm-asked", "expires_at": expires_at,
                           "reason": f"{policy.side_effect} tool needs the driver's explicit confirmation"})
        self._pending = confirm
        return confirm

    def answer(self, utterance: str, now: float) -> Decision | None:
        """Settle the pending call with the driver's next utterance; None if nothing is pending."""
        if self._pending is None:
            return None
        confirm, self._pending = self._pending, None
        call = confirm.call
        audit = {"tool": call.name, "arguments": call.as_dict()["arguments"], "source": confirm.audit["source"],
                 "utterance": utterance, "asked": confirm.readback, "findings": []}
        if is_cancel(utterance):
            code, spoken, reason = "policy-cancelled", "Okay, cancelled.", "the driver cancelled"
        elif now > confirm.expires_at:
            code, spoken = "policy-expired", "That request timed out, so I didn't go ahead."
            reason = f"answer came {now - confirm.expires_at:.1f} s after the confirmation window closed"
        elif is_confirmation(utterance):
            return Allow(call, {**audit, "kind": "policy-confirmed", "reason": "explicit confirmation by the driver"})
        else:
            code, spoken = "policy-cancelled", "I didn't hear a clear yes, so I cancelled it."
            reason = "the answer was not an explicit confirmation"
        return Refuse(call, code, spoken, {**audit, "kind": "policy-refused", "code": code, "reason": reason})
