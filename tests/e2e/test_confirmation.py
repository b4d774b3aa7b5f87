"""The policy gate in the real session: a transact call is read back and runs only on the
driver's explicit yes in the NEXT turn; anything else cancels; every decision is audited.

No transact skill ships yet, so the test registers one (a skill, not an engine: it records
what it was asked to pay)."""
from __future__ import annotations

import asyncio

import pytest
from pydantic import Field

from cockpit.audio.simmic import simulated_microphone
from cockpit.config import parse_config
from cockpit.events import ErrorRaised, Route, ToolCall
from cockpit.pipeline import Assistant
from cockpit.skills.builtin import default_registry
from cockpit.skills.registry import Outcome, Registry, Tool, ToolArgs
from cockpit.trace import TurnTrace

pytestmark = pytest.mark.e2e


class PayArgs(ToolArgs):
    zone: str = Field(min_length=1, max_length=40)
    amount: float = Field(gt=0, le=100)
    payee: str = Field(min_length=1, max_length=60)
    payment_method: str = "car wallet"


def make(tmp_path, *, speed: float = 0.0, window: float = 20.0, **extra):
    paid: list[PayArgs] = []
    pay = Tool("pay_parking", "Pay for parking.", PayArgs, "transact",
               lambda args, ctx: (paid.append(args), Outcome(True, f"Paid {args.amount:.2f} euros."))[1])
    reg = default_registry()
    registry = Registry([reg.get(n) for n in reg.names()] + [pay])
    cfg = parse_config({"wake": {"mode": "none"}, "vehicle": {"initial": {"Vehicle.Speed": speed}},
                        "session": {"audit_log": str(tmp_path / "audit.jsonl"), "confirm_window_s": window},
                        "audio": {"output": {"sink": "file", "reply_dir": str(tmp_path)}}, **extra})
    return Assistant(cfg, registry=registry), paid


PAYMENT = ToolCall("pay_parking", {"zone": "P3 city centre", "amount": 4.5, "payee": "CityParking"})


def run(a: Assistant, steps):
    """steps: ToolCall (a tier proposes it) | str (the driver's next words) | float (seconds pass)."""
    async def go():
        events: list = []
        a.bus.subscribe(events.append)
        await a.prepare()
        out = []
        try:
            for step in steps:
                if isinstance(step, ToolCall):
                    out.append(await a.gate.execute(step, Route.LOCAL, TurnTrace(), a.next_turn()))
                elif isinstance(step, float):
                    await asyncio.sleep(step)
                else:
                    out.append(await a.text_turn(step))
        finally:
            await a.close()
        return out, events
    return asyncio.run(go())


def kinds(a: Assistant) -> list[str]:
    return [e["kind"] for e in a.audit.entries()]


def test_read_back_then_yes_executes_once_and_is_audited(tmp_path):
    a, paid = make(tmp_path)
    (ok, readback), summary = run(a, [PAYMENT, "yes"])[0]
    assert not ok and "4.5" in readback and "CityParking" in readback and "?" in readback
    assert len(paid) == 1 and paid[0].amount == 4.5
    assert summary.reply == "Paid 4.50 euros." and summary.route is Route.LOCAL
    assert kinds(a) == ["policy-confirm-asked", "policy-confirmed", "tool-executed"] and a.audit.verify().ok


@pytest.mark.parametrize("answer, code", [("no", "policy-cancelled"), ("cancel", "policy-cancelled"),
                                          ("yeah maybe", "policy-cancelled"), ("what?", "policy-cancelled"),
                                          ("open my window a bit", "policy-cancelled")])
def test_anything_but_an_explicit_yes_cancels(tmp_path, answer, code):
    a, paid = make(tmp_path)
    (_, (summary,)), events = (lambda r: ((r[0][0], r[0][1:]), r[1]))(run(a, [PAYMENT, answer]))
    assert paid == [] and not a.gate.pending
    assert any(isinstance(e, ErrorRaised) and e.code == code for e in events)
    assert kinds(a)[-1] == "policy-refused"
    # the window did not open either: the answer is consumed by the dialog
    assert a.vehicle.actuations == []


def test_a_late_yes_does_not_pay(tmp_path):
    a, paid = make(tmp_path, window=1.5)
    _, events = run(a, [PAYMENT, 1.7, "yes"])
    assert paid == [] and any(isinstance(e, ErrorRaised) and e.code == "policy-expired" for e in events)


def test_the_model_cannot_confirm_for_the_driver(tmp_path):
    a, paid = make(tmp_path)
    forged = ToolCall("pay_parking", {**PAYMENT.arguments, "confirmed": True})
    out, _ = run(a, [forged, "no"])
    assert paid == [] and kinds(a)[0] == "policy-confirm-asked"
    assert "policy-injection" in str(next(a.audit.entries())["data"]["findings"])


def test_a_second_payment_while_one_is_pending_is_refused(tmp_path):
    a, paid = make(tmp_path)
    out, events = run(a, [PAYMENT, ToolCall("pay_parking", {"zone": "P1", "amount": 9.0, "payee": "Other"}), "yes"])
    assert [p.payee for p in paid] == ["CityParking"]
    assert any(isinstance(e, ErrorRaised) and e.code == "policy-pending" for e in events)


def test_paying_while_driving_is_refused_before_any_read_back(tmp_path):
    a, paid = make(tmp_path, speed=50.0)
    [(ok, reason)], events = run(a, [PAYMENT])
    assert not ok and not a.gate.pending and paid == []
    assert any(isinstance(e, ErrorRaised) and e.code == "policy-moving" for e in events)


def test_spoken_yes_is_heard_and_confirms(tmp_path, speech):
    a, paid = make(tmp_path)

    async def go():
        await a.prepare()
        try:
            await a.gate.execute(PAYMENT, Route.LOCAL, TurnTrace(), a.next_turn())
            return await a.listen(simulated_microphone([speech("yes", 150)]))
        finally:
            await a.close()
    [summary] = asyncio.run(go())
    assert summary.transcript == "yes" and len(paid) == 1
