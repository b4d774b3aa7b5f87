"""The real sound card: one second from the default input device, when this machine has one."""
from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest

from cockpit.audio.capture import CaptureOptions, Microphone


def _input_device_or_skip() -> int:
    try:
        import sounddevice as sd
    except OSError as exc:
        pytest.skip(f"no audio input device on this machine: PortAudio is not installed ({exc})")
    devices = sd.query_devices()
    inputs = [i for i, d in enumerate(devices) if d["max_input_channels"] > 0]
    if not inputs:
        apis = ", ".join(a["name"] for a in sd.query_hostapis()) or "none"
        pytest.skip(f"no audio input device on this machine: PortAudio lists {len(devices)} device(s), "
                    f"none with input channels (host APIs: {apis})")
    return inputs[0]


def test_one_second_from_the_default_microphone():
    _input_device_or_skip()
    mic = Microphone(CaptureOptions(device=None, rescan=False))
    mic.prepare()

    async def record() -> np.ndarray:
        chunks: list[np.ndarray] = []

        async def consume():
            async for chunk in mic.frames():
                chunks.append(chunk)

        task = asyncio.create_task(consume())
        started = time.monotonic()
        while time.monotonic() - started < 1.0 and not task.done():
            await asyncio.sleep(0.05)
        mic.stop()
        await asyncio.wait_for(task, 5)
        return np.concatenate(chunks) if chunks else np.zeros(0, np.int16)

    audio = asyncio.run(record())
    stats = mic.stats()
    print(f"recorded {len(audio) / 16000:.2f} s from {stats.device!r} at {stats.samplerate} Hz: {stats}")
    assert audio.dtype == np.int16
    assert 0.5 * 16000 < len(audio) < 1.5 * 16000
    assert stats.captured > 0.5 * stats.samplerate and stats.reconnects == 0
