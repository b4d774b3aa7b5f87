"""Tier 1: deterministic grammar intents -> tool calls, with no LLM.

The same rules compile to the JSGF grammar the offline recogniser listens with
(:func:`FastPath.jsgf`), so anything the recogniser can hear, the fast path can parse.

A transcript either matches a rule completely (:class:`Match`: act on it), matches a rule with
an askable argument left out (:class:`Partial`: "turn on the seat heating" -> ask whose seat),
or matches nothing (None: the model tiers, or "not understood"). Only a full match acts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence

from cockpit.brain import commands_en
from cockpit.brain.grammar import ASK, Compiler, Node, SlotType, parse_pattern, slot_refs, words_of
from cockpit.events import ToolCall


LOOP_WEIGHT = 0.001
"""JSGF weight of the everyday-word loop against the commands' 1 (reject='loop')."""


@dataclass(frozen=True)
class CompiledRule:
    tool: str
    pattern: str
    tree: Node
    regex: re.Pattern[str]
    fixed: dict[str, Any]
    asks: tuple[str, ...] = ()
    """Arguments this rule may leave out (askable slots, ASK in ``fixed``), in pattern order."""


@dataclass(frozen=True)
class Match:
    call: ToolCall
    rule: str
    """The pattern that matched (for the turn summary's 'why')."""
    free: tuple[str, ...] = ()
    """Arguments taken as free text (a destination outside the slot's vocabulary): worth reading back."""


@dataclass(frozen=True)
class Partial:
    """A command with arguments missing: ``tool`` with ``known`` arguments, ``missing`` to ask for."""

    tool: str
    known: dict[str, Any]
    missing: tuple[str, ...]
    rule: str


class FastPath:
    """Parses a transcript into a tool call, or returns None when no rule matches.

    A language is a grammar module (RULES, SLOTS, POLITE_PREFIX/SUFFIX, QUESTIONS, DIALOG), a
    word ``joiner`` (' ' for English, '' for Mandarin) and a ``normalize`` function; subclasses
    set those.
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
        self.questions: dict[tuple[str, str], tuple[str, str]] = dict(getattr(g, "QUESTIONS", {}))
        """(tool, argument) -> (the question, the slot type its answer is)"""
        self._compiler = Compiler(self.slots, joiner=self.joiner)
        self._prefix = parse_pattern(prefix)
        self._suffix = parse_pattern(suffix)
        pre = self._compiler.regex(self._prefix)
        suf = self._compiler.regex(self._suffix)
        table = rules if rules is not None else list(g.RULES) + list(getattr(g, "PARTIAL_RULES", []))
        closed, open_ = [], []
        for tool, pattern, fixed in table:
            tree = parse_pattern(pattern)
            body = self._compiler.regex(tree)
            regex = re.compile(f"(?:{pre})?(?:{body})(?:{suf})?")
            refs = slot_refs(tree)
            asks = [a for a, v in fixed.items() if v is ASK]
            for ref in refs:
                if ref.askable and ref.arg not in asks:
                    asks.append(ref.arg)
            rule = CompiledRule(tool, pattern, tree, regex, {k: v for k, v in fixed.items() if v is not ASK},
                                tuple(asks))
            (open_ if any(self.slots[r.slot].open_text for r in refs) else closed).append(rule)
        self.rules: list[CompiledRule] = closed + open_
        """Closed-vocabulary rules first: a free-text slot ('take me to ...') is the last resort."""

    def parse(self, text: str) -> Match | None:
        """The tool call of a COMPLETE command, else None (a partial command is not one)."""
        found = self.match(text)
        return found if isinstance(found, Match) else None

    def match(self, text: str) -> Match | Partial | None:
        """A complete command if any rule matches completely, else a partial one, else None."""
        norm = self.normalize(text)
        if not norm:
            return None
        subject = " " + norm
        partial: Partial | None = None
        for rule in self.rules:
            m = rule.regex.fullmatch(subject)
            if m is None:
                continue
            args = self._arguments(rule, m)
            if args is None:
                continue
            missing = tuple(a for a in rule.asks if a not in args)
            if not missing:
                free = tuple(k for k, v in m.groupdict().items() if v is not None and self._is_free(k, v))
                return Match(ToolCall(rule.tool, args), rule.pattern, tuple(k.split("__")[0] for k in free))
            if partial is None:
                partial = Partial(rule.tool, args, missing, rule.pattern)
        return partial

    def _arguments(self, rule: CompiledRule, m: re.Match[str]) -> dict[str, Any] | None:
        args = dict(rule.fixed)
        for group, value in m.groupdict().items():
            if value is None:
                continue
            arg, slot, _n = group.split("__")  # named by the compiler: arg__slot__counter
            try:
                args[arg] = self.slots[slot].parse(value, self.joiner)
            except (KeyError, ValueError):
                return None
        return args

    def _is_free(self, group: str, value: str) -> bool:
        slot = self.slots[group.split("__")[1]]
        key = "".join(value.split()) if self.joiner == "" else " ".join(value.split())
        return slot.open_text and key not in slot.values

    def answer_slot(self, tool: str, arg: str) -> tuple[str, SlotType] | None:
        """(question, answer slot) for a missing argument, if the grammar knows how to ask."""
        entry = self.questions.get((tool, arg))
        return (entry[0], self.slots[entry[1]]) if entry else None

    def jsgf(self, name: str = "cockpit", wake: "str | Sequence[str] | None" = None, dialog: bool = False,
             reject: str = "guards") -> str:
        """The command grammar as JSGF, for PocketSphinx. Rule ``<command>`` is public.

        ``wake`` (e.g. 'cockpit', or every phrase of ``cockpit.wake.wake_phrases``: 'hey jarvis')
        lets an utterance begin with '[hey | okay] cockpit', so the wake phrase and the command can
        be said in one breath, and a model's wake phrase is heard as itself, not forced into a command. ``dialog`` gives the grammar of
        answers instead — to a read-back (yes / no / cancel ...) and to the fast path's own
        questions ("for me", "the passenger", "three") — used only while one is pending.
        ``reject``: what else the recogniser may hear, so that it is not forced into a command:
        'guards' — any command after NOT_COMMAND_LEAD ("don't", "did you", "tell my wife to") or
        before NOT_COMMAND_TAIL ("later"), which the front end then refuses; 'loop' — also a loop
        of everyday words (COMMON_WORDS) for any other speech; '' — neither.
        """
        c = self._compiler
        g = self.grammar
        lines = ["#JSGF V1.0;", f"grammar {name};", ""]
        bodies = [f"<r{i}>" for i in range(len(self.rules))]
        head = ""
        if wake:  # 'cockpit', or several phrases ('cockpit', 'hey jarvis'): each may follow a greeting
            phrases = [wake] if isinstance(wake, str) else list(wake)
            cores = sorted({" ".join(p.lower().split()[1:]) if p.lower().split()[0] in ("hey", "okay", "ok", "hi")
                            and len(p.split()) > 1 else p.lower() for p in phrases})
            head = f"[ [ hey | okay ] ( {' | '.join(cores)} ) ] "
        if dialog:  # yes / no only: answers like "low" or "me" beside them turned a spoken "no" into "low"
            lines.append(f"public <command> = {head}<dialog>;")
        else:
            body, others = "<body>", ""
            lead, tail = getattr(g, "NOT_COMMAND_LEAD", ""), getattr(g, "NOT_COMMAND_TAIL", "")
            if reject in ("guards", "loop") and lead:  # one reference to the commands: the FSG stays one size
                body = f"[ {c.jsgf(parse_pattern(lead))} ] <body> [ {c.jsgf(parse_pattern(tail))} ]"
            if reject == "loop" and getattr(g, "COMMON_WORDS", ()):
                others += f" | /{LOOP_WEIGHT}/ <other>+"
                lines.append("<other> = " + " | ".join(sorted(set(g.COMMON_WORDS))) + ";")
            weight = "/1/ " if others else ""
            lines.append(f"public <command> = {head}( {weight}{body}{others} );")
            lines.append(f"<body> = [ {c.jsgf(self._prefix)} ] ( {' | '.join(bodies)} ) [ {c.jsgf(self._suffix)} ];")
        lines.append("<dialog> = " + " | ".join(getattr(g, "DIALOG", ["yes", "no"])) + ";")
        for i, rule in enumerate(self.rules):
            lines.append(f"<r{i}> = {c.jsgf(rule.tree)};")
        used = {ref.slot for r in self.rules for ref in slot_refs(r.tree)}
        for slot in sorted(used):
            phrases = sorted(self.slots[slot].values)
            lines.append(f"<{slot}> = " + " | ".join(phrases) + ";")
        return "\n".join(lines) + "\n"

    def vocabulary(self) -> set[str]:
        """Every word the grammar can produce."""
        words = words_of(self._prefix, self.slots) | words_of(self._suffix, self.slots)
        g = self.grammar
        words |= {w for phrase in getattr(g, "DIALOG", []) for w in phrase.split()}
        words |= set(getattr(g, "COMMON_WORDS", ()))
        for extra in (getattr(g, "NOT_COMMAND_LEAD", ""), getattr(g, "NOT_COMMAND_TAIL", "")):
            if extra:
                words |= words_of(parse_pattern(extra), self.slots)
        for rule in self.rules:
            words |= words_of(rule.tree, self.slots)
        return words
