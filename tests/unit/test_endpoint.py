import numpy as np
import pytest

from cockpit.audio.endpoint import Discarded, Endpointer, Ended, Started
from cockpit.config import EndpointSettings

FRAME = 480  # 30 ms


def run(pattern: str, **settings):
    """'s' = speech frame, '.' = silence frame; each frame's samples carry its index. Mode fixed unless
    ``mode`` is given."""
    ep = Endpointer(EndpointSettings(**{"mode": "fixed", **settings}), FRAME)
    events = []
    for i, ch in enumerate(pattern):
        events += ep.process(np.full(FRAME, i, np.int16), ch == "s")
    return ep, events + ep.flush()


def test_start_and_end_with_preroll_and_hangover():
    ep, ev = run("." * 20 + "s" * 30 + "." * 30, start_ms=90, hangover_ms=600, preroll_ms=300, min_speech_ms=100)
    started, ended = ev
    assert isinstance(started, Started) and started.audio_time == pytest.approx(20 * 0.03)
    assert isinstance(ended, Ended) and not ended.truncated
    assert ended.audio_time == pytest.approx(50 * 0.03)
    frames = ended.audio.reshape(-1, FRAME)[:, 0]
    assert frames[0] == 20 - 7  # 10 pre-roll frames ending at the 3rd speech frame: none clipped
    assert 20 in frames and 49 in frames  # all speech kept
    assert len(frames) == 10 + 27 + 20  # pre-roll, rest of speech, hangover


def test_short_pauses_do_not_end_the_utterance():
    _, ev = run("s" * 10 + "." * 10 + "s" * 10 + "." * 25, hangover_ms=600)
    assert [type(e) for e in ev] == [Started, Ended]


def test_blips_are_discarded_not_started_twice():
    _, ev = run("." * 5 + "ss" + "." * 5 + "sss" + "." * 25, start_ms=90, min_speech_ms=250)
    assert [type(e) for e in ev] == [Started, Discarded]


def test_max_length_truncates_and_waits_for_silence():
    ep, ev = run("s" * 400 + "." * 30 + "s" * 10 + "." * 25, max_utterance_s=3.0, hangover_ms=600)
    kinds = [type(e) for e in ev]
    assert kinds == [Started, Ended, Started, Ended]
    assert ev[1].truncated and len(ev[1].audio) <= 3.0 * 16000 + 20 * FRAME
    assert not ev[3].truncated


def test_silence_only_yields_nothing():
    _, ev = run("." * 700)
    assert ev == []


def test_stream_ending_mid_speech_is_flushed():
    _, ev = run("." * 3 + "s" * 20)
    assert [type(e) for e in ev] == [Started, Ended]


def test_a_short_answer_counts_while_one_is_awaited():
    burst = "." * 5 + "s" * 6 + "." * 25  # 180 ms of speech: a clipped "no"
    _, ev = run(burst, start_ms=90, min_speech_ms=250)
    assert [type(e) for e in ev] == [Started, Discarded]  # a cough, when nothing was asked
    ep = Endpointer(EndpointSettings(mode="fixed", start_ms=90, min_speech_ms=250, answer_min_speech_ms=120), FRAME)
    ep.min_speech_ms = ep.s.answer_min_speech_ms  # the listener's choice while an answer is awaited
    events = [e for i, ch in enumerate(burst) for e in ep.process(np.full(FRAME, i, np.int16), ch == "s")]
    assert [type(e) for e in events] == [Started, Ended] and events[1].speech_s == pytest.approx(0.18)
