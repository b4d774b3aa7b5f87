"""Hermes/Qwen tool calls parsed while the model streams.

Replies are text plus ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>`` blocks, and
Qwen3 may think inside ``<think>...</think>`` (never spoken). :class:`ToolCallParser` yields
:class:`SpokenText` as soon as text cannot start a tag, then :class:`CallReady`/:class:`CallInvalid`;
:func:`validate` checks one call and :func:`repair_prompt` words the correction. Pure, no I/O.
A tag or block removed between two words leaves a space ("a<think>...</think>b" is said "a b"),
so removing one never joins the text around it into a word, or into a tag.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from cockpit.errors import ToolError
from cockpit.events import ToolCall
from cockpit.skills.registry import Registry

OPEN, CLOSE = "<tool_call>", "</tool_call>"
THINK_OPEN, THINK_CLOSE = "<think>", "</think>"
_SHAPE = 'Write {"name": ..., "arguments": {...}}'
_TEXT_TAGS = (OPEN, THINK_OPEN, THINK_CLOSE, CLOSE)  # stray closing tags are dropped, unspoken


class InvalidToolCall(ToolError):
    """A tool call that cannot run, with what the repair prompt needs to explain it."""

    def __init__(self, message: str, *, code: str, hint: str = "", name: str | None = None,
                 schema: Mapping[str, Any] | None = None, known: Sequence[str] = ()):
        super().__init__(message, code=code, hint=hint)
        self.name = name  # the tool the model meant, when it named one
        self.schema = schema  # that tool's OpenAI-style schema, when the tool exists
        self.known = tuple(known)  # every tool name, for a call to one that does not exist


@dataclass(frozen=True, slots=True)
class SpokenText:
    """Text the driver may hear, in reply order."""

    text: str


@dataclass(frozen=True, slots=True)
class CallReady:
    """A complete call that passed validation (only the shape check without a registry)."""

    call: ToolCall
    raw: str
    """The text between the tags, as the model wrote it."""


@dataclass(frozen=True, slots=True)
class CallInvalid:
    """A tool-call block that cannot run; ``error`` feeds :func:`repair_prompt`."""

    raw: str
    error: ToolError

    @property
    def reason(self) -> str:
        return str(self.error.args[0])


Parsed = SpokenText | CallReady | CallInvalid


def _structure(parsed: Any) -> tuple[str, dict[str, Any]]:
    """``{"name": ..., "arguments": ...}`` -> (name, arguments); a string of JSON arguments
    is decoded once. Raises InvalidToolCall ``tool-bad-json`` for any other shape."""
    if not isinstance(parsed, Mapping):
        raise InvalidToolCall(f"a tool call must be a JSON object, not {type(parsed).__name__}",
                              code="tool-bad-json", hint=_SHAPE + ".")
    name = parsed.get("name")
    if not isinstance(name, str) or not name:
        raise InvalidToolCall("the tool call has no \"name\" string", code="tool-bad-json",
                              hint=_SHAPE + ".")
    args = parsed.get("arguments") or {}
    if isinstance(args, str):
        try:
            args = json.loads(args) if args.strip() else {}
        except json.JSONDecodeError:
            pass  # reported just below as arguments that are not an object
    if not isinstance(args, Mapping):
        raise InvalidToolCall(f"the arguments of {name} must be a JSON object, not "
                              f"{json.dumps(args, ensure_ascii=False)[:60]}", code="tool-bad-arguments", name=name,
                              hint="Give arguments as a JSON object.")
    return name, dict(args)


def validate(parsed: Any, registry: Registry) -> ToolCall:
    """A decoded tool-call object -> a ToolCall whose arguments the tool's model accepts.

    The arguments in the result are the validated ones (strings stripped, numbers coerced),
    limited to those the model gave. Raises InvalidToolCall carrying the registry's code and
    message: ``tool-unknown``, ``tool-bad-arguments`` or ``tool-bad-json``.
    """
    name = None
    try:
        name, args = _structure(parsed)
        tool, model = registry.validate(ToolCall(name, args))
    except ToolError as exc:
        name = getattr(exc, "name", name)
        schema = registry.get(name).schema() if name in registry else None
        raise InvalidToolCall(exc.args[0], code=exc.code, hint=exc.hint, name=name,
                              schema=schema, known=registry.names()) from None
    return ToolCall(tool.name, model.model_dump(mode="json", exclude_unset=True))


def repair_prompt(error: ToolError) -> str:
    """The one message sent back to the model after a call it made was rejected."""
    lines = [f"Your tool call was rejected: {error.args[0] if error.args else error}."]
    if error.hint:
        lines.append(error.hint)
    schema, known = getattr(error, "schema", None), getattr(error, "known", ())
    if schema is not None:
        function = schema.get("function", schema)
        lines.append(f"The schema of {function.get('name', 'the tool')} is: "
                     + json.dumps(function.get("parameters", function), ensure_ascii=False))
    elif known and error.code != "tool-unknown":  # the registry's hint lists them already
        lines.append("The tools you can call are: " + ", ".join(known) + ".")
    lines.append(f'Answer again with exactly one corrected {OPEN}{{"name": ..., "arguments": '
                 f"{{...}}}}{CLOSE} and nothing else.")
    return "\n".join(lines)


def _partial_suffix(buf: str, tags: Sequence[str]) -> int:
    """Length of the longest end of ``buf`` that is a proper prefix of one of ``tags``."""
    for k in range(min(len(buf), max(map(len, tags)) - 1), 0, -1):
        if any(tag.startswith(buf[-k:]) and len(tag) > k for tag in tags):
            return k
    return 0


class ToolCallParser:
    """Feed model deltas, get speech and tool calls in reply order. One parser per reply."""

    def __init__(self, registry: Registry | None = None) -> None:
        self._registry = registry
        self._buf = ""
        self._mode = "text"  # "text" | "call" | "think"
        self._scan = 0  # how far into a call body the string scanner has read
        self._in_string = False
        self._escape = False
        self._lstrip = True  # drop leading whitespace: at the start and after a block
        self._gap = False  # a tag or block came right after a word: it separates like a space
        self._after_word = False  # the last character spoken is not whitespace

    def feed(self, delta: str) -> list[Parsed]:
        """Consume one delta; return what became certain."""
        self._buf += delta
        out: list[Parsed] = []
        while self._step(out):
            pass
        return out

    def finish(self) -> list[Parsed]:
        """End of reply: release held text; an unterminated call becomes CallInvalid."""
        out: list[Parsed] = []
        while self._step(out):
            pass
        if self._mode == "text":
            self._speak(self._buf, out)
        elif self._mode == "call":
            out.append(CallInvalid(self._buf.strip(), self._error(
                f"the tool call was never closed with {CLOSE}", code="tool-call-unterminated",
                hint=f"End every call with {CLOSE}.")))
        self._buf, self._mode = "", "text"
        return out

    def _speak(self, text: str, out: list[Parsed]) -> None:
        text = text.lstrip() if self._lstrip else text
        if text:
            if self._gap and not text[0].isspace():
                text = " " + text
            self._lstrip = self._gap = False
            self._after_word = not text[-1].isspace()
            out.append(SpokenText(text))

    def _step(self, out: list[Parsed]) -> bool:
        """Advance once; True if something was consumed and another step may make progress."""
        if self._mode == "text":
            found = [(i, tag) for tag in _TEXT_TAGS if (i := self._buf.find(tag)) >= 0]
            if not found:
                keep = _partial_suffix(self._buf, _TEXT_TAGS)
                self._speak(self._buf[:len(self._buf) - keep], out)
                self._buf = self._buf[len(self._buf) - keep:]
                return False
            i, tag = min(found)
            self._speak(self._buf[:i], out)
            self._buf = self._buf[i + len(tag):]
            if tag == OPEN:
                self._mode, self._scan, self._in_string, self._escape = "call", 0, False, False
            elif tag == THINK_OPEN:
                self._mode = "think"
            self._gap = self._after_word  # "a<think>.</think>b" is heard "a b"; "<think</tool_call>>" never "<think>"
            return True
        if self._mode == "think":
            i = self._buf.find(THINK_CLOSE)
            if i < 0:
                self._buf = self._buf[len(self._buf) - _partial_suffix(self._buf, (THINK_CLOSE,)):]
                return False
            self._buf, self._mode, self._lstrip = self._buf[i + len(THINK_CLOSE):], "text", True
            return True
        end = self._find_close()
        if end < 0:
            return False
        raw, self._buf = self._buf[:end].strip(), self._buf[end + len(CLOSE):]
        self._mode, self._lstrip = "text", True
        out.append(self._call(raw))
        return True

    def _find_close(self) -> int:
        """Index of the closing tag outside JSON strings, or -1 (scan resumes where it left)."""
        buf, j = self._buf, self._scan
        while j < len(buf):
            c = buf[j]
            if self._in_string:
                if self._escape:
                    self._escape = False
                elif c == "\\":
                    self._escape = True
                elif c == '"':
                    self._in_string = False
            elif c == '"':
                self._in_string = True
            elif c == "<":
                if buf.startswith(CLOSE, j):
                    return j
                if CLOSE.startswith(buf[j:]):
                    break  # maybe the closing tag, split across deltas: wait here
            j += 1
        self._scan = j
        return -1

    def _error(self, message: str, *, code: str, hint: str) -> InvalidToolCall:
        known = self._registry.names() if self._registry is not None else ()
        return InvalidToolCall(message, code=code, hint=hint, known=known)

    def _call(self, raw: str) -> CallReady | CallInvalid:
        try:
            parsed = json.loads(raw)
        except json.JSONDecodeError as exc:
            return CallInvalid(raw, self._error(f"the tool call is not valid JSON: {exc}",
                                                code="tool-bad-json", hint=_SHAPE + " as strict JSON."))
        try:
            if self._registry is None:
                call = ToolCall(*_structure(parsed))
            else:
                call = validate(parsed, self._registry)
        except ToolError as exc:
            return CallInvalid(raw, exc)
        return CallReady(call, raw)


__all__ = ["CallInvalid", "CallReady", "InvalidToolCall", "SpokenText", "ToolCallParser",
           "repair_prompt", "validate"]
