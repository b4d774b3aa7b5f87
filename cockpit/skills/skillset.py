"""Every tool the Assistant can use, assembled once: built-ins, plug-ins, Home Assistant, MCP servers.

Built when the Assistant is built: the built-in tools, then the installed plug-ins (entry-point
group ``cockpit.skills``; a broken one is skipped with its error) and the configured house's tools —
their fast-path phrases join the grammar the recogniser listens with, so they must be known before
the listener is made. :meth:`SkillSet.prepare` (before the microphone opens) connects the MCP
servers, whose tools join the registry, and so the models' tool list, as each server lists them.
``skills.policy`` overrides are applied by the registry (they can only tighten a tool).

:meth:`report` is what ``cockpit doctor``, ``cockpit skills list`` and the daemon's /health show.
:meth:`offers` yields the calls cockpit proposes on its own (the arrival routine) when they are due.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, AsyncIterator, Callable

from cockpit.config import Settings
from cockpit.events import ErrorRaised, Stage, ToolCall
from cockpit.skills.audit import AuditLog, AuditUnavailable
from cockpit.skills.builtin import default_registry
from cockpit.skills.home import SOURCE as HOME, ArrivalWatch, HomeAssistant, home_tools, trip_now
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
            if settings.skills.plugins:
                load_plugins(registry, errors=self.plugin_errors)
        registry.overrides = {name: o.model_dump(exclude_none=True) for name, o in settings.skills.policy.items()}
        self.registry = registry
        self.notes: list[str] = []
        """Why parts were left out (a home tool's phrases, an MCP tool's name clash)."""
        home = settings.home
        self.watch: ArrivalWatch | None = None
        self.house: HomeAssistant | None = None
        if home.url:
            place = settings.vehicle.places.get(home.place)
            if home.arrival and place is None:
                self.notes.append(f"home.arrival: vehicle.places has no {home.place!r}; the arrival routine is off")
            elif home.arrival:
                self.watch = ArrivalWatch((place.latitude, place.longitude), home.arrival_minutes, home.arrival_radius_m)
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

    async def offers(self, quiet: Callable[[], bool]) -> AsyncIterator[ToolCall]:
        """Calls cockpit proposes on its own, as they fall due, only when ``quiet()`` (nobody speaking,
        nothing waiting for an answer): the arrival routine once per trip home."""
        if self.watch is None or self.signals is None:
            return
        while True:
            await asyncio.sleep(self.settings.home.check_every_s)
            if not quiet():
                continue
            minutes = self.watch.due(trip_now(self.signals, self.drive()))
            if minutes is not None:
                yield ToolCall("home_arrival", {"eta_minutes": minutes})

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
