from cockpit.brain.prompt import History, PromptBuilder


def test_prompt_order_keeps_the_static_prefix_first():
    h = History(turns=3, ttl_s=60, clock=lambda: 0.0)
    h.add("open the window", "Opening it.")
    msgs = PromptBuilder().build(h, "Vehicle: speed 50 km/h.", "and the sunroof?")
    assert msgs[:1] == PromptBuilder().static_prefix()  # identical bytes every turn: KV cache reuse
    assert [m["role"] for m in msgs] == ["system", "user", "assistant", "user"]
    assert msgs[-1]["content"] == "Vehicle: speed 50 km/h.\nand the sunroof?"  # fresh context last


def test_history_keeps_the_last_turns_and_forgets_after_the_ttl():
    now = [0.0]
    h = History(turns=2, ttl_s=300, clock=lambda: now[0])
    for i in range(4):
        h.add(f"q{i}", f"a{i}")
    assert [m["content"] for m in h.messages()] == ["q2", "a2", "q3", "a3"]
    now[0] = 301.0
    assert h.messages() == []  # a new conversation


def test_history_can_be_off():
    h = History(turns=0, ttl_s=300)
    h.add("q", "a")
    assert h.messages() == []


def test_a_full_history_drops_its_oldest_half_at_once_so_the_cached_prompt_stays_valid():
    h = History(turns=6, ttl_s=300, clock=lambda: 0.0)
    firsts = []
    for i in range(12):
        h.add(f"q{i}", f"a{i}")
        firsts.append(h.messages()[0]["content"])
        assert len(h.messages()) <= 12
    # the history's first message (where the prompt would change after the static prefix) moves
    # only when a block is dropped: at the 7th and the 10th exchange, not at every turn
    assert firsts == ["q0"] * 6 + ["q3"] * 3 + ["q6"] * 3
    assert [m["content"] for m in h.messages()][-2:] == ["q11", "a11"]


def test_the_worked_examples_are_static_and_each_call_is_valid_for_its_tool():
    import json

    from cockpit.brain.prompt import EXAMPLE_CONTEXT, EXAMPLES, example_turns
    from cockpit.brain.toolcall import validate
    from cockpit.skills.builtin import default_registry

    registry = default_registry()
    turns = example_turns(registry.names())
    assert len(turns) == 2 * len(EXAMPLES)
    assert [t["role"] for t in turns[:2]] == ["user", "assistant"]
    assert all(t["content"].startswith(EXAMPLE_CONTEXT + "\n") for t in turns[::2])  # as real turns look
    assert not turns[1]["content"].startswith("<tool_call>")  # the plain answer first
    for words, answer, tool in EXAMPLES:
        if tool is not None:
            assert validate(json.loads(answer), registry).name == tool, words
    builder = PromptBuilder(examples=turns)
    h = History(turns=2, ttl_s=60, clock=lambda: 0.0)
    assert builder.build(h, "Vehicle: speed 0 km/h.", "hi")[:1 + len(turns)] == builder.static_prefix()


def test_only_examples_of_registered_tools_are_shown():
    from cockpit.brain.prompt import example_turns

    turns = example_turns(["media_volume"])
    calls = [t["content"] for t in turns if t["content"].startswith("<tool_call>")]
    assert calls == ['<tool_call>{"name": "media_volume", "arguments": {"delta": 2}}</tool_call>']
    assert len(turns) == 2 * 2  # the plain answer and the one call


def test_no_measured_request_is_an_example():
    """The tool-selection figures are on requests the examples do not contain (tests/real)."""
    import re
    from pathlib import Path

    from cockpit.brain.prompt import EXAMPLES

    real = Path(__file__).resolve().parents[1] / "support" / "tool_requests.py"
    measured = set(re.findall(r'\("([^"]+)", "[a-z_]+"\)', real.read_text(encoding="utf-8")))
    assert len(measured) >= 40
    assert not measured & {words for words, _, _ in EXAMPLES}
