"""The co-pilot in a real Assistant (offline stack: fast path, espeak-ng): a prompt waits for a quiet
cabin, a pending read-back, the gap and the road; it only asks — the driver's spoken yes runs what it
offers through the gate, a typed yes does not, no answer withdraws it; every prompt is an event and an
audit line. Time is the simulated drive's clock (seeked) and an injected cabin clock: no wall clock."""
from __future__ import annotations

import asyncio
from datetime import datetime

import pytest

from cockpit.config import load_config, parse_config
from cockpit.events import ProactivePrompt, ProactiveSettled, VoiceActivity
from cockpit.pipeline import Assistant
from cockpit.vehicle import vss

START = datetime(2026, 6, 12, 17, 0)


def _assistant(tmp_path, **proactive) -> Assistant:
    base = load_config(None).model_dump(mode="json")
    base.update({
        "asr": {**base["asr"], "engine": "sphinx"}, "tts": {**base["tts"], "engine": "espeak"},
        "brain": {**base["brain"], "mode": "fastpath-only"},
        "audio": {**base["audio"], "output": {**base["audio"]["output"], "sink": "none"}},
        "session": {**base["session"], "state_dir": str(tmp_path), "audit_log": str(tmp_path / "audit.jsonl")},
        "vehicle": {**base["vehicle"], "clock": START.isoformat(), "clock_follows_drive": True,
                    "feeds": [{"kind": "drive", "speedup": 0.001}]},
        "proactive": {"check_every_s": 600, "quiet_s": 2.0, "answer_s": 8.0, "min_gap_s": 300, **proactive},
    })
    return Assistant(parse_config(base))


class Cabin:
    """The cabin clock, and the driver's voice activity on it."""

    def __init__(self, a: Assistant) -> None:
        self.a, self.now = a, 1000.0
        a.copilot.cabin_clock = lambda: self.now

    def talk(self) -> None:
        self.a.bus.emit(VoiceActivity(audio_time=self.now, probability=0.9, speech=True))

    def wait(self, seconds: float) -> None:
        self.now += seconds


def _run(a: Assistant, body):
    async def go():
        await a.prepare()
        try:
            return await body()
        finally:
            await a.close()
    return asyncio.run(go())


def test_a_prompt_waits_for_quiet_only_asks_and_the_spoken_yes_runs_it(tmp_path):
    a = _assistant(tmp_path)
    cabin, events = Cabin(a), []
    a.bus.subscribe(events.append)
    drive = a.car.drive

    async def body():
        drive.seek(10.0)  # 40 km/h in town: inside the speed bands
        await a.text_turn("set a timer for one minute", channel="voice")
        cabin.wait(5)
        drive.seek(80.0)  # seventy seconds later on the drive's clock: the timer is due
        cabin.talk()  # ... but the driver is talking
        held = await a.copilot.step()
        cabin.wait(1.0)
        still = await a.copilot.step()  # a second later: not yet quiet for quiet_s
        cabin.wait(2.5)
        asked = await a.copilot.step()
        pending = a.gate.pending_id
        typed = await a.text_turn("yes", channel="typed")  # typed text never confirms
        cabin.wait(5)
        drive.seek(500.0)
        again = await a.copilot.step()  # the typed yes cancelled it: nothing runs, nothing is asked twice
        return held, still, asked, pending, typed, again

    held, still, asked, pending, typed, again = _run(a, body)
    assert held is None and still is None
    assert asked is not None and asked.kind == "timer" and asked.offers.name == "set_timer"
    [prompt] = [e for e in events if isinstance(e, ProactivePrompt)]
    assert prompt.question == "Your 1-minute timer is up. Shall I remind you again in 10 minutes?"
    assert pending is not None and not typed.tool_calls and "typed text can't confirm" in typed.reply
    assert [(e.kind, e.outcome) for e in events if isinstance(e, ProactiveSettled)] == [("timer", "no")]
    assert again is None and a.skills.agenda.items() == []  # asked once; the snooze did not run
    kinds = [e["kind"] for e in a.audit.entries()]
    assert "proactive-prompt" in kinds and "proactive-settled" in kinds
    assert kinds.index("policy-confirm-asked") < kinds.index("proactive-prompt")


def test_the_spoken_yes_runs_the_offer_and_no_answer_withdraws_it(tmp_path):
    a = _assistant(tmp_path)
    cabin, events = Cabin(a), []
    a.bus.subscribe(events.append)
    drive = a.car.drive

    async def body():
        drive.seek(10.0)
        await a.text_turn("remind me in one minute to call anna", channel="voice")
        await a.text_turn("set a timer for two minutes", channel="voice")
        cabin.wait(5)
        drive.seek(200.0)  # both due
        first = await a.copilot.step()
        yes = await a.text_turn("yes", channel="voice")  # snooze: a new reminder in ten minutes
        cabin.wait(5)
        gap = await a.copilot.step()  # the timer waits for min_gap_s of the trip
        drive.seek(200.0 + 301.0)  # min_gap_s (300) later
        second = await a.copilot.step()
        cabin.wait(3.0)
        await a.copilot.step()  # within answer_s: still waiting for an answer
        waiting = a.gate.pending_id is not None
        cabin.wait(6.0)
        await a.copilot.step()  # no answer within answer_s: withdrawn
        after = await a.text_turn("turn on the air conditioning", channel="voice")  # a new request again
        return first, yes, gap, second, waiting, after

    first, yes, gap, second, waiting, after = _run(a, body)
    assert (first.kind, first.question) == ("reminder", "Here's your reminder: call Anna. Shall I remind you "
                                                        "again in 10 minutes?")
    assert yes.reply == "I'll remind you to call Anna in 10 minutes." and yes.tool_calls[0].name == "set_reminder"
    assert gap is None and second is not None and second.kind == "timer" and waiting
    assert a.gate.pending_id is None and after.tool_calls[0].name == "climate_set_ac"
    assert a.vehicle.signals.value(vss.AC_ACTIVE) is True
    outcomes = [(e.kind, e.outcome) for e in events if isinstance(e, ProactiveSettled)]
    assert outcomes == [("reminder", "yes"), ("timer", "unanswered")]
    assert [i.text for i in a.skills.agenda.items()] == ["call Anna"]  # the snoozed one waits; the rest fired
    assert any(e["kind"] == "policy-withdrawn" for e in a.audit.entries())


def test_no_prompt_during_a_read_back_on_harsh_braking_or_outside_the_speed_bands(tmp_path):
    a = _assistant(tmp_path)
    cabin = Cabin(a)
    drive = a.car.drive

    async def body():
        drive.seek(10.0)
        await a.text_turn("set a timer for one minute", channel="voice")
        await a.text_turn("order a latte from bean there", channel="voice")  # a transaction: read back, waiting
        cabin.wait(5)
        drive.seek(80.0)
        reading_back = await a.copilot.step()
        await a.text_turn("no", channel="voice")
        cabin.wait(5)
        a.vehicle.signals.set(vss.ACCEL_LONGITUDINAL, -7.5, source="can")  # harsh braking, from CAN
        braking = await a.copilot.step()
        drive.seek(80.0 + 31.0)
        a.vehicle.signals.set(vss.ACCEL_LONGITUDINAL, -0.5, source="can")
        a.vehicle.signals.set(vss.SPEED, 150.0, source="can")  # too fast for a prompt
        fast = await a.copilot.step()
        drive.seek(120.0)  # the drive's own speed again
        asked = await a.copilot.step()
        return reading_back, braking, fast, asked

    reading_back, braking, fast, asked = _run(a, body)
    assert reading_back is None and braking is None and fast is None
    assert asked is not None and asked.kind == "timer"


def test_a_reminder_survives_a_restart_and_is_asked_once(tmp_path):
    first = _assistant(tmp_path)

    async def set_it():
        first.car.drive.seek(10.0)
        return await first.text_turn("remind me in one minute to call anna", channel="voice")

    assert _run(first, set_it).tool_calls[0].name == "set_reminder"
    again = _assistant(tmp_path)  # the daemon restarted (the car was off while it fell due)
    cabin, events = Cabin(again), []
    again.bus.subscribe(events.append)

    async def after():
        again.car.drive.seek(200.0)
        asked = await again.copilot.step()
        await again.text_turn("no thanks", channel="voice")
        cabin.wait(5)
        again.car.drive.seek(600.0)
        return asked, await again.copilot.step()

    asked, twice = _run(again, after)
    assert asked is not None and asked.kind == "reminder" and "call Anna" in asked.question
    assert twice is None and again.skills.agenda.items() == []
    third = _assistant(tmp_path)  # and after another restart, it is gone for good
    assert third.skills.agenda.items() == []


def test_switched_off_it_never_speaks_first(tmp_path):
    a = _assistant(tmp_path, enabled=False)
    cabin = Cabin(a)

    async def body():
        a.car.drive.seek(10.0)
        await a.text_turn("set a timer for one minute", channel="voice")
        cabin.wait(5)
        a.car.drive.seek(200.0)
        return await a.copilot.step()

    assert _run(a, body) is None
    off = _assistant(tmp_path / "kinds", kinds={"timer": False})
    assert [w.kind for w in off.copilot.watches] == ["fatigue", "range", "agenda"]
    assert off.settings.proactive.on("reminder") and not off.settings.proactive.on("timer")


@pytest.mark.parametrize("speed, allowed", [(0.0, True), (12.0, False), (60.0, True), (131.0, False)])
def test_the_default_speed_bands(speed, allowed, tmp_path):
    from cockpit.proactive.attention import Attention
    from cockpit.proactive.moment import Moment
    bands = parse_config({}).proactive.attention
    assert (Attention(bands).needed(Moment(0.0, START, speed_kmh=speed)) is None) is allowed
