"""Transaction and new actuation tools on the simulated vehicle: what each charges, sends, sets."""
from __future__ import annotations

from typing import Any

import pytest

from cockpit.errors import ToolError
from cockpit.events import ToolCall
from cockpit.skills import policy
from cockpit.skills.builtin import commerce, comms, default_registry
from cockpit.skills.builtin.commerce import merchants
from cockpit.skills.builtin.comms import phone
from cockpit.skills.registry import Outcome, SkillContext
from cockpit.vehicle.sim import SimulatedVehicle

REGISTRY = default_registry()
DEST = "Vehicle.Cabin.Infotainment.Navigation.DestinationSet"
FRONT_DEFROST = "Vehicle.Cabin.HVAC.IsFrontDefrosterActive"
REAR_DEFROST = "Vehicle.Cabin.HVAC.IsRearDefrosterActive"
SEAT = "Vehicle.Cabin.Seat.Row1"
NEW_TOOLS = ("place_order", "pay_charging", "pay_parking", "phone_call", "send_message",
             "climate_set_defrost", "seat_heating", "navigation_cancel")


def make_ctx(initial: dict[str, Any] | None = None) -> SkillContext:
    return SkillContext(SimulatedVehicle(initial), {"home": (48.2, 11.6)})


def run(ctx: SkillContext, name: str, **arguments: Any) -> Outcome:
    return REGISTRY.call(ToolCall(name, arguments), ctx)


# --- commerce ---------------------------------------------------------------------------------

def test_place_order_charges_the_menu_price_and_says_so() -> None:
    ctx = make_ctx()
    out = run(ctx, "place_order", merchant="Bean There", item="latte")
    assert out.ok
    assert out.message == ("Ordered one medium latte from Bean There, 3.80 euros, "
                           "paid with the car wallet. Order B-0001.")
    assert dict(out.changes) == {} and ctx.vehicle.actuations == []
    (entry,) = merchants(ctx).ledger
    assert (entry.entry_id, entry.kind, entry.payee, entry.amount_cents, entry.payment_method) == (
        "B-0001", "order", "Bean There", 380, "car wallet")

    out = run(ctx, "place_order", merchant="bean there", item="Cappuccinos", size="large", quantity=2,
              payment_method="car card")
    assert out.ok and "two large cappuccinos" in out.message and "8.20 euros" in out.message
    assert "car card" in out.message and "B-0002" in out.message
    assert merchants(ctx).total_cents() == 380 + 820


def test_every_menu_price_is_what_is_charged() -> None:
    for merchant, items in commerce.MENU.items():
        for item, sizes in items.items():
            for size, cents in sizes.items():
                ctx = make_ctx()
                out = run(ctx, "place_order", merchant=merchant, item=item, size=size, quantity=3)
                assert out.ok, out.message
                assert merchants(ctx).total_cents() == 3 * cents
                assert f"{3 * cents / 100:.2f} euros" in out.message


@pytest.mark.parametrize("args, said", [
    ({"merchant": "Coffee Palace", "item": "latte"}, "can't order from Coffee Palace"),
    ({"merchant": "Bean There", "item": "pizza"}, "doesn't sell pizza"),
])
def test_unknown_merchant_or_item_charges_nothing(args: dict[str, Any], said: str) -> None:
    ctx = make_ctx()
    out = run(ctx, "place_order", **args)
    assert not out.ok and said in out.message and "Nothing was charged" in out.message
    assert merchants(ctx).ledger == []


def test_pay_charging_and_parking() -> None:
    ctx = make_ctx()
    out = run(ctx, "pay_charging", station="IONITY Aichstetten", kwh=40)
    assert out.ok and out.message == ("Paid IONITY for 40 kWh of charging, 27.60 euros, "
                                      "paid with the car wallet. Payment C-0001.")
    out = run(ctx, "pay_parking", zone="A12", hours=1.5)
    assert out.ok and out.message == ("Paid CityParking for 1.5 hours in zone A12, 3.75 euros, "
                                      "paid with the car wallet. Ticket P-0002.")
    kinds = [(e.kind, e.payee, e.amount_cents) for e in merchants(ctx).ledger]
    assert kinds == [("charging", "IONITY", 2760), ("parking", "CityParking", 375)]
    assert ctx.vehicle.actuations == []


def test_unknown_station_or_parking_operator_charges_nothing() -> None:
    ctx = make_ctx()
    out = run(ctx, "pay_charging", station="Mystery Volts", kwh=20)
    assert not out.ok and "IONITY" in out.message and "Nothing was charged" in out.message
    out = run(ctx, "pay_parking", zone="B", hours=2, operator="ShadyPark")
    assert not out.ok and "CityParking" in out.message
    assert merchants(ctx).ledger == []


def test_refund_is_a_ledger_method_not_a_tool() -> None:
    assert "refund" not in REGISTRY
    ctx = make_ctx()
    run(ctx, "place_order", merchant="Bean There", item="tea", size="small")
    ledger = merchants(ctx)
    refund = ledger.refund("B-0001")
    assert (refund.kind, refund.amount_cents, refund.refund_of) == ("refund", -220, "B-0001")
    assert ledger.total_cents() == 0 and len(ledger.charges()) == 1
    with pytest.raises(ValueError, match="already been refunded"):
        ledger.refund("B-0001")
    with pytest.raises(ValueError, match="no charge"):
        ledger.refund("B-9999")
    with pytest.raises(ValueError, match="no charge"):
        ledger.refund(refund.entry_id)


def test_each_car_has_its_own_merchants() -> None:
    a, b = make_ctx(), make_ctx()
    run(a, "place_order", merchant="Bean There", item="latte")
    assert merchants(a) is merchants(a.vehicle) is a.vehicle.commerce
    assert merchants(b).ledger == [] and len(merchants(a).ledger) == 1


# --- comms ------------------------------------------------------------------------------------

def test_phone_call_and_message_are_logged() -> None:
    ctx = make_ctx()
    out = run(ctx, "phone_call", contact="my mom")
    assert out.ok and out.message == "Calling Mom."
    out = run(ctx, "send_message", recipient="office", text="Running ten minutes late.")
    assert out.ok and out.message == "Message sent to Office."
    book = phone(ctx)
    assert [(c.contact, c.number) for c in book.calls] == [("Mom", comms.ADDRESS_BOOK["Mom"])]
    assert [(m.recipient, m.text) for m in book.outbox] == [("Office", "Running ten minutes late.")]
    assert ctx.vehicle.actuations == []


def test_unknown_contact_is_refused_and_nothing_is_sent() -> None:
    ctx = make_ctx()
    out = run(ctx, "phone_call", contact="Bob")
    assert not out.ok and "can't find Bob" in out.message
    out = run(ctx, "send_message", recipient="Bob", text="hi")
    assert not out.ok
    assert phone(ctx).calls == [] and phone(ctx).outbox == []


# --- argument bounds --------------------------------------------------------------------------

@pytest.mark.parametrize("name, arguments, field", [
    ("place_order", {"merchant": "Bean There", "item": "latte", "quantity": 6}, "quantity"),
    ("place_order", {"merchant": "Bean There", "item": "latte", "quantity": 0}, "quantity"),
    ("place_order", {"merchant": "Bean There", "item": "latte", "size": "huge"}, "size"),
    ("place_order", {"merchant": "Bean There", "item": "latte", "payment_method": "mom's card"},
     "payment_method"),
    ("pay_charging", {"station": "IONITY", "kwh": 0.5}, "kwh"),
    ("pay_charging", {"station": "IONITY", "kwh": 151}, "kwh"),
    ("pay_parking", {"zone": "A", "hours": 0.25}, "hours"),
    ("pay_parking", {"zone": "A", "hours": 25}, "hours"),
    ("send_message", {"recipient": "Mom", "text": ""}, "text"),
    ("send_message", {"recipient": "Mom", "text": "x" * 301}, "text"),
    ("phone_call", {}, "contact"),
    ("seat_heating", {"seat": "driver", "level": 4}, "level"),
    ("climate_set_defrost", {"on": True, "window": "side"}, "window"),
    ("navigation_cancel", {"now": True}, "now"),
])
def test_out_of_range_arguments_are_bad_arguments(name: str, arguments: dict[str, Any], field: str) -> None:
    ctx = make_ctx()
    with pytest.raises(ToolError) as info:
        run(ctx, name, **arguments)
    assert info.value.code == "tool-bad-arguments" and field in str(info.value)
    assert ctx.vehicle.actuations == [] and merchants(ctx).ledger == []
    assert phone(ctx).calls == [] and phone(ctx).outbox == []


# --- climate and navigation -------------------------------------------------------------------

def test_defrost_writes_vss_defroster_signals() -> None:
    ctx = make_ctx()
    out = run(ctx, "climate_set_defrost", on=True)
    assert out.ok and dict(out.changes) == {FRONT_DEFROST: True, REAR_DEFROST: True}
    assert ctx.vehicle.read(FRONT_DEFROST) is True and ctx.vehicle.read(REAR_DEFROST) is True
    out = run(ctx, "climate_set_defrost", on=False, window="rear")
    assert dict(out.changes) == {REAR_DEFROST: False} and "rear window" in out.message
    assert ctx.vehicle.read(FRONT_DEFROST) is True and ctx.vehicle.read(REAR_DEFROST) is False
    assert ctx.vehicle.actuated_paths() == [FRONT_DEFROST, REAR_DEFROST]
    assert ctx.vehicle.actuations[0].old is False


def test_seat_heating_writes_vss_seat_heating_percent() -> None:
    ctx = make_ctx({f"{SEAT}.PassengerSide.Heating": 100})  # one seat known, one added on first use
    out = run(ctx, "seat_heating", seat="driver", level=2)
    assert out.ok and dict(out.changes) == {f"{SEAT}.DriverSide.Heating": 67}
    assert "level 2" in out.message
    out = run(ctx, "seat_heating", seat="passenger", level=0)
    assert dict(out.changes) == {f"{SEAT}.PassengerSide.Heating": 0} and "off" in out.message
    assert [(a.path, a.old, a.new) for a in ctx.vehicle.actuations] == [
        (f"{SEAT}.DriverSide.Heating", 0, 67), (f"{SEAT}.PassengerSide.Heating", 100, 0)]
    assert run(ctx, "seat_heating", level=3).changes == {f"{SEAT}.DriverSide.Heating": 100}


def test_navigation_cancel_clears_the_destination() -> None:
    ctx = make_ctx()
    assert run(ctx, "navigation_cancel").message == "There is no route to cancel."
    assert ctx.vehicle.actuations == []
    run(ctx, "navigate_to", destination="home")
    out = run(ctx, "navigation_cancel")
    assert out.ok and dict(out.changes) == {f"{DEST}.Latitude": None, f"{DEST}.Longitude": None}
    assert ctx.vehicle.read(f"{DEST}.Latitude") is None and ctx.vehicle.read(f"{DEST}.Longitude") is None


# --- registry, policy and read-back -----------------------------------------------------------

def test_new_tools_are_registered_with_their_side_effects() -> None:
    effects = {name: REGISTRY.get(name).side_effect for name in NEW_TOOLS}
    assert effects == {"place_order": "transact", "pay_charging": "transact", "pay_parking": "transact",
                       "phone_call": "transact", "send_message": "transact",
                       "climate_set_defrost": "actuate", "seat_heating": "actuate",
                       "navigation_cancel": "actuate"}
    for name in NEW_TOOLS:
        params = REGISTRY.get(name).schema()["function"]["parameters"]
        assert params["type"] == "object"
    kwh = REGISTRY.get("pay_charging").schema()["function"]["parameters"]["properties"]["kwh"]
    assert (kwh["minimum"], kwh["maximum"]) == (1, 150)


def test_policy_rows_for_the_new_tools() -> None:
    in_table = {name for name in NEW_TOOLS if name in policy.POLICY_TABLE}
    assert in_table >= {"place_order", "pay_charging", "pay_parking", "phone_call", "send_message"}
    for name in ("place_order", "phone_call", "send_message"):
        row = policy.policy_for(name)
        assert row.side_effect == "transact" and row.needs_confirmation and row.allowed_while_moving
    for name in ("pay_charging", "pay_parking"):
        assert policy.policy_for(name) == policy.STRICTEST  # declared by the tool: stopped only
    for name in ("climate_set_defrost", "seat_heating", "navigation_cancel"):  # comfort: plain actuations
        row = policy.policy_for(name)
        assert row.side_effect == "actuate" and row.allowed_while_moving and not row.needs_confirmation
    assert set(NEW_TOOLS) <= set(policy.POLICY_TABLE)  # every shipped tool has its own row
    # every transact tool's side effect agrees with its policy row
    for name in NEW_TOOLS:
        if REGISTRY.get(name).side_effect == "transact":
            assert policy.policy_for(name).side_effect == "transact"


@pytest.mark.parametrize("name, arguments, words", [
    ("place_order", {"merchant": "Bean There", "item": "latte", "size": "large", "quantity": 2,
                     "payment_method": "car wallet"},
     ["Order two large latte from Bean There", "paid with car wallet"]),
    ("pay_charging", {"station": "IONITY", "kwh": 40}, ["Pay for charging at IONITY"]),
    ("pay_parking", {"zone": "A12", "hours": 2, "operator": "CityParking"},
     ["Pay for parking at CityParking"]),
    ("phone_call", {"contact": "Mom"}, ["Call Mom"]),
    ("send_message", {"recipient": "Office", "text": "Late"}, ['Send the message "Late" to Office']),
])
def test_readback_names_item_and_payee(name: str, arguments: dict[str, Any], words: list[str]) -> None:
    REGISTRY.validate(ToolCall(name, arguments))  # the read-back is of a call the tool accepts
    said = policy.readback(ToolCall(name, arguments))
    for w in words:
        assert w in said, said
    assert said.endswith("Shall I go ahead?")
