"""The daemon's HMI side: what the API calls, and what flows from the pipeline to the clients.

Mixed into :class:`cockpit.service.daemon.Daemon`, which owns the attributes used here
(``assistant``, ``settings``, ``clients``, ``mic``, ``metrics``, ``notifier``, the loop).
Bus events and vehicle changes may come from engine threads; they reach the clients' queues on
the event loop's thread. Vehicle changes are batched for 100 ms.
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from cockpit.audio.formats import wav_bytes
from cockpit.errors import CockpitError
from cockpit.events import ConfirmationAsked, ErrorRaised, Event, Stage, StateChanged, TurnSummary
from cockpit.service import mapview
from cockpit.service.cards import card
from cockpit.service.hub import ClientQueue
from cockpit.skills.policy import TYPED, HmiAnswer, hmac_equal

if TYPE_CHECKING:
    from cockpit.config import Settings
    from cockpit.pipeline import Assistant
    from cockpit.service.hub import ApiMicrophone
    from cockpit.service.metrics import Metrics
    from cockpit.service.notify import Notifier

log = logging.getLogger("cockpit.daemon")


class HmiSide:
    """The :class:`cockpit.service.backend.HmiBackend` half of the daemon."""

    assistant: "Assistant"
    settings: "Settings"
    version: str
    mic: "ApiMicrophone"
    metrics: "Metrics"
    notifier: "Notifier"
    clients: set[ClientQueue]
    turns: int
    url: str | None
    _loop: asyncio.AbstractEventLoop
    _thread: int
    _vehicle_changes: dict[str, Any]
    _turn_lock: asyncio.Lock

    def _mic_event(self, code: str, message: str) -> None:
        """The microphone was unplugged or came back: in the log, on the bus, in STATUS."""
        log.warning(message, extra={"code": code})
        self.notifier.status(f"{code}: {message}")
        self.assistant.bus.emit(ErrorRaised(t=time.monotonic(), code=code, message=message, stage=Stage.VAD))

    # -- what the API calls ------------------------------------------------------------------
    def health(self) -> dict:
        a = self.assistant
        return {"status": "ok" if self._healthy() else "degraded", "version": self.version,
                "config": self.settings.name, "state": a.state.value, "turns": self.turns,
                "uptime_s": round(time.monotonic() - self._started, 1), "url": self.url,
                "audio_in": self.settings.service.audio_in, "wake_mode": self.settings.wake.mode,
                "tiers": list(a.brain.tiers), "online": a.online, "clients": len(self.clients),
                "stack": {"parts": dict(a.ready.parts), "fixtures": list(a.ready.fixtures),
                          "fallbacks": list(a.ready.fallbacks)} if a.ready else None,
                "dropped": {"audio_frames": self.mic.dropped_frames,
                            "client_messages": sum(c.dropped for c in self.clients)},
                "skills": a.skills.report(), "privacy": a.privacy.report()}

    def hello(self) -> dict:
        a = self.assistant
        return {"type": "hello", "version": self.version, "state": a.state.value, "wake_mode": self.settings.wake.mode,
                "sample_rate": 16000, "cloud": {"configured": "cloud" in a.brain.tiers, "online": a.online},
                "privacy_mode": a.privacy.on}

    def connect(self) -> ClientQueue:
        client = ClientQueue(self.settings.service.client_queue)
        client.put(self.hello())
        client.put({"type": "vehicle", "signals": self.assistant.vehicle.signals.snapshot()})
        if (pending := self.pending_confirmation()) is not None:  # a page opened while a request waits
            client.put({"type": ConfirmationAsked.type, "turn": self.assistant.turn_id, **pending})
        self.clients.add(client)
        return client

    def disconnect(self, client: ClientQueue) -> None:
        self.clients.discard(client)

    def vehicle_state(self) -> dict:
        store = self.assistant.vehicle.signals
        now = store.now()
        return {s.path: {"value": s.value, "unit": s.unit, "source": s.source, "age_s": round(now - s.timestamp, 3),
                         "fresh": s.is_fresh(now)} for s in store.signals()}

    def set_signal(self, path: str, value: Any) -> None:
        if not self.settings.service.allow_vehicle_write:
            raise CockpitError("vehicle writes are switched off for this daemon", code="api-vehicle-readonly",
                               hint="set service.allow_vehicle_write: true (simulation only)")
        store = self.assistant.vehicle.signals
        if path not in store:
            raise CockpitError(f"the vehicle has no signal {path!r}", code="vehicle-signal-unknown",
                               hint="GET /vehicle lists every signal; paths are COVESA VSS, e.g. Vehicle.Speed")
        store.set(path, value, source="hmi")

    def set_online(self, online: bool) -> None:
        self.assistant.online = online
        self._broadcast({"type": "connectivity", "online": online})

    def ptt(self, down: bool) -> None:
        """The talk button. With wake.mode ptt it is the wake; otherwise it only opens the client's
        microphone, and the wake phrase is still needed. Release ends what was said."""
        if self.settings.service.audio_in != "api":
            self.assistant.press_to_talk(down)
            return
        # the press or release belongs where it falls in the client's audio, not where the pipeline is now
        assistant = self.assistant
        self.mic.mark(lambda: assistant.press_to_talk(down))
        if not down:  # the client stops sending: let the endpointer hear the end, and at the latest end it there
            self.mic.silence(self.settings.endpoint.hangover_ms / 1000 + 0.4)
            self.mic.mark(assistant.listener.end_of_speech)

    def typed(self, text: str) -> str:
        """``text`` if it is short enough for a typed request, else api-too-large naming the limit."""
        limit = self.settings.service.max_text_chars
        if len(text) > limit:
            raise CockpitError(f"the text is {len(text)} characters; at most {limit}", code="api-too-large",
                               hint="shorten it, or raise service.max_text_chars")
        return text

    async def text_turn(self, text: str) -> TurnSummary:
        """A typed request (channel ``typed``: a typed yes never confirms a transaction)."""
        return await self.assistant.text_turn(text, channel=TYPED)  # after the turn in progress, if any

    def pending_confirmation(self) -> dict | None:
        """The transaction waiting for the driver's answer: id, tool, arguments, read-back, seconds left."""
        confirm = self.assistant.pending_confirmation
        if confirm is None:
            return None
        tool, arguments = confirm.call.name, confirm.call.as_dict()["arguments"]
        return {"id": confirm.id, "tool": tool, "arguments": arguments, "readback": confirm.readback,
                "expires_in_s": round(confirm.expires_at - time.monotonic(), 1), "card": self._card(tool, arguments)}

    def _card(self, tool: str, arguments: dict) -> dict:
        """Item, amount, payee, payment method for the confirmation card (cockpit/service/cards.py), and the
        tool's side effect (a transaction's card names its amount even when unknown)."""
        from cockpit.skills.builtin.commerce import merchants
        registry = self.assistant.registry
        side = registry.policy(tool).side_effect if tool in registry else "transact"
        return {**card(tool, arguments, merchants(self.assistant.vehicle)), "side_effect": side}

    def reminders(self) -> list[dict] | None:
        """The timers and reminders waiting (the co-pilot's agenda), soonest first; None when this assistant
        keeps no agenda."""
        agenda = getattr(self.assistant.skills, "agenda", None)
        if agenda is None:
            return None
        items = sorted(agenda.items(), key=lambda i: (i.due is None, i.due or 0, i.id))
        return [{"id": i.id, "kind": i.kind, "text": i.text, "minutes": i.minutes, "place": i.place,
                 "due": i.due.isoformat(timespec="minutes") if i.due is not None else None} for i in items]

    def map_view(self, radius_m: float) -> dict:
        return mapview.map_view(self.assistant.car, radius_m)

    def drive_status(self) -> dict | None:
        return mapview.drive_status(self.assistant.car)

    def seek_drive(self, t_s: float) -> dict:
        if not self.settings.service.allow_vehicle_write:
            raise CockpitError("this daemon's API may not move the simulated drive", code="api-vehicle-readonly",
                               hint="set service.allow_vehicle_write: true (simulation only)")
        return mapview.seek(self.assistant.car, t_s)

    async def confirm(self, request_id: str, confirm: bool) -> TurnSummary:
        """An HMI client pressed Confirm (or Cancel) on ``request_id``. Nothing happens unless that
        request is the one waiting (checked here, and again by the gate when the turn runs)."""
        async with self._turn_lock:
            waiting = self.assistant.pending_confirmation
            if waiting is None or not hmac_equal(request_id, waiting.id):
                raise CockpitError(f"no confirmation is waiting with id {request_id[:64]!r}",
                                   code="policy-confirm-unknown", hint="GET /confirmations shows the pending request "
                                   "and its id (also sent as a confirmation-asked event)")
            return await self.assistant.text_turn("Confirm" if confirm else "Cancel",
                                                  channel=HmiAnswer(request_id, confirm))

    # -- from the pipeline to the clients ----------------------------------------------------
    def _on_event(self, event: Event) -> None:
        self.metrics.observe(event)
        if isinstance(event, TurnSummary):
            self.turns += 1
        if isinstance(event, StateChanged):
            self.notifier.status(f"{event.state}; {self.turns} turns; {self.url}")
        if isinstance(event, ConfirmationAsked):  # the card's item, amount, payee and method go with it
            self._broadcast({**event.to_dict(), "card": self._card(event.tool, dict(event.arguments))})
        elif event.type != "voice":
            self._broadcast(event.to_json())

    def _on_reply(self, turn: int, audio, rate: int) -> None:
        data = wav_bytes(audio, rate)
        self._broadcast([{"type": "reply-audio", "turn": turn, "sample_rate": rate, "bytes": len(data)}, data])

    def _on_signal(self, _old, new) -> None:
        def note() -> None:
            if not self._vehicle_changes:
                self._loop.call_later(0.1, self._flush_vehicle)
            self._vehicle_changes[new.path] = new.value
        self._on_loop(note)

    def _flush_vehicle(self) -> None:
        changes, self._vehicle_changes = self._vehicle_changes, {}
        self._broadcast({"type": "vehicle", "signals": changes})

    def _broadcast(self, message: Any) -> None:
        self._on_loop(lambda: [c.put(message) for c in list(self.clients)])

    def _on_loop(self, fn) -> None:
        if threading.get_ident() == self._thread:
            fn()
        else:
            self._loop.call_soon_threadsafe(fn)


