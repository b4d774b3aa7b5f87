"""What a confirmation card shows of a pending transaction: item, amount, payee and payment method.

From the call's arguments, the way the read-back names them (cockpit/skills/readback.py), plus the
price where cockpit knows it before anything is paid: the built-in merchants' menu and tariffs
(cockpit/skills/builtin/commerce.py) quote an order, a charge or a parking ticket exactly as the
tool will charge it. Nothing here can pay: the card only shows; Confirm goes through the gate.
"""
from __future__ import annotations

from typing import Any, Mapping

from cockpit.skills.builtin import commerce

_ITEM = ("item", "items", "product", "message", "text")
_PAYEE = ("merchant", "payee", "vendor", "station", "operator", "recipient", "contact", "to")
_AMOUNT = ("amount", "price", "total")
_METHOD = ("payment_method", "payment", "card")
_WHAT = {"send_message": "message", "phone_call": "phone call"}


def _first(args: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    return next((args[k] for k in keys if args.get(k) not in (None, "", [], ())), None)


def _text(value: Any) -> str:
    if isinstance(value, Mapping):
        value = _first(value, ("name", "item", "product")) or ""
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value)
    return str(value).strip()[:120]


def _money(cents: int, currency: str = commerce.CURRENCY) -> str:
    return f"{cents / 100:.2f} {currency}"


def _quote(tool: str, args: Mapping[str, Any], shop: commerce.SimulatedMerchants) -> dict[str, str] | None:
    """Item, payee and amount as the built-in merchant will charge them; None when it cannot say."""
    if tool == "place_order":
        merchant = shop.merchant(str(args.get("merchant", "")))
        item = shop.item(merchant, str(args.get("item", ""))) if merchant else None
        size, qty = str(args.get("size", "medium")), args.get("quantity", 1)
        unit = shop.price(merchant, item, size) if merchant and item else None
        if unit is None or not isinstance(qty, int):
            return None
        return {"item": f"{qty} × {size} {item}", "payee": merchant, "amount": _money(unit * qty)}
    if tool == "pay_charging":
        operator, kwh = shop.charging_operator(str(args.get("station", ""))), args.get("kwh")
        if operator is None or not isinstance(kwh, (int, float)):
            return None
        return {"item": f"charging, {kwh:g} kWh", "payee": operator,
                "amount": _money(round(shop.charging_per_kwh[operator] * kwh))}
    if tool == "pay_parking":
        operator, hours = shop.parking_operator(str(args.get("operator", "CityParking"))), args.get("hours")
        if operator is None or not isinstance(hours, (int, float)):
            return None
        return {"item": f"parking, {hours:g} h in zone {args.get('zone', '?')}", "payee": operator,
                "amount": _money(round(shop.parking_per_hour[operator] * hours))}
    return None


def card(tool: str, arguments: Mapping[str, Any], shop: commerce.SimulatedMerchants | None = None) -> dict[str, Any]:
    """{item, amount, payee, method, quoted}: each a string or None when the call does not say;
    ``quoted``: the amount is the merchant's price for these arguments (not a figure the model gave)."""
    args = dict(arguments)
    quote = _quote(tool, args, shop) if shop is not None else None
    item = _first(args, _ITEM)
    amount = _first(args, _AMOUNT)
    out = {"item": _WHAT.get(tool, tool.replace("_", " ")) if item is None else _text(item),
           "payee": None if (payee := _first(args, _PAYEE)) is None else _text(payee),
           "amount": (f"{amount:.2f} {str(args.get('currency') or '').upper()}".strip()
                      if isinstance(amount, (int, float)) and not isinstance(amount, bool) else None),
           "method": None if (method := _first(args, _METHOD)) is None else _text(method).replace("_", " "),
           "quoted": False}
    if tool in _WHAT and item is not None:
        out["item"] = f"{_WHAT[tool]}: “{_text(item)}”"
    if quote is not None:
        out.update(quote, quoted=True)
    return out
