"""Argument errors in words: which argument, what was wrong, and how to call the tool instead.

Used by :meth:`cockpit.skills.registry.Registry.validate` on pydantic's validation errors, and by
``cockpit skills list`` for the bounds it shows.
"""
from __future__ import annotations

from typing import Any, Mapping

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from pydantic import BaseModel

_TYPE_WORDS = {"int": "a whole number", "float": "a number", "bool": "true or false",
               "string": "text", "str": "text", "dict": "an object", "list": "a list"}


def _show(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def _bounds(model: type[BaseModel], name: str) -> tuple[Any, Any]:
    """The (low, high) bounds declared on a field: numbers or lengths; None where open."""
    info = model.model_fields.get(name)
    lo = hi = None
    for m in info.metadata if info else ():
        if isinstance(m, (Ge, Gt)):
            lo = getattr(m, "ge", getattr(m, "gt", None))
        elif isinstance(m, (Le, Lt)):
            hi = getattr(m, "le", getattr(m, "lt", None))
        elif isinstance(m, MinLen):
            lo = m.min_length
        elif isinstance(m, MaxLen):
            hi = m.max_length
    return lo, hi


def _span(lo: Any, hi: Any, *, spoken: bool = False) -> str:
    """'16-30' (or 'between 16 and 30' when ``spoken``), 'at least 1', 'at most 120'."""
    fmt = lambda v: f"{v:g}" if isinstance(v, float) else str(v)  # noqa: E731
    if lo is not None and hi is not None:
        if spoken:
            return f"between {fmt(lo)} and {fmt(hi)}"
        return f"{fmt(lo)}-{fmt(hi)}" if lo >= 0 else f"{fmt(lo)} to {fmt(hi)}"
    return f"at least {fmt(lo)}" if lo is not None else f"at most {fmt(hi)}"


def _describe(tool: Any, err: Mapping[str, Any]) -> tuple[str, str]:
    """One validation error -> (problem naming field and value, hint saying what to do)."""
    kind = err["type"]
    loc = ".".join(str(part) for part in err["loc"])
    name = str(err["loc"][0]) if err["loc"] else ""
    given = f"{loc}={_show(err['input'])}"
    fields = ", ".join(tool.args.model_fields) or "no arguments"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        bounds = _bounds(tool.args, name)
        return (f"{given} is out of range: must be {_span(*bounds)}",
                f"Use a {loc} value {_span(*bounds, spoken=True)}.")
    if kind in ("string_too_short", "string_too_long"):
        bounds = _bounds(tool.args, name)
        return (f"{given} has the wrong length: must be {_span(*bounds)} characters",
                f"Give {loc} with {_span(*bounds, spoken=True)} characters.")
    if kind in ("literal_error", "enum"):
        allowed = err.get("ctx", {}).get("expected", "")
        return f"{given} is not allowed: must be {allowed}", f"Use one of {allowed} for {loc}."
    if kind == "missing":
        return f"{loc} is missing: it is required", f"Give a value for {loc}."
    if kind == "extra_forbidden":
        return (f"{given} is not an argument of {tool.name}: it takes {fields}",
                f"Use only the arguments {fields}.")
    if kind == "value_error" and not loc:
        message = str(err.get("ctx", {}).get("error", err["msg"]))
        return message, f"Call {tool.name} again with the arguments corrected as the message says."
    if kind == "finite_number":
        return f"{given} is not a finite number", f"Give {loc} as an ordinary number."
    family = kind.split("_", 1)[0]
    if family in _TYPE_WORDS:
        expected = _TYPE_WORDS[family]
        return f"{given} has the wrong type: must be {expected}", f"Give {loc} as {expected}."
    return f"{loc or 'arguments'}: {err['msg']}", f"Check {tool.name}'s parameters against its schema."
