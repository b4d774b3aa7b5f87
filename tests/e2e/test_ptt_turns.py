"""The talk button: its release ends what was said, and words the recogniser cannot take under it get "didn't
catch that", never silence (a wake phrase said alone waits for its command; a button press is no phrase)."""
from __future__ import annotations

import asyncio

import numpy as np
import pytest

from cockpit.audio.simmic import simulated_microphone
from cockpit.config import parse_config
from cockpit.pipeline import Assistant
from support.offline import GRAMMAR_ALONE

pytestmark = pytest.mark.e2e


def test_a_short_unrecognised_burst_under_the_talk_button_is_answered(tmp_path, speech):
    a = ptt_assistant(tmp_path)

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


def over_the_api(a: Assistant, script):
    """Run ``script(mic, turns)`` (a coroutine function) against the assistant listening to an API microphone,
    as `cockpit run` with service.audio_in api does; returns what it returns."""
    from cockpit.service.hub import ApiMicrophone

    async def go():
        await a.prepare()
        mic, turns = ApiMicrophone(20.0), []

        async def listen():
            async for turn in a.turns(mic.frames()):
                turns.append(turn)
        task = asyncio.create_task(listen())
        try:
            return await script(mic, turns)
        finally:
            mic.close()
            await task
            await a.close()
    return asyncio.run(go())


async def first_turns(turns: list, polls: int = 200) -> list:
    for _ in range(polls):
        if turns:
            break
        await asyncio.sleep(0.05)
    return turns


def ptt_assistant(tmp_path) -> Assistant:
    return Assistant(parse_config({"wake": {"mode": "ptt"}, "audio": {"output": {"sink": "none"}}, "asr": GRAMMAR_ALONE,
                                   "session": {"audit_log": str(tmp_path / "audit.jsonl")}}))


def test_releasing_the_talk_button_ends_the_utterance_whatever_the_endpointer_waits_for(tmp_path, speech):
    """An API client streams only while the button is held: the release (in-band, after a short quiet) ends
    what was said — the endpointer, still waiting for its hangover, would otherwise hold it until the next press."""
    a = ptt_assistant(tmp_path)
    said = speech("next track", 160)
    said = said[:int(np.flatnonzero(np.abs(said.astype(np.int32)) > 500)[-1]) + 160]  # no quiet after the last word

    async def script(mic, turns):
        mic.mark(lambda: a.press_to_talk(True))
        mic.push(said)
        mic.mark(lambda: a.press_to_talk(False))
        mic.silence(0.1)  # shorter than any hangover: the endpointer alone would not end it
        await asyncio.sleep(5.0)
        waited = list(turns)
        mic.mark(a.listener.end_of_speech)  # as cockpit/service/hmi.py marks a release
        return waited, await first_turns(turns)
    waited, turns = over_the_api(a, script)
    assert waited == []  # 5 s later, nothing: the utterance was still open
    assert [c.name for t in turns for c in t.tool_calls] == ["media_control"]


def test_a_burst_too_short_for_words_under_the_button_is_answered_at_the_release(tmp_path, speech):
    """A sound under endpoint.min_speech_ms is a cough when nobody asked; under the talk button the driver
    meant to speak: at the release, with nothing else said, "didn't catch that" (not silence)."""
    a = ptt_assistant(tmp_path)
    events: list = []
    a.bus.subscribe(events.append)
    word = speech("stop", 160)
    loud = np.flatnonzero(np.abs(word.astype(np.int32)) > 1000)
    burst = word[loud[0]:loud[0] + 3200]  # 200 ms of it

    async def script(mic, turns):
        mic.mark(lambda: a.press_to_talk(True))
        mic.silence(0.3)
        mic.push(burst)
        mic.mark(lambda: a.press_to_talk(False))
        mic.silence(1.0)
        mic.mark(a.listener.end_of_speech)
        return await first_turns(turns)
    turns = over_the_api(a, script)
    assert [(t.transcript, t.error, t.reply) for t in turns] == [("", "asr-no-text", "Sorry, I didn't catch that.")], \
        [type(e).__name__ for e in events if type(e).__name__ != "VoiceActivity"]
    [ended] = [e for e in events if type(e).__name__ == "SpeechEnded"]
    assert ended.duration * 1000 < a.settings.endpoint.min_speech_ms  # it really was under the cough bar
