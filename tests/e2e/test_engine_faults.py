"""Engines failing mid-turn, injected into the real engines: each ends in one fault event with its
code, the registry's spoken fallback, a closed turn, and a next turn that works.

Faults are injected by wrapping the real engine's own call (llama.cpp's ``create_completion``, the
recogniser's ``finish``): the engine runs for real up to the fault.
"""
from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest

from cockpit.audio.simmic import simulated_microphone
from cockpit.config import parse_config
from cockpit.errors import spoken
from cockpit.events import ErrorRaised, Route, TurnSummary
from cockpit.pipeline import Assistant
from cockpit.session import TurnState
from support.offline import GRAMMAR_ALONE


def local_assistant(qwen_tiny, tmp_path, **session) -> Assistant:
    cfg = parse_config({"brain": {"mode": "local-only", "tool_choice": "auto", "max_reply_tokens": 24,
                                  "local": {"model": str(qwen_tiny), "n_ctx": 8192, "temperature": 0.0,
                                            "prefill": False}},
                        "session": {"audit_log": str(tmp_path / "audit.jsonl"), **session},
                        "audio": {"output": {"sink": "file", "reply_dir": str(tmp_path)}}})
    return Assistant(cfg)


def faults(events: list, turn: int) -> list[ErrorRaised]:
    return [e for e in events if isinstance(e, ErrorRaised) and e.turn == turn and e.kind == "fault"]


def inject(a: Assistant, fault):
    """Wrap the local model's llama.cpp completion: ``fault(chunks)`` decides what the stream does."""
    llama = a.tiers["local"].llm.llm
    real = llama.create_completion

    def wrapped(*args, **kwargs):
        return fault(real(*args, **kwargs))
    llama.create_completion = wrapped
    return lambda: setattr(llama, "create_completion", real)


def after_tokens(n: int, then):
    def fault(chunks):
        for i, chunk in enumerate(chunks):
            if i == n:
                then()
            yield chunk
    return fault


def run(a: Assistant, body):
    async def go():
        events: list = []
        a.bus.subscribe(events.append)
        await a.prepare()
        try:
            return await body(a), events
        finally:
            await a.close()
    return asyncio.run(go())


def test_llama_raising_mid_decode_ends_the_turn_with_the_fallback_and_the_next_turn_works(qwen_tiny, tmp_path):
    a = local_assistant(qwen_tiny, tmp_path)

    def boom():
        raise RuntimeError("llama_decode returned -3 (injected)")

    async def body(a):
        restore = inject(a, after_tokens(3, boom))
        failed = await a.text_turn("tell me a story about the sea")
        restore()
        after = await a.text_turn("tell me a story about the sea")
        return failed, after
    (failed, after), events = run(a, body)
    assert failed.error == "llm-unavailable" and failed.reply == spoken("llm-unavailable")
    assert [e.code for e in faults(events, failed.turn)] == ["llm-unavailable"]  # one fault per failed turn
    degraded = [e for e in events if isinstance(e, ErrorRaised) and e.turn == failed.turn and e.kind == "degraded"]
    assert [e.code for e in degraded] == ["llm-failed"] and "injected" in degraded[0].message
    assert failed.audio_path  # the fallback was spoken
    assert after.error is None and after.route is Route.LOCAL and after.reply
    assert a.state is TurnState.IDLE


def test_llama_hanging_mid_decode_is_ended_by_the_turn_deadline(qwen_tiny, tmp_path):
    a = local_assistant(qwen_tiny, tmp_path, turn_timeout_s=2.0)
    release = threading.Event()

    async def body(a):
        restore = inject(a, after_tokens(2, lambda: release.wait(60)))
        hung = await a.text_turn("what is the capital of france")
        release.set()  # the decode returns at last; the model's thread stops at its next token
        restore()
        after = await a.text_turn("turn on the AC")  # the fast path: never waits for the model
        again = await a.text_turn("what is the capital of france")
        return hung, after, again
    (hung, after, again), events = run(a, body)
    assert hung.error == "llm-timeout" and hung.reply == spoken("llm-timeout")
    assert [e.code for e in faults(events, hung.turn)] == ["llm-timeout"]
    assert "turn_timeout_s" in faults(events, hung.turn)[0].message
    assert after.route is Route.FASTPATH and after.error is None and a.vehicle.read("Vehicle.Cabin.HVAC.IsAirConditioningActive")
    assert again.route is Route.LOCAL and again.error is None


def test_the_recogniser_raising_is_one_fault_and_the_listener_goes_on(tmp_path, speech):
    cfg = parse_config({"wake": {"mode": "none"}, "asr": {"engine": "sphinx", **GRAMMAR_ALONE},
                        "session": {"audit_log": str(tmp_path / "audit.jsonl")},
                        "audio": {"output": {"sink": "file", "reply_dir": str(tmp_path)}}})
    a = Assistant(cfg)
    real_finish = a.listener.asr.finish
    calls = {"n": 0}

    def finish():
        calls["n"] += 1
        if calls["n"] == 1:
            real_finish()  # the decoder's utterance is closed, then the engine fails
            raise RuntimeError("decoder state corrupt (injected)")
        return real_finish()
    a.listener.asr.finish = finish
    clips = [speech("turn on the AC", 150), speech("next track", 150)]

    async def body(a):
        return await a.listen(simulated_microphone(clips))
    turns, events = run(a, body)
    assert [t.error for t in turns] == ["asr-failed", None]
    assert turns[0].reply == spoken("asr-failed")
    assert [e.code for e in faults(events, turns[0].turn)] == ["asr-failed"]
    assert [c.name for c in turns[1].tool_calls] == ["media_control"]
    assert all(isinstance(t, TurnSummary) for t in turns) and a.state is TurnState.IDLE


def test_piper_failing_mid_reply_is_finished_by_espeak_ng(piper_voice, tmp_path):
    cfg = parse_config({"brain": {"mode": "fastpath-only"},
                        "session": {"audit_log": str(tmp_path / "audit.jsonl"),
                                    "not_understood_reply": "Sorry, I can't help with that yet. Try asking about the car."},
                        "tts": {"engine": "piper", "first_chunk_min_chars": 10,
                                "piper": {"voices": {"en": str(piper_voice)}}},
                        "audio": {"output": {"sink": "file", "reply_dir": str(tmp_path)}}})
    a = Assistant(cfg)
    rates: list[int] = []

    async def body(a):
        piper = a.voices.piper["en"]
        real = piper.synthesize

        def second_sentence_fails(text):
            if len(rates) == 1:
                raise RuntimeError("onnxruntime: CUDA out of memory (injected)")
            return real(text)
        piper.synthesize = second_sentence_fails
        real_voices = a.voices.synthesize

        def record(text, language="en"):
            speech = real_voices(text, language)
            rates.append(speech.rate)
            return speech
        a.voices.synthesize = record
        first = await a.text_turn("what is the meaning of life")
        second = await a.text_turn("what is the meaning of life")
        return first, second
    (first, second), events = run(a, body)
    assert rates[:2] == [22050, 16000]  # sentence one by piper, sentence two by espeak-ng
    assert first.error is None and first.audio_path and "Try asking about the car" in first.reply
    tts = [e for e in events if isinstance(e, ErrorRaised) and e.turn == first.turn]
    assert [(e.code, e.kind) for e in tts] == [("tts-failed", "degraded")] and "espeak-ng finished" in tts[0].message
    assert second.error is None and rates[2] == 22050  # piper speaks the next reply again


class VanishingSpeaker:
    """A sound card (PortAudio's callback pumped in real time from a thread) that is unplugged after
    ``blocks`` blocks of its first stream: no more callbacks. Reopening it gives a working one."""

    def __init__(self, blocks: int):
        self.blocks, self.opened, self._stop = blocks, 0, threading.Event()

    def __call__(self, **kw):
        self.opened += 1
        card, limit = self, self.blocks if self.opened == 1 else None

        class Stream:
            def start(self):
                threading.Thread(target=card._pump, args=(kw, limit), daemon=True).start()

            def stop(self):
                pass

            def close(self):
                pass
        return Stream()

    def _pump(self, kw: dict, limit: int | None) -> None:
        import time
        n = 0
        while not self._stop.is_set() and (limit is None or n < limit):
            block = np.zeros((kw["blocksize"], kw["channels"]), np.int16)
            kw["callback"](block, len(block), None, None)
            n += 1
            time.sleep(kw["blocksize"] / kw["samplerate"])


def test_the_speaker_vanishing_mid_reply_loses_nothing_and_is_reopened(tmp_path):
    from cockpit.audio.output import ReplySink
    from cockpit.audio.playback import Player
    from cockpit.config import OutputSettings, PlaybackSettings
    card = VanishingSpeaker(blocks=20)  # 0.2 s of a reply, then gone
    out = OutputSettings(sink="speaker")
    sink = ReplySink(out, player=Player(out, PlaybackSettings(queue_s=0.5), stream_factory=card))
    replies: list = []
    sink.on_reply = lambda turn, audio, rate: replies.append((turn, len(audio) / rate))
    cfg = parse_config({"brain": {"mode": "fastpath-only"}, "aec": {"enabled": False},
                        "session": {"audit_log": str(tmp_path / "audit.jsonl")}})
    a = Assistant(cfg, sink=sink)

    async def body(a):
        try:
            return await a.text_turn("set the temperature to twenty one degrees"), await a.text_turn("next track")
        finally:
            card._stop.set()
    (lost, after), events = run(a, body)
    assert lost.error == "audio-output" and [e.code for e in faults(events, lost.turn)] == []  # degraded, not fault
    playback = [e for e in events if isinstance(e, ErrorRaised) and e.code == "audio-output"]
    assert len(playback) == 1 and playback[0].turn == lost.turn and "took no audio" in playback[0].message
    assert [t for t, _ in replies] == [lost.turn, after.turn] and replies[0][1] > 1.0  # the whole reply, kept
    assert a.vehicle.read("Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature") == 21
    assert card.opened == 2 and after.error is None  # reopened for the next reply, which played


def test_the_wall_clock_jumping_changes_nothing_the_driver_relies_on(tmp_path, monkeypatch):
    """NTP stepping the clock (or a dead RTC at boot) moves time.time(); confirmation windows,
    deadlines and traces run on the monotonic clock, so a read-back still waits its window."""
    import time as _time
    cfg = parse_config({"brain": {"mode": "fastpath-only"},
                        "session": {"audit_log": str(tmp_path / "audit.jsonl")},
                        "audio": {"output": {"sink": "file", "reply_dir": str(tmp_path)}}})
    a = Assistant(cfg)
    real = _time.time

    async def body(a):
        asked = await a.text_turn("order a large latte from bean there")
        monkeypatch.setattr(_time, "time", lambda: real() + 86_400 * 365)  # a year ahead
        confirmed = await a.text_turn("yes", channel="voice")  # as the recogniser would hand it over
        monkeypatch.setattr(_time, "time", lambda: real() - 3_600)  # then an hour back
        later = await a.text_turn("turn on the AC")
        return asked, confirmed, later
    (asked, confirmed, later), events = run(a, body)
    assert "Shall I go ahead" in asked.reply
    assert [c.name for c in confirmed.tool_calls] == ["place_order"] and confirmed.error is None
    assert later.error is None and a.vehicle.read("Vehicle.Cabin.HVAC.IsAirConditioningActive") is True
    assert a.audit.verify().ok  # entries stamped by a jumping wall clock still chain
