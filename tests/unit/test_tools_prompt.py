"""Tools written into the system prompt, for chat templates that do not render ``tools`` (SmolLM2)."""
from cockpit.brain.prompt import NONE_LINE, TOOL_FORMAT, tools_prompt, with_tools
from cockpit.skills.builtin import default_registry


def test_every_tool_is_one_line_with_its_arguments_bounds_and_choices():
    registry = default_registry()
    text = tools_prompt(registry.schemas())
    lines = text.splitlines()
    assert lines[0] == "Tools:" and lines[-1] == TOOL_FORMAT
    assert [line.split("(")[0] for line in lines[1:-1]] == [f"- {name}" for name in registry.names()] + ["- none"]
    assert lines[-2] == NONE_LINE  # the grammar's "no tool" choice, last
    assert "- climate_set_fan(level: 0 to 10): " in text  # required, with its bounds
    assert "media_control(action: pause|resume|next|previous)" in text  # a Literal as its choices
    assert "zone?: driver|passenger|all" in text  # optional arguments are marked
    assert "- navigation_cancel(): " in text


def test_the_list_joins_the_system_message_so_the_static_prefix_holds_it():
    tools = default_registry().schemas()[:2]
    system = {"role": "system", "content": "You are cockpit."}
    user = {"role": "user", "content": "hi"}
    out = with_tools([system, user], tools)
    assert out[0]["content"].startswith("You are cockpit.\n\nTools:\n") and out[1] == user
    assert with_tools([system], tools) == out[:1]  # the same bytes with or without the turn after it
    assert with_tools([user], tools)[0]["role"] == "system"
