"""The near-end detector: loud against its own running floor, for long enough."""
import numpy as np

from cockpit.audio.nearend import NearEndDetector

FRAME = 512


def tone(db: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.normal(0, 32768 * 10 ** (db / 20), FRAME)).astype(np.int16)


def test_speech_above_the_floor_for_min_speech_fires_once_long_enough():
    det = NearEndDetector(FRAME / 16000, 160)
    for i in range(60):  # 2 s of residue at -60 dBFS: it becomes the floor
        assert not det.update(tone(-60, i))
    fired = [det.update(tone(-25, 100 + i)) for i in range(8)]
    assert fired.index(True) == 4  # 5 frames of 32 ms = 160 ms
    assert det.loud and det.voiced_s >= 0.16


def test_a_quiet_frame_breaks_the_run_and_digital_silence_is_safe():
    det = NearEndDetector(FRAME / 16000, 160)
    for i in range(30):
        det.update(np.zeros(FRAME, np.int16))
    assert det.floor == -100.0
    for i in range(3):
        det.update(tone(-30, i))
    det.update(np.zeros(FRAME, np.int16))
    assert det.voiced_s == 0.0


def test_a_steady_level_becomes_the_floor_and_stops_counting():
    det = NearEndDetector(FRAME / 16000, 160)
    det.update(tone(-70))
    fired = [det.update(tone(-40, i)) for i in range(400)]  # 12.8 s of steady noise
    assert any(fired[:20])          # a sudden rise looks like speech at first
    assert not any(fired[-50:])     # then the floor has crept up to it
