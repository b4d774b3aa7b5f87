"""The policy gate in the real session: a transact call is read back and runs only on the
driver's explicit spoken yes in the NEXT turn (or an HMI Confirm naming the request); anything
else cancels, a typed yes included; every decision is audited with its channel; and when the
audit log cannot be written, transactions are refused while actuations still run.

The transact skills run on the simulated merchant / payment provider, whose ledger records
every charge."""
from __future__ import annotations

import asyncio
import itertools
import os
from dataclasses import dataclass

import numpy as np
import pytest

from cockpit.audio.simmic import simulated_microphone
from cockpit.config import parse_config
from cockpit.events import ConfirmationAsked, ConfirmationSettled, ErrorRaised, Event, Route, ToolCall
from cockpit.pipeline import Assistant
from cockpit.skills.builtin import commerce
from cockpit.skills.policy import HOW_TO_CONFIRM, HmiAnswer
from cockpit.trace import TurnTrace

TURN_IDS = itertools.count(1)
"""Turn ids for calls proposed straight to the gate (no utterance numbered them)."""

pytestmark = pytest.mark.e2e


def make(tmp_path, *, speed: float = 0.0, window: float = 20.0, **extra):
    cfg = parse_config({"wake": extra.pop("wake", {"mode": "none"}), "vehicle": {"initial": {"Vehicle.Speed": speed}},
                        "session": {"audit_log": str(tmp_path / "audit.jsonl"), "confirm_window_s": window},
                        "audio": {"output": {"sink": "file", "reply_dir": str(tmp_path)}}, **extra})
    a = Assistant(cfg)
    return a, lambda: [e for e in commerce.merchants(a.skill_context).ledger if e.kind != "refund"]


PAYMENT = ToolCall("pay_parking", {"zone": "P3", "hours": 1.5})
WINDOW = "Vehicle.Cabin.Door.Row1.DriverSide.Window.Position"


@dataclass(frozen=True)
class Typed:
    """Text typed at the HMI (the API's text turn), not spoken."""

    text: str


def run(a: Assistant, steps):
    """steps: ToolCall (a tier proposes it) | str (the driver's next words, as the recogniser hands
    them on) | Typed | HmiAnswer (a press; its id "pending" means the pending one) | float (seconds pass)
    | a callable (run between steps)."""
    async def go():
        events: list = []
        a.bus.subscribe(events.append)
        await a.prepare()
        out = []
        try:
            for step in steps:
                if isinstance(step, ToolCall):
                    out.append(await a.gate.execute(step, Route.LOCAL, TurnTrace(), next(TURN_IDS)))
                elif isinstance(step, float):
                    await asyncio.sleep(step)
                elif isinstance(step, Typed):
                    out.append(await a.text_turn(step.text, channel="typed"))
                elif isinstance(step, HmiAnswer):
                    press = HmiAnswer(a.gate.pending_id or "none", step.confirm) if step.id == "pending" else step
                    out.append(await a.text_turn("Confirm" if step.confirm else "Cancel", channel=press))
                elif callable(step):
                    step()
                else:
                    out.append(await a.text_turn(step, channel="voice"))
        finally:
            await a.close()
        return out, events
    return asyncio.run(go())


def kinds(a: Assistant) -> list[str]:
    return [e["kind"] for e in a.audit.entries()]


def test_read_back_then_yes_executes_once_and_is_audited(tmp_path):
    a, paid = make(tmp_path)
    (ok, readback), summary = run(a, [PAYMENT, "yes"])[0]
    assert not ok and "CityParking" in readback and "car wallet" in readback
    assert readback.endswith("Shall I go ahead? " + HOW_TO_CONFIRM)
    assert len(paid()) == 1 and paid()[0].amount_cents == 375
    assert summary.reply.startswith("Paid CityParking for 1.5 hours") and summary.route is Route.LOCAL
    assert kinds(a) == ["policy-confirm-asked", "policy-confirmed", "tool-executed"] and a.audit.verify().ok


@pytest.mark.parametrize("answer, code", [("no", "policy-cancelled"), ("cancel", "policy-cancelled"),
                                          ("yeah maybe", "policy-cancelled"), ("what?", "policy-cancelled"),
                                          ("open my window a bit", "policy-cancelled")])
def test_anything_but_an_explicit_yes_cancels(tmp_path, answer, code):
    a, paid = make(tmp_path)
    (_, (summary,)), events = (lambda r: ((r[0][0], r[0][1:]), r[1]))(run(a, [PAYMENT, answer]))
    assert paid() == [] and not a.gate.pending
    assert any(isinstance(e, ErrorRaised) and e.code == code for e in events)
    assert kinds(a)[-1] == "policy-refused"
    # the window did not open either: the answer is consumed by the dialog
    assert a.vehicle.actuations == []


def test_a_late_yes_does_not_pay(tmp_path):
    a, paid = make(tmp_path, window=1.5)
    _, events = run(a, [PAYMENT, 1.7, "yes"])
    assert paid() == [] and any(isinstance(e, ErrorRaised) and e.code == "policy-expired" for e in events)


def test_the_model_cannot_confirm_for_the_driver(tmp_path):
    a, paid = make(tmp_path)
    forged = ToolCall("pay_parking", {**PAYMENT.arguments, "confirmed": True})
    out, _ = run(a, [forged, "no"])
    assert paid() == [] and kinds(a)[0] == "policy-confirm-asked"
    assert "policy-injection" in str(next(a.audit.entries())["data"]["findings"])


def test_a_second_payment_while_one_is_pending_is_refused(tmp_path):
    a, paid = make(tmp_path)
    out, events = run(a, [PAYMENT, ToolCall("pay_parking", {"zone": "P1", "hours": 4.0}), "yes"])
    assert len(paid()) == 1 and "P3" in paid()[0].description
    assert any(isinstance(e, ErrorRaised) and e.code == "policy-pending" for e in events)


def test_paying_while_driving_is_refused_before_any_read_back(tmp_path):
    a, paid = make(tmp_path, speed=50.0)
    [(ok, reason)], events = run(a, [PAYMENT])
    assert not ok and not a.gate.pending and paid() == []
    assert any(isinstance(e, ErrorRaised) and e.code == "policy-moving" for e in events)


def test_spoken_yes_is_heard_and_confirms(tmp_path, speech):
    a, paid = make(tmp_path)

    async def go():
        await a.prepare()
        try:
            await a.gate.execute(PAYMENT, Route.LOCAL, TurnTrace(), next(TURN_IDS))
            return await a.listen(simulated_microphone([speech("yes", 150)]))
        finally:
            await a.close()
    [summary] = asyncio.run(go())
    assert summary.transcript == "yes" and len(paid()) == 1


@pytest.mark.parametrize("answer, charged", [("yes", True), ("no", False)])
def test_spoken_purchase_end_to_end(tmp_path, speech, answer, charged):
    """'hey cockpit, order a large latte from bean there' -> read-back -> spoken yes/no, all audited."""
    a, paid = make(tmp_path, wake={"mode": "phrase"})

    async def go():
        await a.prepare()
        try:
            return await a.listen(simulated_microphone(
                [speech("hey cockpit, order a large latte from bean there", 160), speech(answer, 150)]))
        finally:
            await a.close()
    proposal, reply = asyncio.run(go())
    assert proposal.tool_calls[0].name == "place_order" and "Shall I go ahead?" in proposal.reply
    assert reply.transcript == answer  # heard without the wake phrase: the driver was asked
    assert bool(paid()) is charged
    expected = (["policy-confirm-asked", "policy-confirmed", "tool-executed"] if charged
                else ["policy-confirm-asked", "policy-refused"])
    assert kinds(a) == expected and a.audit.verify().ok
    assert list(a.audit.entries())[1]["data"]["channel"] == "voice"  # the recogniser heard it


def _of(events: list, kind: type) -> list:
    return [e for e in events if isinstance(e, kind)]


def test_a_typed_yes_cancels_and_says_how_to_confirm(tmp_path):
    a, paid = make(tmp_path)
    out, events = run(a, [PAYMENT, Typed("yes"), "yes"])
    assert paid() == [] and not a.gate.pending
    assert "typed text can't confirm" in out[1].reply and "press Confirm" in out[1].reply
    [asked] = _of(events, ConfirmationAsked)
    [settled] = _of(events, ConfirmationSettled)
    assert (settled.id, settled.outcome, settled.channel) == (asked.id, "cancelled", "typed")
    assert any(isinstance(e, ErrorRaised) and e.code == "policy-confirm-channel" for e in events)
    refused = [e["data"] for e in a.audit.entries() if e["kind"] == "policy-refused"]
    assert [(r["channel"], r["code"], r["id"]) for r in refused] == [("typed", "policy-confirm-channel", asked.id)]
    assert out[2].tool_calls == ()  # the spoken yes after it finds nothing waiting: it is a new utterance


def test_the_confirmation_events_carry_the_request(tmp_path):
    _, events = run(make(tmp_path)[0], [PAYMENT])
    [asked] = _of(events, ConfirmationAsked)
    assert asked.tool == "pay_parking" and asked.arguments["zone"] == "P3" and asked.readback.endswith(HOW_TO_CONFIRM)
    assert asked.expires_in_s == 20.0 and len(asked.id) == 16
    assert Event.from_dict(asked.to_dict()) == asked  # typed and frozen like every event
    settled = ConfirmationSettled(id=asked.id, outcome="confirmed", channel="voice")
    assert Event.from_dict(settled.to_dict()) == settled


def test_an_hmi_confirm_naming_the_request_pays_and_a_wrong_id_changes_nothing(tmp_path):
    a, paid = make(tmp_path)
    out, events = run(a, [PAYMENT, HmiAnswer("0" * 16, True), HmiAnswer("pending", True)])
    assert len(paid()) == 1
    assert out[1].tool_calls == () and "no longer waiting" in out[1].reply  # the wrong id: nothing settled
    assert out[2].tool_calls[0].name == "pay_parking"
    [asked] = _of(events, ConfirmationAsked)
    assert [(s.id, s.outcome, s.channel) for s in _of(events, ConfirmationSettled)] == [(asked.id, "confirmed",
                                                                                          "hmi-confirm")]
    confirmed = [e["data"] for e in a.audit.entries() if e["kind"] == "policy-confirmed"]
    assert [(c["channel"], c["id"]) for c in confirmed] == [("hmi-confirm", asked.id)]


def test_an_hmi_cancel_cancels(tmp_path):
    a, paid = make(tmp_path)
    out, events = run(a, [PAYMENT, HmiAnswer("pending", False)])
    assert paid() == [] and not a.gate.pending and out[1].reply == "Okay, cancelled."
    assert [(s.outcome, s.channel) for s in _of(events, ConfirmationSettled)] == [("cancelled", "hmi-cancel")]


# -- fail closed: an audit log that cannot be written ------------------------------------------------
def test_an_audit_log_that_cannot_be_written_refuses_transactions_and_reports_once(tmp_path):
    (tmp_path / "afile").write_text("a file where the log's directory should be")  # root can't write below it
    a, paid = make(tmp_path, session={"audit_log": str(tmp_path / "afile" / "audit.jsonl")})
    out, events = run(a, [PAYMENT, "open my window a bit", "close my window", PAYMENT])
    assert out[0] == (False, "I can't do that now: I can't record it.")  # said, never read back
    assert paid() == [] and not a.gate.pending and not _of(events, ConfirmationAsked)
    assert [x.path for x in a.vehicle.actuations] == [WINDOW, WINDOW]  # actuations still run
    errors = [e.code for e in events if isinstance(e, ErrorRaised)]
    assert errors.count("audit-write-failed") == 1  # once, not per call
    assert errors.count("policy-audit-unavailable") == 2


def test_a_disk_that_fills_mid_drive_refuses_then_recovers(tmp_path):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    a, paid = make(tmp_path, session={"audit_log": str(tmp_path / "audit.jsonl"), "confirm_window_s": 20.0})
    log, kept = tmp_path / "audit.jsonl", tmp_path / "kept.jsonl"

    def disk_full() -> None:  # every write now fails with ENOSPC
        log.rename(kept)
        log.symlink_to("/dev/full")

    def disk_freed() -> None:
        log.unlink()
        kept.rename(log)
    out, events = run(a, ["open my window a bit", disk_full, PAYMENT, "close my window", "open my window a bit",
                          disk_freed, PAYMENT, "yes"])
    assert out[1] == (False, "I can't do that now: I can't record it.")
    assert [x.path for x in a.vehicle.actuations] == [WINDOW] * 3
    assert [e.code for e in events if isinstance(e, ErrorRaised)].count("audit-write-failed") == 1
    assert len(paid()) == 1  # written again: the payment asks, and the spoken yes pays
    assert kinds(a) == ["tool-executed", "policy-confirm-asked", "policy-confirmed", "tool-executed"]
    assert a.audit.verify().ok and not a.audit.verify().breaks


def clipped(word: np.ndarray) -> np.ndarray:
    """The first 200 ms of a spoken word from its onset, faded out: a driver cut short."""
    loud = np.flatnonzero(np.abs(word.astype(np.int32)) > 1000)
    return (word[loud[0]:loud[0] + 3200] * np.minimum(1.0, np.linspace(8, 0, 3200))).astype(np.int16)


def order_then(a: Assistant, speech, answer: np.ndarray) -> list:
    """The driver orders a latte by voice, then ``answer`` is heard: every turn's summary."""
    async def go():
        await a.prepare()
        try:
            return await a.listen(simulated_microphone(
                [speech("hey cockpit, order a large latte from bean there", 160), answer]))
        finally:
            await a.close()
    return asyncio.run(go())


def test_a_short_spoken_no_to_a_read_back_is_heard_not_taken_for_a_cough(tmp_path, speech):
    """The first 200 ms of espeak-ng's "no" (a driver cut short) is under endpoint.min_speech_ms
    (250): while a read-back waits, endpoint.answer_min_speech_ms (120) lets it through (with 250 there, the
    answer is dropped as a cough and the read-back is left to time out)."""
    a, paid = make(tmp_path, wake={"mode": "phrase"})
    events: list = []
    a.bus.subscribe(events.append)
    proposal, reply = order_then(a, speech, clipped(speech("no", 160)))
    [ended] = [e for e in events if type(e).__name__ == "SpeechEnded" and e.turn == reply.turn]
    assert ended.duration * 1000 < a.settings.endpoint.min_speech_ms  # short enough to be taken for a cough
    assert "Shall I go ahead?" in proposal.reply and reply.transcript == "no"
    assert not paid() and kinds(a) == ["policy-confirm-asked", "policy-refused"]


def test_a_clipped_yes_under_the_cough_bar_never_pays(tmp_path, speech):
    """The same short burst that lets a clipped "no" cancel must not let a clipped "yes" (or a cough the
    dialog grammar forces into one) confirm: under endpoint.min_speech_ms only a refusal counts."""
    a, paid = make(tmp_path, wake={"mode": "phrase"})
    events: list = []
    a.bus.subscribe(events.append)
    turns = order_then(a, speech, clipped(speech("yes", 160)))
    assert "Shall I go ahead?" in turns[0].reply
    assert not paid() and "policy-confirmed" not in kinds(a)
    assert [t.transcript for t in turns[1:]] == []  # not taken for an answer at all
