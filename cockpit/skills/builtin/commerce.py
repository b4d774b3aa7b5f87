"""Commerce tools: order at a merchant, pay for charging or parking, against simulated merchants.

Every tool here is a ``transact`` tool: the policy gate reads it back and waits for the driver's
explicit yes before the handler runs. The merchants are simulated: a small menu and price list,
and a ledger of what was charged. Each car has its own :class:`SimulatedMerchants`, created on
first use and kept on the vehicle as ``vehicle.commerce`` (see :func:`merchants`).

Amounts are kept in euro cents (integers) so that totals and refunds are exact.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal, Mapping

from pydantic import Field

from cockpit.skills.registry import Outcome, SkillContext, Tool, ToolArgs
from cockpit.vehicle.sim import SimulatedVehicle

CURRENCY = "EUR"
Size = Literal["small", "medium", "large"]
PaymentMethod = Literal["car wallet", "car card"]

MENU: Mapping[str, Mapping[str, Mapping[str, int]]] = {
    "Bean There": {
        "latte": {"small": 330, "medium": 380, "large": 430},
        "cappuccino": {"small": 320, "medium": 360, "large": 410},
        "americano": {"small": 260, "medium": 300, "large": 340},
        "tea": {"small": 220, "medium": 250, "large": 280},
    },
}
"""Merchant -> item -> size -> price in euro cents."""
CHARGING_PER_KWH: Mapping[str, int] = {"IONITY": 69}
"""Charging operator -> price per kWh in euro cents."""
PARKING_PER_HOUR: Mapping[str, int] = {"CityParking": 250}
"""Parking operator -> price per hour in euro cents."""
ID_PREFIX: Mapping[str, str] = {"Bean There": "B", "IONITY": "C", "CityParking": "P"}
"""Payee -> the letter that starts its order ids ('B-0001')."""

_NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five")


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def euros(cents: int) -> str:
    """'3.80 euros' (a negative amount is spoken without its sign)."""
    return f"{abs(cents) / 100:.2f} euros"


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One charge (positive ``amount_cents``) or refund (negative) in the ledger."""

    entry_id: str
    kind: Literal["order", "charging", "parking", "refund"]
    payee: str
    description: str
    amount_cents: int
    payment_method: str
    refund_of: str | None = None

    @property
    def amount(self) -> float:
        """The amount in euros."""
        return self.amount_cents / 100


class SimulatedMerchants:
    """The merchants the car can pay, and the ledger of every order, payment and refund."""

    def __init__(self) -> None:
        self.menu = MENU
        self.charging_per_kwh = CHARGING_PER_KWH
        self.parking_per_hour = PARKING_PER_HOUR
        self.ledger: list[LedgerEntry] = []
        self._seq = 0
        self._lock = threading.Lock()

    # ---- look-ups (case- and spacing-insensitive); None when unknown
    def merchant(self, name: str) -> str | None:
        return next((m for m in self.menu if _norm(m) == _norm(name)), None)

    def item(self, merchant: str, name: str) -> str | None:
        items = self.menu.get(merchant, {})
        key = _norm(name)
        for candidate in (key, key[:-1] if key.endswith("s") else key):
            if candidate in items:
                return candidate
        return None

    def price(self, merchant: str, item: str, size: str) -> int | None:
        """Price of one item in cents, or None if the merchant, item or size is unknown."""
        return self.menu.get(merchant, {}).get(item, {}).get(size)

    def charging_operator(self, station: str) -> str | None:
        """The operator of a charging station: its name given alone or as a word of the station's."""
        words = _norm(station).replace("-", " ").split()
        return next((op for op in self.charging_per_kwh if _norm(op) in words or _norm(op) == _norm(station)), None)

    def parking_operator(self, name: str) -> str | None:
        key = _norm(name).replace(" ", "")
        return next((op for op in self.parking_per_hour if op.casefold() == key), None)

    # ---- the ledger
    def charge(self, kind: Literal["order", "charging", "parking"], payee: str, description: str,
               amount_cents: int, payment_method: str) -> LedgerEntry:
        """Record a charge and return it with its new id."""
        if amount_cents <= 0:
            raise ValueError(f"a charge must be positive, not {amount_cents} cents")
        with self._lock:
            self._seq += 1
            entry = LedgerEntry(f"{ID_PREFIX.get(payee, 'X')}-{self._seq:04d}", kind, payee, description,
                                amount_cents, payment_method)
            self.ledger.append(entry)
        return entry

    def entry(self, entry_id: str) -> LedgerEntry | None:
        return next((e for e in self.ledger if e.entry_id == entry_id), None)

    def refund(self, order_id: str) -> LedgerEntry:
        """Refund a charge in full; an unknown, refund or already refunded id raises ValueError."""
        with self._lock:
            original = self.entry(order_id)
            if original is None or original.kind == "refund":
                raise ValueError(f"no charge with id {order_id!r} to refund")
            if any(e.refund_of == order_id for e in self.ledger):
                raise ValueError(f"{order_id} has already been refunded")
            self._seq += 1
            entry = LedgerEntry(f"R-{self._seq:04d}", "refund", original.payee,
                                f"refund of {original.description}", -original.amount_cents,
                                original.payment_method, refund_of=order_id)
            self.ledger.append(entry)
        return entry

    def charges(self) -> list[LedgerEntry]:
        return [e for e in self.ledger if e.kind != "refund"]

    def total_cents(self) -> int:
        """Net amount charged: charges less refunds."""
        return sum(e.amount_cents for e in self.ledger)


def merchants(vehicle: SimulatedVehicle | SkillContext) -> SimulatedMerchants:
    """The car's simulated merchants and ledger, created on first use as ``vehicle.commerce``."""
    car = vehicle.vehicle if isinstance(vehicle, SkillContext) else vehicle
    found = getattr(car, "commerce", None)
    if not isinstance(found, SimulatedMerchants):
        found = SimulatedMerchants()
        car.commerce = found  # type: ignore[attr-defined]
    return found


# ---- argument models
_PAY_WITH = Field("car wallet", description="How to pay: the car wallet or the car card.")


class PlaceOrderArgs(ToolArgs):
    merchant: str = Field(min_length=1, max_length=80, description="The shop to order from, e.g. Bean There.")
    item: str = Field(min_length=1, max_length=60, description="What to order, e.g. latte, cappuccino, americano, tea.")
    size: Size = Field("medium", description="Drink size: small, medium or large.")
    quantity: int = Field(1, ge=1, le=5, description="How many, 1-5.")
    payment_method: PaymentMethod = _PAY_WITH


class PayChargingArgs(ToolArgs):
    station: str = Field(min_length=1, max_length=80,
                         description="The charging station or its operator, e.g. IONITY.")
    kwh: float = Field(ge=1, le=150, description="Energy to pay for, in kilowatt hours (1-150).")
    payment_method: PaymentMethod = _PAY_WITH


class PayParkingArgs(ToolArgs):
    zone: str = Field(min_length=1, max_length=40, description="The parking zone or car park code shown on the sign.")
    hours: float = Field(ge=0.5, le=24, description="How long to park, in hours (0.5-24).")
    operator: str = Field("CityParking", min_length=1, max_length=80, description="The parking operator.")
    payment_method: PaymentMethod = _PAY_WITH


def _paid_with(method: str) -> str:
    return f"paid with the {method}"


def _hours(hours: float) -> str:
    return "1 hour" if hours == 1 else f"{hours:g} hours"


# ---- handlers
def place_order(args: PlaceOrderArgs, ctx: SkillContext) -> Outcome:
    """Order from a merchant's menu and charge the price; nothing is charged if unknown."""
    shop = merchants(ctx)
    merchant = shop.merchant(args.merchant)
    if merchant is None:
        known = ", ".join(shop.menu)
        return Outcome(False, f"Sorry, I can't order from {args.merchant}. I can order from {known}. "
                              "Nothing was charged.")
    item = shop.item(merchant, args.item)
    unit = shop.price(merchant, item, args.size) if item is not None else None
    if item is None or unit is None:
        known = ", ".join(shop.menu[merchant])
        return Outcome(False, f"Sorry, {merchant} doesn't sell {args.item}. They have {known}. "
                              "Nothing was charged.")
    noun = item if args.quantity == 1 else item + "s"
    what = f"{_NUMBER_WORDS[args.quantity]} {args.size} {noun}"
    entry = shop.charge("order", merchant, what, unit * args.quantity, args.payment_method)
    return Outcome(True, f"Ordered {what} from {merchant}, {euros(entry.amount_cents)}, "
                         f"{_paid_with(args.payment_method)}. Order {entry.entry_id}.")


def pay_charging(args: PayChargingArgs, ctx: SkillContext) -> Outcome:
    """Pay a charging operator for ``kwh`` at its price per kWh."""
    shop = merchants(ctx)
    operator = shop.charging_operator(args.station)
    if operator is None:
        known = ", ".join(shop.charging_per_kwh)
        return Outcome(False, f"Sorry, I can't pay at {args.station}. I can pay {known} stations. "
                              "Nothing was charged.")
    cents = round(shop.charging_per_kwh[operator] * args.kwh)
    what = f"{args.kwh:g} kWh"
    entry = shop.charge("charging", operator, f"{what} at {args.station}", cents, args.payment_method)
    return Outcome(True, f"Paid {operator} for {what} of charging, {euros(cents)}, "
                         f"{_paid_with(args.payment_method)}. Payment {entry.entry_id}.")


def pay_parking(args: PayParkingArgs, ctx: SkillContext) -> Outcome:
    """Pay a parking operator for ``hours`` in ``zone`` at its hourly rate."""
    shop = merchants(ctx)
    operator = shop.parking_operator(args.operator)
    if operator is None:
        known = ", ".join(shop.parking_per_hour)
        return Outcome(False, f"Sorry, I can't pay {args.operator} for parking. I can pay {known}. "
                              "Nothing was charged.")
    cents = round(shop.parking_per_hour[operator] * args.hours)
    what = f"{_hours(args.hours)} in zone {args.zone}"
    entry = shop.charge("parking", operator, what, cents, args.payment_method)
    return Outcome(True, f"Paid {operator} for {what}, {euros(cents)}, "
                         f"{_paid_with(args.payment_method)}. Ticket {entry.entry_id}.")


TOOLS: tuple[Tool, ...] = (
    Tool("place_order",
         "Order food or drinks (latte, cappuccino, americano, tea) from a shop such as Bean There "
         "and pay for it from the car. The driver must confirm before it is paid.",
         PlaceOrderArgs, "transact", place_order,
         allowed_while_moving=True, needs_confirmation=True),
    Tool("pay_charging",
         "Pay for charging the car at a charging station (e.g. IONITY) for a number of kWh. "
         "Only when the car is stopped; the driver must confirm.",
         PayChargingArgs, "transact", pay_charging,
         allowed_while_moving=False, needs_confirmation=True),
    Tool("pay_parking",
         "Pay for parking in a zone for a number of hours (e.g. CityParking). "
         "Only when the car is stopped; the driver must confirm.",
         PayParkingArgs, "transact", pay_parking,
         allowed_while_moving=False, needs_confirmation=True),
)
