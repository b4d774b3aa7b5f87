import pocketsphinx
import pytest

from cockpit.asr.sphinx import EXTRA_PRONUNCIATIONS, dictionary_words
from cockpit.brain.fastpath import FastPath
from cockpit.brain.grammar import PatternError, parse_pattern

FP = FastPath()

TABLE = [
    ("Set the temperature to 22 degrees", "climate_set_temperature", {"celsius": 22}),
    ("set the temperature to twenty two degrees", "climate_set_temperature", {"celsius": 22}),
    ("Please set the passenger temperature to 21.5°C", "climate_set_temperature", {"zone": "passenger", "celsius": 21.5}),
    ("hey cockpit, make it warmer", "climate_set_temperature", {"delta": 2}),
    ("I'm cold", "climate_set_temperature", {"delta": 2}),
    ("it's too hot in here", "climate_set_temperature", {"delta": -2}),
    ("set the fan speed to three", "climate_set_fan", {"level": 3}),
    ("fan to max", "climate_set_fan", {"level": 10}),
    ("turn on the AC", "climate_set_ac", {"on": True}),
    ("switch off the air conditioning", "climate_set_ac", {"on": False}),
    ("open my window a bit", "window_set", {"window": "driver", "position": 25}),
    ("Open the passenger window halfway.", "window_set", {"window": "passenger", "position": 50}),
    ("close all the windows", "window_set", {"window": "all", "position": 0}),
    ("set the rear left window to 40 percent", "window_set", {"window": "rear_left", "position": 40}),
    ("pause the music", "media_control", {"action": "pause"}),
    ("next track", "media_control", {"action": "next"}),
    ("turn it down", "media_volume", {"delta": -2}),
    ("louder please", "media_volume", {"delta": 2}),
    ("set the volume to seven", "media_volume", {"level": 7}),
    ("mute", "media_volume", {"mute": True}),
    ("navigate to the airport", "navigate_to", {"destination": "airport"}),
    ("take me home", "navigate_to", {"destination": "home"}),
    ("Take me to 221B Baker Street", "navigate_to", {"destination": "221b baker street"}),
    ("find the nearest gas station", "find_nearby", {"category": "fuel"}),
    ("is there a coffee shop nearby", "find_nearby", {"category": "cafe"}),
    ("what's my fuel level", "vehicle_status", {"item": "fuel"}),
    ("how far can I go", "vehicle_status", {"item": "range"}),
    ("check the tyre pressure", "vehicle_status", {"item": "tire_pressure"}),
]


@pytest.mark.parametrize("text, tool, args", TABLE, ids=[t[0] for t in TABLE])
def test_typed_commands_become_tool_calls(text, tool, args):
    match = FP.parse(text)
    assert match is not None, text
    assert match.call.name == tool
    assert dict(match.call.arguments) == args


@pytest.mark.parametrize("text", ["", "   ", "tell me a joke", "why is norway so cold", "set the temperature",
                                  "open the fridge", "what's the meaning of life"])
def test_everything_else_is_left_for_other_tiers(text):
    assert FP.parse(text) is None


def test_grammar_words_are_all_in_the_recogniser_dictionary():
    missing = FP.vocabulary() - dictionary_words()
    assert not missing, f"add pronunciations to EXTRA_PRONUNCIATIONS: {sorted(missing)}"


def test_generated_jsgf_loads_in_pocketsphinx():
    d = pocketsphinx.Decoder(lm=None, loglevel="FATAL")
    for word, phones in EXTRA_PRONUNCIATIONS.items():
        d.add_word(word, phones, False)
    d.add_jsgf_string("commands", FP.jsgf(wake="cockpit"))
    d.activate_search("commands")
    assert d.current_search() == "commands"


def test_every_spoken_slot_phrase_parses_back():
    # whatever the recogniser can emit for a slot must parse to that slot's value
    for name, slot in FP.slots.items():
        for phrase, value in slot.values.items():
            assert slot.parse(phrase, " ") == value


@pytest.mark.parametrize("bad", ["open [the window", "(a | b", "a | | b", "{x:y"])
def test_bad_patterns_are_rejected_with_the_pattern_named(bad):
    with pytest.raises(PatternError, match="pattern"):
        parse_pattern(bad)


@pytest.mark.parametrize("reject", ["", "guards", "loop"])
def test_every_rejection_grammar_loads_in_pocketsphinx(reject):
    d = pocketsphinx.Decoder(lm=None, loglevel="FATAL")
    for word, phones in EXTRA_PRONUNCIATIONS.items():
        d.add_word(word, phones, False)
    d.add_jsgf_string("commands", FP.jsgf(wake=["cockpit", "hey jarvis"], reject=reject))
    d.activate_search("commands")
    assert d.current_search() == "commands"


def test_the_recogniser_can_hear_what_the_parser_refuses():
    jsgf = FP.jsgf(wake=["cockpit", "hey jarvis"])
    assert "( cockpit | jarvis )" in jsgf and "don't" in jsgf and "[ not ]" in jsgf
    assert FP.parse("it's too loud") is not None
    assert FP.parse("it's not too loud") is None and FP.parse("don't open the window") is None
