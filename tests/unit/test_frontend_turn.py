"""The front end inside the real Assistant: asking back and the next turn answering, negations that
change nothing, and the rule that words which were not a request never actuate, whichever tier
proposes the call."""
from __future__ import annotations

import asyncio

from cockpit.brain.understand import Open
from cockpit.config import parse_config
from cockpit.events import ErrorRaised, Route, ToolCall
from cockpit.pipeline import Assistant
from cockpit.trace import TurnTrace

SEAT = "Vehicle.Cabin.Seat.Row1.DriverSide.Heating"
PASSENGER_SEAT = "Vehicle.Cabin.Seat.Row1.PassengerSide.Heating"
WINDOW = "Vehicle.Cabin.Door.Row1.DriverSide.Window.Position"


def make(tmp_path, window_s: float = 20.0, wake: str = "none") -> Assistant:
    cfg = parse_config({"wake": {"mode": wake}, "brain": {"mode": "fastpath-only"},
                        "session": {"audit_log": str(tmp_path / "audit.jsonl"), "confirm_window_s": window_s},
                        "audio": {"output": {"sink": "file", "reply_dir": str(tmp_path)}}})
    return Assistant(cfg)


def talk(a: Assistant, *steps):
    """Each step: words the driver says (a voice turn), or a callable run between turns."""
    async def go():
        events: list = []
        a.bus.subscribe(events.append)
        await a.prepare()
        out = []
        try:
            for step in steps:
                if callable(step):
                    step()
                else:
                    out.append(await a.text_turn(step, channel="voice"))
        finally:
            await a.close()
        return out, events
    return asyncio.run(go())


def changed(a: Assistant) -> dict:
    return {act.path: act.new for act in a.vehicle.actuations}


def test_a_partial_command_is_asked_back_and_the_next_words_answer_it(tmp_path):
    a = make(tmp_path)
    waiting = []
    (asked, answered), _ = talk(a, "turn on the seat heating", lambda: waiting.append(a.brain.awaiting_answer),
                                "the passenger")
    assert asked.reply == "Seat heating for you or the passenger?" and asked.tool_calls == ()
    assert waiting == [True] and not a.brain.awaiting_answer
    assert answered.route is Route.FASTPATH and answered.tool_calls == (ToolCall("seat_heating", {"level": 3,
                                                                                                "seat": "passenger"}),)
    assert changed(a) == {PASSENGER_SEAT: 100}


def test_an_answer_after_the_window_is_a_new_utterance(tmp_path):
    a = make(tmp_path, window_s=2.0)
    clock = [0.0]
    a.brain.fast.clock = lambda: clock[0]
    (_, late), _ = talk(a, "turn on the seat heating", lambda: clock.__setitem__(0, 30.0), "for me")
    assert late.tool_calls == () and changed(a) == {}
    assert "can't help" in late.reply  # "for me" alone is not a command


def test_a_negated_command_changes_nothing_and_says_so(tmp_path):
    a = make(tmp_path)
    (summary, other), _ = talk(a, "Hey cockpit, don't open the window.", "不要开窗")
    assert summary.reply == "Okay, I won't." and other.reply == "好的，不操作。"
    assert summary.tool_calls == () and changed(a) == {}


def test_a_request_inside_a_question_runs_only_after_yes(tmp_path):
    a = make(tmp_path)
    (asked, yes), _ = talk(a, "should I open my window?", "yes")
    assert asked.reply == "Do you want me to open your window?" and asked.tool_calls == ()
    assert yes.tool_calls == (ToolCall("window_set", {"window": "driver", "position": 100}),)
    assert changed(a) == {WINDOW: 100}


def test_words_that_were_not_a_request_never_actuate_whoever_proposes_it(tmp_path):
    a = make(tmp_path)
    events: list = []
    a.bus.subscribe(events.append)

    async def propose():
        gate = a.brain.fast.execute(Open("is the window open?", may_actuate=False, reason="a question"),
                                    Route.LOCAL, TurnTrace(), 1)
        refused = await gate(ToolCall("window_set", {"window": "driver", "position": 100}))
        read = await gate(ToolCall("vehicle_status", {"item": "fuel"}))  # a read is fine
        allowed = a.brain.fast.execute(Open("open the window"), Route.LOCAL, TurnTrace(), 2)
        return refused, read, await allowed(ToolCall("window_set", {"window": "driver", "position": 100}))

    (refused_ok, refused_say), (read_ok, _), (run_ok, _) = asyncio.run(propose())
    assert not refused_ok and refused_say == "I'll only change that when you ask me to."
    assert [e.code for e in events if isinstance(e, ErrorRaised)] == ["policy-not-a-request"]
    assert read_ok and run_ok
    assert changed(a) == {WINDOW: 100}  # only the request that was one


def test_the_wake_phrase_as_whisper_heard_it_is_not_in_the_way(tmp_path):
    a = make(tmp_path, wake="phrase")
    (summary,), _ = talk(a, "Hey cock they, it is way too hot in here.")
    assert summary.tool_calls == (ToolCall("climate_set_temperature", {"delta": -3}),)
