"""The simulated cabin: driver speech, the speaker's echo and noise on one deterministic clock."""
from __future__ import annotations

import asyncio

import numpy as np
import pytest

from cockpit.audio import simcabin
from cockpit.audio.cabin import active_rms
from cockpit.audio.playback import Player
from cockpit.audio.reference import TAP_DELAY_16K
from cockpit.audio.simcabin import SimulatedCabin, room_response
from cockpit.config import OutputSettings, PlaybackSettings
from cockpit.tts.espeak import Speech

OUT = OutputSettings(sink="speaker")


def noise(seconds: float, seed: int, rms: float = 3000.0) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal(int(16000 * seconds))
    return np.round(x * rms).astype(np.int16)


def lag(x: np.ndarray, y: np.ndarray) -> int:
    """Where ``y`` sits in ``x`` (peak of the cross-correlation)."""
    n = 1 << int(np.ceil(np.log2(len(x) + len(y))))
    c = np.fft.irfft(np.fft.rfft(x.astype(np.float64), n) * np.conj(np.fft.rfft(y.astype(np.float64), n)), n)
    return int(np.argmax(c[: len(x)]))


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def listen(cabin: SimulatedCabin, duration_s: float | None = None, *speeches: Speech) -> list[np.ndarray]:
    """Run the cabin's microphone; a Player on its speaker says ``speeches`` from cabin time 0."""
    async def main():
        if speeches:
            player = Player(OUT, PlaybackSettings(), stream_factory=cabin.output_stream)
            player.prepare()
            for s in speeches:
                await player.play(s)
        return [b async for b in cabin.microphone(duration_s)]
    return asyncio.run(main())


def test_with_no_playback_the_mic_is_the_driver_at_the_right_times_plus_the_floor(speech):
    first, second = speech("turn on the air conditioning", 175), speech("navigate home", 175)
    cabin = SimulatedCabin(realtime=False)
    cabin.say(first, 0.5)
    cabin.say(second, 3.0)
    blocks = listen(cabin, 5.0)
    assert len(blocks) == 250 and all(len(b) == 320 and b.dtype == np.int16 for b in blocks)
    mic = np.concatenate(blocks)
    assert np.array_equal(mic, cabin.mic_track) and cabin.time_s == pytest.approx(5.0)
    assert cabin.speech_onsets == [0.5, 3.0]
    assert lag(mic[:40000], first) == 8000 and lag(mic[40000:], second) == 48000 - 40000
    driver = cabin.driver_track
    assert np.array_equal(driver[8000:8000 + len(first)], first) and not driver[:8000].any()
    floor = mic.astype(np.float64) - driver
    assert rms(floor) == pytest.approx(32768 * 10 ** (-66 / 20), rel=0.1)
    assert not cabin.speaker_track.any()


def test_the_speakers_echo_arrives_40_ms_later_6_db_down():
    played = noise(1.0, 1)
    cabin = SimulatedCabin(realtime=False, floor_dbfs=-100.0)
    listen(cabin, 1.5, Speech(played, 16000))
    spk, mic = cabin.speaker_track, cabin.mic_track
    assert lag(spk, played) == TAP_DELAY_16K
    assert lag(mic, spk) == 640  # 40 ms at 16 kHz
    gain_db = 10 * np.log10(np.sum(mic.astype(np.float64) ** 2) / np.sum(spk.astype(np.float64) ** 2))
    assert gain_db == pytest.approx(-6.0, abs=1.5)


def test_spoken_replies_echo_with_the_stated_delay_and_gain(speech):
    reply = speech("in five hundred metres turn left onto the main road", 175)
    cabin = SimulatedCabin(realtime=False, floor_dbfs=-100.0, echo_delay_ms=25, echo_gain_db=-10.0)
    listen(cabin, None, Speech(reply, 16000))
    spk, mic = cabin.speaker_track, cabin.mic_track
    assert abs(lag(mic, spk) - 400) <= 16
    gain_db = 10 * np.log10(np.sum(mic.astype(np.float64) ** 2) / np.sum(spk.astype(np.float64) ** 2))
    assert gain_db == pytest.approx(-10.0, abs=2.0)  # speech is mostly low: the room colours it a little


def test_the_room_response_has_unit_energy_and_a_direct_path():
    h = room_response(50.0, seed=3)
    assert len(h) == 800 and np.sum(h ** 2) == pytest.approx(1.0)
    assert np.argmax(np.abs(h)) == 0 and h[0] ** 2 == pytest.approx(1 - simcabin.TAIL_SHARE)
    assert np.array_equal(room_response(0.0), [1.0])


def test_reference_blocks_are_the_speaker_track_as_emitted():
    refs: list[np.ndarray] = []
    cabin = SimulatedCabin(realtime=False, block_ms=10)
    cabin.on_reference = refs.append
    blocks = listen(cabin, 0.8, Speech(noise(0.5, 2), 16000))
    assert len(refs) == len(blocks) == 80 and all(len(r) == 160 for r in refs)
    assert np.array_equal(np.concatenate(refs), cabin.speaker_track)


def test_the_mic_ends_by_itself_once_the_cabin_has_been_quiet():
    clip = noise(0.6, 3)
    cabin = SimulatedCabin(realtime=False)
    cabin.say(clip, 0.3)
    listen(cabin)
    assert cabin.time_s == pytest.approx(0.3 + 0.6 + 1.5, abs=0.02)
    cabin = SimulatedCabin(realtime=False, tail_s=0.5)
    cabin.say(clip, 0.3)
    listen(cabin, None, Speech(noise(2.0, 4), 16000))  # the reply outlasts the driver
    assert cabin.time_s == pytest.approx(2.0 + 0.5, abs=0.03)


def test_cabin_noise_sits_at_the_requested_snr():
    clip = noise(1.0, 5)
    cabin = SimulatedCabin(realtime=False, noise_snr_db=10.0, floor_dbfs=-100.0)
    cabin.say(clip, 0.0)
    mic = np.concatenate(listen(cabin, 2.0))
    residual = mic.astype(np.float64) - cabin.driver_track
    assert 20 * np.log10(active_rms(clip) / rms(residual)) == pytest.approx(10.0, abs=0.5)


def test_the_same_seed_gives_the_same_cabin():
    def run(seed: int) -> SimulatedCabin:
        cabin = SimulatedCabin(realtime=False, noise_snr_db=5.0, seed=seed)
        cabin.say(noise(0.5, 6), 0.2)
        listen(cabin, 1.5, Speech(noise(0.6, 7), 16000))
        return cabin
    a, b, c = run(0), run(0), run(1)
    assert np.array_equal(a.mic_track, b.mic_track) and np.array_equal(a.speaker_track, b.speaker_track)
    assert not np.array_equal(a.mic_track, c.mic_track) and np.array_equal(a.driver_track, c.driver_track)


def test_pacing_real_time_sleeps_and_fast_mode_only_yields(monkeypatch):
    delays: list[float] = []
    real_sleep = asyncio.sleep

    async def sleep(delay, *args):
        delays.append(delay)
        await real_sleep(0)
    monkeypatch.setattr(simcabin.asyncio, "sleep", sleep)
    listen(SimulatedCabin(realtime=False), 1.0)
    assert len(delays) == 50 and set(delays) == {0}
    delays.clear()
    listen(SimulatedCabin(realtime=True), 0.2)
    assert len(delays) == 10 and max(delays) > 0


def test_real_time_mode_runs():
    cabin = SimulatedCabin()
    assert len(listen(cabin, 0.1)) == 5 and cabin.time_s == pytest.approx(0.1)


def test_the_output_stream_is_called_for_each_block_at_its_own_rate():
    frames: list[int] = []

    def callback(outdata, n, time_info, status):
        frames.append(n)
        t = (np.arange(n) + sum(frames[:-1])) / 44100
        outdata[:, 0] = np.round(8000 * np.sin(2 * np.pi * 500 * t)).astype(np.int16)

    cabin = SimulatedCabin(realtime=False)
    stream = cabin.output_stream(samplerate=44100, blocksize=441, channels=1, dtype="int16", callback=callback)
    listen(cabin, 0.1)
    assert frames == [] and not stream.active and not cabin.speaker_track.any()  # not started: silence
    stream.start()
    assert stream.active
    listen(cabin, 0.2)
    assert frames == [882] * 10
    spk = cabin.speaker_track[1600:]
    assert len(spk) == 3200 and rms(spk[400:]) == pytest.approx(8000 / np.sqrt(2), rel=0.03)
    stream.stop()
    listen(cabin, 0.1)
    assert len(frames) == 10 and not cabin.speaker_track[4800 + 32:].any()  # after the filter: silence
    stream.close()
    assert stream.closed and not stream.active
