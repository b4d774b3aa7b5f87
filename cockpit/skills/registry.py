"""Tools the assistant can call: typed argument models, JSON schemas, validation, dispatch.

A :class:`Tool` pairs a pydantic argument model (whose ``Field`` bounds are the actuation
limits, e.g. 16-30 degrees Celsius) with a handler that acts on the vehicle and says what it
did. The same model yields the JSON schema the LLM tiers see and validates every call, from
whichever tier it came, before the handler runs.
"""
from __future__ import annotations

import difflib
import re
from datetime import datetime
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Generic, Literal, Mapping, Sequence, TypeVar, get_args

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from pydantic import BaseModel, ConfigDict, ValidationError

from cockpit.config.vehicle import PoiSettings, PreferenceSettings
from cockpit.errors import ToolError
from cockpit.events import ToolCall
from cockpit.vehicle.poi import Poi, PoiStore
from cockpit.vehicle.sim import SimulatedVehicle


SideEffect = Literal["read", "actuate", "transact"]
SIDE_EFFECTS: tuple[str, ...] = get_args(SideEffect)

BUILTIN = "builtin"
"""The source of every tool registered without one: the tools shipped with cockpit."""

_TOOL_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
_TYPE_WORDS = {"int": "a whole number", "float": "a number", "bool": "true or false",
               "string": "text", "str": "text", "dict": "an object", "list": "a list"}


class ToolArgs(BaseModel):
    """Base for argument models: unknown arguments and non-finite numbers are rejected."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a tool did: success, a short sentence for the driver, and the signals it set."""

    ok: bool
    message: str
    changes: Mapping[str, Any] = field(default_factory=dict)
    """VSS path -> new value for every signal the tool set."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "changes", MappingProxyType(dict(self.changes)))


@dataclass
class SkillContext:
    """What a handler may use: the vehicle, the offline map, the local clock, the driver's tastes."""

    vehicle: SimulatedVehicle
    places: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    """Named destinations (``home``, ``work``...) -> (latitude, longitude)."""
    pois: PoiStore | Sequence[Poi] = ()
    """The offline POI store (a plain list of places is loaded into an in-memory one)."""
    now: Callable[[], datetime] = datetime.now
    """Local wall-clock time ('open now' is judged on it)."""
    route: Callable[[], Sequence[tuple[float, float]] | None] = lambda: None
    """The rest of the route being driven, car first, when there is one."""
    preferences: PreferenceSettings = field(default_factory=PreferenceSettings)
    poi_settings: PoiSettings = field(default_factory=PoiSettings)

    def __post_init__(self) -> None:
        if not isinstance(self.pois, PoiStore):
            store = PoiStore(country=self.poi_settings.country)
            for poi in self.pois:
                store.add(poi)
            self.pois = store


A = TypeVar("A", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Tool(Generic[A]):
    """One callable tool. ``args`` is the pydantic model its arguments must satisfy."""

    name: str
    description: str
    """English, for the LLM: what the tool does and when to use it."""
    args: type[A]
    side_effect: SideEffect
    handler: Callable[[A, SkillContext], Outcome]

    def __post_init__(self) -> None:
        if _TOOL_NAME.fullmatch(self.name) is None:
            raise ValueError(f"tool name {self.name!r} must be lower_snake_case, at most 64 characters")
        if self.side_effect not in SIDE_EFFECTS:
            raise ValueError(f"tool {self.name}: side_effect {self.side_effect!r} is not one of {SIDE_EFFECTS}")
        if not (isinstance(self.args, type) and issubclass(self.args, BaseModel)):
            raise TypeError(f"tool {self.name}: args must be a pydantic BaseModel subclass")

    def schema(self) -> dict[str, Any]:
        """The OpenAI-style function schema for this tool."""
        return {"type": "function", "function": {
            "name": self.name, "description": self.description,
            "parameters": parameters_schema(self.args)}}


def parameters_schema(model: type[BaseModel]) -> dict[str, Any]:
    """JSON schema of an argument model, trimmed for a prompt.

    Titles are dropped, and an optional field (``float | None = None``) is shown as its
    non-null type, not required, so bounds such as ``minimum``/``maximum`` sit directly on it.
    """
    schema = model.model_json_schema()
    schema.pop("title", None)
    schema.pop("description", None)
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)
        options = prop.get("anyOf")
        if options and {"type": "null"} in options and len(options) == 2 and prop.get("default") is None:
            (inner,) = [o for o in options if o != {"type": "null"}]
            del prop["anyOf"]
            prop.pop("default", None)
            prop.update(inner)
    schema.setdefault("required", [])
    return schema


class Registry:
    """The set of tools, by name: schemas for the LLM, validated dispatch for every tier."""

    def __init__(self, tools: Sequence[Tool[Any]] = ()) -> None:
        self._tools: dict[str, Tool[Any]] = {}
        self._sources: dict[str, str] = {}
        for tool in tools:
            self.register(tool)

    def register(self, tool: Tool[Any], *, source: str = BUILTIN) -> None:
        """Add a tool; a second tool with the same name is an error.

        ``source`` says where it came from: ``"builtin"``, or the plug-in distribution's name.
        """
        if tool.name in self._tools:
            raise ValueError(f"a tool named {tool.name!r} is already registered "
                             f"(from {self._sources.get(tool.name, BUILTIN)})")
        self._tools[tool.name] = tool
        self._sources[tool.name] = source

    def source(self, name: str) -> str:
        """Where the tool ``name`` came from: ``"builtin"`` or a plug-in distribution name."""
        self.get(name)
        return self._sources.get(name, BUILTIN)

    def tools(self) -> list[Tool[Any]]:
        """Every tool, in registration order."""
        return list(self._tools.values())

    def get(self, name: str) -> Tool[Any]:
        """The tool called ``name``; raises ToolError ``tool-unknown`` if there is none."""
        try:
            return self._tools[name]
        except KeyError:
            close = difflib.get_close_matches(str(name), self._tools, n=1)
            suggestion = f"Did you mean {close[0]}? " if close else ""
            raise ToolError(f"unknown tool {name!r}", code="tool-unknown",
                            hint=f"{suggestion}Known tools: {', '.join(self.names())}.") from None

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __len__(self) -> int:
        return len(self._tools)

    def names(self) -> list[str]:
        """Tool names in registration order."""
        return list(self._tools)

    def schemas(self) -> list[dict[str, Any]]:
        """Every tool as an OpenAI-style ``{"type": "function", "function": {...}}`` dict."""
        return [tool.schema() for tool in self._tools.values()]

    def validate(self, call: ToolCall) -> tuple[Tool[Any], BaseModel]:
        """Look up the tool and validate the call's arguments, without running anything."""
        tool = self.get(call.name)
        try:
            args = tool.args.model_validate(dict(call.arguments))
        except ValidationError as exc:
            problems = [_describe(tool, err) for err in exc.errors()]
            raise ToolError(
                f"bad arguments for {tool.name}: " + "; ".join(p for p, _ in problems),
                code="tool-bad-arguments",
                hint=" ".join(dict.fromkeys(h for _, h in problems)),
            ) from None
        return tool, args

    def call(self, call: ToolCall, ctx: SkillContext) -> Outcome:
        """Validate and run one tool call. Handler exceptions propagate unchanged."""
        tool, args = self.validate(call)
        return tool.handler(args, ctx)


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


def _describe(tool: Tool[Any], err: Mapping[str, Any]) -> tuple[str, str]:
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
