"""One way to choose an engine: a table of kind -> builder per engine kind.

Every engine kind (recogniser, VAD, wake spotter, voice, vehicle feed, LLM tier) has a table in
its own package mapping the configured name to a function that builds the engine from its
settings. Adding an engine is its module plus one line in that table; an unknown name is a
config error naming the key and the allowed values. Builders import their engine lazily, so an
engine that is not configured is never imported.
"""
from __future__ import annotations

from typing import Callable, Mapping, TypeVar

T = TypeVar("T")


def pick(key: str, name: str, table: Mapping[str, T]) -> T:
    """``table[name]``, or a config error naming ``key`` (e.g. ``asr.engine``) and the allowed values."""
    try:
        return table[name]
    except KeyError:
        from cockpit.config import ConfigError
        raise ConfigError("settings", [(key, f"unknown value {name!r}", f"use one of: {', '.join(sorted(table))}")]) from None


Builder = Callable[..., object]
