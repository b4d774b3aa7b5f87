"""MCP servers' tools behind the policy gate, through the ``mcp`` SDK (ClientSession, list_tools, call_tool).

Each configured server (``skills.mcp.servers``: a stdio command or a streamable-HTTP URL) is one
:class:`McpServer`. One task holds its connection open — the SDK's transports and session are
async context managers that must be entered and left by the same task — and pings it while idle.
Its tools become :class:`~cockpit.skills.registry.Tool` s named ``<prefix><tool>``, with arguments
checked by a model built from the tool's JSON Schema (schema_args.py), so they reach the LLM's
tool list and GBNF like any tool and every call passes the gate.

Trust. The server declares nothing that counts: a tool is a transaction (read back, confirmed by
the driver's voice, car stopped) unless the config declares it otherwise; ``readOnlyHint`` is shown
as a suggestion. Descriptions and results are scanned for instructions to the assistant (remote.py);
those are withheld and recorded (audit kind ``mcp-injection``). Every call is audited (``mcp-call``,
with server and tool).

Faults. A call waits at most ``call_timeout_s``. A server that dies, hangs or breaks its stream is
marked down: the call that found it says so once (``mcp-unavailable``/``mcp-timeout``, one sentence),
later calls fail at once with the same sentence, and the connection is rebuilt with exponential
back-off (``reconnect_min_s`` .. ``reconnect_max_s``). Nothing here can hold a turn past its deadline.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import tempfile
import time
from typing import Any, Awaitable, Callable

from cockpit.config.skills import McpServerSettings
from cockpit.events import ErrorRaised, Stage
from cockpit.skills.registry import Outcome, SkillContext, Tool
from cockpit.skills.remote import (Backoff, ServiceError, UnspeakableText, injection_findings, spoken_result,
                                   without_injections)
from cockpit.skills.schema_args import SchemaUnsupported, arguments_for, model_from_schema

log = logging.getLogger(__name__)
PING_EVERY_S = 5.0
"""How often an idle connection is pinged (a server that died or hangs is found within this)."""
Record = Callable[..., Awaitable[None]]
"""Appends one audit entry: ``await record(kind, **data)``."""


def tool_name(prefix: str, name: str) -> str:
    """A registry name for a server's tool: lower case, [a-z0-9_], at most 64 characters."""
    made = re.sub(r"[^a-z0-9_]+", "_", f"{prefix}{name}".lower()).strip("_")
    return (made if made[:1].isalpha() else f"mcp_{made}")[:64]


class McpServer:
    """One MCP server: its connection, its tools as cockpit tools, and whether it is up."""

    def __init__(self, settings: McpServerSettings, *, record: Record, emit: Callable[[Any], None],
                 spoken_chars: Callable[[bool], int], on_tools: Callable[["McpServer"], None]) -> None:
        self.settings, self.record, self.emit = settings, record, emit
        self.spoken_chars, self.on_tools = spoken_chars, on_tools
        self.state = "starting"
        """starting | up | down | closed"""
        self.error = ""
        """Why it is down (the last connect or call failure)."""
        self.listed: list[Any] = []
        """The server's tools as it lists them (mcp.types.Tool)."""
        self.refused: dict[str, str] = {}
        """Server tool name -> why it is not offered (its schema, a name clash)."""
        self.connects = 0
        self.errlog = os.path.join(tempfile.gettempdir(), f"cockpit-mcp-{settings.name}.log")
        """Where a stdio server's stderr goes."""
        self._session: Any = None
        self._lost = asyncio.Event()
        self._first = asyncio.Event()
        self._closing = False
        self._task: asyncio.Task | None = None
        self._backoff = Backoff(settings.reconnect_min_s, settings.reconnect_max_s)

    @property
    def name(self) -> str:
        return self.settings.name

    @property
    def _say_down(self) -> str:
        return f"The {self.name} service isn't available right now. I'll keep trying to reconnect."

    async def start(self) -> None:
        """Connect in the background; return once the first attempt ended or connect_timeout_s passed."""
        self._task = asyncio.create_task(self._hold(), name=f"mcp-{self.name}")
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._first.wait(), self.settings.connect_timeout_s + 1.0)

    async def close(self) -> None:
        self._closing = True
        self._lost.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), 5.0)
            except (asyncio.TimeoutError, Exception):  # noqa: BLE001 - closing: a stuck transport is cancelled
                self._task.cancel()
                with contextlib.suppress(BaseException):
                    await self._task
        self.state = "closed"

    def _transport(self):
        s = self.settings
        if s.command is not None:
            from mcp import StdioServerParameters, stdio_client
            params = StdioServerParameters(command=s.command[0], args=list(s.command[1:]), env=dict(s.env) or None)
            return _stdio(stdio_client, params, self.errlog)
        import httpx2
        from mcp.client.streamable_http import streamable_http_client
        missing = [var for var in s.headers_env.values() if not os.environ.get(var)]
        if missing:
            raise ServiceError(f"MCP server {self.name}: environment variable(s) {', '.join(missing)} not set",
                               code="mcp-unavailable", hint="export the header values named in headers_env")
        headers = {header: os.environ[var] for header, var in s.headers_env.items()}
        client = httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(s.connect_timeout_s, read=300.0))
        return streamable_http_client(s.url, http_client=client)

    async def _hold(self) -> None:
        """Keep a session open; rebuild it with back-off whenever it is lost."""
        from mcp import ClientSession
        limit = self.settings.connect_timeout_s
        while not self._closing:
            self._lost.clear()
            try:
                async with self._transport() as (read, write), ClientSession(read, write) as session:
                    try:
                        await asyncio.wait_for(session.initialize(), limit)
                        listing = await asyncio.wait_for(session.list_tools(), limit)
                    except Exception as exc:  # noqa: BLE001 - said at once, before the transport winds down
                        self._down(f"no MCP handshake within {limit:g} s: {type(exc).__name__}: {_first_line(exc)}")
                        self._first.set()
                        raise
                    self._session, self.listed = session, list(listing.tools)
                    self.state, self.error, self.connects = "up", "", self.connects + 1
                    self._backoff.reset()
                    self.on_tools(self)
                    await self._audit_descriptions()
                    self._first.set()
                    await self._watch(session)
            except asyncio.CancelledError:
                raise
            except BaseException as exc:  # noqa: BLE001 - any failure of a server is a reason to reconnect
                if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                    raise
                self._down(f"{type(exc).__name__}: {_first_line(exc)}")
            finally:
                self._session = None
            self._first.set()
            if self._closing:
                break
            self._down(self.error or "the connection ended")
            await asyncio.sleep(self._backoff.next())

    async def _watch(self, session: Any) -> None:
        """Until the session is lost: ping it while idle (a dead or hung server is found within PING_EVERY_S)."""
        while not self._lost.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._lost.wait(), PING_EVERY_S)
                return
            try:
                await asyncio.wait_for(session.send_ping(), self.settings.call_timeout_s)
            except Exception as exc:  # noqa: BLE001
                self._down(f"ping failed: {type(exc).__name__}: {_first_line(exc)}")
                return

    def _down(self, why: str) -> None:
        if self.state == "down" or self._closing:
            self.error = self.error or why
            return
        self.state, self.error = "down", why
        log.warning("MCP server %s is down: %s", self.name, why)
        self.emit(ErrorRaised(t=time.monotonic(), code="mcp-unavailable", stage=Stage.TOOL,
                              message=f"MCP server {self.name} is down ({why}); reconnecting with back-off"))

    async def _audit_descriptions(self) -> None:
        for listed in self.listed:
            for finding in injection_findings(listed.description or ""):
                await self.record("mcp-injection", server=self.name, tool=listed.name, where="description",
                                  text=finding)

    # -- the tools ---------------------------------------------------------------------------------
    def tools(self) -> list[Tool]:
        """The server's listed tools as cockpit tools (those whose schema cannot be checked are refused)."""
        made = []
        for listed in self.listed:
            name = tool_name(self.settings.tool_prefix, listed.name)
            try:
                args = model_from_schema(name, listed.input_schema or {"type": "object"})
            except SchemaUnsupported as exc:
                self.refused[listed.name] = str(exc)
                continue
            made.append(self._tool(listed, name, args))
        return made

    def _tool(self, listed: Any, name: str, args: type) -> Tool:
        decl = self.settings.tools.get(listed.name)
        text = without_injections(listed.description or "") or f"The {listed.name.replace('_', ' ')} tool."
        if text != (listed.description or "").strip() and listed.description:
            text += " (Part of this tool's description was withheld: it gave the assistant instructions.)"
        remote = listed.name

        async def handler(arguments: Any, ctx: SkillContext) -> Outcome:
            return Outcome(True, await self.call(remote, arguments_for(arguments), _moving(ctx)))

        return Tool(name, f"{text} (From the {self.name} service.)"[:1024], args,
                    decl.side_effect if decl and decl.side_effect else "transact", handler,
                    allowed_while_moving=decl.allowed_while_moving if decl else None,
                    max_speed_kmh=decl.max_speed_kmh if decl else None,
                    needs_confirmation=decl.needs_confirmation if decl else None,
                    readback=lambda a, n=remote: _readback(self.name, n, a))

    def read_only_hints(self) -> list[str]:
        """Tools the server calls read-only that the config has not declared (a suggestion, never applied)."""
        return [t.name for t in self.listed if t.annotations is not None and t.annotations.read_only_hint
                and t.name not in self.settings.tools]

    # -- one call ----------------------------------------------------------------------------------
    async def call(self, tool: str, arguments: dict[str, Any], moving: bool) -> str:
        """The tool's text result, as the driver may hear it; ServiceError when it cannot be had."""
        session, started = self._session, time.monotonic()
        entry: dict[str, Any] = {"server": self.name, "tool": tool, "arguments": arguments}
        if self.state != "up" or session is None:
            await self.record("mcp-call", **entry, ok=False, code="mcp-unavailable", reason=self.error)
            raise ServiceError(f"MCP server {self.name} is down: {self.error}", code="mcp-unavailable",
                               say=self._say_down)
        limit = self.settings.call_timeout_s
        try:
            result = await asyncio.wait_for(session.call_tool(tool, arguments), limit)
        except asyncio.TimeoutError:
            self._down(f"{tool} did not answer within {limit:g} s")
            self._lost.set()  # the holder drops this connection and reconnects with back-off
            await self.record("mcp-call", **entry, ok=False, code="mcp-timeout", seconds=round(time.monotonic() - started, 3))
            raise ServiceError(f"MCP server {self.name}: {tool} took longer than {limit:g} s", code="mcp-timeout",
                               say=f"The {self.name} service took too long to answer. I'll reconnect to it.") from None
        except Exception as exc:  # noqa: BLE001 - a broken stream, a protocol error: the server is not usable
            self._down(f"{tool} failed: {type(exc).__name__}: {_first_line(exc)}")
            self._lost.set()
            await self.record("mcp-call", **entry, ok=False, code="mcp-unavailable", reason=self.error)
            raise ServiceError(f"MCP server {self.name}: {self.error}", code="mcp-unavailable", say=self._say_down) from None
        return await self._result(result, entry, moving)

    async def _result(self, result: Any, entry: dict[str, Any], moving: bool) -> str:
        texts = [c.text for c in (getattr(result, "content", None) or []) if getattr(c, "type", "") == "text"]
        raw = "\n".join(texts).strip()
        findings = injection_findings(raw)
        for finding in findings:
            await self.record("mcp-injection", server=self.name, tool=entry["tool"], where="result", text=finding)
        if findings:
            self.emit(ErrorRaised(t=time.monotonic(), code="mcp-injection", stage=Stage.TOOL,
                                  message=f"{self.name}/{entry['tool']}: {len(findings)} instruction(s) in its result withheld"))
        problem = ""
        if getattr(result, "is_error", False):
            problem = "the server reported an error"
        elif not raw:
            problem = "no text in the result"
        else:
            try:
                said = spoken_result(without_injections(raw) or "", self.spoken_chars(moving))
            except UnspeakableText as exc:
                problem = f"not speakable: {exc}"
        if problem:
            await self.record("mcp-call", **entry, ok=False, code="mcp-bad-result", reason=problem, findings=findings)
            raise ServiceError(f"MCP server {self.name}: {entry['tool']}: {problem}", code="mcp-bad-result",
                               say=f"The {self.name} service couldn't do that.")
        await self.record("mcp-call", **entry, ok=True, result=said, findings=findings)
        return said

    def report(self) -> dict[str, Any]:
        return {"name": self.name, "transport": "stdio" if self.settings.command else "http", "state": self.state,
                "error": self.error, "tools": [tool_name(self.settings.tool_prefix, t.name) for t in self.listed
                                               if t.name not in self.refused],
                "refused": dict(self.refused), "read_only_hints": self.read_only_hints(), "connects": self.connects}


def _readback(server: str, tool: str, arguments: Any) -> str:
    said = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in dict(arguments).items()) or "no details"
    return f"Ask the {server} service to {tool.replace('_', ' ')}: {said}. Shall I go ahead?"


def _moving(ctx: SkillContext) -> bool:
    speed = ctx.vehicle.signals.fresh("Vehicle.Speed")
    return speed is None or speed.value is None or abs(float(speed.value)) > 3.0


def _first_line(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        return _first_line(exc.exceptions[0])
    return (str(exc) or type(exc).__name__).split("\n")[0][:200]


__all__ = ["McpServer", "tool_name"]


@contextlib.asynccontextmanager
async def _stdio(stdio_client, params, errlog: str):
    """A stdio server's streams, its stderr appended to ``errlog``; the file is closed with the session, so a
    server that reconnects for days leaves no descriptor behind."""
    with open(errlog, "a", encoding="utf-8") as err:
        async with stdio_client(params, errlog=err) as streams:
            yield streams
