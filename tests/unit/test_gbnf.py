"""The tool-call GBNF: llama.cpp's own parser accepts it, and it admits exactly the calls a
schema allows (checked by translating the non-recursive grammar into a Python regex)."""
from __future__ import annotations

import enum
import json
import re
from typing import Literal

import pytest
from pydantic import Field

from cockpit.brain.gbnf import check, literal, tool_call_grammar
from cockpit.brain.toolcall import validate
from cockpit.skills.builtin import default_registry
from cockpit.skills.registry import Outcome, Registry, Tool, ToolArgs

_TOKEN = re.compile(r'\s+|#[^\n]*|"(?:\\.|[^"\\])*"|\[(?:\\.|[^\]\\])*\]|[A-Za-z0-9-]+'
                    r"|\{\d*,?\d*\}|[()|?*+]")


def _unescape(body: str) -> str:
    return re.sub(r"\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|.)", lambda m: {
        "n": "\n", "t": "\t", "r": "\r"}.get(m[1], chr(int(m[1][1:], 16)) if len(m[1]) > 1 else m[1]),
        body)


def to_regex(grammar: str) -> re.Pattern[str]:
    """A GBNF grammar without recursion -> an equivalent Python regex for ``root``."""
    rules = dict(re.match(r"([A-Za-z0-9-]+) ::= (.*)", line).groups()
                 for line in grammar.strip().splitlines())

    def expand(name: str, stack: tuple[str, ...]) -> str:
        assert name not in stack, f"recursive rule {name}"
        out = []
        for tok in _TOKEN.findall(rules[name]):
            if tok.isspace() or tok.startswith("#"):
                continue
            if tok.startswith('"'):
                out.append(re.escape(_unescape(tok[1:-1])))
            elif tok.startswith("["):
                out.append(tok)  # GBNF classes use the same escapes as Python's
            elif tok == "(":
                out.append("(?:")
            elif tok in ")|?*+" or tok.startswith("{"):
                out.append(tok)
            else:
                out.append("(?:" + expand(tok, stack + (name,)) + ")")
        return "".join(out)

    return re.compile(expand("root", ()), re.DOTALL)


@pytest.fixture(scope="module")
def grammar() -> str:
    return tool_call_grammar(default_registry())


@pytest.fixture(scope="module")
def accepts(grammar):
    pattern = to_regex(grammar)
    return lambda text: pattern.fullmatch(text) is not None


def test_default_registry_grammar_compiles_in_llama_cpp(grammar):
    import llama_cpp  # noqa: F401
    check(grammar)


def test_check_rejects_a_broken_grammar():
    import llama_cpp  # noqa: F401
    with pytest.raises(ValueError, match="rejected"):
        check('root ::= "a" missing-rule')


def test_one_rule_per_tool_and_the_enum_literals(grammar):
    registry = default_registry()
    for name in registry.names():
        assert f"call-{name.replace('_', '-')} ::= " + literal(json.dumps(name)) in grammar
    for value in ("driver", "passenger", "rear_left", "pause", "previous", "tire_pressure"):
        assert literal(json.dumps(value)) in grammar


@pytest.mark.parametrize("call", [
    {"name": "climate_set_fan", "arguments": {"level": 3}},
    {"name": "climate_set_ac", "arguments": {"on": False}},
    {"name": "window_set", "arguments": {"window": "rear_left", "position": 50}},
    {"name": "climate_set_temperature", "arguments": {}},  # the validator's "one of" rule
    {"name": "climate_set_temperature", "arguments": {"celsius": 21.5, "zone": "driver"}},
    {"name": "climate_set_temperature", "arguments": {"delta": -2}},
    {"name": "media_volume", "arguments": {"delta": -1}},
    {"name": "navigate_to", "arguments": {"destination": "Caf\u00e9 \"Central\" \\ M\u00fcnchen"}},
    {"name": "vehicle_status", "arguments": {"item": "outside_temperature"}},
])
def test_valid_calls_match(accepts, call):
    assert accepts(f"<tool_call>{json.dumps(call, ensure_ascii=False)}</tool_call>")
    # whitespace is at most one blank between tokens: a sampled model can't stall on blanks
    assert not accepts(f"<tool_call>\n{json.dumps(call, indent=1)}\n</tool_call>")
    if call["arguments"]:  # cross-field rules ("celsius or delta") are the validator's
        validate(call, default_registry())


@pytest.mark.parametrize("text", [
    '{"name": "climate_set_fan", "arguments": {"level": "three"}}',  # wrong type
    '{"name": "climate_set_fan", "arguments": {"level": -1}}',  # minimum 0: no minus sign
    '{"name": "climate_set_fan", "arguments": {}}',  # required missing
    '{"name": "climate_set_fan", "arguments": {"level": 3, "speed": 1}}',  # extra argument
    '{"name": "climate_set_fan", "arguments": {"level": 3,}}',  # trailing comma
    '{"name": "window_set", "arguments": {"position": 50, "window": "rear"}}',  # out of order
    '{"name": "window_set", "arguments": {"window": "sunroof", "position": 50}}',  # not in enum
    '{"name": "climate_set_temperature", "arguments": {, "zone": "all"}}',
    '{"name": "climate_set_ac", "arguments": {"on": "yes"}}',
    '{"name": "navigate_to", "arguments": {"destination": ""}}',  # minLength 1
    '{"name": "open_sunroof", "arguments": {}}',  # unknown tool
    '{"arguments": {"level": 3}, "name": "climate_set_fan"}',  # name must come first
])
def test_invalid_calls_do_not_match(accepts, text):
    assert not accepts(f"<tool_call>{text}</tool_call>")


def test_text_around_the_call_is_not_allowed(accepts):
    call = '<tool_call>{"name": "climate_set_fan", "arguments": {"level": 3}}</tool_call>'
    assert accepts(call)
    assert not accepts("Sure. " + call)
    assert not accepts(call + call)


def test_numeric_bounds_are_left_to_the_validator(accepts):
    # GBNF cannot express 16-30: the grammar admits 45, the validator refuses it.
    assert accepts('<tool_call>{"name": "climate_set_temperature", '
                   '"arguments": {"celsius": 45}}</tool_call>')


class Seat(str, enum.Enum):
    DRIVER = "driver"
    REAR = "rear"


class _Args(ToolArgs):
    mode: Literal["eco", "sport"]
    seat: Seat = Seat.DRIVER
    heat: int | None = Field(default=3)
    label: str | None = None
    tags: list[str] = []


def test_custom_schema_literal_enum_nullable_and_array():
    registry = Registry([Tool("seat_mode", "Seat mode.", _Args, "actuate",
                              lambda a, ctx: Outcome(True, "ok"))])
    grammar = tool_call_grammar(registry)
    check(grammar) if _has_llama() else None
    accepts = to_regex(grammar).fullmatch
    wrap = '<tool_call>{{"name": "seat_mode", "arguments": {}}}</tool_call>'.format
    assert accepts(wrap('{"mode": "eco"}'))
    assert accepts(wrap('{"mode": "sport", "seat": "rear", "heat": null, "label": "x", '
                        '"tags": ["a", "b"]}'))
    assert accepts(wrap('{"mode": "eco", "heat": -2, "tags": []}'))
    assert not accepts(wrap('{"mode": "fast"}'))
    assert not accepts(wrap('{"seat": "rear"}'))
    assert not accepts(wrap('{"mode": "eco", "seat": "boot"}'))
    assert not accepts(wrap('{"mode": "eco", "tags": [1]}'))


def test_a_subset_of_tools_and_no_tools():
    registry = default_registry()
    grammar = tool_call_grammar(registry, ["media_control"])
    assert "call ::= call-media-control\n" in grammar and "climate" not in grammar
    with pytest.raises(ValueError):
        tool_call_grammar(registry, [])


def _has_llama() -> bool:
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        return False
    return True


def test_the_none_choice_is_one_more_alternative_with_empty_arguments():
    registry = default_registry()
    grammar = tool_call_grammar(registry, ["media_control"], allow_none=True)
    check(grammar) if _has_llama() else None
    accepts = to_regex(grammar).fullmatch
    assert accepts('<tool_call>{"name": "none", "arguments": {}}</tool_call>')
    assert accepts('<tool_call>{"name": "media_control", "arguments": {"action": "next"}}</tool_call>')
    assert not accepts('<tool_call>{"name": "none", "arguments": {"x": 1}}</tool_call>')
    assert not to_regex(tool_call_grammar(registry, ["media_control"])).fullmatch(
        '<tool_call>{"name": "none", "arguments": {}}</tool_call>')  # only when asked for


def test_a_tool_may_not_take_the_none_choice_s_name():
    registry = Registry([Tool("none", "Clash.", _Args, "read", lambda a, ctx: Outcome(True, "ok"))])
    with pytest.raises(ValueError, match="none"):
        tool_call_grammar(registry)
