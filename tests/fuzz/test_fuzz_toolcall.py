"""Fuzzing the streaming tool-call parser (cockpit/brain/toolcall.py).

Properties:
- split invariance: any text, cut into deltas anywhere, parses to the same speech and calls as
  the whole text in one delta;
- round trip: replies made of text and valid ``<tool_call>`` blocks (arguments with quotes,
  backslashes, braces and a ``</tool_call>`` inside strings) give back exactly those calls and
  that text, whatever the split — including a single call cut at every position;
- random text never raises; no tag is ever spoken; every rejected block carries a registered
  error code and a message; with the real tool registry a call either validates or is rejected.
"""
from __future__ import annotations

import json

from hypothesis import example, given
from hypothesis import strategies as st

from cockpit.brain.toolcall import CLOSE, OPEN, THINK_CLOSE, THINK_OPEN, CallInvalid, CallReady, SpokenText, ToolCallParser
from cockpit.errors import REGISTRY
from cockpit.events import ToolCall
from cockpit.skills.builtin import default_registry

TOOLS = default_registry()
TAGS = (OPEN, CLOSE, THINK_OPEN, THINK_CLOSE)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)
tricky_strings = st.sampled_from(['"', "\\", "{", "}", "<", ">", CLOSE, OPEN, "</tool", "\\\"", "\n", "é", "中"])
argument_values = json_values | st.lists(tricky_strings, min_size=1, max_size=6).map("".join)
calls = st.builds(ToolCall, st.text(min_size=1, max_size=20),
                  st.dictionaries(st.text(max_size=10), argument_values, max_size=4))
# text between blocks: anything without '<' (so it cannot form a tag with its neighbours)
plain_text = st.text(st.characters(blacklist_characters="<", blacklist_categories=("Cs",)), max_size=30)
# text built from pieces of tags, JSON and markup: what a confused model writes
fragments = st.sampled_from([*TAGS, "<", ">", "</", "<tool", "_call>", "<think", "</think", '"', "\\", "{", "}",
                             '{"name": "climate_set_fan", "arguments": {"level": 3}}', " ", "\n", "hi", "中文"])
messy_text = st.lists(fragments | st.text(max_size=5), max_size=30).map("".join) | st.text(max_size=80)


def parse(deltas, registry=None) -> list:
    parser = ToolCallParser(registry)
    out = []
    for delta in deltas:
        out += parser.feed(delta)
    return merged(out + parser.finish())


def merged(items) -> list:
    """Adjacent SpokenText joined; calls as (kind, call-or-code, raw): comparable across delta boundaries."""
    out: list = []
    for item in items:
        if isinstance(item, SpokenText):
            if out and isinstance(out[-1], str):
                out[-1] += item.text
            else:
                out.append(item.text)
        elif isinstance(item, CallReady):
            out.append(("ready", item.call, item.raw))
        else:
            assert isinstance(item, CallInvalid), item
            out.append(("invalid", item.error.code, item.raw))
    return out


@st.composite
def split(draw, text: str) -> list[str]:
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=8)))
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])]


@st.composite
def text_and_deltas(draw, texts=messy_text):
    text = draw(texts)
    return text, draw(split(text))


@st.composite
def replies(draw):
    """(reply text, the expected merged parse): text and calls alternating, odd whitespace around tags."""
    parts, expected = [], []
    after_block, after_word, gap = True, False, False
    for _ in range(draw(st.integers(0, 4))):
        if draw(st.booleans()):
            text = draw(plain_text)
            parts.append(text)
            spoken = text.lstrip() if after_block else text
            if spoken:
                spoken = (" " if gap and not spoken[0].isspace() else "") + spoken  # a block separates words
                if expected and isinstance(expected[-1], str):
                    expected[-1] += spoken
                else:
                    expected.append(spoken)
                after_block, after_word, gap = False, not spoken[-1].isspace(), False
        call = draw(calls)
        body = json.dumps(call.as_dict(),
                          ensure_ascii=draw(st.booleans()), indent=draw(st.sampled_from([None, 1])))
        pad = draw(st.sampled_from(["", " ", "\n", " \n\t"]))
        parts.append(f"{OPEN}{pad}{body}{pad}{CLOSE}")
        expected.append(("ready", call, body))
        after_block, gap = True, after_word
    return "".join(parts), expected


@given(text_and_deltas())
@example(("a <tool_cal", ["a <t", "ool_cal"]))
@example(("<tool_call>{\"name\": \"x\"}</tool_call", ["<tool_call>{\"name\": \"x\"}</tool_cal", "l"]))
@example(("<think>x</th", ["<think>x</", "th"]))
def test_any_split_of_any_text_parses_like_the_whole(case):
    text, deltas = case
    assert parse(deltas) == parse([text])
    assert parse(deltas, TOOLS) == parse([text], TOOLS)


@given(st.binary(max_size=120), st.data())
def test_any_split_of_any_bytes_parses_like_the_whole(raw, data):
    text = raw.decode("latin-1")  # every byte a character: control bytes, '<', quotes, NUL
    assert parse(data.draw(split(text))) == parse([text])


@given(replies(), st.data())
@example(('<tool_call>{"name": "n", "arguments": {"s": "</tool_call>\\\\\\""}}</tool_call>',
          [("ready", ToolCall("n", {"s": '</tool_call>\\"'}), '{"name": "n", "arguments": {"s": "</tool_call>\\\\\\""}}')]),
         None)
def test_valid_calls_come_back_exactly_whatever_the_split(reply, data):
    text, expected = reply
    assert parse([text]) == expected
    if data is not None:
        assert parse(data.draw(split(text))) == expected
        assert parse(list(text)) == expected  # one character at a time


@given(calls, plain_text)
def test_one_call_split_at_every_position(call, before):
    body = json.dumps(call.as_dict(), ensure_ascii=False)
    text = f"{before}{OPEN}{body}{CLOSE}"
    whole = parse([text])
    assert whole[-1] == ("ready", call, body)
    for cut in range(len(text) + 1):
        assert parse([text[:cut], text[cut:]]) == whole, cut


@given(text_and_deltas())
@example(("</tool_call>hi</think>", ["</tool_call>hi</think>"]))
@example(("<think</tool_call>>", ["<think</tool_call>>"]))  # found: a dropped tag joined "<think" and ">"
@example(("<think<tool_call></tool_call>>", ["<think<tool_call></tool_call>>"]))  # found: so did a block
def test_random_text_never_raises_and_no_tag_is_ever_spoken(case):
    text, deltas = case
    for registry in (None, TOOLS):
        out = parse(deltas, registry)
        spoken = "".join(item for item in out if isinstance(item, str))
        assert not any(tag in spoken for tag in TAGS), spoken
        for item in out:
            if isinstance(item, tuple) and item[0] == "invalid":
                assert item[1] in REGISTRY, item
        if OPEN not in text:  # no block opened: nothing but speech, and every non-tag character kept
            assert all(isinstance(item, str) for item in out)


@given(text_and_deltas())
def test_rejected_blocks_say_why_with_a_registered_code(case):
    parser = ToolCallParser(TOOLS)
    items = [i for d in case[1] for i in parser.feed(d)] + parser.finish()
    for item in items:
        if isinstance(item, CallInvalid):
            assert item.error.code in REGISTRY and item.reason.strip(), item
            assert item.error.code.startswith("tool-")


@given(st.sampled_from(TOOLS.names()) | st.text(max_size=12), st.dictionaries(st.text(max_size=12), json_values,
                                                                              max_size=3), st.booleans())
def test_calls_against_the_real_registry_validate_or_are_rejected(name, arguments, as_string):
    args = json.dumps(arguments) if as_string else arguments
    body = json.dumps({"name": name, "arguments": args})
    (item,) = [i for i in parse([OPEN + body + CLOSE], TOOLS)]
    if item[0] == "ready":
        call = item[1]
        assert call.name == name and call.name in TOOLS.names()
        TOOLS.validate(call)  # what came out validates again, unchanged
        assert set(call.arguments) <= set(arguments)
    else:
        assert item[1] in ("tool-unknown", "tool-bad-arguments", "tool-bad-json")
        if name not in TOOLS.names():
            assert item[1] in ("tool-unknown", "tool-bad-json")
