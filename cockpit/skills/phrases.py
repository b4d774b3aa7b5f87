"""Fast-path phrases a tool brings with it: the same pattern syntax as the built-in grammar.

A tool (a plug-in's, the Home Assistant skill's) may declare ``phrases`` — rows of the grammar
table in :mod:`cockpit.brain.grammar`'s pattern syntax — and a ``vocabulary`` of its own closed
slot types. :func:`fast_path` merges them after the built-in rules (a built-in rule that matches
wins) into the one table that is parsed on the fast path AND compiled to the JSGF PocketSphinx
listens with, so what the recogniser can hear and the fast path can parse stay one thing::

    Tool("ambient_light", ..., phrases=(
        Phrase("(set | turn) [the] (ambient | mood) (light | lights) to {color:ambient_colour}",
               {"brightness": 60}),),
        vocabulary={"ambient_colour": {"blue": "blue", "warm white": "warm_white"}})

:func:`check_phrases` refuses a tool whose phrases do not parse, name a slot nobody defines, fill an
argument the tool does not take, redefine a built-in slot, or (English) use a word the offline
recogniser's dictionary lacks — the plug-in loader reports it and skips the tool.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterable, Literal, Mapping

if TYPE_CHECKING:  # the brain imports the registry; the registry imports this module
    from cockpit.brain.commands_zh import BilingualFastPath


@dataclass(frozen=True)
class Phrase:
    """One grammar row for a tool: words (pattern syntax) and the arguments they imply."""

    pattern: str
    """E.g. ``(open | close) the garage [door]``; ``{arg:slot}`` fills argument ``arg``."""
    fixed: Mapping[str, Any] = field(default_factory=dict)
    """Arguments the words imply (a slot value overrides one of the same name)."""
    language: Literal["en", "zh"] = "en"


def _grammar(language: str):
    from cockpit.brain import commands_en, commands_zh
    return commands_en if language == "en" else commands_zh


def _tool_rows(tools: Iterable[Any], language: str) -> tuple[list[tuple[str, str, dict]], dict[str, Any]]:
    from cockpit.brain.grammar import SlotType
    rows, slots = [], {}
    for tool in tools:
        rows += [(tool.name, p.pattern, dict(p.fixed)) for p in tool.phrases if p.language == language]
        if any(p.language == language for p in tool.phrases):
            slots.update({name: SlotType(name, dict(values)) for name, values in tool.vocabulary.items()})
    return rows, slots


def fast_path(tools: Iterable[Any]) -> "BilingualFastPath":
    """The bilingual fast path: the built-in grammar plus every tool's phrases, one table per language."""
    from cockpit.brain.commands_zh import BilingualFastPath, FastPathZh
    from cockpit.brain.fastpath import FastPath
    tools = list(tools)
    made = {}
    for language, cls in (("en", FastPath), ("zh", FastPathZh)):
        rows, slots = _tool_rows(tools, language)
        if rows:
            g = _grammar(language)
            made[language] = cls(list(g.RULES) + list(getattr(g, "PARTIAL_RULES", [])) + rows, {**g.SLOTS, **slots})
    return BilingualFastPath(made.get("en"), made.get("zh"))


@lru_cache(maxsize=1)
def _dictionary() -> frozenset[str] | None:
    try:
        from cockpit.asr.sphinx import dictionary_words
        return frozenset(dictionary_words())
    except Exception:  # noqa: BLE001 - no PocketSphinx here: nothing to check the words against
        return None


def check_phrases(tool: Any) -> list[str]:
    """Why ``tool``'s phrases cannot join the grammar (empty: they can)."""
    from cockpit.brain.grammar import PatternError, SlotType, Word, parse_pattern, slot_refs, walk
    problems: list[str] = []
    fields = set(tool.args.model_fields)
    for language in ("en", "zh"):
        g = _grammar(language)
        own = {name: SlotType(name, dict(values)) for name, values in tool.vocabulary.items()}
        for name in own:
            if name in g.SLOTS:
                problems.append(f"vocabulary {name!r} would replace the built-in slot of that name: rename it")
        slots = {**g.SLOTS, **own}
        for phrase in (p for p in tool.phrases if p.language == language):
            try:
                tree = parse_pattern(phrase.pattern)
            except PatternError as exc:
                problems.append(str(exc))
                continue
            for ref in slot_refs(tree):
                if ref.slot not in slots:
                    problems.append(f"phrase {phrase.pattern!r}: no slot type {ref.slot!r} (declare it in vocabulary)")
                if ref.arg not in fields:
                    problems.append(f"phrase {phrase.pattern!r}: {tool.name} has no argument {ref.arg!r}")
            problems += [f"phrase {phrase.pattern!r}: {tool.name} has no argument {k!r}" for k in phrase.fixed
                         if k not in fields]
            words = _dictionary() if language == "en" else None
            if words is not None:
                said = {w for n in walk(tree) if isinstance(n, Word) for w in n.text.split()}
                said |= {w for r in slot_refs(tree) if r.slot in own for v in own[r.slot].values for w in v.split()}
                unknown = sorted(w for w in said if w not in words)
                if unknown:
                    problems.append(f"phrase {phrase.pattern!r}: {', '.join(unknown)} not in the offline recogniser's "
                                    "dictionary (PocketSphinx cmudict): use other words")
    return problems


__all__ = ["Phrase", "check_phrases", "fast_path"]
