"""The talk button held over words the recogniser cannot take: the driver gets "didn't catch that", never
silence (a wake phrase said alone waits for its command; a button press is no phrase)."""
from __future__ import annotations

import asyncio

import numpy as np
import pytest

from cockpit.audio.simmic import simulated_microphone
from cockpit.config import parse_config
from cockpit.pipeline import Assistant

pytestmark = pytest.mark.e2e


def test_a_short_unrecognised_burst_under_the_talk_button_is_answered(tmp_path, speech):
    a = Assistant(parse_config({"wake": {"mode": "ptt"}, "audio": {"output": {"sink": "none"}},
                                "session": {"audit_log": str(tmp_path / "audit.jsonl")}}))

    async def go():
        await a.prepare()
        try:
            a.press_to_talk(True)  # held before the first frame: the hit is at audio time 0
            return await a.listen(simulated_microphone([speech("blorf", 170), speech("next track", 160)]))
        finally:
            await a.close()
    unheard, heard = asyncio.run(go())
    assert (unheard.transcript, unheard.error, unheard.reply) == ("", "asr-no-text", "Sorry, I didn't catch that.")
    assert [c.name for c in heard.tool_calls] == ["media_control"]  # the next words, still under the button


def test_releasing_the_talk_button_ends_the_utterance_whatever_the_endpointer_waits_for(tmp_path, speech):
    """An API client streams only while the button is held: the release (in-band, after a short quiet) ends
    what was said — the endpointer, still waiting for its hangover, would otherwise hold it until the next press."""
    from cockpit.service.hub import ApiMicrophone

    a = Assistant(parse_config({"wake": {"mode": "ptt"}, "audio": {"output": {"sink": "none"}},
                                "session": {"audit_log": str(tmp_path / "audit.jsonl")}}))
    said = speech("next track", 160)
    said = said[:int(np.flatnonzero(np.abs(said.astype(np.int32)) > 500)[-1]) + 160]  # no quiet after the last word

    async def go():
        await a.prepare()
        mic, turns = ApiMicrophone(20.0), []

        async def listen():
            async for turn in a.turns(mic.frames()):
                turns.append(turn)
        task = asyncio.create_task(listen())
        try:
            mic.mark(lambda: a.press_to_talk(True))
            mic.push(said)
            mic.mark(lambda: a.press_to_talk(False))
            mic.silence(0.1)  # shorter than any hangover: the endpointer alone would not end it
            for _ in range(100):
                await asyncio.sleep(0.05)
            waited = list(turns)
            mic.mark(a.listener.end_of_speech)  # as cockpit/service/hmi.py marks a release
            for _ in range(200):
                if turns:
                    break
                await asyncio.sleep(0.05)
            return waited, turns
        finally:
            mic.close()
            await task
            await a.close()
    waited, turns = asyncio.run(go())
    assert waited == []  # 5 s later, nothing: the utterance was still open
    assert [c.name for t in turns for c in t.tool_calls] == ["media_control"]


def test_a_burst_too_short_for_words_under_the_button_is_answered_at_the_release(tmp_path, speech):
    """A sound under endpoint.min_speech_ms is a cough when nobody asked; under the talk button the driver
    meant to speak: at the release, with nothing else said, "didn't catch that" (not silence)."""
    from cockpit.service.hub import ApiMicrophone

    a = Assistant(parse_config({"wake": {"mode": "ptt"}, "audio": {"output": {"sink": "none"}},
                                "session": {"audit_log": str(tmp_path / "audit.jsonl")}}))
    word = speech("stop", 160)
    loud = np.flatnonzero(np.abs(word.astype(np.int32)) > 1000)
    burst = word[loud[0]:loud[0] + 3200]  # 200 ms of it

    async def go():
        await a.prepare()
        mic, turns, events = ApiMicrophone(20.0), [], []
        a.bus.subscribe(events.append)

        async def listen():
            async for turn in a.turns(mic.frames()):
                turns.append(turn)
        task = asyncio.create_task(listen())
        try:
            mic.mark(lambda: a.press_to_talk(True))
            mic.silence(0.3)
            mic.push(burst)
            mic.mark(lambda: a.press_to_talk(False))
            mic.silence(1.0)
            mic.mark(a.listener.end_of_speech)
            for _ in range(200):
                if turns:
                    break
                await asyncio.sleep(0.05)
            return turns, events
        finally:
            mic.close()
            await task
            await a.close()
    turns, events = asyncio.run(go())
    assert [(t.transcript, t.error, t.reply) for t in turns] == [("", "asr-no-text", "Sorry, I didn't catch that.")], [type(e).__name__ for e in events if type(e).__name__ != "VoiceActivity"]
    [ended] = [e for e in events if type(e).__name__ == "SpeechEnded"]
    assert ended.duration * 1000 < a.settings.endpoint.min_speech_ms  # it really was under the cough bar
