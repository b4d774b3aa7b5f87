"""The local tier on the REAL SmolLM2-135M-Instruct behaves on every kind of request.

Before the reply guards this model read the context line aloud, repeated one sentence until the
token cap and said "The car is now turning up the volume" with no tool call. Here 22 requests —
questions, commands the fast path cannot parse, chit-chat — go through the whole assistant
(greedy decoding, a fixed car clock: the same words every run), parked and driving. Asserted on
what was SPOKEN, with checks written independently of brain/guards.py:

* no part of the context line (its header, the position, the clock stamp, a run of raw readings);
* no more model sentences than the cap (parked 4, driving 2), none said twice;
* no claimed action unless a tool call succeeded in that turn.

A failure message carries the model's raw output (every delta, tool calls included).
"""
from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import pytest

from cockpit.config import parse_config
from cockpit.events import ErrorRaised, Route, ToolResult
from cockpit.pipeline import Assistant
from cockpit.trace import TurnTrace
from cockpit.tts.chunker import SentenceChunker

GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
QUESTIONS = ["what's the capital of France?", "who wrote Romeo and Juliet?", "why is the sky blue?",
             "how is the car doing?", "where are we right now?", "what time is it?",
             "what's a good song for a road trip?"]
COMMANDS = ["could you make the cabin a little cozier", "I need some fresh air", "I can't see a thing through the glass",
            "put on something relaxing", "crank the tunes", "I'm melting over here", "my back is freezing",
            "I'd love to hear some jazz"]
CHAT = ["tell me a joke", "hello there", "thanks, you're great", "I had a long day at work",
        "tell me a fun fact about cars", "do you like driving?", "sing me a song"]
PROMPTS = QUESTIONS + COMMANDS + CHAT
SPEEDS = {"parked": 0.0, "driving": 50.0}

# -- independent checks on the spoken text ------------------------------------------------------------
RAW_ITEMS = ("speed 0 km/h", "speed 50 km/h", "heading north", "fuel 62%", "battery 80%", "range 450 km",
             "outside 12°c", "cabin set to 21°c")
CLAIM = re.compile(
    r"\b(?:i've|i have|i'm|i am|i'll|i will|i just|i)\s+(?:\w+\s+)?(?:turn|set|open|clos|switch|start|stop|play|paus|"
    r"resum|call|dial|send|sent|text|navigat|increas|decreas|rais|lower|adjust|chang|activat|heat|cool|defrost|order|"
    r"paid|pay|crank|put)\w*"
    r"|^(?:\w+[,!]?\s+)?(?:turning|setting|opening|closing|switching|starting|playing|calling|sending|navigating|"
    r"increasing|decreasing|raising|lowering|adjusting|activating|heating|cooling|cranking|putting)\b"
    r"|\b(?:is|are|'s) now\b"
    r"|\b(?:is|are|has been|have been|was|were) (?:now )?(?:turned|set|opened|closed|switched|started|increased|"
    r"decreased|raised|lowered|adjusted|activated|cranked|put)\b", re.I | re.M)
NEGATED = re.compile(r"\b(?:can't|cannot|couldn't|can not|unable|don't|didn't|won't|not)\b", re.I)


def sentences(text: str) -> list[str]:
    text = re.sub(r"(?m)^\s*(\d{1,2}[.)]|[-*\u2022])\s+", "", text)  # a list item's "2." or "-" is no sentence
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


def context_leaks(spoken: str) -> list[str]:
    s = spoken.lower()
    leaks = [w for w in ("vehicle (", "vehicle:", "48.13", "11.57", "08:30 thu") if w in s]
    items = [i for i in RAW_ITEMS if i in s]
    return leaks + (items if len(items) >= 2 else [])


def claims(spoken: str) -> list[str]:
    return [s for s in sentences(spoken) if CLAIM.search(s) and not NEGATED.search(s) and not s.endswith("?")]


# -- the assistant -----------------------------------------------------------------------------------
class Drive:
    """One prepared Assistant on its own loop; every model delta recorded (the real engine runs)."""

    def __init__(self, model: Path, tmp: Path, speed: float):
        cfg = parse_config({
            "brain": {"mode": "local-only", "history_turns": 0,
                      "local": {"model": str(model), "n_ctx": 4096, "temperature": 0.0}},
            "tts": {"engine": "espeak"},
            "vehicle": {"clock": "2025-05-15T08:30:00", "initial": {"Vehicle.Speed": speed}},
            "audio": {"output": {"sink": "file", "reply_dir": str(tmp)}},
            "session": {"audit_log": str(tmp / "audit.jsonl")}})
        self.a = Assistant(cfg)
        self.loop = asyncio.new_event_loop()
        self.events: list = []
        self.a.bus.subscribe(self.events.append)
        self.raw: list[tuple[float, str]] = []
        engine = self.a.tiers["local"].llm
        real = engine.astream

        async def recorded(*args, **kwargs):
            async for delta in real(*args, **kwargs):
                self.raw.append((time.perf_counter(), delta))
                yield delta

        engine.astream = recorded
        self.loop.run_until_complete(self.a.prepare())

    def turn(self, text: str):
        start, self.raw = len(self.events), []
        summary = self.loop.run_until_complete(self.a.text_turn(text))
        return summary, self.events[start:], "".join(d for _, d in self.raw)

    def close(self) -> None:
        self.loop.run_until_complete(self.a.close())
        self.loop.close()


@pytest.fixture(scope="module", params=list(SPEEDS))
def drive(request, real_model, tmp_path_factory):
    d = Drive(real_model("smollm2-135m") / GGUF, tmp_path_factory.mktemp(request.param), SPEEDS[request.param])
    d.mode = request.param
    yield d
    d.close()


@pytest.mark.parametrize("text", PROMPTS)
def test_what_the_real_model_says_is_fit_to_be_spoken(drive, text):
    a = drive.a
    summary, events, raw = drive.turn(text)
    b = a.settings.brain
    cap = b.max_sentences_driving if drive.mode == "driving" else b.max_sentences_parked
    results = [e for e in events if isinstance(e, ToolResult)]
    acted = [e for e in results if e.ok]
    system = {e.message for e in results} | {"Sorry, I couldn't do that.", a.settings.session.not_understood_reply}
    spoken = summary.reply
    dropped = [f"{e.code}: {e.message}" for e in events if isinstance(e, ErrorRaised)]
    why = (f"\n  request ({drive.mode}): {text!r}\n  spoken: {spoken!r}\n  raw model output: {raw!r}"
           f"\n  tools: {[(e.call.name, dict(e.call.arguments), e.ok) for e in results]}\n  dropped: {dropped}")
    assert summary.route is Route.LOCAL, "the fast path took it: choose a request only the model can answer" + why
    assert not context_leaks(spoken), f"context line spoken {context_leaks(spoken)}" + why
    model_sentences = [s for s in sentences(spoken) if not any(s in m or m in s for m in system)]
    assert len(model_sentences) <= cap, f"{len(model_sentences)} sentences past the cap of {cap}" + why
    assert len(set(map(str.lower, model_sentences))) == len(model_sentences), "a sentence repeated" + why
    if not acted:
        assert not claims(spoken), f"claimed an action no call took: {claims(spoken)}" + why
    print(f"\n[real] SmolLM2 {drive.mode} {text!r} -> {spoken!r}"
          f"{' | acted: ' + str([e.call.name for e in acted]) if acted else ''}"
          f"{' | dropped: ' + str([d.split(':')[0] for d in dropped]) if dropped else ''}")


def test_the_first_clean_sentence_is_not_held_past_its_boundary(real_model, tmp_path):
    """Measured on real weights (printed, not asserted as a duration): when the guard hands the
    first sentence to the voice, against the delta that completed its boundary and against when
    the TTS chunker alone (no guard) would have started speaking."""
    d = Drive(real_model("smollm2-135m") / GGUF, tmp_path, 0.0)
    try:
        tier = d.a.tiers["local"]
        handed: list[tuple[float, int]] = []

        async def execute(call):
            return False, "not in this test"

        context = d.a.vehicle_context.render("exact")
        d.raw = []
        answer = d.loop.run_until_complete(tier.answer(
            "why is the sky blue?", context, TurnTrace(), execute,
            on_speech=lambda t: handed.append((time.perf_counter(), len(d.raw)))))
    finally:
        d.close()
    raw = "".join(x for _, x in d.raw)
    assert handed, f"nothing spoken; raw {raw!r}"
    first = sentences(answer.reply)[0]
    end = raw.index(first) + len(first)  # the boundary is the character after it (white space), or the end
    text, boundary = "", len(d.raw) - 1
    for i, (_, delta) in enumerate(d.raw):
        text += delta
        if len(text) > end:
            boundary = i
            break
    at, count = handed[0]
    assert boundary is not None and count == boundary + 1, (boundary, count, raw)
    chunker, started = SentenceChunker(), len(d.raw) - 1  # no chunk before the end: the flush speaks it
    for i, (t, delta) in enumerate(d.raw):
        if chunker.feed(delta):
            started = i
            break
    t0 = d.raw[0][0]
    print(f"\n[real] SmolLM2 first clean sentence {first!r}: handed to the voice {(at - d.raw[boundary][0]) * 1e3:.2f} ms"
          f" after the delta that ended it (delta {boundary}, {(d.raw[boundary][0] - t0) * 1e3:.0f} ms after the first"
          f" delta); the chunker alone (no guard: it may start at a clause) would have started at delta {started}"
          f" ({(d.raw[started][0] - t0) * 1e3:.0f} ms)")
