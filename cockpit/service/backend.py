"""What the HMI API needs of the daemon: the one interface the HTTP and WebSocket routes are typed
against (cockpit/service/api.py, ws.py, guard.py). The daemon implements it (cockpit/service/daemon.py
with its HMI side, hmi.py); the routes never reach past it into the pipeline.
"""
from __future__ import annotations

from typing import Any, Awaitable, Coroutine, Protocol

from cockpit.config import Settings
from cockpit.events import TurnSummary
from cockpit.service.hub import ApiMicrophone, ClientQueue
from cockpit.service.metrics import Metrics


class RefusalLog(Protocol):
    def refused(self, peer: str, reason: str, message: str) -> None:
        """Count a refused request or message (metrics) and log it once per peer and reason."""


class HmiBackend(Protocol):
    settings: Settings
    version: str
    token: str | None
    port: int
    metrics: Metrics
    refusals: RefusalLog
    mic: ApiMicrophone
    """Where PCM frames from API clients go (service.audio_in: api)."""

    def health(self) -> dict: ...
    def connect(self) -> ClientQueue:
        """A new WebSocket client: its bounded outgoing queue, greeted with hello + vehicle state."""
    def disconnect(self, client: ClientQueue) -> None: ...
    def vehicle_state(self) -> dict: ...
    def set_signal(self, path: str, value: Any) -> None:
        """Simulation only (service.allow_vehicle_write); unknown paths are refused with a hint."""
    def set_online(self, online: bool) -> None: ...
    def ptt(self, down: bool) -> None: ...
    def typed(self, text: str) -> str:
        """``text`` when it fits service.max_text_chars, else api-too-large."""
    def text_turn(self, text: str) -> Awaitable[TurnSummary]:
        """A typed request: never a confirmation."""
    def pending_confirmation(self) -> dict | None:
        """The waiting transaction: id, tool, arguments, read-back, seconds left, and its card (item, amount,
        payee, payment method)."""
    def map_view(self, radius_m: float) -> dict:
        """GeoJSON of the drive's route, the destination, the car and the places within ``radius_m`` of it."""
    def drive_status(self) -> dict | None:
        """The simulated drive's clock (seconds into the route, its length); None without a simulated drive."""
    def seek_drive(self, t_s: float) -> dict:
        """Simulation only: jump the simulated drive to ``t_s`` seconds into its route."""
    def reminders(self) -> list[dict] | None:
        """Timers and reminders waiting: id, kind, text, due (local time) or place; None without an agenda."""
    def confirm(self, request_id: str, confirm: bool) -> Awaitable[TurnSummary]:
        """An authenticated HMI client's Confirm/Cancel naming the pending request."""
    def spawn(self, coro: Coroutine, name: str = "task") -> Any: ...
