"""Push-to-talk gate: presses and releases stamped with the audio time of the poll that sees them."""
from __future__ import annotations

import threading

import numpy as np

from cockpit.wake.phrase import WakeHit
from cockpit.wake.ptt import PHRASE, PushToTalk


def test_closed_until_pressed():
    ptt = PushToTalk()
    assert not ptt.is_open(0.0) and ptt.hit is None and list(ptt.presses) == []


def test_press_and_release_are_stamped_by_the_next_poll():
    ptt = PushToTalk()
    ptt.press()
    assert ptt.is_open(1.5)
    assert ptt.is_open(1.53)
    assert ptt.hit == WakeHit(PHRASE, 1.5, 1.0)
    ptt.release()
    assert not ptt.is_open(2.0)
    assert list(ptt.presses) == [1.5] and list(ptt.releases) == [2.0]


def test_tap_between_polls_opens_one_frame():
    ptt = PushToTalk()
    ptt.press()
    ptt.release()
    assert ptt.is_open(0.3)
    assert not ptt.is_open(0.33)
    assert list(ptt.presses) == [0.3] and list(ptt.releases) == [0.3]


def test_repeated_press_or_stray_release_changes_nothing():
    ptt = PushToTalk()
    ptt.release()
    assert not ptt.is_open(0.1) and list(ptt.releases) == []
    ptt.press()
    ptt.press()
    assert ptt.is_open(0.2) and list(ptt.presses) == [0.2]


def test_wake_backend_interface_counts_audio_time():
    ptt = PushToTalk()
    ptt.prepare()
    ptt.start()
    frame = np.zeros(480, np.int16)  # 30 ms
    assert ptt.feed(frame) is None and ptt.feed(frame) is None
    ptt.press()
    hit = ptt.feed(frame)
    assert hit is not None and hit.phrase == PHRASE and abs(hit.end_s - 0.06) < 1e-9
    ptt.release()
    assert ptt.feed(frame) is hit  # the turn keeps its wake until start()
    assert ptt.finish() is hit
    ptt.start()
    assert ptt.feed(frame) is None


def test_held_through_start_is_a_hit_at_zero():
    ptt = PushToTalk()
    ptt.press()
    ptt.is_open(5.0)
    ptt.start()
    assert ptt.hit == WakeHit(PHRASE, 0.0, 1.0)


def test_presses_from_other_threads_are_not_lost():
    ptt = PushToTalk()
    threads = [threading.Thread(target=lambda: (ptt.press(), ptt.release())) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert ptt.is_open(1.0)  # at least one tap pending: open for this poll
    assert not ptt.is_open(1.03)
    assert len(ptt.presses) == len(ptt.releases) >= 1


def test_a_button_pressed_for_days_keeps_a_bounded_record():
    from cockpit.wake.ptt import KEEP
    ptt = PushToTalk()
    for i in range(10 * KEEP):
        ptt.press()
        ptt.is_open(float(i))
        ptt.release()
        ptt.is_open(i + 0.5)
    assert len(ptt.presses) == len(ptt.releases) == KEEP and ptt.presses[-1] == 10 * KEEP - 1
