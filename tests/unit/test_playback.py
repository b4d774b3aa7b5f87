"""The speaker path without a sound card.

The queue, resampling, barge-in and ducking code under test are the real code; the sound card is a
test double (``FakeSpeaker``) that keeps the Player's real callback and pumps blocks through it from
a worker thread, as PortAudio does — or the simulated cabin, which calls it block by block.
"""
from __future__ import annotations

import asyncio
import threading
import time

import numpy as np
import pytest
import sounddevice as sd
import soxr

from cockpit.audio.playback import DUCK_HOLD_S, FADE_S, Player
from cockpit.audio.reference import TAP_DELAY_16K, ReferenceTap
from cockpit.audio.simcabin import SimulatedCabin
from cockpit.config import OutputSettings, PlaybackSettings
from cockpit.errors import CockpitError
from cockpit.tts.espeak import Speech

OUT = OutputSettings(sink="speaker")


class FakeSpeaker:
    """The stream_factory's test double: records the real callback; the test pumps blocks."""

    def __init__(self, error: Exception | None = None):
        self.error, self.opened, self.blocks = error, [], []
        self.started = self.closed = False

    def __call__(self, **kwargs):
        if self.error is not None:
            raise self.error
        self.opened.append(kwargs)
        return self

    def start(self):
        self.started = True

    def stop(self):
        self.started = False

    def close(self):
        self.closed = True

    @property
    def active(self) -> bool:
        return self.started and not self.closed

    def pump(self, n: int = 1) -> np.ndarray:
        """Run ``n`` callback blocks; returns what they put out (mono int16)."""
        kw, out = self.opened[-1], []
        for _ in range(n):
            block = np.full((kw["blocksize"], kw["channels"]), 12345, np.int16)  # the callback must overwrite all
            kw["callback"](block, len(block), None, sd.CallbackFlags())
            out.append(block[:, 0].copy())
        self.blocks.extend(out)
        return np.concatenate(out)

    def emitted(self) -> np.ndarray:
        return np.concatenate(self.blocks) if self.blocks else np.zeros(0, np.int16)


def noise(rate: int, seconds: float, seed: int, rms: float = 3000.0, cutoff: float = 6000.0) -> np.ndarray:
    """Band-limited noise: sharp cross-correlation peaks, nothing near the Nyquist frequency."""
    x = np.random.default_rng(seed).standard_normal(int(rate * seconds))
    spec = np.fft.rfft(x)
    spec[np.fft.rfftfreq(len(x), 1 / rate) > cutoff] = 0
    x = np.fft.irfft(spec, len(x))
    return np.round(x * rms / np.std(x)).astype(np.int16)


def lag(x: np.ndarray, y: np.ndarray) -> int:
    """Where ``y`` sits in ``x`` (peak of the cross-correlation)."""
    n = 1 << int(np.ceil(np.log2(len(x) + len(y))))
    c = np.fft.irfft(np.fft.rfft(x.astype(np.float64), n) * np.conj(np.fft.rfft(y.astype(np.float64), n)), n)
    return int(np.argmax(c[: len(x)]))


async def until(condition, timeout: float = 30.0) -> None:  # a liveness bound: generous on a busy machine
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.001)


async def pump(card: FakeSpeaker, seconds: float) -> np.ndarray:
    """Pump ``seconds`` of blocks on a worker thread (PortAudio's), then let the loop react."""
    out = await asyncio.to_thread(card.pump, round(seconds / 0.01))
    await asyncio.sleep(0.002)
    return out


def prepared(card, queue_s: float = 8.0, **kw) -> Player:
    player = Player(OUT, PlaybackSettings(queue_s=queue_s), stream_factory=card, **kw)
    player.prepare()
    return player


def test_chunks_at_16k_and_22k_come_out_at_the_device_rate_in_order():
    a, b = noise(16000, 0.5, 1), noise(22050, 0.7, 2)

    async def main():
        card = FakeSpeaker()
        player = prepared(card)
        assert card.started and card.opened[0]["samplerate"] == 48000 and card.opened[0]["blocksize"] == 480
        assert (card.opened[0]["channels"], card.opened[0]["dtype"]) == (1, "int16")
        await player.play(Speech(a, 16000))
        await player.play(Speech(b, 22050))
        assert player.playing and player.queued_s == pytest.approx(1.2, abs=1e-3)
        drained = asyncio.create_task(player.drain(timeout=5))
        while not drained.done():
            await pump(card, 0.05)
        await drained
        assert not player.playing
        return card.emitted(), player

    emitted, player = asyncio.run(main())
    a48, b48 = soxr.resample(a, 16000, 48000), soxr.resample(b, 22050, 48000)
    sounding = np.flatnonzero(emitted)
    assert sounding[0] == 0 and abs(sounding[-1] + 1 - (len(a48) + len(b48))) <= 480
    assert lag(emitted, a48) == 0 and lag(emitted, b48) == len(a48)
    assert np.array_equal(emitted[: len(a48) + len(b48)], np.concatenate([a48, b48]))
    assert player.played_s == pytest.approx(1.2, abs=1e-4) and player.dropped_s == 0


def test_the_queue_is_bounded_and_play_waits_without_blocking_the_loop():
    async def main():
        card = FakeSpeaker()
        player = prepared(card, queue_s=1.0)
        ticks = 0

        async def heartbeat():
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.001)
        beat = asyncio.create_task(heartbeat())
        task = asyncio.create_task(player.play(Speech(noise(16000, 3.0, 3), 16000)))
        await until(lambda: player.queued_s >= 1.0)
        before = ticks
        await asyncio.sleep(0.05)
        assert not task.done() and ticks > before  # play() waits, and the loop keeps running
        consumed = 0.0
        while not task.done():
            await pump(card, 0.1)
            consumed += 0.1
            await until(lambda: task.done() or player.queued_s >= 1.0)
            assert player.queued_s <= 1.0
            assert task.done() == (consumed > 1.95)  # 3 s fit once 2 s have gone to the speaker
        beat.cancel()
        return consumed

    assert asyncio.run(main()) == pytest.approx(2.0)


def test_stop_silences_the_next_block_drops_the_queue_and_releases_waiters():
    source = noise(16000, 3.0, 4)

    async def main():
        card = FakeSpeaker()
        player = prepared(card, queue_s=1.0)
        task = asyncio.create_task(player.play(Speech(source, 16000)))
        await until(lambda: player.queued_s >= 1.0)
        await pump(card, 0.5)
        await until(lambda: player.queued_s >= 1.0)
        drained = asyncio.create_task(player.drain())
        await asyncio.sleep(0.01)
        assert not task.done() and not drained.done()
        dropped = player.stop()
        assert player.stop() == 0.0  # nothing left; the fade-out already under way is kept
        await asyncio.wait_for(asyncio.gather(task, drained), 1.0)
        assert not player.playing and player.queued_s == 0
        after = await pump(card, 0.2)
        return dropped, after, player

    dropped, after, player = asyncio.run(main())
    fade = int(FADE_S * 48000)
    assert dropped == pytest.approx(1.0 - FADE_S, abs=1e-6) and player.dropped_s == pytest.approx(dropped)
    assert player.played_s == pytest.approx(0.5 + FADE_S) and player.played_s + player.dropped_s == pytest.approx(1.5)
    assert np.all(after[fade:] == 0)  # silence from 5 ms after the stop on
    would_have = soxr.resample(source, 16000, 48000)[24000:24000 + fade].astype(np.float64)
    ramp = np.linspace(1, 0, fade + 1)[1:]
    assert np.max(np.abs(after[:fade] - would_have * ramp)) <= 1  # a fade-out, not a click
    assert np.all(np.abs(after[:fade]) <= np.abs(would_have) + 1)


def test_play_after_stop_plays_again():
    async def main():
        card = FakeSpeaker()
        player = prepared(card)
        await player.play(Speech(noise(16000, 0.5, 5), 16000))
        await pump(card, 0.1)
        assert player.stop() == pytest.approx(0.4 - FADE_S, abs=1e-3)
        await player.play(Speech(noise(16000, 0.3, 6), 16000))
        assert player.queued_s == pytest.approx(0.3, abs=1e-3)
        drained = asyncio.create_task(player.drain(timeout=5))
        while not drained.done():
            await pump(card, 0.05)
        return card.emitted()

    out = asyncio.run(main())
    assert np.count_nonzero(out[4800 + 480:]) > 0.95 * 0.3 * 48000  # the second reply played whole


def test_duck_once_per_episode_on_the_event_loop_thread():
    calls: list[tuple[bool, int]] = []
    chunk = Speech(noise(16000, 0.3, 7), 16000)

    async def main():
        loop_thread = threading.get_ident()
        card = FakeSpeaker()
        player = prepared(card, duck=lambda on: calls.append((on, threading.get_ident())))
        seq = lambda: [on for on, _ in calls]  # noqa: E731
        await player.play(chunk)
        assert seq() == [True]
        await pump(card, 0.3 + DUCK_HOLD_S / 2)  # played out, then a short gap (slow synthesis)
        await player.play(chunk)
        assert seq() == [True]  # the gap was shorter than the hold: still one episode
        await pump(card, 0.3 + DUCK_HOLD_S + 0.05)
        await until(lambda: len(calls) == 2)
        assert seq() == [True, False]
        await pump(card, 1.0)  # idle: nothing more
        await player.play(chunk)
        await pump(card, 0.1)
        player.stop()  # barge-in un-ducks at once
        assert seq() == [True, False, True, False]
        await player.play(chunk)
        await pump(card, 0.1)
        await asyncio.to_thread(player.stop)  # from another thread: delivered on the loop
        await until(lambda: len(calls) == 6)
        await pump(card, 1.0)
        assert seq() == [True, False, True, False, True, False]
        assert {t for _, t in calls} == {loop_thread}

    asyncio.run(main())


def test_on_played_gets_every_block_at_16k_idle_or_not():
    refs: list[np.ndarray] = []
    source = noise(16000, 0.5, 8)

    async def main():
        card = FakeSpeaker()
        player = prepared(card, on_played=refs.append)
        await pump(card, 0.1)
        assert len(refs) == 10 and all(len(r) == 160 and not r.any() for r in refs)
        await player.play(Speech(source, 16000))
        drained = asyncio.create_task(player.drain(timeout=5))
        while not drained.done():
            await pump(card, 0.05)
        await pump(card, 0.1)
        return card

    card = asyncio.run(main())
    assert len(refs) == len(card.blocks) and all(len(r) == 160 and r.dtype == np.int16 for r in refs)
    ref = np.concatenate(refs)
    at = lag(ref, source)
    assert at == 1600 + TAP_DELAY_16K  # starts with the first playing block, plus the filter's delay
    seg = ref[at:at + len(source)].astype(np.float64)
    assert np.corrcoef(seg, source)[0, 1] > 0.99
    assert not ref[at + len(source) + 16:].any()


@pytest.mark.parametrize("rate,block", [(48000, 960), (48000, 480), (44100, 441), (44100, 882), (22050, 441),
                                        (16000, 320)])
def test_reference_tap_gives_exact_16k_lengths_and_keeps_the_level(rate, block):
    tap = ReferenceTap(rate)
    t = np.arange(rate) / rate
    x = np.round(8000 * np.sin(2 * np.pi * 1000 * t)).astype(np.int16)
    out = [tap(x[i:i + block]) for i in range(0, len(x), block)]
    assert all(len(o) == (i + len(b)) * 16000 // rate - i * 16000 // rate
               for o, i, b in zip(out, range(0, len(x), block), (x[i:i + block] for i in range(0, len(x), block))))
    y = np.concatenate(out)
    assert len(y) == 16000
    assert np.std(y[800:-800]) == pytest.approx(8000 / np.sqrt(2), rel=0.03)
    assert tap.delay_s < 0.001


def test_a_factory_that_cannot_open_the_device_is_an_audio_output_error():
    card = FakeSpeaker(sd.PortAudioError("Error opening OutputStream: Device unavailable [PaErrorCode -9985]"))
    with pytest.raises(CockpitError) as err:
        Player(OUT, PlaybackSettings(), stream_factory=card).prepare()
    assert err.value.code == "audio-output" and "audio.output" in err.value.hint


def test_an_unknown_output_device_is_an_audio_output_error():
    with pytest.raises(CockpitError) as err:
        Player(OutputSettings(sink="speaker", device="no such speaker in any car 42"), PlaybackSettings()).prepare()
    assert err.value.code == "audio-output"


def test_the_real_sounddevice_with_no_output_device_is_an_audio_output_error():
    if any(d["max_output_channels"] > 0 for d in sd.query_devices()):
        pytest.skip("this machine has an output device")
    with pytest.raises(CockpitError) as err:
        Player(OUT, PlaybackSettings()).prepare()
    assert err.value.code == "audio-output" and err.value.hint


def test_play_before_prepare_is_an_error():
    with pytest.raises(CockpitError) as err:
        asyncio.run(Player(OUT, PlaybackSettings()).play(Speech(np.zeros(160, np.int16))))
    assert err.value.code == "audio-output"


def test_close_drops_the_queue_and_closes_the_stream():
    async def main():
        card, ducks = FakeSpeaker(), []
        player = prepared(card, duck=ducks.append)
        await player.play(Speech(noise(16000, 0.5, 9), 16000))
        player.close()
        player.close()
        return card, player, ducks

    card, player, ducks = asyncio.run(main())
    assert card.closed and not card.started and not player.playing
    assert player.dropped_s == pytest.approx(0.5, abs=1e-3) and ducks == [True, False]


def test_through_the_simulated_cabin_the_speaker_plays_both_chunks_in_order():
    a, b = noise(16000, 0.5, 10), noise(22050, 0.7, 11)
    refs: list[np.ndarray] = []

    async def main():
        cabin = SimulatedCabin(realtime=False)
        player = Player(OUT, PlaybackSettings(queue_s=1.0), stream_factory=cabin.output_stream, on_played=refs.append)
        player.prepare()

        async def speak():
            await player.play(Speech(a, 16000))
            await player.play(Speech(b, 22050))  # waits for room: the cabin's clock drains the queue
            await player.drain()
        speaking = asyncio.create_task(speak())
        blocks = [blk async for blk in cabin.microphone(2.0)]
        await asyncio.wait_for(speaking, 1.0)
        return cabin, blocks, player

    cabin, blocks, player = asyncio.run(main())
    assert len(blocks) == 100 and cabin.time_s == pytest.approx(2.0)
    spk = cabin.speaker_track
    a16, b16 = a, soxr.resample(b, 22050, 16000)
    sounding = np.flatnonzero(spk)
    assert abs(sounding[-1] + 1 - sounding[0] - (len(a16) + len(b16))) <= 320
    at = lag(spk, a16)
    assert at == TAP_DELAY_16K and abs(lag(spk, b16) - (at + len(a16))) <= 1
    assert player.played_s == pytest.approx(1.2, abs=1e-3)
    # The Player's own reference is the cabin's speaker track, block for block.
    assert len(refs) == 100 and np.array_equal(np.concatenate(refs), spk)
