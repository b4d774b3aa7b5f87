import dataclasses
import json

import pytest

from cockpit.events import (AudioOut, ErrorRaised, Event, Route, RouteDecided, Stage, ToolCall, ToolResult,
                            TurnSummary, WakeDetected)
from cockpit.trace import TurnTrace

SAMPLES = [
    WakeDetected(t=1.5, turn=1, phrase="cockpit", score=-1200.0, audio_time=0.8),
    RouteDecided(t=2.0, turn=1, route=Route.FASTPATH, reason="rule: x"),
    ToolResult(t=2.1, turn=1, call=ToolCall("window_set", {"window": "driver", "position": 25}), ok=True,
               message="Opening", changes={"Vehicle.Cabin.Door.Row1.DriverSide.Window.Position": 25}),
    ErrorRaised(t=3.0, turn=2, code="asr-no-text", message="nothing", stage=Stage.ASR),
    AudioOut(t=3.1, turn=2, sample_rate=16000, duration=1.0, payload=b"\x00\x01\xff"),
    TurnSummary(t=4.0, turn=2, transcript="mute", route=Route.FASTPATH,
                tool_calls=(ToolCall("media_volume", {"mute": True}),), reply="Muted.",
                timings_ms={"asr": 12.5, "total": 80.0}),
]


@pytest.mark.parametrize("event", SAMPLES, ids=lambda e: e.type)
def test_round_trip_through_json(event):
    data = json.loads(event.to_json())
    assert data["type"] == event.type
    # every declared field is sent
    assert {f.name for f in dataclasses.fields(event)} <= set(data)
    assert Event.from_dict(data) == event


def test_events_are_frozen_all_the_way_down():
    call = ToolCall("x", {"a": 1})
    with pytest.raises(TypeError):
        call.arguments["a"] = 2  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        SAMPLES[0].phrase = "other"  # type: ignore[misc]


def test_unknown_type_is_rejected():
    with pytest.raises(ValueError, match="unknown event type"):
        Event.from_dict({"type": "nope"})


def test_trace_stamps_on_an_injected_clock():
    now = [10.0]
    trace = TurnTrace(clock=lambda: now[0])
    trace.start(Stage.ASR); now[0] = 10.05; trace.end(Stage.ASR)
    trace.start(Stage.TTS); now[0] = 10.10; trace.first(Stage.TTS); now[0] = 10.30; trace.first(Stage.TTS)
    now[0] = 10.5; trace.end(Stage.TTS)
    t = trace.timings_ms()
    assert t["asr"] == pytest.approx(50.0)
    assert t["tts_first"] == pytest.approx(100.0)  # only the first first() counts
    assert t["tts"] == pytest.approx(450.0)
    assert t["total"] == pytest.approx(500.0)
