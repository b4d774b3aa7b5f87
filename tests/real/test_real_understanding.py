"""Understanding real speech on real engines: no wrong action, nothing acted on that must not be.

A representative subset of the phrase set (tests/data/understanding; the whole set is measured by
tools/measure_understanding.py, README "Speech in") is said by espeak-ng and by the real piper voice
joe, heard by PocketSphinx with the command grammar (and its out-of-grammar rejection) and by the
real Whisper tiny.en, fed frame by frame as the listener feeds them, and read by cockpit's front
end — PocketSphinx's commands through its cross-check with the open language model, as the Brain
does. Asserted per recogniser and speaker (LIMITS): zero wrong actions (a call other than the one
said, or a call for a partial command) and zero actions on must-not-act speech; the understood
share (read back included: the call said, run on the driver's yes) is printed and held to a floor.
Speech is synthesised once into .cache/speech.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import measure_asr_real as m  # noqa: E402
import measure_understanding as mu  # noqa: E402
from phrases import load_phrase_set  # noqa: E402

ISSUE = ["turn the volume up", "turn the volume down", "how much fuel is left", "turn on the seat heating",
         "it is way too hot in here"]
"""The five requests the issue found unparsed (the seat heating one is asked back: whose seat?)."""
WAKE = ["hey cockpit, turn on the air conditioning", "hey jarvis, next track", "hey cockpit, what's my fuel level",
        "hey jarvis, turn on the air conditioning"]


def subset():
    rows = [r for r in load_phrase_set() if r.lang == "en"]
    by_text = {r.text: r for r in rows}
    chosen = [by_text[t] for t in ISSUE]
    chosen += [r for r in rows if r.kind != "none"][3::17]
    chosen += [r for r in rows if r.kind == "none"][1::8]
    from phrases import Phrase
    for text in WAKE:
        base = by_text.get(text.split(", ", 1)[1])
        if base is not None:
            chosen.append(Phrase(text, "en", base.kind, base.tool, base.args, base.asks, base.category))
        else:
            chosen.append(Phrase(text, "en", "act", "climate_set_ac", {"on": True}, None, "climate_set_ac"))
    seen: set[str] = set()
    return [r for r in chosen if not (r.text in seen or seen.add(r.text))]


ROWS = subset()
LIMITS = {  # (recogniser, speaker): (most wrong actions, most must-not-act acted on, least understood share)
    ("whisper-tiny-en", "piper"): (0, 0, 0.85),
    ("whisper-tiny-en", "espeak"): (0, 0, 0.35),
    ("sphinx", "piper"): (0, 0, 0.85),
    ("sphinx", "espeak"): (0, 0, 0.80),
}
"""The issue's goal, zero and zero, for both (Whisper: measured on the whole phrase set 0 wrong, 0
must-not-act with piper joe; espeak-ng's 4 wrong there are a trailing "a bit" dropped, a phrasing this
subset leaves out). PocketSphinx alone does not reach zero (before the cross-check: 0 wrong / 1 of 20
with piper and 2 / 4 with espeak-ng on this subset); what its open reading does not support is read
back, never run (README "Speech in"). Understood shares: measured first, then a margin for a busy
machine and a fresh piper cache."""


@pytest.fixture(scope="module")
def joe(real_model) -> str:
    return str(real_model("piper-en-joe") / "en_US-joe-medium.onnx")


@pytest.fixture(scope="module", params=["sphinx", "whisper-tiny-en"])
def recogniser(request, real_model):
    if request.param == "sphinx":
        return request.param, mu.recogniser("sphinx", threads=2)
    return request.param, m.whisper_stream(real_model("whisper-tiny-en"), language="en", threads=2)


def test_the_subset_covers_every_kind_of_utterance():
    assert len(ROWS) >= 40
    assert {r.kind for r in ROWS} == {"act", "ask", "none"}
    assert len({r.tool for r in ROWS if r.kind == "act"}) >= 10
    assert sum(r.kind == "none" for r in ROWS) >= 15


@pytest.mark.slow
@pytest.mark.parametrize("speaker", ["espeak", "piper"])
def test_no_wrong_action_and_nothing_acted_on_that_must_not_be(recogniser, speaker, joe):
    from cockpit.brain.understand import FrontEnd
    name, asr = recogniser
    vad = m.listener_vad()
    heard, readings = {}, {}
    for row in ROWS:
        samples = m.speech(row.text, speaker, voice=joe if speaker == "piper" else None, cache=m.SPEECH_CACHE)
        said, _ms, _cpu = m.recognition(asr, samples, vad, mu.PREROLL_S)
        heard[row.text], readings[row.text] = said.text, said.reading
    assert (name == "sphinx") == any(r is not None for r in readings.values())  # only the grammar is cross-checked
    scored = mu.score_rows(ROWS, heard, FrontEnd(wake=mu.WAKE), readings)
    s = mu.summary(scored)
    print(f"\n[real] {name} / {speaker}: understood {s['understood']}/{s['in_domain']} "
          f"({s['read_back']} read back first), asked {s['asked']}, "
          f"wrong {s['wrong']}, must-not-act {s['false_actions']}/{s['must_not_act']} acted on\n"
          + "".join(f"  {x['text']!r} -> {x['heard']!r} -> {x['outcome']} {x['done']}\n" for x in scored))
    most_wrong, most_false, least_understood = LIMITS[(name, speaker)]
    assert s["wrong"] <= most_wrong, s["wrong_rows"]
    assert s["false_actions"] <= most_false, s["false_rows"]
    assert s["understood_rate"] >= least_understood, s
