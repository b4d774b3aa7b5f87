"""Third-party skills: tools published under the ``cockpit.skills`` entry-point group.

An entry point names a Tool, an iterable of Tools, or a zero-argument callable returning
them. A plug-in that fails to load, returns anything else, or reuses a taken tool name is
reported and skipped; it never stops the runtime.
"""
from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Mapping

from cockpit.skills.phrases import check_phrases
from cockpit.skills.registry import BUILTIN, Registry, Tool

log = logging.getLogger(__name__)

PLUGIN_GROUP = "cockpit.skills"


@dataclass(frozen=True, slots=True)
class PluginError:
    """A plug-in, or one of its tools, that was skipped: which one, and why."""

    distribution: str
    """The installed distribution that declares the entry point ("unknown" if none)."""
    entry_point: str
    """``name = module:attr`` as declared."""
    message: str
    tool: str | None = None
    """The tool refused, where one tool was refused and the rest of the plug-in loaded."""

    def __str__(self) -> str:
        what = f"tool {self.tool!r} of " if self.tool else ""
        return f"skill plug-in {what}{self.entry_point!r} from {self.distribution}: {self.message}"


def _distribution(ep: importlib.metadata.EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    name = getattr(dist, "name", None) if dist is not None else None
    return str(name) if name else "unknown distribution"


def _plugin_tools(obj: Any) -> list[Tool[Any]]:
    """What an entry point loaded, as tools: a Tool, an iterable of Tools, or a zero-argument
    callable returning either. Anything else raises TypeError naming what it was."""
    if not isinstance(obj, Tool) and callable(obj):
        obj = obj()
        if callable(obj) and not isinstance(obj, Tool):
            raise TypeError(f"its callable returned another callable ({type(obj).__name__}), "
                            "not a Tool or an iterable of Tools")
    if isinstance(obj, Tool):
        return [obj]
    if isinstance(obj, (str, bytes, Mapping)) or not isinstance(obj, Iterable):
        raise TypeError(f"it gave a {type(obj).__name__}, not a Tool, an iterable of Tools, "
                        "or a zero-argument callable returning those")
    tools = list(obj)
    wrong = [type(t).__name__ for t in tools if not isinstance(t, Tool)]
    if wrong:
        raise TypeError(f"it gave an iterable holding non-Tool items ({', '.join(wrong)})")
    if not tools:
        raise TypeError("it gave no tools")
    return tools


def load_plugins(registry: Registry, group: str = PLUGIN_GROUP, *,
                 errors: list[PluginError] | None = None) -> list[str]:
    """Register the tools of every installed skill plug-in; the names registered, in order.

    Each entry point in ``group`` (declared in the plug-in's ``pyproject.toml`` under
    ``[project.entry-points."cockpit.skills"]``) must load to a :class:`Tool`, an iterable of
    Tools, or a zero-argument callable returning those. A plug-in that fails to import, raises,
    or gives anything else is skipped as a whole; a tool whose name is already registered (a
    built-in, or another plug-in's) is refused and the plug-in's other tools still load. Each
    skip is logged as a warning and, when ``errors`` is given, appended to it: a broken
    plug-in never stops the runtime. A tool whose fast-path phrases cannot join the grammar
    (:func:`cockpit.skills.phrases.check_phrases`) is refused the same way. Each tool brings its own
    policy declaration (:class:`~cockpit.skills.registry.Tool`); what it leaves undeclared is the
    strictest value, and ``skills.policy`` can only tighten it.
    """
    found: list[PluginError] = []

    def skip(problem: PluginError) -> None:
        found.append(problem)
        log.warning("%s; skipped", problem)

    loaded: list[str] = []
    for ep in sorted(importlib.metadata.entry_points(group=group), key=lambda e: (e.name, e.value)):
        dist, where = _distribution(ep), f"{ep.name} = {ep.value}"
        try:
            tools = _plugin_tools(ep.load())
        except (Exception, SystemExit) as exc:  # a plug-in's bug must not take the runtime down
            kind = "failed to import" if isinstance(exc, ImportError) else "failed to load"
            skip(PluginError(dist, where, f"{kind}: {type(exc).__name__}: {exc}"))
            continue
        seen: set[str] = set()
        for tool in tools:
            if tool.name in registry:
                owner = registry.source(tool.name)
                whose = "a built-in tool" if owner == BUILTIN else f"a tool from {owner}"
                skip(PluginError(dist, where, f"name clash: {tool.name!r} is already {whose}; "
                                 "rename the plug-in's tool", tool=tool.name))
                continue
            if tool.name in seen:
                skip(PluginError(dist, where, f"it gives two tools named {tool.name!r}", tool=tool.name))
                continue
            problems = check_phrases(tool) + [
                f"vocabulary {slot!r} is already {other.name}'s" for other in registry.tools()
                for slot in tool.vocabulary if slot in other.vocabulary]
            if problems:
                skip(PluginError(dist, where, "its phrases cannot join the grammar: " + "; ".join(problems),
                                 tool=tool.name))
                continue
            seen.add(tool.name)
            registry.register(tool, source=dist)
            loaded.append(tool.name)
            log.info("skill plug-in %s from %s: registered tool %s", where, dist, tool.name)
    if errors is not None:
        errors.extend(found)
    return loaded
