"""Follow-ups without the wake phrase, in the simulated cabin (speaker -> echo -> microphone, AEC3,
PocketSphinx, espeak-ng): a reply that asks for a missing slot ("What temperature would you like?")
listens for session.followup_s; the answer said without "hey cockpit" fills the slot. An answer that
comes after the window needs the wake phrase again."""
from __future__ import annotations

import pytest

from cockpit.audio.simcabin import SimulatedCabin
from cockpit.config import parse_config
from cockpit.events import StateChanged, WakeDetected
from cockpit.scenario import in_cabin

pytestmark = pytest.mark.e2e
TEMPERATURE = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"


def run(tmp_path, clips, followup_s: float):
    settings = parse_config({
        "session": {"audit_log": str(tmp_path / "audit.jsonl"), "followup_s": followup_s},
        "audio": {"output": {"sink": "none"}},
        "vehicle": {"clock": "2026-06-12T12:30:00"},
    })
    cabin = SimulatedCabin(realtime=True, seed=5, tail_s=2.5)
    for clip, at_s in clips:
        cabin.say(clip, at_s)
    return in_cabin(settings, cabin)


def states(events, turn: int) -> list[str]:
    return [e.state for e in events if isinstance(e, StateChanged) and e.turn == turn]


def test_the_answer_to_a_slot_question_needs_no_wake_phrase(tmp_path, speech):
    ask = speech("hey cockpit, set the temperature", 160)
    answer = speech("twenty two degrees", 160)
    at = 0.5 + len(ask) / 16000 + 4.0  # after the question has been spoken (~2.5 s after the driver stopped)
    summaries, events, a = run(tmp_path, [(ask, 0.5), (answer, at)], followup_s=6.0)
    first, second = summaries
    assert first.reply == "What temperature would you like?" and not first.tool_calls
    assert states(events, first.turn)[-3:] == ["speaking", "idle", "listening"]  # the question opened the window
    assert [c.name for c in second.tool_calls] == ["climate_set_temperature"]
    assert dict(second.tool_calls[0].arguments) == {"celsius": 22}
    assert a.vehicle.signals.value(TEMPERATURE) == 22
    assert [e.turn for e in events if isinstance(e, WakeDetected)] == [first.turn]  # no wake phrase for the answer


def test_an_answer_after_the_window_needs_the_wake_phrase(tmp_path, speech):
    ask = speech("hey cockpit, set the temperature", 160)
    late = speech("twenty two degrees", 160)
    at = 0.5 + len(ask) / 16000 + 6.0  # the window (1 s after the question) is long closed
    summaries, events, a = run(tmp_path, [(ask, 0.5), (late, at)], followup_s=1.0)
    [first] = summaries  # the late answer was not taken for a request
    assert first.reply == "What temperature would you like?"
    states = [e.state for e in events if isinstance(e, StateChanged)]
    assert states[-2:] == ["listening", "idle"]  # the window opened, then timed out
    assert a.vehicle.signals.value(TEMPERATURE) != 22


def test_a_typed_question_with_no_microphone_closes_its_window_on_the_clock(tmp_path):
    """No audio measures the window after a typed turn's question: it closes session.followup_s (+ 1 s) later
    on the clock, so speech arriving minutes after still needs the wake phrase."""
    import asyncio

    from cockpit.pipeline import Assistant
    from cockpit.session import TurnState

    settings = parse_config({"session": {"audit_log": str(tmp_path / "audit.jsonl"), "followup_s": 0.2},
                             "audio": {"output": {"sink": "none"}}})

    async def body():
        a = Assistant(settings)
        await a.prepare()
        try:
            asked = await a.text_turn("set the temperature")
            opened = (a.state, a.listener.window.covers(a.listener.audio_time))
            for _ in range(100):  # the clock's turn: up to 10 s on a busy machine
                if a.state is TurnState.IDLE:
                    break
                await asyncio.sleep(0.1)
            return asked, opened, a.state, a.listener.window.covers(a.listener.audio_time)
        finally:
            await a.close()
    asked, opened, after, covers = asyncio.run(body())
    assert asked.reply == "What temperature would you like?"
    assert opened == (TurnState.LISTENING, True)
    assert (after, covers) == (TurnState.IDLE, False)
