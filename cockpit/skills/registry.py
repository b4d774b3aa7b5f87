"""Tools the assistant can call: typed argument models, JSON schemas, validation, dispatch.

A :class:`Tool` pairs a pydantic argument model (whose ``Field`` bounds are the actuation
limits, e.g. 16-30 degrees Celsius) with a handler that acts on the vehicle and says what it
did. The same model yields the JSON schema the LLM tiers see and validates every call, from
whichever tier it came, before the handler runs.
"""
from __future__ import annotations

import asyncio
import difflib
import inspect
import re
from datetime import datetime
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Awaitable, Callable, Generic, Mapping, Sequence, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from cockpit.config.vehicle import PoiSettings, PreferenceSettings
from cockpit.errors import ToolError
from cockpit.events import Event, ToolCall
from cockpit.skills.arguments import _bounds, _describe, _span  # noqa: F401  (re-exported for the listing)
from cockpit.skills.declared import SIDE_EFFECTS, STRICTEST, SideEffect, ToolPolicy, declared, tighten
from cockpit.skills.phrases import Phrase
from cockpit.vehicle.poi import Poi, PoiStore
from cockpit.vehicle.sim import SimulatedVehicle


BUILTIN = "builtin"
"""The source of every tool registered without one: the tools shipped with cockpit."""

_TOOL_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")


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
    shown: Event | None = None
    """What screens should show of the answer (e.g. PlacesShown: the places named); the gate emits it
    after the ToolResult, stamped with the turn."""

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
    privacy: Any = None
    """The driver's privacy controls (cockpit.privacy.controls.DriverPrivacy) when an assistant runs."""

    def __post_init__(self) -> None:
        if not isinstance(self.pois, PoiStore):
            store = PoiStore(country=self.poi_settings.country)
            for poi in self.pois:
                store.add(poi)
            self.pois = store


A = TypeVar("A", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Tool(Generic[A]):
    """One callable tool and its declared policy. ``args`` is the pydantic model its arguments must satisfy.

    The declaration (``side_effect``, ``allowed_while_moving``, ``max_speed_kmh``,
    ``needs_confirmation``) is what the policy gate enforces; a field left as None is the strictest
    value (stopped only; confirm first). ``skills.policy`` in the config can only tighten it."""

    name: str
    description: str
    """English, for the LLM: what the tool does and when to use it."""
    args: type[A]
    side_effect: SideEffect
    handler: Callable[[A, SkillContext], Outcome | Awaitable[Outcome]]
    """Returns an Outcome; a coroutine function is awaited on the event loop (it must bound its own waits)."""
    allowed_while_moving: bool | None = None
    """True: may run while the car moves; None (undeclared) or False: with the car stopped only."""
    max_speed_kmh: float | None = None
    """Refused above this speed (and when the speed is unknown)."""
    needs_confirmation: bool | None = None
    """Read back and wait for the driver's spoken yes; None (undeclared) counts as True; always for transact."""
    blocking: bool = False
    """The handler waits on I/O (a network call): it runs in a worker thread, never on the event loop."""
    phrases: tuple[Phrase, ...] = ()
    """Fast-path grammar rows for this tool (cockpit/skills/phrases.py); they join the recogniser's JSGF."""
    vocabulary: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """The tool's own closed slot types for its phrases: slot name -> {spoken words: argument value}."""
    readback: Callable[[Mapping[str, Any]], str] | None = None
    """The question asked before a confirmed run (default: item, payee, amount from the arguments)."""

    def __post_init__(self) -> None:
        if _TOOL_NAME.fullmatch(self.name) is None:
            raise ValueError(f"tool name {self.name!r} must be lower_snake_case, at most 64 characters")
        if self.side_effect not in SIDE_EFFECTS:
            raise ValueError(f"tool {self.name}: side_effect {self.side_effect!r} is not one of {SIDE_EFFECTS}")
        if not (isinstance(self.args, type) and issubclass(self.args, BaseModel)):
            raise TypeError(f"tool {self.name}: args must be a pydantic BaseModel subclass")
        if self.side_effect == "transact" and self.needs_confirmation is False:
            raise ValueError(f"tool {self.name}: a transact tool always needs confirmation")
        if not all(isinstance(p, Phrase) for p in self.phrases):
            raise TypeError(f"tool {self.name}: phrases must be cockpit.skills.phrases.Phrase rows")
        object.__setattr__(self, "phrases", tuple(self.phrases))

    @property
    def policy(self) -> ToolPolicy:
        """The policy this tool declares (undeclared fields: the strictest value)."""
        return declared(self.side_effect, self.allowed_while_moving, self.max_speed_kmh, self.needs_confirmation)

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

    def __init__(self, tools: Sequence[Tool[Any]] = (), *, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self._tools: dict[str, Tool[Any]] = {}
        self._sources: dict[str, str] = {}
        self.overrides: Mapping[str, Mapping[str, Any]] = dict(overrides or {})
        """``skills.policy``: tool name -> fields to tighten (never loosen) its declared policy."""
        self.version = 0
        """Goes up with every tool registered (the model tiers rebuild their tool list when it changes)."""
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
        self.version += 1

    def policy(self, name: str) -> ToolPolicy:
        """The policy the gate enforces: the tool's declaration tightened by ``overrides``;
        an unknown tool gets the strictest one."""
        tool = self._tools.get(name)
        if tool is None:
            return STRICTEST
        return tighten(tool.policy, self.overrides.get(name, {}))[0]

    def loosening(self) -> list[str]:
        """Every part of ``overrides`` that was ignored: it would loosen a declaration, or names no tool."""
        notes = []
        for name, override in self.overrides.items():
            if name not in self._tools:
                close = difflib.get_close_matches(name, self._tools, n=1)
                notes.append(f"skills.policy.{name}: no such tool" + (f" (did you mean {close[0]}?)" if close else ""))
                continue
            notes += [f"skills.policy.{name}: {why}; ignored (config can only make a tool stricter)"
                      for why in tighten(self._tools[name].policy, override)[1]]
        return notes

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
        """Validate and run one tool call of a plain (not async, not blocking) tool. Handler exceptions
        propagate unchanged."""
        tool, args = self.validate(call)
        if inspect.iscoroutinefunction(tool.handler):
            raise TypeError(f"{tool.name} is async: use Registry.run")
        return tool.handler(args, ctx)  # type: ignore[return-value]

    async def run(self, call: ToolCall, ctx: SkillContext) -> Outcome:
        """Validate and run one call of any tool: a coroutine handler is awaited, a ``blocking`` one runs
        in a worker thread, a plain one inline. Handler exceptions propagate unchanged."""
        tool, args = self.validate(call)
        if tool.blocking:
            result = await asyncio.to_thread(tool.handler, args, ctx)
        else:
            result = tool.handler(args, ctx)
        if inspect.isawaitable(result):
            result = await result
        if not isinstance(result, Outcome):
            raise TypeError(f"{tool.name}'s handler returned {type(result).__name__}, not an Outcome")
        return result
