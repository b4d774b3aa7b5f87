"""`cockpit run`: the long-running in-car service.

Start-up loads every engine (a missing model fails here, with its fix), binds the API, then
tells systemd READY=1 (Type=notify) and pets the watchdog at half of WATCHDOG_USEC while the
pipeline is healthy. STATUS follows the turn state. SIGTERM/SIGINT: STOPPING=1, the turn in
progress may finish for ``service.stop_timeout_s`` (then it is cancelled), the audit log is
verified (every entry was fsync'd when written), exit 0. SIGHUP: the config file is read and
validated again and a new assistant is prepared beside the running one; only when all of that
succeeds is it swapped in (vehicle state kept); on any error the old one keeps running and the
error is logged, sent to clients and shown in STATUS. SIGUSR1 writes every thread's stack to
stderr (the journal), SIGUSR2 every asyncio task's: for a service that seems stuck.

With ``service.require_token`` (the configs for a car) it refuses to start without a token. The
audit log is checked as each assistant starts: a broken chain is reported (``audit-chain-broken``)
and a new segment records the break; a log that cannot be written is reported
(``audit-write-failed``) and transactions are refused until it can be.
"""
from __future__ import annotations

import asyncio
import collections
import contextlib
import faulthandler
import logging
import os
import signal
import socket
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from cockpit.config import Settings, load_config
from cockpit.errors import CockpitError
from cockpit.events import ErrorRaised, Stage
from cockpit.service.guard import Refusals
from cockpit.service.hmi import HmiSide
from cockpit.service.hub import ApiMicrophone, ClientQueue
from cockpit.service.metrics import Metrics
from cockpit.service.notify import Notifier, watchdog_interval_s, watchdog_loop
from cockpit.session import TurnState

if TYPE_CHECKING:
    from cockpit.audio.capture import Microphone
    from cockpit.pipeline import Assistant
    from cockpit.vehicle.sim import SimulatedVehicle

log = logging.getLogger("cockpit.daemon")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("cockpit")
    except PackageNotFoundError:
        return "unknown"


class Daemon(HmiSide):
    def __init__(self, settings: Settings, config_path: Path | None = None):
        self.settings, self.config_path = settings, config_path
        self.version = _version()
        self.token = settings.service.token or os.environ.get("COCKPIT_API_TOKEN") or None
        self.notifier = Notifier()
        self.metrics = Metrics(self.version)
        self.refusals = Refusals(self.metrics.refused)
        self.port = settings.service.port
        """The API's port (the one bound, once listening)."""
        self.mic = ApiMicrophone(settings.service.mic_queue_s, on_drop=lambda n: self.metrics.dropped_frames(n, "api-mic"))
        self.clients: set[ClientQueue] = set()
        self.assistant: "Assistant" = None  # type: ignore[assignment]  # set by run() before the API serves
        self.url: str | None = None
        self.microphone: "Microphone | None" = None
        """The real microphone (service.audio_in: microphone), opened once for the daemon's life."""
        self.turns = 0
        self._started = time.monotonic()
        self._listening: asyncio.Task | None = None
        self._tasks: set[asyncio.Task] = set()
        self._vehicle_changes: dict[str, Any] = {}
        self._unsubscribe: dict[int, Callable[[], None]] = {}
        self._crashes: collections.deque[float] = collections.deque(maxlen=8)
        self._turn_lock = asyncio.Lock()

    # -- life cycle --------------------------------------------------------------------------
    async def run(self) -> int:
        import uvicorn

        from cockpit.service.api import create_app
        self._loop, self._thread = asyncio.get_running_loop(), threading.get_ident()
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            self._loop.add_signal_handler(sig, stop.set)
        self._loop.add_signal_handler(signal.SIGHUP, lambda: self.spawn(self.reload()))
        faulthandler.register(signal.SIGUSR1, all_threads=True)  # `kill -USR1`: every thread's stack to the journal
        self._loop.add_signal_handler(signal.SIGUSR2, _dump_tasks)  # `kill -USR2`: every asyncio task's stack
        if self.settings.service.require_token and not self.token:
            raise CockpitError("this config requires an API token (service.require_token) and none is set",
                               code="service-token-required", hint="set service.token (16+ characters) or "
                               "$COCKPIT_API_TOKEN, e.g. in the unit's EnvironmentFile")
        self.notifier.status("loading models")
        sock = self._bind()
        self.port = sock.getsockname()[1]
        self.assistant = await self._make(self.settings)
        self._listening = asyncio.create_task(self._listen(self.assistant))
        server = _Server(uvicorn.Config(create_app(self), log_config=None, access_log=False, lifespan="off",
                                        ws="websockets", ws_max_size=2 * self.settings.service.max_message_bytes,
                                        timeout_graceful_shutdown=5))
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not serving.done():
            await asyncio.sleep(0.02)
        host, port = sock.getsockname()[:2]
        self.url = f"http://{host}:{port}/"
        log.info("cockpit is ready", extra={"url": self.url, "config": self.settings.name,
                                            "audio_in": self.settings.service.audio_in})
        self.notifier.ready()
        self.notifier.status(f"ready on {self.url}")
        interval = watchdog_interval_s()
        if interval:
            self.spawn(watchdog_loop(self.notifier, interval, self._healthy))
        await stop.wait()
        self.notifier.stopping()
        self.notifier.status("stopping: finishing the turn in progress")
        await self._retire(self.assistant, self.settings.service.stop_timeout_s, final=True)
        server.should_exit = True
        await serving
        for task in self._tasks:
            task.cancel()
        log.info("cockpit stopped")
        return 0

    def _bind(self) -> socket.socket:
        s = self.settings.service
        family = socket.AF_INET6 if ":" in s.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((s.host, s.port))
        except OSError as exc:
            sock.close()
            raise CockpitError(f"cannot listen on {s.host}:{s.port}: {exc.strerror}", code="service-bind",
                               hint="another cockpit may be running; set service.port to a free port (0 = any)") from None
        sock.listen(64)
        return sock

    async def _make(self, settings: Settings, vehicle: "SimulatedVehicle | None" = None) -> "Assistant":
        from cockpit.pipeline import Assistant
        assistant = Assistant(settings, vehicle=vehicle)
        assistant.bus.subscribe(self._on_event)
        assistant.sink.on_reply = self._on_reply
        self._unsubscribe[id(assistant)] = assistant.vehicle.signals.subscribe(self._on_signal)
        if settings.service.audio_in == "microphone" and self.microphone is None:
            from cockpit.audio.capture import Microphone
            self.microphone = Microphone(settings.audio.input, on_event=self._mic_event)
            try:
                await asyncio.to_thread(self.microphone.prepare)  # no device: fails now, naming the fix
            except CockpitError as exc:
                raise CockpitError(str(exc).split("\n  fix:")[0], code=exc.code,
                                   hint=f"{exc.hint}; or set service.audio_in: api (audio from the HMI API)") from None
        try:
            await assistant.prepare()
        except BaseException:
            self._unsubscribe.pop(id(assistant), lambda: None)()
            await assistant.close()
            raise
        await self._open_audit(assistant)
        return assistant

    async def _open_audit(self, assistant: "Assistant") -> None:
        """Check the audit log before the first decision: report a broken chain (a new segment
        records it) or a log that cannot be written (transactions are refused until it can)."""
        from cockpit.skills.audit import AuditUnavailable

        def error(*, code: str, message: str) -> None:
            assistant.bus.emit(ErrorRaised(t=time.monotonic(), code=code, message=message, stage=Stage.TOOL))
        try:
            verdict = await asyncio.to_thread(assistant.audit.open)
        except AuditUnavailable as exc:
            log.error("the audit log cannot be written: transactions are refused until it can",
                      extra={"path": str(assistant.audit.path), "error": str(exc)})
            assistant.gate.audit_down = True  # reported now, once
            error(code=exc.code, message=str(exc).split("\n")[0])
            return
        for b in verdict.breaks:
            if not b.recorded:
                message = f"audit log {assistant.audit.path} line {b.line}: {b.problem}; a new segment records it"
                log.warning(message, extra={"path": str(assistant.audit.path), "line": b.line})
                error(code="audit-chain-broken", message=message)

    async def _listen(self, assistant: "Assistant") -> None:
        """The pipeline's audio loop; a crash is logged and listening starts again (the watchdog
        stops being petted only while it stays down)."""
        while True:
            frames = self.microphone.frames() if self.microphone is not None else self.mic.frames()
            try:
                async for _summary in assistant.turns(frames):  # nothing kept per turn: it runs for days
                    pass
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the listening loop failed; restarting it in 1 s")
                self._crashes.append(time.monotonic())
                await asyncio.sleep(1.0)

    async def _retire(self, assistant: "Assistant", timeout: float, final: bool = False) -> None:
        """Let the turn in progress finish (up to ``timeout``), stop listening, close the engines."""
        deadline = time.monotonic() + timeout
        while assistant.state is not TurnState.IDLE and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        busy = [t for t in self._tasks if t.get_name() == "text-turn"]
        if busy:
            await asyncio.wait(busy, timeout=max(0.0, deadline - time.monotonic()))
        if final:
            self.mic.close()
            if self.microphone is not None:
                self.microphone.stop()
        if self._listening is not None:
            self._listening.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listening
        self._unsubscribe.pop(id(assistant), lambda: None)()
        await assistant.close()
        verdict = assistant.audit.verify()
        log.info("audit log closed", extra={"path": str(assistant.audit.path), "entries": verdict.entries,
                                            "chain_ok": verdict.ok, "segments": verdict.segments,
                                            "recorded_breaks": sum(b.recorded for b in verdict.breaks)})

    async def reload(self) -> bool:
        self.notifier.reloading()
        self.notifier.status("reloading the config")
        try:
            if self.config_path is None:
                raise CockpitError("started without --config: nothing to reload", code="config-reload")
            settings = load_config(self.config_path)
            if (settings.service.host, settings.service.port) != (self.settings.service.host, self.settings.service.port):
                log.warning("service.host/port changed: takes effect at the next restart")
            fresh = await self._make(settings, vehicle=self.assistant.vehicle)
        except Exception as exc:  # noqa: BLE001 - any failure keeps the running assistant
            first = str(exc).split("\n")[0]
            log.error("reload failed; the previous config keeps running", extra={"error": str(exc)})
            self._broadcast({"type": "error", "code": getattr(exc, "code", "config-reload"), "message": str(exc)})
            self.notifier.ready()
            self.notifier.status(f"running the previous config; reload failed: {first}")
            return False
        old, self.assistant, self.settings = self.assistant, fresh, settings
        await self._retire(old, self.settings.service.stop_timeout_s)
        self._listening = asyncio.create_task(self._listen(fresh))
        log.info("config reloaded", extra={"config": settings.name})
        self.notifier.ready()
        self.notifier.status(f"ready on {self.url} (config reloaded)")
        return True

    def _healthy(self) -> bool:
        """Listening, and not crashing over and over (3 restarts within 30 s stop the watchdog pings,
        so systemd restarts the service)."""
        recent = [t for t in self._crashes if time.monotonic() - t < 30.0]
        return self._listening is not None and not self._listening.done() and len(recent) < 3

    def spawn(self, coro, name: str = "task") -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task


class _Server:
    """uvicorn's server without its own signal handling: the daemon owns SIGTERM, SIGINT, SIGHUP."""

    def __new__(cls, config):
        import uvicorn

        class Server(uvicorn.Server):
            @contextlib.contextmanager
            def capture_signals(self):
                yield

        return Server(config)


def _dump_tasks() -> None:
    """Every asyncio task and where it waits, to stderr (SIGUSR2)."""
    import sys
    tasks = asyncio.all_tasks()
    print(f"--- {len(tasks)} asyncio tasks ---", file=sys.stderr)
    for task in tasks:
        task.print_stack(limit=12, file=sys.stderr)
    sys.stderr.flush()
