"""PocketSphinx's cross-check in the Brain: a command from the closed grammar runs straight away only
when the open-vocabulary reading of the same audio names the same call; otherwise it is read back and
runs on the driver's "yes" alone. Transcripts here are ones the real recognisers produced (measured in
out/understanding/, README "Speech in"); the audio path is tests/unit/test_frontend_sphinx.py."""
from __future__ import annotations

import asyncio

import pytest

from cockpit.brain.understand import Clarify, Command, FrontEnd, Open
from cockpit.config import parse_config
from cockpit.events import Route, ToolCall
from cockpit.pipeline import Assistant

FE = FrontEnd(wake=("cockpit", "hey jarvis"))
VOLUME_DOWN = ToolCall("media_volume", {"delta": -2})


def test_a_reading_that_names_the_same_call_lets_the_command_run():
    heard = FE.understand("turn the air con off")
    assert FE.cross_check(heard, "turn the air con off") == heard
    assert FE.cross_check(heard, "hey cockpit turn the air con off please") == heard  # same call, other words


@pytest.mark.parametrize("grammar, reading", [
    ("quieter please", "louder please"),            # the reading names another call
    ("turn the air con on", "turn the air con of"),  # the reading names none
    ("fan at two", "sorry too"),                     # "thank you", forced into the grammar
    ("temperature up", "temperature"),               # a word the grammar added
    ("turn the air con on", ""),                     # the open decoder heard no words
])
def test_a_command_the_reading_does_not_confirm_is_read_back_with_what_was_heard(grammar, reading):
    heard = FE.understand(grammar)
    assert isinstance(heard, Command)
    checked = FE.cross_check(heard, reading)
    assert isinstance(checked, Clarify) and checked.call == heard.call and checked.missing == ()
    assert checked.question == f'I heard "{heard.text}". Shall I do that?'


def test_what_is_not_a_command_is_left_as_it_is():
    for text in ("don't open the window", "tell me a joke", "turn on the seat heating"):
        heard = FE.understand(text)
        assert not isinstance(heard, Command)
        assert FE.cross_check(heard, "something else entirely") == heard


def make(tmp_path) -> Assistant:
    cfg = parse_config({"wake": {"mode": "none"}, "brain": {"mode": "fastpath-only"},
                        "session": {"audit_log": str(tmp_path / "audit.jsonl"), "confirm_window_s": 20.0},
                        "audio": {"output": {"sink": "file", "reply_dir": str(tmp_path)}}})
    return Assistant(cfg)


def turns(a: Assistant, *steps: tuple[str, str | None]):
    async def go():
        await a.prepare()
        try:
            return [await a.text_turn(text, channel="voice", reading=reading) for text, reading in steps]
        finally:
            await a.close()
    return asyncio.run(go())


def volume(a: Assistant) -> list:
    return [act.new for act in a.vehicle.actuations if act.path.endswith("Media.Volume")]


def test_the_driver_who_said_louder_is_asked_and_nothing_changes_on_no(tmp_path):
    a = make(tmp_path)
    asked, no = turns(a, ("quieter please", "louder please"), ("no", None))
    assert asked.reply == 'I heard "quieter". Shall I do that?' and asked.tool_calls == ()  # the cleaned words
    assert asked.route is Route.FASTPATH and no.tool_calls == () and volume(a) == []


def test_a_read_back_command_runs_on_yes_and_an_agreeing_one_runs_at_once(tmp_path):
    a = make(tmp_path)
    asked, yes, direct = turns(a, ("quieter please", "louder please"), ("yes", "yes"),
                               ("quieter please", "hey cockpit quieter please"))
    assert asked.tool_calls == () and yes.tool_calls == (VOLUME_DOWN,) and direct.tool_calls == (VOLUME_DOWN,)
    assert len(volume(a)) == 2


def test_a_typed_request_has_no_reading_and_runs_as_before(tmp_path):
    a = make(tmp_path)
    (typed,) = turns(a, ("quieter please", None))
    assert typed.tool_calls == (VOLUME_DOWN,)
    assert isinstance(FE.understand("tell me a joke"), Open)


def test_a_transaction_is_read_back_once_by_the_gate_not_twice(tmp_path):
    a = make(tmp_path)
    asked, yes = turns(a, ("order a cappuccino from bean there", "or or cappuccino for being there"), ("yes", None))
    assert asked.reply.startswith("Order one medium cappuccino from Bean There") and "Shall I go ahead?" in asked.reply
    assert asked.route_reason.startswith("rule:")  # the gate's read-back, not the cross-check's question
    assert yes.route_reason == "answer to a pending confirmation" and yes.reply.startswith("Ordered one medium")


def test_a_yes_only_the_answer_grammar_heard_is_no_yes(tmp_path):
    """Measured in the speech bench: "open my window a bit" said over a read-back was heard "go ahead" by the
    grammar of answers, whose open reading was "open my window update"."""
    a = make(tmp_path)
    asked, forced, after = turns(a, ("quieter please", "louder please"), ("go ahead", "open my window update"),
                                 ("quieter please", "hey cockpit quieter"))
    assert asked.tool_calls == () and forced.tool_calls == ()
    assert forced.reply == "Sorry, I didn't get that, so I left it."
    assert after.tool_calls == (VOLUME_DOWN,) and len(volume(a)) == 1  # only the command said again ran


def test_a_yes_the_open_reading_hears_runs_and_a_no_always_counts(tmp_path):
    a = make(tmp_path)
    asked, yes, asked_again, no = turns(a, ("quieter please", "louder please"), ("yes", "yeah"),
                                        ("quieter please", "louder please"), ("no", ""))
    assert yes.tool_calls == (VOLUME_DOWN,) and no.tool_calls == () and no.reply == "Okay, never mind."
    assert len(volume(a)) == 1
