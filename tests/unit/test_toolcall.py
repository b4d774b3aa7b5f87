"""Streaming Hermes/Qwen tool-call parsing: speech early, calls whole, thinking never spoken."""
from __future__ import annotations

import json

import pytest

from cockpit.brain.toolcall import (CallInvalid, CallReady, InvalidToolCall, SpokenText,
                                    ToolCallParser, repair_prompt, validate)
from cockpit.events import ToolCall
from cockpit.skills.builtin import default_registry

REGISTRY = default_registry()
FAN = '{"name": "climate_set_fan", "arguments": {"level": 3}}'
NAV = json.dumps({"name": "navigate_to",
                  "arguments": {"destination": 'Bar "{x}" </tool_call> \\ end'}})
REPLY = (f"<think>\nThe driver is cold.\n</think>\n\nOkay, fan to three. <tool_call>\n{FAN}\n"
         f"</tool_call>\nAnd the route. <tool_call>{NAV}</tool_call> Done.")


def run(deltas, registry=REGISTRY):
    parser = ToolCallParser(registry)
    out = []
    for d in deltas:
        out += parser.feed(d)
    return out + parser.finish()


def merged(events):
    """Adjacent SpokenText joined, so results compare independently of delta boundaries."""
    out = []
    for e in events:
        if isinstance(e, SpokenText) and out and isinstance(out[-1], SpokenText):
            out[-1] = SpokenText(out[-1].text + e.text)
        else:
            out.append(e)
    return out


EXPECTED = [
    SpokenText("Okay, fan to three. "),
    ToolCall("climate_set_fan", {"level": 3}),
    SpokenText("And the route. "),
    ToolCall("navigate_to", {"destination": 'Bar "{x}" </tool_call> \\ end'}),
    SpokenText("Done."),
]


def summary(events):
    return [e.call if isinstance(e, CallReady) else e for e in merged(events)]


def test_whole_reply_in_one_delta():
    assert summary(run([REPLY])) == EXPECTED


@pytest.mark.parametrize("cut", range(1, len(REPLY)))
def test_every_split_point(cut):
    assert summary(run([REPLY[:cut], REPLY[cut:]])) == EXPECTED


def test_every_split_point_in_three():
    for a in range(1, len(REPLY), 7):
        for b in range(a, len(REPLY), 5):
            assert summary(run([REPLY[:a], REPLY[a:b], REPLY[b:]])) == EXPECTED, (a, b)


def test_one_character_at_a_time():
    assert summary(run(list(REPLY))) == EXPECTED


def test_speech_is_released_before_the_tag_completes():
    parser = ToolCallParser(REGISTRY)
    assert parser.feed("Turning it ") == [SpokenText("Turning it ")]
    assert parser.feed("up.<tool") == [SpokenText("up.")]  # "<tool" held back: maybe a tag
    assert parser.feed("_c") == []
    assert parser.feed("all>" + FAN[:10]) == []
    (ready,) = parser.feed(FAN[10:] + "</tool_call>")
    assert ready.call == ToolCall("climate_set_fan", {"level": 3})


def test_a_lone_angle_bracket_is_spoken_once_it_cannot_be_a_tag():
    parser = ToolCallParser(REGISTRY)
    assert parser.feed("3 <") == [SpokenText("3 ")]
    assert parser.feed(" 5") == [SpokenText("< 5")]
    assert parser.finish() == []
    assert merged(run(["a <t", "ool_cal"])) == [SpokenText("a <tool_cal")]


def test_think_is_removed_even_when_split():
    text = "<think>I should not be heard</think>Hello."
    for cut in range(1, len(text)):
        assert merged(run([text[:cut], text[cut:]])) == [SpokenText("Hello.")]
    assert merged(run(["<thi", "nk>never closed"])) == []


def test_tool_call_inside_think_is_not_run():
    assert merged(run([f"<think><tool_call>{FAN}</tool_call></think>Ok."])) == [SpokenText("Ok.")]


def test_nested_braces_and_closing_tag_inside_strings():
    call = {"name": "find_nearby", "arguments": {"category": '{"a": {"b": "}</tool_call>"}}'}}
    (ready,) = run([f"<tool_call>{json.dumps(call)}</tool_call>"])
    assert ready.call.arguments["category"] == call["arguments"]["category"]


@pytest.mark.parametrize("body, code, words", [
    ('{"name": "open_sunroof", "arguments": {}}', "tool-unknown", "open_sunroof"),
    ('{"name": "climate_set_fan", "arguments": {"level": "three"}}', "tool-bad-arguments",
     "wrong type"),
    ('{"name": "climate_set_temperature", "arguments": {"celsius": 45}}', "tool-bad-arguments",
     "out of range"),
    ('{"name": "climate_set_fan", "arguments": {}}', "tool-bad-arguments", "missing"),
    ('{"name": "climate_set_fan", "arguments": {"level": 3, "speed": 2}}', "tool-bad-arguments",
     "not an argument"),
    ('{"name": "climate_set_fan", "arguments": {"level": 3}', "tool-bad-json", "not valid JSON"),
    ('["climate_set_fan"]', "tool-bad-json", "JSON object"),
    ('{"arguments": {}}', "tool-bad-json", "name"),
    ('{"name": "climate_set_fan", "arguments": "{level: 3"}', "tool-bad-arguments", "JSON object"),
])
def test_invalid_calls(body, code, words):
    before, invalid, after = merged(run([f"Ok. <tool_call>{body}</tool_call> Sorry."]))
    assert (before, after) == (SpokenText("Ok. "), SpokenText("Sorry."))
    assert isinstance(invalid, CallInvalid) and invalid.raw == body
    assert invalid.error.code == code and words in invalid.reason


def test_registry_message_is_kept():
    with pytest.raises(InvalidToolCall) as caught:
        validate({"name": "climate_set_temperature", "arguments": {"celsius": 45}}, REGISTRY)
    assert str(caught.value.args[0]) == ("bad arguments for climate_set_temperature: "
                                         "celsius=45 is out of range: must be 16-30")
    assert caught.value.name == "climate_set_temperature" and caught.value.schema


def test_arguments_given_as_a_json_string_are_decoded_once():
    call = validate({"name": "window_set",
                     "arguments": '{"window": "rear", "position": 40}'}, REGISTRY)
    assert call == ToolCall("window_set", {"window": "rear", "position": 40})
    with pytest.raises(InvalidToolCall):  # twice-encoded is not decoded twice
        validate({"name": "climate_set_fan",
                  "arguments": json.dumps(json.dumps({"level": 3}))}, REGISTRY)


def test_validated_arguments_are_normalised():
    call = validate({"name": "navigate_to", "arguments": {"destination": "  home "}}, REGISTRY)
    assert call.arguments == {"destination": "home"}


def test_unterminated_block_at_finish():
    parser = ToolCallParser(REGISTRY)
    assert parser.feed('Sure. <tool_call>{"name": "climate_set_fan"') == [SpokenText("Sure. ")]
    (invalid,) = parser.finish()
    assert isinstance(invalid, CallInvalid) and invalid.error.code == "tool-call-unterminated"
    assert "never closed" in invalid.reason


def test_stray_closing_tags_are_not_spoken():
    assert merged(run(["</think>Hi</tool_call> there"])) == [SpokenText("Hi there")]


def test_without_registry_only_the_shape_is_checked():
    (ready,) = run(['<tool_call>{"name": "anything", "arguments": {"x": 1}}</tool_call>'],
                   registry=None)
    assert ready.call == ToolCall("anything", {"x": 1})


def test_repair_prompt_names_the_problem_and_the_schema():
    (invalid,) = run(['<tool_call>{"name": "climate_set_fan", "arguments": {"level": "three"}}'
                      "</tool_call>"])
    prompt = repair_prompt(invalid.error)
    assert "level='three' has the wrong type" in prompt
    assert '"maximum": 10' in prompt and "<tool_call>" in prompt


def test_repair_prompt_for_an_unknown_tool_lists_the_tools():
    (invalid,) = run(['<tool_call>{"name": "climate_set_fans", "arguments": {}}</tool_call>'])
    prompt = repair_prompt(invalid.error)
    assert "Did you mean climate_set_fan?" in prompt and "vehicle_status" in prompt


def test_repair_prompt_for_malformed_json_lists_the_tools():
    (invalid,) = run(["<tool_call>{name: climate_set_fan}</tool_call>"])
    prompt = repair_prompt(invalid.error)
    assert "not valid JSON" in prompt and "climate_set_fan, climate_set_ac" in prompt
