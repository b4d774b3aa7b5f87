"""A spoken turn's timings carry the endpointer's wait after the driver's last speech sample (``endpoint``,
audio time), so the simulator's waterfall can draw the turn from the driver's last word; a typed turn has none."""
from __future__ import annotations

import asyncio

import pytest

from cockpit.audio.simmic import simulated_microphone
from cockpit.config import parse_config
from cockpit.pipeline import Assistant

pytestmark = pytest.mark.e2e


def test_the_endpointers_wait_is_in_a_spoken_turns_timings(tmp_path, speech):
    a = Assistant(parse_config({"wake": {"mode": "none"}, "audio": {"output": {"sink": "none"}},
                                "endpoint": {"mode": "fixed"}, "session": {"audit_log": str(tmp_path / "a.jsonl")}}))

    async def go():
        await a.prepare()
        try:
            spoken = await a.listen(simulated_microphone([speech("pause the music", 160)]))
            typed = await a.text_turn("pause the music")
            return spoken, typed
        finally:
            await a.close()
    [spoken], typed = asyncio.run(go())
    frame_ms = a.listener.vad.frame_samples / 16
    e = a.settings.endpoint  # mode fixed: the short hangover once the partial parses as a whole command (if it
    # came in time: the clip is fed faster than real time), else the long one
    assert e.hangover_complete_ms - frame_ms <= spoken.timings_ms["endpoint"] <= e.hangover_ms + frame_ms  # whole frames
    assert "endpoint" not in typed.timings_ms
