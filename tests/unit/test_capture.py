"""The microphone path without a sound card.

The ring buffer, resampling and reconnect/back-off code under test are the real code; only the
sound card is a test double (``FakeCard``), because no library simulates one that disappears.
Its callback is the real PortAudio callback, called from a worker thread like PortAudio does.
"""
from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest
import sounddevice as sd
import soxr

from cockpit.audio.capture import (LOST, RESTORED, CaptureOptions, Microphone, RingBuffer, backoff_delays,
                                   resolve_input_device)
from cockpit.errors import AudioInputError

DEVICES = [
    {"name": "HDA Intel PCH: ALC892 Analog (hw:0,0)", "max_input_channels": 2, "max_output_channels": 2,
     "default_samplerate": 44100.0},
    {"name": "HDA Intel PCH: HDMI 0 (hw:0,3)", "max_input_channels": 0, "max_output_channels": 8,
     "default_samplerate": 48000.0},
    {"name": "USB Cabin Mic Array (hw:1,0)", "max_input_channels": 4, "max_output_channels": 0,
     "default_samplerate": 48000.0},
]


@pytest.fixture
def devices(monkeypatch):
    """The hardware listing: what sounddevice.query_devices would report on a car box."""
    listing = [dict(d) for d in DEVICES]
    monkeypatch.setattr(sd, "query_devices", lambda *a, **k: listing)
    return listing


class FakeStream:
    def __init__(self):
        self.closed = False

    def close(self):
        self.closed = True


class FakeCard:
    """The opener's test double: records the real callbacks and can be unplugged."""

    def __init__(self):
        self.streams: list[FakeStream] = []
        self.opened: list[dict] = []
        self.failures = 0

    def __call__(self, **kwargs):
        if self.failures:
            self.failures -= 1
            raise sd.PortAudioError("Error opening InputStream: Device unavailable [PaErrorCode -9985]")
        self.opened.append(kwargs)
        self.streams.append(FakeStream())
        return self.streams[-1]

    def push(self, block: np.ndarray, status=None) -> None:
        kw = self.opened[-1]
        data = np.asarray(block, np.float32).reshape(len(block), -1)
        kw["callback"](data, len(data), None, status if status is not None else sd.CallbackFlags())

    def unplug(self, failures: int) -> None:
        self.failures = failures
        self.opened[-1]["finished_callback"]()


def sine(rate: int, seconds: float, hz: float = 1000.0, amp: float = 0.5) -> np.ndarray:
    return (amp * np.sin(2 * np.pi * hz * np.arange(int(rate * seconds)) / rate)).astype(np.float32)


def blocks(x: np.ndarray, rate: int, ms: int = 20) -> list[np.ndarray]:
    n = rate * ms // 1000
    return [x[i:i + n] for i in range(0, len(x), n)]


async def until(condition, timeout: float = 30.0) -> None:  # a liveness bound: generous on a busy machine
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.002)


class Run:
    """Consume ``mic.frames()`` in a task, collecting chunks."""

    def __init__(self, mic: Microphone):
        self.mic, self.chunks = mic, []
        self.task = asyncio.create_task(self._consume())

    async def _consume(self):
        async for chunk in self.mic.frames():
            assert chunk.dtype == np.int16
            self.chunks.append(chunk)

    async def finish(self) -> np.ndarray:
        self.mic.stop()
        await asyncio.wait_for(self.task, 5)
        return np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.int16)


def opts(**kw) -> CaptureOptions:
    return CaptureOptions(**{"device": "cabin mic", "rescan": False, **kw})


async def capture(card: FakeCard, mic: Microphone, audio: list[np.ndarray]) -> np.ndarray:
    run = Run(mic)
    await until(lambda: card.opened)
    await asyncio.to_thread(lambda: [card.push(b) for b in audio])  # PortAudio's thread
    return await run.finish()


@pytest.mark.parametrize("rate", [48000, 44100])
def test_callback_blocks_become_16khz_int16_of_the_right_length(devices, rate):
    devices[2]["default_samplerate"] = float(rate)
    card = FakeCard()
    mic = Microphone(opts(), opener=card)
    x = sine(rate, 1.0)
    out = asyncio.run(capture(card, mic, blocks(x, rate)))
    assert card.opened[0]["samplerate"] == rate and card.opened[0]["device"] == 2
    assert card.opened[0]["blocksize"] == rate // 50
    assert abs(len(out) - 16000) <= 1
    spectrum = np.abs(np.fft.rfft(out.astype(np.float64) * np.hanning(len(out))))
    peak_hz = np.argmax(spectrum) * 16000 / len(out)
    assert abs(peak_hz - 1000) < 2
    # Streaming across 20 ms blocks matches resampling the whole signal at once: no clicks at the seams.
    whole = np.round(soxr.resample(x, rate, 16000) * 32767)
    assert np.max(np.abs(out[: len(whole)] - whole[: len(out)])) <= 2
    s = mic.stats()
    assert (s.captured, s.dropped, s.overflows, s.reconnects) == (rate, 0, 0, 0)
    assert s.delivered == len(out) and s.samplerate == rate and s.device == DEVICES[2]["name"]
    assert card.streams[0].closed and not s.connected


def test_several_channels_are_averaged_to_mono(devices):
    card = FakeCard()
    mic = Microphone(opts(channels=2), opener=card)
    left, right = sine(48000, 0.5, amp=0.4), np.zeros(24000, np.float32)
    out = asyncio.run(capture(card, mic, blocks(np.stack([left, right], axis=1), 48000)))
    assert card.opened[0]["channels"] == 2
    assert abs(len(out) - 8000) <= 1
    assert 0.18 * 32767 < np.max(np.abs(out[1000:7000])) < 0.22 * 32767


def test_consumer_falling_behind_drops_oldest_counts_it_and_stays_bounded(devices):
    card = FakeCard()
    mic = Microphone(opts(buffer_s=0.5), opener=card)

    async def scenario():
        run = Run(mic)
        await until(lambda: card.opened)
        ring_bytes = mic._ring.buf.nbytes
        x = np.arange(2 * 48000, dtype=np.float32) / (2 * 48000)  # a ramp: position tells which part survived
        for b in blocks(x, 48000):  # on the loop's thread: the consumer cannot run in between
            card.push(b)
        assert mic.stats().dropped == 72000  # already visible before the consumer reads
        assert mic._ring.buf.nbytes == ring_bytes == 24000 * 4
        out = await run.finish()
        return out

    out = asyncio.run(scenario())
    s = mic.stats()
    assert s.captured == 96000 and s.dropped == 72000
    assert abs(len(out) - 8000) <= 1  # only the newest 0.5 s came through
    assert out[4000] > 0.85 * 32767  # ...and it is the END of the ramp (overwrite-oldest)


def test_portaudio_overflow_flags_are_counted(devices):
    card = FakeCard()
    mic = Microphone(opts(), opener=card)

    async def scenario():
        run = Run(mic)
        await until(lambda: card.opened)
        card.push(np.zeros(960, np.float32), sd.CallbackFlags(sd._lib.paInputOverflow))
        card.push(np.zeros(960, np.float32))
        card.push(np.zeros(960, np.float32), sd.CallbackFlags(sd._lib.paInputOverflow))
        await run.finish()

    asyncio.run(scenario())
    assert mic.stats().overflows == 2 and mic.stats().captured == 2880


def test_ring_discards_what_the_writer_overwrote_mid_copy():
    ring = RingBuffer(10)
    ring.write(np.arange(8, dtype=np.float32).reshape(-1, 1))
    ring._claimed = ring._written + 5  # the audio thread has started writing 5 more frames
    assert ring.read()[:, 0].tolist() == [3, 4, 5, 6, 7]
    assert ring.dropped == 3
    ring = RingBuffer(4)
    ring.write(np.arange(10, dtype=np.float32).reshape(-1, 1))  # one block larger than the ring
    assert ring.read()[:, 0].tolist() == [6, 7, 8, 9] and ring.dropped == 6
    ring.write(np.arange(3, dtype=np.float32).reshape(-1, 1))  # wraps around the end
    assert ring.read()[:, 0].tolist() == [0, 1, 2] and len(ring.read()) == 0


def test_unknown_device_names_the_setting_and_lists_inputs(devices):
    with pytest.raises(AudioInputError) as err:
        Microphone(CaptureOptions(device="bluetooth headset")).prepare()
    text = str(err.value)
    assert "audio.input.device" in text and "'bluetooth headset'" in text
    assert "[0] HDA Intel PCH: ALC892 Analog (hw:0,0)" in text and "[2] USB Cabin Mic Array (hw:1,0)" in text
    assert "HDMI" not in text  # an output-only device is no choice
    assert err.value.code == "audio-input-device"
    with pytest.raises(AudioInputError, match="matches several"):
        resolve_input_device("hw:", devices)
    with pytest.raises(AudioInputError, match="is not one of the input devices"):
        resolve_input_device(1, devices)
    assert resolve_input_device(2, devices) == 2
    assert resolve_input_device("usb cabin", devices) == 2
    assert resolve_input_device(None, devices, default=2) == 2
    assert resolve_input_device(None, devices, default=-1) == 0
    with pytest.raises(AudioInputError, match="no audio input device"):
        resolve_input_device(None, [DEVICES[1]])


def test_frames_refuses_an_unknown_device_before_opening(devices):
    card = FakeCard()

    async def scenario():
        async for _ in Microphone(CaptureOptions(device="nope"), opener=card).frames():
            pass

    with pytest.raises(AudioInputError, match="audio.input.device"):
        asyncio.run(scenario())
    assert not card.opened


def test_backoff_schedule():
    delays = backoff_delays(0.5, 8.0)
    assert [next(delays) for _ in range(7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_lost_device_is_reported_retried_with_backoff_and_restored(devices):
    card, events, waits = FakeCard(), [], []

    async def fake_sleep(seconds):
        waits.append(seconds)
        if len(waits) == 3:
            devices[2]["default_samplerate"] = 44100.0  # replugged; the new driver runs at 44.1 kHz
        await asyncio.sleep(0)

    mic = Microphone(opts(), opener=card, on_event=lambda code, msg: events.append((code, msg)), sleep=fake_sleep)

    async def scenario():
        run = Run(mic)
        await until(lambda: card.opened)
        await asyncio.to_thread(lambda: [card.push(b) for b in blocks(sine(48000, 0.5), 48000)])
        await asyncio.to_thread(card.unplug, 6)
        await until(lambda: len(card.opened) == 2)
        await asyncio.to_thread(lambda: [card.push(b) for b in blocks(sine(44100, 0.5), 44100)])
        return await run.finish()

    out = asyncio.run(scenario())
    assert [code for code, _ in events] == [LOST, RESTORED]
    assert "finished unexpectedly" in events[0][1] and "44100 Hz" in events[1][1]
    assert waits == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]  # 6 failed opens, the 7th succeeds
    assert card.opened[1]["samplerate"] == 44100 and card.streams[0].closed
    assert abs(len(out) - 16000) <= 2  # 0.5 s before + 0.5 s after, both at 16 kHz
    s = mic.stats()
    assert s.reconnects == 1 and s.captured == 24000 + 22050 and s.dropped == 0


def test_device_missing_from_the_listing_keeps_retrying(devices):
    card, events, waits = FakeCard(), [], []
    usb = devices.pop(2)

    async def fake_sleep(seconds):
        waits.append(seconds)
        if len(waits) == 4:
            devices.append(usb)
        await asyncio.sleep(0)

    mic = Microphone(opts(), opener=card, on_event=lambda code, msg: events.append(code), sleep=fake_sleep)

    async def scenario():
        devices.append(usb)
        run = Run(mic)
        await until(lambda: card.opened)
        devices.remove(usb)  # gone from PortAudio's listing, not merely failing to open
        await asyncio.to_thread(card.unplug, 0)
        await until(lambda: len(card.opened) == 2)
        await run.finish()

    asyncio.run(scenario())
    assert events == [LOST, RESTORED] and waits == [0.5, 1.0, 2.0, 4.0]


def test_silent_stall_counts_as_lost(devices):
    card, events = FakeCard(), []
    mic = Microphone(opts(stall_s=0.05, retry_initial_s=0.01), opener=card, on_event=lambda c, m: events.append((c, m)))

    async def scenario():
        run = Run(mic)
        await until(lambda: len(events) >= 2)
        await run.finish()

    asyncio.run(scenario())
    assert events[0][0] == LOST and "no audio for 0.05 s" in events[0][1]
    assert events[1][0] == RESTORED


def test_stop_cuts_the_backoff_short(devices):
    backoff = 30.0
    card = FakeCard()
    mic = Microphone(opts(retry_initial_s=backoff), opener=card)

    async def scenario():
        run = Run(mic)
        await until(lambda: card.opened)
        await asyncio.to_thread(card.unplug, 1000)
        await asyncio.sleep(0.05)
        started = time.monotonic()
        await run.finish()
        return time.monotonic() - started

    assert asyncio.run(scenario()) < backoff / 10  # against the backoff it cut short, 10x margin
    assert card.streams[0].closed and len(card.opened) == 1  # and it never reopened


def test_cancelling_the_consumer_closes_the_stream(devices):
    card = FakeCard()
    mic = Microphone(opts(), opener=card)

    async def scenario():
        run = Run(mic)
        await until(lambda: card.opened)
        run.task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run.task

    asyncio.run(scenario())
    assert card.streams[0].closed
    card.push(np.zeros(960, np.float32))  # a late callback from the closed stream is ignored
    assert mic.stats().captured == 0


def test_first_open_failure_is_a_clear_error(devices):
    card = FakeCard()
    card.failures = 1

    async def scenario():
        async for _ in Microphone(opts(), opener=card).frames():
            pass

    with pytest.raises(AudioInputError) as err:
        asyncio.run(scenario())
    assert err.value.code == "audio-input-open" and "Device unavailable" in str(err.value)


def test_nan_from_the_driver_does_not_poison_the_resampler(devices):
    card = FakeCard()
    mic = Microphone(opts(), opener=card)
    bad = np.full(960, np.nan, np.float32)
    out = asyncio.run(capture(card, mic, [bad] + blocks(sine(48000, 0.5), 48000)))
    assert abs(len(out) - (8000 + 320)) <= 1
    assert np.max(np.abs(out[2000:])) > 0.4 * 32767  # the sine after the NaN block still comes through
