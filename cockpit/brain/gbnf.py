"""A llama.cpp GBNF grammar that forces exactly one valid-looking tool call.

Used when a turn must end in a tool call: the local model can then only write
``<tool_call>{"name": "<a registered tool>", "arguments": {...}}</tool_call>`` where the
arguments object follows that tool's JSON schema: properties in declared order, required
ones present, optional ones omissible, each value of its type (integer, number, boolean,
string, enum/Literal, nullable, nested object or array).

What GBNF cannot say is left to :func:`cockpit.brain.toolcall.validate`: numeric bounds
(``minimum``/``maximum``, e.g. 16-30 degrees Celsius) are not expressed, except that a
non-negative minimum forbids the minus sign; string lengths are, as repetition counts.
"""
from __future__ import annotations

import json
import re
from typing import Any, Mapping, Sequence

from cockpit.skills.registry import Registry

_PRIMITIVES = {
    "ws": '" "?',  # compact JSON: a sampled model cannot spend its token budget on blanks
    "boolean": '"true" | "false"',
    "null": '"null"',
    "natural": '"0" | [1-9] [0-9]{0,15}',
    "integer": '"-"? natural',
    "unsigned": 'natural ("." [0-9]{1,15})?',
    "number": '"-"? unsigned',
    "char": '[^"\\\\\\x7F\\x00-\\x1F] | "\\\\" (["\\\\/bfnrt] | "u" [0-9a-fA-F]{4})',
    "string": '"\\"" char* "\\""',
}
"""Shared rules; numbers are plain JSON decimals without exponent, at most 15 digits a side."""
_NEEDS = {"string": ("char",), "integer": ("natural",), "number": ("unsigned", "natural"),
          "unsigned": ("natural",)}

_MAX_LENGTH = 256
"""Longest string the grammar spells out as a repetition count; longer ones are unbounded."""


def literal(text: str) -> str:
    """``text`` as a GBNF string literal."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def rule_name(*parts: str) -> str:
    """A GBNF rule name (letters, digits and dashes) from tool and property names."""
    return "-".join(re.sub(r"[^A-Za-z0-9]+", "-", p).strip("-") for p in parts if p)


class _Builder:
    def __init__(self) -> None:
        self.rules: dict[str, str] = {}
        self.used: set[str] = set()
        self.defs: Mapping[str, Any] = {}

    def prim(self, name: str) -> str:
        self.used.add(name)
        self.used.update(_NEEDS.get(name, ()))
        return name

    def add(self, name: str, body: str) -> str:
        if self.rules.get(name, body) != body:
            raise ValueError(f"two different grammar rules would both be called {name!r}")
        self.rules[name] = body
        return name

    def value(self, schema: Mapping[str, Any], name: str) -> str:
        """A GBNF expression for one JSON value matching ``schema``."""
        if "$ref" in schema:
            ref = schema["$ref"].rsplit("/", 1)[-1]
            return self.value(self.defs[ref], name)
        if "const" in schema:
            return literal(json.dumps(schema["const"], ensure_ascii=False))
        if "enum" in schema:
            alts = [literal(json.dumps(v, ensure_ascii=False)) for v in schema["enum"]]
            return "(" + " | ".join(alts) + ")"
        options = schema.get("anyOf") or schema.get("oneOf")
        if options:
            return "(" + " | ".join(self.value(o, f"{name}-{i}") for i, o in enumerate(options)) + ")"
        kind = schema.get("type")
        if isinstance(kind, list):
            alts = [self.value({**schema, "type": k}, f"{name}-{k}") for k in kind]
            return "(" + " | ".join(alts) + ")"
        if kind in ("integer", "number"):
            low = schema.get("minimum", schema.get("exclusiveMinimum"))
            if low is not None and low >= 0:  # the one bound GBNF says cheaply: no minus sign
                return self.prim("natural" if kind == "integer" else "unsigned")
            return self.prim(kind)
        if kind in ("boolean", "null"):
            return self.prim(kind)
        if kind == "string":
            low, high = schema.get("minLength", 0), schema.get("maxLength")
            if low == 0 and (high is None or high > _MAX_LENGTH):
                return self.prim("string")
            self.prim("char")
            count = f"{{{low},{high if high is not None and high <= _MAX_LENGTH else ''}}}"
            return self.add(f"{name}-value", f'"\\"" char{count} "\\""')
        if kind == "object" or "properties" in schema:
            return self.add(f"{name}-object", self.object(schema, name))
        if kind == "array":
            item = self.value(schema.get("items", {"type": "string"}), f"{name}-item")
            self.prim("ws")
            return self.add(f"{name}-array",
                            f'"[" ws ({item} (ws "," ws {item})*)? ws "]"')
        raise ValueError(f"{name}: no grammar for the JSON schema {dict(schema)!r}")

    def object(self, schema: Mapping[str, Any], name: str) -> str:
        """``{...}`` with the properties in declared order and commas only between them."""
        self.prim("ws")
        props = list(schema.get("properties", {}).items())
        required = set(schema.get("required", ()))
        pairs = [self.add(rule_name(name, key, "kv"),
                          f'{literal(json.dumps(key))} ws ":" ws {self.value(sub, rule_name(name, key))}')
                 for key, sub in props]

        def first(i: int) -> str:
            """Properties i.. when none has been written yet."""
            if i == len(props):
                return ""
            rest = " ".join(f'(ws "," ws {pairs[j]})' + ("" if props[j][0] in required else "?")
                            for j in range(i + 1, len(props)))
            head = f"{pairs[i]} {rest}".strip()
            if props[i][0] in required:
                return head
            tail = first(i + 1)
            return f"({head} | {tail})" if tail else f"({head})?"

        body = first(0)
        return f'"{{" ws {body} ws "}}"' if body else '"{" ws "}"'


NONE_TOOL = "none"
"""The choice a constrained model makes when no tool fits: ``{"name": "none", "arguments": {}}``."""


WORDS_ONLY = 'root ::= [^<{}]+\n'
"""Plain words, no tag and no JSON: a reply after the model made up a tool that does not exist."""


def tool_call_grammar(registry: Registry, tools: Sequence[str] | None = None, *, allow_none: bool = False) -> str:
    """The GBNF forcing one ``<tool_call>`` to one of ``tools`` (default: every tool); with
    ``allow_none`` the call may also be ``{"name": "none", "arguments": {}}`` (nothing fits)."""
    names = list(tools) if tools is not None else registry.names()
    if not names:
        raise ValueError("a tool-call grammar needs at least one tool")
    if NONE_TOOL in names:
        raise ValueError(f"a tool may not be called {NONE_TOOL!r}: that name is the grammar's 'no tool' choice")
    b = _Builder()
    b.prim("ws")
    calls = []
    for name in names:
        params = registry.get(name).schema()["function"]["parameters"]
        b.defs = params.get("$defs", {})
        args = b.value({"type": "object", **params}, rule_name("args", name))
        calls.append(b.add(rule_name("call", name),
                           f'{literal(json.dumps(name))} ws "," ws "\\"arguments\\"" ws ":" ws {args}'))
    if allow_none:
        calls.append(b.add("call-none", f'{literal(json.dumps(NONE_TOOL))} ws "," ws "\\"arguments\\"" ws ":" ws "{{" ws "}}"'))
    lines = [
        'root ::= "<tool_call>" ws "{" ws "\\"name\\"" ws ":" ws call ws "}" ws "</tool_call>"',
        "call ::= " + " | ".join(calls),
    ]
    lines += [f"{n} ::= {body}" for n, body in b.rules.items()]
    lines += [f"{n} ::= {_PRIMITIVES[n]}" for n in _PRIMITIVES if n in b.used]
    return "\n".join(lines) + "\n"


def check(grammar: str) -> None:
    """Raise ValueError unless llama.cpp's own parser accepts ``grammar`` (needs llama-cpp-python;
    llama.cpp prints the parse error itself on stderr)."""
    import llama_cpp  # imported here: only callers that have the local tier need it

    sampler = llama_cpp.llama_sampler_init_grammar(None, grammar.encode("utf-8"), b"root")
    if not sampler:
        raise ValueError("llama.cpp rejected the grammar; its parse error is on stderr")
    llama_cpp.llama_sampler_free(sampler)


__all__ = ["NONE_TOOL", "WORDS_ONLY", "check", "literal", "rule_name", "tool_call_grammar"]
