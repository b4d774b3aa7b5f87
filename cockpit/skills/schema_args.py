"""A JSON Schema (an MCP tool's ``inputSchema``) as a pydantic argument model.

Remote tools arrive with JSON Schemas; cockpit's registry validates every call with a pydantic
model (the same bounds-in-words errors, the same schema for the LLM's tool list and the GBNF).
This builds that model for the subset of JSON Schema tool arguments use: an object of properties
typed string | integer | number | boolean | array | object (and nullable ones), ``enum``/``const``,
``minimum``/``maximum`` (exclusive too), ``minLength``/``maxLength``, ``minItems``/``maxItems``,
``default``, ``description`` and ``required``. Anything else (``$ref``, ``oneOf``, ``patternProperties``
...) raises :class:`SchemaUnsupported` naming it: such a tool is not offered, rather than offered
with arguments cockpit could not check.
"""
from __future__ import annotations

import keyword
import re
from typing import Any, Literal, Mapping, Optional

from pydantic import Field, create_model

from cockpit.skills.registry import ToolArgs

_SCALARS = {"string": str, "integer": int, "number": float, "boolean": bool}
_KNOWN = {"type", "description", "title", "default", "enum", "const", "minimum", "maximum", "exclusiveMinimum",
          "exclusiveMaximum", "minLength", "maxLength", "items", "minItems", "maxItems", "format", "examples",
          "properties", "required", "additionalProperties"}


class SchemaUnsupported(ValueError):
    """The schema uses something cockpit cannot check; the message names it."""


def _type(schema: Mapping[str, Any], where: str) -> Any:
    extra = sorted(set(schema) - _KNOWN)
    if extra:
        raise SchemaUnsupported(f"{where}: JSON Schema keyword(s) {', '.join(extra)} cannot be checked here")
    if "const" in schema:
        return Literal[schema["const"]]  # type: ignore[valid-type]
    if "enum" in schema:
        values = tuple(schema["enum"])
        if not values or not all(isinstance(v, (str, int, bool)) for v in values):
            raise SchemaUnsupported(f"{where}: enum must list strings, integers or booleans")
        return Literal[values]  # type: ignore[valid-type]
    kind = schema.get("type")
    nullable = False
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        nullable = len(kinds) < len(kind)
        if len(kinds) != 1:
            raise SchemaUnsupported(f"{where}: a value of several types {kind} cannot be checked here")
        kind = kinds[0]
    if kind in _SCALARS:
        made: Any = _SCALARS[kind]
    elif kind == "array":
        items = schema.get("items", {})
        made = list[_type(items, f"{where}[]")] if items else list[Any]
    elif kind == "object":
        if schema.get("properties"):
            made = model_from_schema(f"{where}", schema)
        else:
            made = dict[str, Any]
    else:
        raise SchemaUnsupported(f"{where}: no type given (or an unknown one: {kind!r})")
    return Optional[made] if nullable else made


def _constraints(schema: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, name in (("minimum", "ge"), ("maximum", "le"), ("exclusiveMinimum", "gt"), ("exclusiveMaximum", "lt"),
                      ("minLength", "min_length"), ("maxLength", "max_length"), ("minItems", "min_length"),
                      ("maxItems", "max_length")):
        value = schema.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[name] = value
    return out


def _field_name(where: str, name: str) -> str:
    if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_") or name.startswith("model_"):
        raise SchemaUnsupported(f"{where}: the argument name {name!r} is not a plain identifier")
    return name


def model_from_schema(name: str, schema: Mapping[str, Any]) -> type[ToolArgs]:
    """The pydantic model of an object schema's properties (extra arguments refused, as for every tool)."""
    if schema.get("type", "object") != "object":
        raise SchemaUnsupported(f"{name}: the arguments must be an object, not {schema.get('type')!r}")
    extra = sorted(set(schema) - _KNOWN - {"$schema"})
    if extra:
        raise SchemaUnsupported(f"{name}: JSON Schema keyword(s) {', '.join(extra)} cannot be checked here")
    required = set(schema.get("required", ()))
    fields: dict[str, Any] = {}
    for prop, sub in (schema.get("properties") or {}).items():
        if not isinstance(sub, Mapping):
            raise SchemaUnsupported(f"{name}.{prop}: its schema is not an object")
        kind = _type(sub, f"{name}.{prop}")
        safe = _field_name(f"{name}.{prop}", prop)
        info: dict[str, Any] = {"description": sub.get("description"), **_constraints(sub)}
        if prop in required:
            fields[safe] = (kind, Field(..., **info))
        elif "default" in sub:
            fields[safe] = (kind, Field(sub["default"], **info))
        else:
            fields[safe] = (Optional[kind], Field(None, **info))
    model_name = re.sub(r"\W", "_", name).title().replace("_", "") + "Args"
    return create_model(model_name, __base__=ToolArgs, **fields)  # type: ignore[call-overload]


def arguments_for(args: ToolArgs) -> dict[str, Any]:
    """A validated model back to the JSON arguments the remote tool expects (unset optionals left out)."""
    return args.model_dump(mode="json", exclude_none=True)


__all__ = ["SchemaUnsupported", "arguments_for", "model_from_schema"]
