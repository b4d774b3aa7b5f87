"""The confirmation card's fields: item, amount, payee and payment method of a pending transaction.

The built-in merchants quote exactly what their tool then charges; other tools' cards come from their
arguments, and an amount the arguments do not carry is left empty rather than guessed."""
from __future__ import annotations

import pytest

from cockpit.events import ToolCall
from cockpit.service.cards import card
from cockpit.skills.builtin import default_registry
from cockpit.skills.builtin.commerce import SimulatedMerchants, merchants
from cockpit.skills.registry import SkillContext
from cockpit.vehicle.sim import SimulatedVehicle

REGISTRY = default_registry()


@pytest.mark.parametrize("tool, arguments, item, payee", [
    ("place_order", {"merchant": "bean there", "item": "lattes", "size": "large", "quantity": 2,
                     "payment_method": "car card"}, "2 × large latte", "Bean There"),
    ("pay_charging", {"station": "IONITY Munich North", "kwh": 30, "payment_method": "car wallet"},
     "charging, 30 kWh", "IONITY"),
    ("pay_parking", {"zone": "A12", "hours": 2.5, "operator": "CityParking", "payment_method": "car wallet"},
     "parking, 2.5 h in zone A12", "CityParking"),
])
def test_the_quote_is_what_the_tool_then_charges(tool, arguments, item, payee):
    shown = card(tool, arguments, SimulatedMerchants())
    assert (shown["item"], shown["payee"], shown["method"], shown["quoted"]) == (
        item, payee, arguments["payment_method"], True)
    car = SimulatedVehicle()
    outcome = REGISTRY.call(ToolCall(tool, arguments), SkillContext(car))
    [charged] = merchants(car).charges()
    assert outcome.ok and shown["amount"] == f"{charged.amount_cents / 100:.2f} EUR"


def test_an_unknown_merchant_is_not_quoted():
    shown = card("place_order", {"merchant": "Nowhere Cafe", "item": "latte", "size": "small", "quantity": 1,
                                 "payment_method": "car wallet"}, SimulatedMerchants())
    assert shown == {"item": "latte", "payee": "Nowhere Cafe", "amount": None, "method": "car wallet",
                     "quoted": False}


def test_a_message_and_a_call_name_what_and_to_whom():
    assert card("send_message", {"recipient": "office", "text": "running late"}) == {
        "item": "message: “running late”", "payee": "office", "amount": None, "method": None, "quoted": False}
    assert card("phone_call", {"contact": "mom"})["item"] == "phone call"


def test_another_tool_shows_the_amount_its_arguments_carry():
    shown = card("shop_buy", {"product": "wiper blades", "vendor": "PartsCo", "price": 24.5, "currency": "eur",
                              "payment_method": "vehicle_wallet"})
    assert shown == {"item": "wiper blades", "payee": "PartsCo", "amount": "24.50 EUR", "method": "vehicle wallet",
                     "quoted": False}
    assert card("shop_buy", {"amount": True})["amount"] is None  # a boolean is no amount
    assert card("mystery_tool", {})["item"] == "mystery tool"
