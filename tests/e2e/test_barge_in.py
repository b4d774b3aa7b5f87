"""Barge-in over the car's own speakers, through the simulated cabin (speaker -> echo path -> mic):
cockpit's reply echo alone never interrupts it; the driver speaking over it does — playback
stops, the turn is cut short, and the driver's words are the next command. Real engines:
PocketSphinx, Silero VAD, espeak-ng, WebRTC AEC3."""
from __future__ import annotations

import pytest

from cockpit.audio.simcabin import SimulatedCabin
from cockpit.config import parse_config
from cockpit.events import BargeIn, ReplyResumed, ToolCalled
from cockpit.scenario import in_cabin
from support.offline import GRAMMAR_ALONE

pytestmark = pytest.mark.e2e
WINDOW = "Vehicle.Cabin.Door.Row1.DriverSide.Window.Position"


def run(tmp_path, clips, *, mode="vad", aec=True, seed=3):
    """Speak ``clips`` [(audio, at_s)] into a cabin where cockpit's replies are heard; return
    (summaries, events, cabin, assistant)."""
    settings = parse_config({
        "session": {"audit_log": str(tmp_path / "audit.jsonl")},
        "audio": {"output": {"sink": "none"}},
        "barge_in": {"mode": mode}, "aec": {"enabled": aec}, "asr": GRAMMAR_ALONE,
        "vehicle": {"feeds": [{"kind": "drive", "start_s": 62.0, "speedup": 0.001}],
                    "clock": "2026-06-12T12:30:00"},
    })
    cabin = SimulatedCabin(realtime=True, seed=seed, tail_s=2.0)
    for clip, at_s in clips:
        cabin.say(clip, at_s)
    summaries, events, a = in_cabin(settings, cabin)
    return summaries, events, cabin, a


def test_the_reply_echo_alone_never_interrupts(tmp_path, speech):
    summaries, events, cabin, a = run(tmp_path, [(speech("hey cockpit, what's on my right", 160), 0.5)])
    [turn] = summaries
    assert turn.tool_calls[0].name == "whats_around" and not turn.interrupted
    assert not [e for e in events if isinstance(e, BargeIn)]
    assert "Lindenhof Museum" in turn.reply
    assert a.sink.player.played_s > 3.0 and a.sink.player.dropped_s == 0.0  # the whole reply was heard


def test_the_driver_speaking_over_the_reply_stops_it_and_is_heard(tmp_path, speech):
    ask = speech("hey cockpit, what's on my right", 160)
    interrupt = speech("open my window a bit", 160)
    first_end = 0.5 + len(ask) / 16000
    at = first_end + 2.2  # well inside the ~5 s reply
    summaries, events, cabin, a = run(tmp_path, [(ask, 0.5), (interrupt, at)])
    first, second = summaries
    assert first.interrupted and first.tool_calls[0].name == "whats_around"
    [barge] = [e for e in events if isinstance(e, BargeIn)]
    assert barge.trigger == "vad" and barge.held  # paused first (barge_in.resume_ms) ...
    assert a.sink.player.dropped_s > 0.5  # ... then the words cut it: most of the reply was never played
    assert not [e for e in events if isinstance(e, ReplyResumed)]
    reaction = barge.audio_time - at
    print(f"\nbarge-in decided {reaction * 1000:.0f} ms after the driver began (audio time); "
          f"{a.sink.player.dropped_s:.2f} s of reply dropped")
    assert 0.0 < reaction < 1.0
    # the interrupting words, without a wake phrase, are the next command
    assert second.tool_calls[0].name == "window_set" and dict(second.tool_calls[0].arguments)["position"] == 25
    assert a.vehicle.signals.value(WINDOW) == 25
    assert [e.call.name for e in events if isinstance(e, ToolCalled)] == ["whats_around", "window_set"]
    # after the barge-in the speaker went quiet: no reply audio in the cabin until the next reply
    stop = int((barge.audio_time + 0.05) * 16000)
    quiet = cabin.speaker_track[stop:stop + 8000]
    assert abs(quiet.astype(float)).max() < 200


def test_barge_in_off_lets_the_reply_finish(tmp_path, speech):
    ask = speech("hey cockpit, what's on my right", 160)
    interrupt = speech("hey cockpit, open my window a bit", 160)
    at = 0.5 + len(ask) / 16000 + 2.2
    summaries, events, _, a = run(tmp_path, [(ask, 0.5), (interrupt, at)], mode="off")
    assert not [e for e in events if isinstance(e, BargeIn)]
    assert not summaries[0].interrupted and a.sink.player.dropped_s == 0.0
