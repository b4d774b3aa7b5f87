"""The read-back: the sentence that asks the driver before a transaction runs.

It names what the call would do in the driver's words — item, payee, amount and payment method,
where given — and ends with the question. The policy gate adds how to answer it.
"""
from __future__ import annotations

from typing import Any, Mapping

from cockpit.events import ToolCall

_VERB = {"place_order": ("Order", "from"), "pay_charging": ("Pay for charging", "at"),
         "pay_parking": ("Pay for parking", "at"), "send_message": ("Send", "to"), "phone_call": ("Call", "")}
_NUMBERS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_CURRENCY = {"eur": "euros", "usd": "dollars", "gbp": "pounds", "cny": "yuan", "rmb": "yuan"}
_METHODS = {"car_card": "the car's card", "car": "the car's card", "vehicle_wallet": "the car's wallet"}


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
