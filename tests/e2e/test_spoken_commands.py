"""Spoken in -> spoken out, through the real offline engines (PocketSphinx, espeak-ng).

PocketSphinx's cross-check is on (the default): a command its open reading does not support is read
back ('I heard "next track". Shall I do that?') and the driver's spoken "yes" runs it — espeak-ng's
klatt voice is read back about 6 times in 10 (README "Speech in"), so each command here either runs
at once or after that one question, never as anything else."""
from __future__ import annotations

import asyncio

import numpy as np
import pytest

from cockpit.audio.formats import read_wav, rms_dbfs
from cockpit.audio.simmic import simulated_microphone
from cockpit.config import Settings
from cockpit.events import ErrorRaised, Route, WakeDetected
from cockpit.pipeline import Assistant

pytestmark = pytest.mark.e2e

WINDOW = "Vehicle.Cabin.Door.Row1.DriverSide.Window.Position"
COMMANDS = [
    ("set the temperature to twenty two degrees", "climate_set_temperature", {"celsius": 22},
     ("Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature", 22)),
    ("make it warmer", "climate_set_temperature", {"delta": 2}, None),
    ("open my window a bit", "window_set", {"window": "driver", "position": 25}, (WINDOW, 25)),
    ("close all the windows", "window_set", {"window": "all", "position": 0}, (WINDOW, 0)),
    ("set the fan speed to three", "climate_set_fan", {"level": 3}, None),
    ("turn on the air conditioning", "climate_set_ac", {"on": True},
     ("Vehicle.Cabin.HVAC.IsAirConditioningActive", True)),
    ("pause the music", "media_control", {"action": "pause"}, None),
    ("set the volume to five", "media_volume", {"level": 5}, ("Vehicle.Cabin.Infotainment.Media.Volume", 50)),
    ("turn it down", "media_volume", {"delta": -2}, None),
    ("navigate to the airport", "navigate_to", {"destination": "airport"}, None),
    ("find the nearest gas station", "find_nearby", {"category": "fuel"}, None),
    ("what's my fuel level", "vehicle_status", {"item": "fuel"}, None),
    ("how far can I go", "vehicle_status", {"item": "range"}, None),
    ("next track", "media_control", {"action": "next"}, None),
]


def make(tmp_path, wake: str = "none") -> Assistant:
    s = Settings.model_validate({"wake": {"mode": wake}, "session": {"audit_log": str(tmp_path / "audit.jsonl")},
                                 "audio": {"output": {"sink": "file", "reply_dir": str(tmp_path)}}})
    return Assistant(s)


async def hear(assistant: Assistant, *clips: np.ndarray):
    return await assistant.listen(simulated_microphone(list(clips)))


@pytest.fixture(scope="module")
def loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="module")
def assistant(loop, tmp_path_factory):
    a = make(tmp_path_factory.mktemp("replies"), wake="phrase")
    loop.run_until_complete(a.prepare())
    yield a
    loop.run_until_complete(a.close())


@pytest.mark.parametrize("rate", [140, 200])
@pytest.mark.parametrize("text, tool, args, signal", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_spoken_command_acts_and_answers(loop, assistant, speech, text, tool, args, signal, rate):
    before = len(assistant.vehicle.actuations)
    [summary] = loop.run_until_complete(hear(assistant, speech(f"hey cockpit, {text}", rate)))
    if summary.reply.startswith("I heard"):  # the cross-check read it back: nothing ran yet
        assert summary.tool_calls == () and len(assistant.vehicle.actuations) == before
        assert summary.reply == f'I heard "{text.lower()}". Shall I do that?', summary
        [summary] = loop.run_until_complete(hear(assistant, speech("yes", rate)))
        assert summary.route_reason == "rule: yes to: " + f'I heard "{text.lower()}". Shall I do that?', summary
    assert summary.route is Route.FASTPATH, summary
    assert [(c.name, dict(c.arguments)) for c in summary.tool_calls] == [(tool, args)]
    audited = list(assistant.audit.entries())[-1]
    assert audited["data"]["tool"] == tool and audited["data"]["source"] == "fastpath"
    assert audited["kind"] == ("tool-failed" if tool == "navigate_to" else "tool-executed")  # no 'airport' in places
    if signal is not None:
        path, value = signal
        assert assistant.vehicle.read(path) == value
        assert any(a.path == path for a in assistant.vehicle.actuations[before:])
    reply = read_wav(summary.audio_path)
    seconds = len(reply) / 16000
    assert 0.5 < seconds < 8.0, f"reply of {seconds:.1f} s for {summary.reply!r}"
    assert rms_dbfs(reply) > -35, "the reply WAV holds no audible speech"
    assert summary.timings_ms["asr"] >= 0 and "tts_first" in summary.timings_ms


def test_wake_phrase_alone_then_command(loop, assistant, speech):
    events = []
    unsubscribe = assistant.bus.subscribe(events.append)
    try:
        summaries = loop.run_until_complete(hear(assistant, speech("hey cockpit", 160), speech("pause the music", 160)))
        if summaries[-1].reply.startswith("I heard"):  # read back by the cross-check (see the module docstring)
            summaries += loop.run_until_complete(hear(assistant, speech("yes", 160)))
    finally:
        unsubscribe()
    assert [s.tool_calls[0].name for s in summaries if s.tool_calls] == ["media_control"]
    assert any(isinstance(e, WakeDetected) for e in events)


def test_speech_without_the_wake_phrase_is_ignored(loop, assistant, speech):
    before = len(assistant.vehicle.actuations)
    assert loop.run_until_complete(hear(assistant, speech("open my window a bit", 160))) == []
    assert len(assistant.vehicle.actuations) == before


def test_unknown_request_gets_route_none_and_a_polite_answer(loop, tmp_path, speech):
    a = make(tmp_path)
    loop.run_until_complete(a.prepare())
    s = loop.run_until_complete(a.text_turn("what is the meaning of life"))
    assert s.route is Route.NONE and s.tool_calls == () and "sorry" in s.reply.lower()
    assert rms_dbfs(read_wav(s.audio_path)) > -35


def test_out_of_range_request_is_refused_aloud_and_nothing_moves(loop, tmp_path):
    a = make(tmp_path)
    loop.run_until_complete(a.prepare())
    events = []
    a.bus.subscribe(events.append)
    s = loop.run_until_complete(a.text_turn("set the temperature to 35 degrees"))
    assert s.route is Route.FASTPATH and a.vehicle.actuations == []
    assert "16" in s.reply and "30" in s.reply
    assert any(isinstance(e, ErrorRaised) and e.code == "tool-bad-arguments" for e in events)
    # the refusal is on the tamper-evident record, and the record verifies
    [entry] = list(a.audit.entries())
    assert entry["kind"] == "tool-refused" and entry["data"]["arguments"] == {"celsius": 35}
    assert a.audit.verify().ok
