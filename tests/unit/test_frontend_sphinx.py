"""The grammar recogniser (real PocketSphinx on espeak-ng speech, nothing to download) with the
front end: a command acts, a negated or questioned one is heard as such, and speech the grammar
does not cover is rejected (no text) or at least never becomes a command."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import measure_asr_real as m  # noqa: E402

from cockpit.asr import sphinx  # noqa: E402
from cockpit.brain.commands_zh import BilingualFastPath  # noqa: E402
from cockpit.brain.understand import Command, Decline, FrontEnd  # noqa: E402
from cockpit.config import AsrSettings  # noqa: E402
from cockpit.scenario import driver_speech  # noqa: E402

FE = FrontEnd(BilingualFastPath(), ("cockpit", "hey jarvis"))


@pytest.fixture(scope="module")
def asr():
    fp = BilingualFastPath()
    rec = sphinx.SphinxCommands(AsrSettings(engine="sphinx"), fp.jsgf(wake=["cockpit", "hey jarvis"]))
    rec.prepare()
    return rec


def hear(asr, text: str) -> str:
    return m.recognise(asr, driver_speech(text, 160), m.listener_vad())[0]


def test_a_command_in_the_grammar_acts(asr):
    heard = FE.understand(hear(asr, "hey cockpit, set the fan speed to three"))
    assert isinstance(heard, Command) and dict(heard.call.arguments) == {"level": 3}
    assert asr.last_llr is not None and asr.last_llr > sphinx.MIN_LLR


def test_a_negated_command_is_heard_as_a_negation(asr):
    assert isinstance(FE.understand(hear(asr, "don't change the temperature")), Decline)


@pytest.mark.parametrize("text", ["what's the date today", "how many people live in munich",
                                  "let the kids choose the music"])
def test_speech_the_grammar_does_not_cover_never_becomes_a_command(asr, text):
    assert not isinstance(FE.understand(hear(asr, text)), Command)


def test_a_forced_hypothesis_far_below_the_phone_loop_is_rejected(asr):
    said = hear(asr, "what's the date today")  # measured: forced into "what's the tank status"
    assert said == "" and asr.last_llr is not None and asr.last_llr < sphinx.MIN_LLR
