"""The bounded hand-overs between API clients and the pipeline: nothing blocks, drops are counted."""
import asyncio

import numpy as np

from cockpit.service.hub import FRAME, ApiMicrophone, ClientQueue


def test_a_slow_client_loses_its_oldest_messages_and_they_are_counted():
    async def go():
        q = ClientQueue(3)
        for i in range(5):
            q.put(i)  # never waits, however far behind the client is
        assert q.dropped == 2 and len(q) == 3
        return [await q.get() for _ in range(3)]
    assert asyncio.run(go()) == [2, 3, 4]


def test_client_queue_get_waits_for_the_next_message():
    async def go():
        q = ClientQueue(4)
        getter = asyncio.create_task(q.get())
        await asyncio.sleep(0.01)
        assert not getter.done()
        q.put({"type": "hello"})
        return await asyncio.wait_for(getter, 1)
    assert asyncio.run(go()) == {"type": "hello"}


def test_microphone_audio_beyond_the_bound_drops_the_oldest_frames():
    dropped: list[int] = []

    async def go():
        mic = ApiMicrophone(0.2, on_drop=dropped.append)  # 3200 samples held at most
        for i in range(20):  # 400 ms pushed while the pipeline takes nothing
            mic.push(np.full(FRAME, i, np.int16))
        mic.close()
        return [int(c[0]) async for c in mic.frames()], mic.dropped_frames
    kept, count = asyncio.run(go())
    assert kept == list(range(10, 20))  # the newest 200 ms, in order
    assert count == 10 and sum(dropped) == 10


def test_silence_after_release_is_a_quiet_noise_floor_and_close_ends_the_stream():
    async def go():
        mic = ApiMicrophone(5.0)
        mic.silence(0.5)
        mic.close()
        return np.concatenate([c async for c in mic.frames()])
    tail = asyncio.run(go())
    assert len(tail) == 8000 and 0 < np.abs(tail.astype(np.int32)).max() < 100


def test_digital_silence_from_a_client_becomes_a_noise_floor_and_speech_is_untouched():
    async def go():
        mic = ApiMicrophone(5.0)
        mic.push(np.zeros(FRAME, np.int16))
        voice = (np.sin(np.arange(FRAME) / 5) * 3000).astype(np.int16)
        mic.push(voice)
        mic.close()
        return [c async for c in mic.frames()], voice
    (floor, spoken), voice = asyncio.run(go())
    assert len(floor) == FRAME and floor.any() and np.abs(floor.astype(np.int32)).max() < 100
    assert np.array_equal(spoken, voice)
