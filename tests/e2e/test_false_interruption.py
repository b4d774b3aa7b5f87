"""A barge-in that proves false: a cough, a door, "mm-hm" over cockpit's reply, in the simulated cabin
(speaker -> echo -> microphone, AEC3, Silero + the near-end detector). The reply pauses (faded, nothing
dropped) and, with no words within barge_in.resume_ms, plays on from where it paused; the sounds are
made by code (tests/support/cabin_sounds.py). Words over the reply still cut it (test_barge_in.py)."""
from __future__ import annotations

import numpy as np
import pytest

from support.cabin_sounds import cough, door, mm_hm
from cockpit.audio.simcabin import SimulatedCabin
from cockpit.config import parse_config
from cockpit.events import BargeIn, ReplyResumed, ToolCalled
from cockpit.scenario import in_cabin
from support.offline import GRAMMAR_ALONE

pytestmark = pytest.mark.e2e
SOUNDS = {"cough": cough, "door": door, "mm-hm": mm_hm}


def run(tmp_path, clips, resume_ms=1000, seed=3):
    settings = parse_config({
        "session": {"audit_log": str(tmp_path / "audit.jsonl")},
        "audio": {"output": {"sink": "none"}},
        "barge_in": {"mode": "vad", "resume_ms": resume_ms}, "asr": GRAMMAR_ALONE,
        "vehicle": {"feeds": [{"kind": "drive", "start_s": 62.0, "speedup": 0.001}], "clock": "2026-06-12T12:30:00"},
    })
    cabin = SimulatedCabin(realtime=True, seed=seed, tail_s=2.0)
    for clip, at_s in clips:
        cabin.say(clip, at_s)
    summaries, events, a = in_cabin(settings, cabin)
    return summaries, events, cabin, a


def reply_heard_s(cabin: SimulatedCabin) -> float:
    """Seconds of the speaker track with reply audio in them (10 ms blocks above -50 dBFS)."""
    track = cabin.speaker_track
    blocks = track[: len(track) // 160 * 160].reshape(-1, 160).astype(np.float64)
    return float(np.count_nonzero(np.sqrt((blocks ** 2).mean(axis=1)) > 32768 * 10 ** (-50 / 20)) * 0.01)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, speech):
    """The same question with nothing said over the reply: how much reply audio the cabin hears."""
    _, _, cabin, a = run(tmp_path_factory.mktemp("quiet"), [(speech("hey cockpit, what's on my right", 160), 0.5)])
    return reply_heard_s(cabin), a.sink.player.played_s


@pytest.mark.parametrize("sound", SOUNDS)
def test_a_sound_without_words_pauses_the_reply_and_it_plays_on_from_there(tmp_path, speech, sound, uninterrupted):
    ask = speech("hey cockpit, what's on my right", 160)
    at = 0.5 + len(ask) / 16000 + 2.2  # well inside the ~5 s reply
    noise = SOUNDS[sound]()
    summaries, events, cabin, a = run(tmp_path, [(ask, 0.5), (noise, at)])
    [turn] = summaries  # no second turn: nothing was said
    assert not turn.interrupted and turn.tool_calls[0].name == "whats_around"
    [barge] = [e for e in events if isinstance(e, BargeIn)]
    [resumed] = [e for e in events if isinstance(e, ReplyResumed)]
    assert barge.held and at < barge.audio_time < at + len(noise) / 16000 + 0.3
    # resumed once the sound was over and barge_in.resume_ms had passed, in audio time
    assert resumed.audio_time >= barge.audio_time + 1.0 and resumed.held_s == pytest.approx(resumed.audio_time - barge.audio_time)
    assert resumed.audio_time < at + len(noise) / 16000 + 1.5
    # the speaker was silent while held, then played the rest: the whole reply, nothing dropped or repeated
    # beyond the 5 ms fade
    hold = cabin.speaker_track[int((barge.audio_time + 0.05) * 16000):int(resumed.audio_time * 16000)]
    assert np.abs(hold.astype(float)).max() < 200
    after = cabin.speaker_track[int((resumed.audio_time + 0.05) * 16000):]
    assert np.abs(after.astype(float)).max() > 1000
    heard, played = uninterrupted
    assert a.sink.player.dropped_s == 0.0
    assert a.sink.player.played_s == pytest.approx(played, abs=0.02)
    assert reply_heard_s(cabin) == pytest.approx(heard, abs=0.1)
    assert [e.call.name for e in events if isinstance(e, ToolCalled)] == ["whats_around"]


def test_with_resume_off_the_same_cough_cuts_the_reply(tmp_path, speech):
    ask = speech("hey cockpit, what's on my right", 160)
    at = 0.5 + len(ask) / 16000 + 2.2
    summaries, events, _, a = run(tmp_path, [(ask, 0.5), (cough(), at)], resume_ms=0)
    assert summaries[0].interrupted and a.sink.player.dropped_s > 0.5
    [barge] = [e for e in events if isinstance(e, BargeIn)]
    assert not barge.held and barge.dropped_s > 0.5 and not [e for e in events if isinstance(e, ReplyResumed)]
