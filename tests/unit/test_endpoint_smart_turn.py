"""The endpointer in mode smart-turn: each pause is judged by data handed back (Smart Turn's probability,
whether the words are a whole command or stop mid-sentence); every decision is an exact audio time."""
import numpy as np
import pytest

from cockpit.audio.endpoint import Endpointer, Ended, Paused, Started
from cockpit.config import EndpointSettings

FRAME = 480  # 30 ms
S = FRAME / 16000


def make(**settings) -> Endpointer:
    smart = {"complete_threshold": 0.5, "command_threshold": 0.2, "incomplete_max_ms": 1200,
             **settings.pop("smart_turn", {})}
    return Endpointer(EndpointSettings(mode="smart-turn", pause_ms=90, hangover_ms=600, hangover_complete_ms=300,
                                       min_speech_ms=100, smart_turn=smart, **settings), FRAME)


def feed(ep: Endpointer, pattern: str, verdict=None, *, complete=False, unfinished=False, open_words=False):
    """Feed 's'/'.' frames; on each Paused, set the word flags and hand back ``verdict(pause)`` (None: no
    verdict). Returns (index of the frame each event came at, event)."""
    out = []
    for ch in pattern:
        i = ep.n
        for ev in ep.process(np.full(FRAME, i, np.int16), ch == "s"):
            out.append((i, ev))
            if isinstance(ev, Paused):
                ep.complete, ep.unfinished, ep.open_words = complete, unfinished, open_words
                p = verdict(ev) if verdict else None
                if p is not None:
                    out += [(i, e) for e in ep.judge(ev.pause, p)]
    return out


def ended_at(events) -> int:
    [(i, _)] = [(i, e) for i, e in events if isinstance(e, Ended)]
    return i


def test_a_pause_is_judged_after_pause_ms_with_the_utterance_so_far():
    ep = make()
    events = feed(ep, "." * 5 + "s" * 20 + "." * 3)
    paused = [e for _, e in events if isinstance(e, Paused)]
    assert len(paused) == 1 and paused[0].pause == 1
    assert paused[0].audio_time == pytest.approx(25 * S)  # the end of the last speech frame
    assert len(paused[0].audio) == (5 + 20 + 3) * FRAME  # pre-roll (5 frames here) + speech + the pause so far


def test_complete_ends_the_turn_at_the_pause_itself():
    ep = make()
    events = feed(ep, "s" * 20 + "." * 40, lambda ev: 0.9)
    assert ended_at(events) == 20 + 3 - 1  # the third silent frame: 90 ms, not the 600 ms hangover
    assert [type(e) for _, e in events] == [Started, Paused, Ended]


def test_incomplete_waits_up_to_the_longer_cap_and_speech_resuming_continues_the_turn():
    ep = make()
    events = feed(ep, "s" * 20 + "." * 30 + "s" * 10 + "." * 45, lambda ev: 0.9 if ev.pause == 2 else 0.05)
    # 900 ms of silence: longer than the 600 ms hangover, shorter than the 1200 ms cap
    assert [type(e) for _, e in events] == [Started, Paused, Paused, Ended]
    assert ended_at(events) == 20 + 30 + 10 + 3 - 1
    assert events[-1][1].audio_time == pytest.approx(60 * S)  # the whole utterance, its last word included
    ep = make()
    assert ended_at(feed(ep, "s" * 20 + "." * 60, lambda ev: 0.05)) == 20 + 40 - 1  # the cap: 1200 ms


def test_a_whole_command_lowers_the_bar_and_a_doubted_command_ends_after_the_short_hangover():
    assert ended_at(feed(make(), "s" * 20 + "." * 40, lambda ev: 0.3, complete=True)) == 22
    assert ended_at(feed(make(), "s" * 20 + "." * 40, lambda ev: 0.3, complete=False)) == 20 + 40 - 1
    assert ended_at(feed(make(), "s" * 20 + "." * 40, lambda ev: 0.05, complete=True)) == 20 + 10 - 1  # 300 ms


def test_words_stopping_mid_sentence_overrule_a_confident_verdict():
    events = feed(make(), "s" * 20 + "." * 50, lambda ev: 0.99, unfinished=True)
    assert ended_at(events) == 20 + 40 - 1


def test_no_verdict_falls_back_to_the_fixed_hangovers():
    assert ended_at(feed(make(), "s" * 20 + "." * 40)) == 20 + 20 - 1
    assert ended_at(feed(make(), "s" * 20 + "." * 40, complete=True)) == 20 + 10 - 1


def test_a_verdict_on_a_pause_speech_broke_is_ignored():
    ep = make()
    events = feed(ep, "s" * 20 + "." * 3 + "s" * 5)
    old = next(e for _, e in events if isinstance(e, Paused))
    assert ep.judge(old.pause, 0.99) == []
    assert ep.in_speech and ep.probability is None
    feed(ep, "." * 3)
    assert ep.judge(old.pause, 0.99) == []  # a newer pause is the one being judged
    assert ep.in_speech


@pytest.mark.parametrize("p, frames", [(0.95, 3), (0.7, 20), (0.3, 40)])
def test_open_words_need_the_open_bar_to_end_at_once_else_the_hangover(p, frames):
    """Words like "turn it" (no whole command, no full stop, no dangling end): at or above open_threshold the
    pause ends the turn at once; from complete_threshold up to it the 600 ms hangover; below, the long cap."""
    ep = make(smart_turn={"open_threshold": 0.9})
    events = feed(ep, "s" * 20 + "." * 60, lambda ev: p, open_words=True)
    assert ended_at(events) == 20 + frames - 1
    closed = make(smart_turn={"open_threshold": 0.9})  # the same verdict on words that are a full sentence
    assert ended_at(feed(closed, "s" * 20 + "." * 60, lambda ev: p, complete=True)) == 20 + (3 if p >= 0.2 else 10) - 1


def test_the_open_bar_at_the_complete_bar_changes_nothing():
    for open_words in (False, True):
        ep = make(smart_turn={"open_threshold": 0.5})
        assert ended_at(feed(ep, "s" * 20 + "." * 60, lambda ev: 0.7, open_words=open_words)) == 22
