"""Communication tools: phone calls and text messages to contacts in the car's address book.

Both are ``transact`` tools: the policy gate reads them back and waits for the driver's yes.
The phone is simulated: an address book, a call log and an outbox, kept on the vehicle as
``vehicle.comms`` and created on first use (see :func:`phone`).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Mapping

from pydantic import Field

from cockpit.skills.registry import Outcome, SkillContext, Tool, ToolArgs
from cockpit.vehicle.sim import SimulatedVehicle

ADDRESS_BOOK: Mapping[str, str] = {
    "Mom": "+49 170 1234567",
    "Dad": "+49 170 7654321",
    "Office": "+49 89 1234500",
    "Anna": "+49 151 2223344",
    "Roadside Assistance": "+49 89 2222222",
}
"""Contact name -> phone number (fictional)."""


@dataclass(frozen=True, slots=True)
class Call:
    contact: str
    number: str


@dataclass(frozen=True, slots=True)
class Message:
    recipient: str
    number: str
    text: str


def _norm(text: str) -> str:
    words = text.casefold().split()
    if words and words[0] == "my":
        words = words[1:]
    return " ".join(words)


class SimulatedPhone:
    """The car's phone: an address book, and a log of every call placed and message sent."""

    def __init__(self, contacts: Mapping[str, str] = ADDRESS_BOOK) -> None:
        self.contacts = dict(contacts)
        self.calls: list[Call] = []
        self.outbox: list[Message] = []
        self._lock = threading.Lock()

    def contact(self, name: str) -> str | None:
        """The address-book name for ``name`` ('my mom' -> 'Mom'), or None if unknown."""
        key = _norm(name)
        return next((c for c in self.contacts if _norm(c) == key), None)

    def call(self, contact: str) -> Call:
        entry = Call(contact, self.contacts[contact])
        with self._lock:
            self.calls.append(entry)
        return entry

    def send(self, recipient: str, text: str) -> Message:
        entry = Message(recipient, self.contacts[recipient], text)
        with self._lock:
            self.outbox.append(entry)
        return entry


def phone(vehicle: SimulatedVehicle | SkillContext) -> SimulatedPhone:
    """The car's simulated phone, created on first use as ``vehicle.comms``."""
    car = vehicle.vehicle if isinstance(vehicle, SkillContext) else vehicle
    found = getattr(car, "comms", None)
    if not isinstance(found, SimulatedPhone):
        found = SimulatedPhone()
        car.comms = found  # type: ignore[attr-defined]
    return found


class PhoneCallArgs(ToolArgs):
    contact: str = Field(min_length=1, max_length=80,
                         description="Who to call: a name from the address book, e.g. Mom or Office.")


class SendMessageArgs(ToolArgs):
    recipient: str = Field(min_length=1, max_length=80,
                           description="Who to text: a name from the address book, e.g. Mom or Office.")
    text: str = Field(min_length=1, max_length=300, description="The message to send, 1-300 characters.")


def _unknown(name: str, known: Mapping[str, str]) -> Outcome:
    return Outcome(False, f"Sorry, I can't find {name} in your contacts. "
                          f"I have {', '.join(known)}.")


def phone_call(args: PhoneCallArgs, ctx: SkillContext) -> Outcome:
    """Call a contact from the address book."""
    book = phone(ctx)
    contact = book.contact(args.contact)
    if contact is None:
        return _unknown(args.contact, book.contacts)
    book.call(contact)
    return Outcome(True, f"Calling {contact}.")


def send_message(args: SendMessageArgs, ctx: SkillContext) -> Outcome:
    """Send a text message to a contact from the address book."""
    book = phone(ctx)
    recipient = book.contact(args.recipient)
    if recipient is None:
        return _unknown(args.recipient, book.contacts)
    book.send(recipient, args.text)
    return Outcome(True, f"Message sent to {recipient}.")


TOOLS: tuple[Tool, ...] = (
    Tool("phone_call", "Place a phone call to a contact in the address book (Mom, Office...). "
                       "The driver must confirm first.",
         PhoneCallArgs, "transact", phone_call,
         allowed_while_moving=True, needs_confirmation=True),
    Tool("send_message", "Send a text message to a contact in the address book. "
                         "The driver must confirm first.",
         SendMessageArgs, "transact", send_message,
         allowed_while_moving=True, needs_confirmation=True),
)
