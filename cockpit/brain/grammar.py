"""A tiny pattern language compiled two ways: to a regex (the fast path) and to JSGF (the recogniser).

Pattern syntax, one per intent variant::

    [please] (set | change) the temperature to {celsius:temperature} [degrees]

- ``word``          a literal word (lower case; for Mandarin, one or more characters)
- ``~word``         a word only the recogniser hears (JSGF), never parsed: put it in brackets where
                    a negation would otherwise be forced into a command ("it's [~not] too loud")
- ``[ ... ]``       optional
- ``( a | b )``     alternatives
- ``{arg:slot}``    a slot of a named type; its value becomes tool argument ``arg``
- ``{arg:slot?}``   the same slot, askable: where brackets make it optional (``[to {x:y?}]``) and the
                    driver leaves it out, the command is *partial* and the fast path asks for ``arg``
                    (the language's QUESTIONS table says how)

Both compilations come from one parse tree, so what the recogniser can hear and what the
fast path can parse never drift apart. ``joiner`` is ' ' for English and '' for Mandarin.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterator, Union


@dataclass(frozen=True)
class Word:
    text: str
    heard_only: bool = False
    """``~not``: the recogniser can hear it, the parser never matches it ("it's [~not] too loud" is
    heard as the negation it is, and the fast path does not act on it)."""


@dataclass(frozen=True)
class SlotRef:
    arg: str
    slot: str
    askable: bool = False
    """``{arg:slot?}``: a match without it (brackets around it made it optional) is a partial command
    that asks for it."""


@dataclass(frozen=True)
class Seq:
    items: tuple["Node", ...]


@dataclass(frozen=True)
class Alt:
    options: tuple["Node", ...]


@dataclass(frozen=True)
class Opt:
    inner: "Node"


Node = Union[Word, SlotRef, Seq, Alt, Opt]

ASK = ...
"""In a rule's fixed arguments, ``{"window": ASK}`` says the words name no window: ask for it."""

_TOKEN = re.compile(r"\s*(\[|\]|\(|\)|\||\{[a-z_]+:[a-z_]+\??\}|[^\s\[\]()|{}]+)")


class PatternError(ValueError):
    pass


def parse_pattern(text: str) -> Node:
    """Parse one pattern into a tree; raises PatternError naming the pattern."""
    tokens: list[str] = []
    pos = 0
    stripped = text.strip()
    while pos < len(stripped):
        m = _TOKEN.match(stripped, pos)
        if not m:
            raise PatternError(f"cannot read pattern {text!r} at {stripped[pos:]!r}")
        tokens.append(m.group(1))
        pos = m.end()
    node, rest = _parse_alt(tokens, text)
    if rest:
        raise PatternError(f"unbalanced brackets in pattern {text!r}")
    return node


def _parse_alt(tokens: list[str], text: str) -> tuple[Node, list[str]]:
    options = []
    seq, tokens = _parse_seq(tokens, text)
    options.append(seq)
    while tokens and tokens[0] == "|":
        seq, tokens = _parse_seq(tokens[1:], text)
        options.append(seq)
    return (options[0] if len(options) == 1 else Alt(tuple(options))), tokens


def _parse_seq(tokens: list[str], text: str) -> tuple[Node, list[str]]:
    items: list[Node] = []
    while tokens and tokens[0] not in ("|", ")", "]"):
        tok, tokens = tokens[0], tokens[1:]
        if tok in ("(", "["):
            inner, tokens = _parse_alt(tokens, text)
            close = ")" if tok == "(" else "]"
            if not tokens or tokens[0] != close:
                raise PatternError(f"missing {close!r} in pattern {text!r}")
            tokens = tokens[1:]
            items.append(inner if tok == "(" else Opt(inner))
        elif tok.startswith("{"):
            arg, slot = tok[1:-1].split(":")
            items.append(SlotRef(arg, slot.rstrip("?"), slot.endswith("?")))
        else:
            items.append(Word(tok.lstrip("~"), tok.startswith("~")))
    if not items:
        raise PatternError(f"empty alternative in pattern {text!r}")
    return (items[0] if len(items) == 1 else Seq(tuple(items))), tokens


@dataclass(frozen=True)
class SlotType:
    """A closed vocabulary of spoken phrases (for JSGF) plus an open regex for typed text.

    ``values`` maps each spoken phrase to its value; ``extra_regex`` admits forms that the
    recogniser never produces but a typed request may (digits, free-text destinations);
    ``convert`` turns such a match into a value. ``open_text``: the extra regex takes any words
    (a destination, a contact), so rules using it are tried after every closed rule.
    """

    name: str
    values: dict[str, object]
    extra_regex: str = ""
    convert: Callable[[str], object] | None = None
    open_text: bool = False

    def parse(self, text: str, joiner: str) -> object:
        key = joiner.join(text.split()) if joiner == "" else " ".join(text.split())
        if key in self.values:
            return self.values[key]
        if self.convert is not None:
            return self.convert(key)
        raise KeyError(key)


@dataclass
class Compiler:
    """Compiles parse trees for one language."""

    slots: dict[str, SlotType]
    joiner: str = " "
    _counter: int = field(default=0, repr=False)

    def _sep(self) -> str:
        return r"\s+" if self.joiner == " " else r"\s*"

    def regex(self, node: Node) -> str:
        """Regex where every element carries its own leading separator (so optionals compose)."""
        sep = self._sep()
        if isinstance(node, Word) and node.heard_only:
            return "(?!)"  # never matches: inside [ ] the parser simply skips it
        if isinstance(node, Word):
            parts = [re.escape(ch) for ch in node.text] if self.joiner == "" else [re.escape(node.text)]
            return "(?:" + sep + (r"\s*".join(parts)) + ")"
        if isinstance(node, SlotRef):
            slot = self.slots[node.slot]
            phrases = sorted(slot.values, key=len, reverse=True)
            alts = [self._phrase_regex(p) for p in phrases]
            if slot.extra_regex:
                alts.append(slot.extra_regex)
            self._counter += 1
            return f"(?:{sep}(?P<{node.arg}__{node.slot}__{self._counter}>" + "|".join(alts) + "))"
        if isinstance(node, Seq):
            return "".join(self.regex(i) for i in node.items)
        if isinstance(node, Alt):
            return "(?:" + "|".join(self.regex(o) for o in node.options) + ")"
        if isinstance(node, Opt):
            return "(?:" + self.regex(node.inner) + ")?"
        raise TypeError(node)

    def _phrase_regex(self, phrase: str) -> str:
        if self.joiner == "":
            return r"\s*".join(re.escape(ch) for ch in phrase.replace(" ", ""))
        return r"\s+".join(re.escape(w) for w in phrase.split())

    def jsgf(self, node: Node) -> str:
        if isinstance(node, Word):
            return " ".join(node.text) if self.joiner == "" else node.text
        if isinstance(node, SlotRef):
            return f"<{node.slot}>"
        if isinstance(node, Seq):
            return " ".join(self.jsgf(i) for i in node.items)
        if isinstance(node, Alt):
            return "( " + " | ".join(self.jsgf(o) for o in node.options) + " )"
        if isinstance(node, Opt):
            return "[ " + self.jsgf(node.inner) + " ]"
        raise TypeError(node)


def walk(node: Node) -> Iterator[Node]:
    """Every node of a tree, depth first."""
    yield node
    if isinstance(node, Seq):
        children: tuple[Node, ...] = node.items
    elif isinstance(node, Alt):
        children = node.options
    elif isinstance(node, Opt):
        children = (node.inner,)
    else:
        children = ()
    for child in children:
        yield from walk(child)


def slot_refs(node: Node) -> list[SlotRef]:
    return [n for n in walk(node) if isinstance(n, SlotRef)]


def words_of(node: Node, slots: dict[str, SlotType]) -> set[str]:
    """Every literal word a tree can produce (for dictionary checks)."""
    words: set[str] = set()
    for n in walk(node):
        if isinstance(n, Word):
            words.update(n.text.split())
        elif isinstance(n, SlotRef):
            words.update(w for phrase in slots[n.slot].values for w in phrase.split())
    return words
