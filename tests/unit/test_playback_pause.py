"""Pause and resume of the speaker (a barge-in that may prove false): what the sound card receives,
sample for sample, through the Player's real callback (the test pumps the blocks)."""
from __future__ import annotations

import asyncio

import numpy as np
import pytest
import soxr

from cockpit.audio.playback import FADE_S
from cockpit.tts.espeak import Speech
from test_playback import FakeSpeaker, noise, prepared, pump, until

RATE = 48000
FADE = int(FADE_S * RATE)


def test_pause_fades_out_holds_everything_and_resume_plays_on_from_the_paused_sample():
    source = noise(16000, 1.0, 7)
    expected = soxr.resample(source, 16000, RATE).astype(np.float64)

    async def main():
        card = FakeSpeaker()
        player = prepared(card)
        await player.play(Speech(source, 16000))
        before = await pump(card, 0.3)
        held = player.pause()
        assert player.paused and player.pause() == pytest.approx(held)  # a second pause changes nothing
        during = await pump(card, 0.5)
        drained = asyncio.create_task(player.drain())
        await pump(card, 0.1)
        assert not drained.done()  # a held reply has not been played
        left = player.resume()
        after = await pump(card, 1.0)
        await asyncio.wait_for(drained, 5)
        return before, held, during, left, after, player

    before, held, during, left, after, player = asyncio.run(main())
    at = int(0.3 * RATE)
    assert held == pytest.approx(0.7, abs=1e-3) and left == pytest.approx(held)
    assert np.max(np.abs(before - expected[:at])) <= 1
    ramp_out = np.linspace(1, 0, FADE + 1)[1:]
    assert np.max(np.abs(during[:FADE] - expected[at:at + FADE] * ramp_out)) <= 1  # faded out, no click
    assert np.all(during[FADE:] == 0)  # then silence while held (the 0.1 s pumped while draining too)
    ramp_in = np.linspace(0, 1, FADE + 1)[1:]
    assert np.max(np.abs(after[:FADE] - expected[at:at + FADE] * ramp_in)) <= 1  # from the paused sample, fading in
    rest = expected[at + FADE:]
    assert np.max(np.abs(after[FADE:FADE + len(rest)] - rest)) <= 1  # then every sample that was held, in order
    assert player.dropped_s == 0.0 and not player.playing


def test_stop_while_paused_drops_the_held_reply_and_play_starts_afresh():
    async def main():
        card = FakeSpeaker()
        player = prepared(card)
        await player.play(Speech(noise(16000, 1.0, 8), 16000))
        await pump(card, 0.2)
        held = player.pause()
        dropped = player.stop()
        assert not player.paused and not player.playing
        await player.play(Speech(noise(16000, 0.3, 9), 16000))
        drained = asyncio.create_task(player.drain(timeout=5))
        while not drained.done():
            await pump(card, 0.05)
        return held, dropped, player

    held, dropped, player = asyncio.run(main())
    assert dropped == pytest.approx(held, abs=FADE_S + 1e-3) and player.dropped_s == pytest.approx(dropped)


def test_pause_with_nothing_queued_holds_nothing():
    async def main():
        card = FakeSpeaker()
        player = prepared(card)
        assert player.pause() == 0.0 and not player.paused
        await player.play(Speech(noise(16000, 0.2, 10), 16000))
        await until(lambda: player.playing)
        return player.resume()

    assert asyncio.run(main()) == pytest.approx(0.2, abs=1e-3)
