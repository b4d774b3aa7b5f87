"""The built-in tools, one module per area, and the registry that holds them all."""
from __future__ import annotations

from cockpit.skills.builtin import climate, commerce, comms, media, navigation, nearby, privacy, status, windows
from cockpit.skills.registry import Registry

AREAS = (climate, windows, media, navigation, nearby, status, commerce, comms, privacy)
"""Each module exposes ``TOOLS``; registration order is the order tools appear in prompts."""


def default_registry() -> Registry:
    """A fresh registry with every built-in tool."""
    registry = Registry()
    for area in AREAS:
        for tool in area.TOOLS:
            registry.register(tool)
    return registry


__all__ = ["AREAS", "default_registry"]
