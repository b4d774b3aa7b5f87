"""Tier 1: deterministic grammar intents -> tool calls, with no LLM.

The same rules compile to the JSGF grammar the offline recogniser listens with
(:func:`FastPath.jsgf`), so anything the recogniser can hear, the fast path can parse.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from cockpit.brain import commands_en
from cockpit.brain.grammar import Compiler, Node, SlotType, parse_pattern, slot_refs, words_of
from cockpit.events import ToolCall


@dataclass(frozen=True)
class CompiledRule:
    tool: str
    pattern: str
    tree: Node
    regex: re.Pattern[str]
    fixed: dict[str, Any]
    slot_of: dict[str, str]
    """argument name -> slot type name"""


@dataclass(frozen=True)
class Match:
    call: ToolCall
    rule: str
    """The pattern that matched (for the turn summary's 'why')."""


class FastPath:
    """Parses a transcript into a tool call, or returns None when no rule matches.

    A language is a grammar module (RULES, SLOTS, POLITE_PREFIX/SUFFIX), a word ``joiner``
    (' ' for English, '' for Mandarin) and a ``normalize`` function; subclasses set those.
    """

    joiner = " "
    grammar = commands_en

    @staticmethod
    def normalize(text: str) -> str:
        return commands_en.normalize(text)

    def __init__(self, rules: list[tuple[str, str, dict]] | None = None,
                 slots: dict[str, SlotType] | None = None, *,
                 prefix: str | None = None, suffix: str | None = None):
        g = self.grammar
        prefix = prefix or g.POLITE_PREFIX
        suffix = suffix or g.POLITE_SUFFIX
        self.slots = slots or g.SLOTS
        self._compiler = Compiler(self.slots, joiner=self.joiner)
        self._prefix = parse_pattern(prefix)
        self._suffix = parse_pattern(suffix)
        pre = self._compiler.regex(self._prefix)
        suf = self._compiler.regex(self._suffix)
        self.rules: list[CompiledRule] = []
        for tool, pattern, fixed in rules or g.RULES:
            tree = parse_pattern(pattern)
            body = self._compiler.regex(tree)
            regex = re.compile(f"(?:{pre})?(?:{body})(?:{suf})?")
            slot_of = {ref.arg: ref.slot for ref in slot_refs(tree)}
            self.rules.append(CompiledRule(tool, pattern, tree, regex, dict(fixed), slot_of))

    def parse(self, text: str) -> Match | None:
        norm = self.normalize(text)
        if not norm:
            return None
        subject = " " + norm
        for rule in self.rules:
            m = rule.regex.fullmatch(subject)
            if m is None:
                continue
            args = dict(rule.fixed)
            for group, value in m.groupdict().items():
                if value is None:
                    continue
                arg, _, _ = group.partition("__")
                try:
                    args[arg] = self.slots[rule.slot_of[arg]].parse(value, self.joiner)
                except (KeyError, ValueError):
                    break
            else:
                return Match(ToolCall(rule.tool, args), rule.pattern)
        return None

    def jsgf(self, name: str = "cockpit", wake: str | None = None, dialog: bool = False) -> str:
        """The command grammar as JSGF, for PocketSphinx. Rule ``<command>`` is public.

        ``wake`` (e.g. 'cockpit') lets an utterance begin with '[hey | okay] cockpit', so the
        wake phrase and the command can be said in one breath. ``dialog`` gives the grammar of
        answers to a read-back instead (yes / no / cancel ...), used only while one is pending.
        """
        c = self._compiler
        lines = ["#JSGF V1.0;", f"grammar {name};", ""]
        bodies = [f"<r{i}>" for i in range(len(self.rules))]
        head = f"[ [ hey | okay ] {wake.lower()} ] " if wake else ""
        if dialog:
            lines.append(f"public <command> = {head}<dialog>;")
        else:
            lines.append(f"public <command> = {head}[ {c.jsgf(self._prefix)} ] ( {' | '.join(bodies)} ) "
                         f"[ {c.jsgf(self._suffix)} ];")
        lines.append("<dialog> = " + " | ".join(getattr(self.grammar, "DIALOG", ["yes", "no"])) + ";")
        for i, rule in enumerate(self.rules):
            lines.append(f"<r{i}> = {c.jsgf(rule.tree)};")
        used = sorted({ref.slot for r in self.rules for ref in slot_refs(r.tree)})
        for slot in used:
            phrases = sorted(self.slots[slot].values)
            lines.append(f"<{slot}> = " + " | ".join(phrases) + ";")
        return "\n".join(lines) + "\n"

    def vocabulary(self) -> set[str]:
        """Every word the grammar can produce."""
        words = words_of(self._prefix, self.slots) | words_of(self._suffix, self.slots)
        words |= {w for phrase in getattr(self.grammar, "DIALOG", []) for w in phrase.split()}
        for rule in self.rules:
            words |= words_of(rule.tree, self.slots)
        return words


