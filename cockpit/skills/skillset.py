"""Every tool the Assistant can use, assembled once: built-ins, plug-ins, Home Assistant, MCP servers.

Built when the Assistant is built: the built-in tools, then the installed plug-ins (entry-point
group ``cockpit.skills``; a broken one is skipped with its error) and the configured house's tools —
their fast-path phrases join the grammar the recogniser listens with, so they must be known before
the listener is made. :meth:`SkillSet.prepare` (before the microphone opens) connects the MCP
servers, whose tools join the registry, and so the models' tool list, as each server lists them.
``skills.policy`` overrides are applied by the registry (they can only tighten a tool).

:meth:`report` is what ``cockpit doctor``, ``cockpit skills list`` and the daemon's /health show.
The timers and reminders (cockpit/skills/builtin/timers.py) keep their items in :attr:`agenda`; the
co-pilot (cockpit/proactive/) asks when they fall due, and runs :attr:`arrival` (the house's arrival
routine) among its watches.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Callable

from cockpit.config import Settings
from cockpit.events import ErrorRaised
from cockpit.proactive.agenda import Agenda
from cockpit.skills.audit import AuditLog, AuditUnavailable
from cockpit.skills.builtin import default_registry
from cockpit.skills.builtin.timers import timer_tools
from cockpit.skills.home import SOURCE as HOME, ArrivalPrompts, ArrivalWatch, HomeAssistant, home_tools
from cockpit.skills.mcp import McpServer
from cockpit.skills.phrases import fast_path
from cockpit.skills.plugins import PluginError, load_plugins
from cockpit.skills.registry import Registry

log = logging.getLogger(__name__)


class SkillSet:
    def __init__(self, settings: Settings, audit: AuditLog, emit: Callable[[Any], None], *,
                 registry: Registry | None = None, signals: Any = None, drive: Callable[[], Any] = lambda: None) -> None:
        """``registry``: use these tools instead of the built-ins and plug-ins (the house and MCP servers
        from the config are still added); ``signals``: the car's signal store and ``drive``: its simulated
        drive feed, when there is one (the arrival routine reads the trip from them)."""
        self.settings, self.audit, self.emit = settings, audit, emit
        self.signals, self.drive = signals, drive
        self.plugin_errors: list[PluginError] = []
        if registry is None:
            registry = default_registry()
            self._add_timers(settings, registry)  # built-in too, but keeping their items in the state dir
            if settings.skills.plugins:
                load_plugins(registry, errors=self.plugin_errors)
        registry.overrides = {name: o.model_dump(exclude_none=True) for name, o in settings.skills.policy.items()}
        self.registry = registry
        self.notes: list[str] = []
        """Why parts were left out (a home tool's phrases, an MCP tool's name clash)."""
        home = settings.home
        self.watch: ArrivalWatch | None = None
        self.arrival: ArrivalPrompts | None = None
        """The arrival routine as one of the co-pilot's watches (None without a house or a routine)."""
        self.house: HomeAssistant | None = None
        if home.url:
            place = settings.vehicle.places.get(home.place)
            if home.arrival and place is None:
                self.notes.append(f"home.arrival: vehicle.places has no {home.place!r}; the arrival routine is off")
            elif home.arrival:
                self.watch = ArrivalWatch((place.latitude, place.longitude), home.arrival_minutes, home.arrival_radius_m)
                self.arrival = ArrivalPrompts(self.watch, signals, drive)
            self.house = HomeAssistant(home.url, home.token_env, home.timeout_s, self._record_now)
            tools, dropped = home_tools(home, self.house, self.watch)
            self.notes += dropped
            for tool in tools:
                if tool.name in registry:
                    self.notes.append(f"{tool.name}: already registered by {registry.source(tool.name)}; home one left out")
                else:
                    registry.register(tool, source=HOME)
        mcp = settings.skills.mcp
        self.servers = [McpServer(s, record=self._record, emit=emit, on_tools=self._register,
                                  spoken_chars=lambda moving: mcp.spoken_chars_driving if moving else mcp.spoken_chars_parked)
                        for s in mcp.servers]

    agenda: Agenda | None = None
    """Where timers and reminders are kept (None when proactive.agenda is off or a registry was given)."""

    def _add_timers(self, settings: Settings, registry: Registry) -> None:
        p = settings.proactive
        if not (p.agenda.enabled and (p.on("timer") or p.on("reminder"))):
            return
        from cockpit.state import state_path
        self.agenda = Agenda(state_path(settings, p.agenda.database))  # the file is made by the first item
        for tool in timer_tools(self.agenda):
            registry.register(tool)

    def fast_path(self):
        """The bilingual fast path over the built-in grammar plus every tool's phrases."""
        return fast_path(self.registry.tools())

    async def prepare(self) -> None:
        """Connect the MCP servers (each bounded by its connect_timeout_s; one that is down keeps retrying in
        the background) and report what was skipped."""
        await asyncio.gather(*(server.start() for server in self.servers))
        for problem in self.plugin_errors:
            self.emit(ErrorRaised(t=time.monotonic(), code="plugin-failed", stage=None, message=str(problem)))
        for note in self.registry.loosening():
            log.warning("%s", note)
            self.emit(ErrorRaised(t=time.monotonic(), code="policy-config-loosen", stage=None, message=note))

    async def close(self) -> None:
        await asyncio.gather(*(server.close() for server in self.servers), return_exceptions=True)
        if self.agenda is not None:
            self.agenda.close()

    def _register(self, server: McpServer) -> None:
        """A server listed its tools: add the new ones (the registry's version moves: the models see them)."""
        source = f"mcp:{server.name}"
        for tool in server.tools():
            if tool.name not in self.registry:
                self.registry.register(tool, source=source)
            elif self.registry.source(tool.name) != source:
                server.refused[tool.name] = f"name clash with {self.registry.source(tool.name)}'s {tool.name}"

    async def _record(self, kind: str, **data: Any) -> None:
        await asyncio.to_thread(self._record_now, kind, **data)

    def _record_now(self, kind: str, **data: Any) -> None:
        try:
            self.audit.append(kind, **data)
        except AuditUnavailable as exc:  # the gate reports the outage (and refuses transactions)
            log.error("audit entry %s not written: %s", kind, exc)

    def report(self) -> dict[str, Any]:
        """What is loaded and what is not: plug-ins, the house, MCP servers, ignored policy overrides."""
        reg = self.registry
        sources: dict[str, list[str]] = {}
        for name in reg.names():
            sources.setdefault(reg.source(name), []).append(name)
        plugins = {s: t for s, t in sources.items() if s != "builtin" and s != HOME and not s.startswith("mcp:")}
        return {"tools": len(reg), "plugins": plugins, "plugin_errors": [str(e) for e in self.plugin_errors],
                "home": None if self.house is None else {"url": self.house.url, "tools": sources.get(HOME, []),
                                                         "arrival": self.watch is not None},
                "mcp": [server.report() for server in self.servers], "policy_ignored": reg.loosening(),
                "notes": list(self.notes)}


__all__ = ["SkillSet"]
