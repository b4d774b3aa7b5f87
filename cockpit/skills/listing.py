"""``cockpit skills list``: every tool with its policy, where it came from, and its arguments.

The policy shown is the one the gate enforces: the tool's own declaration, tightened by
``skills.policy`` where the config says so (marked). Sources: ``builtin``, a plug-in's distribution
name, ``mcp:<server>``, ``home-assistant``.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from cockpit.skills.declared import ToolPolicy
from cockpit.skills.registry import Registry, _bounds, _span, parameters_schema

HEADERS = ("tool", "side effect", "while moving", "confirm", "source", "arguments")


def moving_rule(policy: ToolPolicy) -> str:
    """'yes', 'up to 120 km/h' or 'no (stopped only)'."""
    if not policy.allowed_while_moving:
        return "no (stopped only)"
    if policy.max_speed_kmh is not None:
        return f"up to {policy.max_speed_kmh:g} km/h"
    return "yes"


def _type_words(prop: dict[str, Any]) -> str:
    if "enum" in prop:
        return "|".join(str(v) for v in prop["enum"])
    if "const" in prop:
        return repr(prop["const"])
    if "anyOf" in prop:
        return " or ".join(_type_words(p) for p in prop["anyOf"] if p != {"type": "null"})
    kind = prop.get("type", "any")
    if kind == "array" and isinstance(prop.get("items"), dict):
        return f"list of {_type_words(prop['items'])}"
    return {"integer": "int", "number": "number", "string": "text", "boolean": "bool"}.get(kind, str(kind))


def argument_words(model: type[BaseModel]) -> list[str]:
    """Each argument as ``name: type bounds``; ``?`` marks an optional one, ``=`` its default."""
    schema = parameters_schema(model)
    required = set(schema.get("required", []))
    words = []
    for name, prop in schema.get("properties", {}).items():
        text = f"{name}{'' if name in required else '?'}: {_type_words(prop)}"
        lo, hi = _bounds(model, name)
        if lo is not None or hi is not None:
            text += f" {_span(lo, hi)}"
            if prop.get("type") == "string" or "minLength" in prop or "maxLength" in prop:
                text += " chars"
        if "default" in prop and prop["default"] is not None:
            text += f" = {prop['default']}"
        words.append(text)
    return words


def skills_rows(registry: Registry) -> list[tuple[str, ...]]:
    """One row per tool, in registration order, matching :data:`HEADERS`.

    The columns show the policy the gate enforces (:meth:`Registry.policy`): the tool's declaration,
    and where ``skills.policy`` tightened it, the side effect says so (``actuate (config: stricter)``);
    a declaration left out is shown as the strictest value it becomes (``(undeclared: strictest)``)."""
    rows = []
    for tool in registry.tools():
        policy = registry.policy(tool.name)
        effect = policy.side_effect
        if policy != tool.policy:
            effect += " (config: stricter)"
        if tool.allowed_while_moving is None or (tool.needs_confirmation is None and tool.side_effect != "transact"):
            effect += " (undeclared: strictest)"
        rows.append((tool.name, effect, moving_rule(policy), "yes" if policy.needs_confirmation else "no",
                     registry.source(tool.name), ", ".join(argument_words(tool.args)) or "-"))
    return rows


def skills_table(registry: Registry) -> str:
    """A plain-text table of every tool: policy, source and arguments with their bounds."""
    rows = [HEADERS, *skills_rows(registry)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS) - 1)]
    lines = []
    for n, row in enumerate(rows):
        cells = [cell.ljust(w) for cell, w in zip(row, widths)] + [row[-1]]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * len(HEADERS[-1]))
    return "\n".join(lines) + "\n"




def skills_sections(report: dict[str, Any]) -> str:
    """What a SkillSet report says beyond the table: plug-ins, skips, MCP servers, the house, ignored overrides."""
    lines = []
    for dist, tools in report["plugins"].items():
        lines.append(f"plug-in {dist}: {', '.join(tools)}")
    lines += [f"plug-in skipped: {e}" for e in report["plugin_errors"]]
    for server in report["mcp"]:
        state = server["state"] + (f" ({server['error']})" if server["error"] else "")
        lines.append(f"MCP server {server['name']} [{server['transport']}]: {state}; tools: "
                     f"{', '.join(server['tools']) or 'none'}")
        lines += [f"  refused {name}: {why}" for name, why in server["refused"].items()]
        if server["read_only_hints"]:
            lines.append(f"  the server calls {', '.join(server['read_only_hints'])} read-only: they stay transactions "
                         f"unless skills.mcp.servers[{server['name']}].tools declares them read")
    home = report["home"]
    if home is not None:
        lines.append(f"Home Assistant {home['url']}: {', '.join(home['tools']) or 'no tools'}"
                     + ("; arrival routine on" if home["arrival"] else ""))
    lines += [f"policy override ignored: {note}" for note in report["policy_ignored"]]
    lines += [f"note: {note}" for note in report["notes"]]
    return "\n".join(lines) + ("\n" if lines else "")


async def skills_listing(settings: Any) -> str:
    """``cockpit skills list``: the table and the sections, with the MCP servers connected to list their tools."""
    from cockpit.skills.audit import AuditLog
    from cockpit.skills.skillset import SkillSet
    skills = SkillSet(settings, AuditLog(settings.session.audit_log), lambda event: None)
    await skills.prepare()
    try:
        return skills_table(skills.registry) + skills_sections(skills.report())
    finally:
        await skills.close()


__all__ = ["HEADERS", "argument_words", "moving_rule", "skills_listing", "skills_rows", "skills_sections", "skills_table"]
