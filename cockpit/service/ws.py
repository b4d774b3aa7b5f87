"""The WebSocket /ws: the event stream out, commands and microphone audio in.

Out: a ``hello`` and a ``vehicle`` snapshot, then every bus event but per-frame VAD
(``confirmation-asked`` carries the id a Confirm must name), vehicle changes, each reply's WAV.
In: ``ptt``, ``text`` (typed: never a confirmation), ``vehicle.set``, ``cloud``, ``confirm`` /
``cancel`` naming the pending request's id, and binary PCM frames (int16 LE, mono, 16 kHz, at
most 2 s) that go through the recogniser like the car's microphone.

The handshake passed cockpit/service/guard.py (Host, Origin, token). Per connection: a JSON
message larger than ``service.max_message_bytes`` gets ``api-too-large`` and one beyond
``service.rate_per_s`` (token bucket, ``rate_burst``) gets ``api-rate-limited``; a malformed one
gets ``api-bad-message`` naming what was wrong. In every case the connection stays.
"""
from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING

import numpy as np
from fastapi import WebSocket, WebSocketDisconnect
from pydantic import BaseModel, ValidationError

from cockpit.errors import CockpitError
from cockpit.service.api import Answer, Connectivity, Ptt, TextTurn, VehicleWrite
from cockpit.service.guard import TokenBucket

if TYPE_CHECKING:
    from cockpit.service.backend import HmiBackend

MAX_PCM_BYTES = 32000 * 2
"""Largest microphone message: 2 s of audio (browsers send ~20 ms)."""
MESSAGES: dict[str, type[BaseModel]] = {"text": TextTurn, "ptt": Ptt, "cloud": Connectivity,
                                        "vehicle.set": VehicleWrite, "confirm": Answer, "cancel": Answer}
"""WebSocket message type -> the body it carries (the same models as the HTTP routes; the ``type`` key
itself is ignored by them)."""


def _error(*, code: str, message: str) -> dict:
    return {"type": "error", "code": code, "message": message}


def _bad(message: str) -> dict:
    return {"type": "error", "code": "api-bad-message", "message": message}


async def serve(daemon: "HmiBackend", socket: WebSocket) -> None:
    s = daemon.settings.service
    await socket.accept()
    client = daemon.connect()
    bucket = TokenBucket(s.rate_per_s, s.rate_burst)
    peer = socket.client.host if socket.client else "unknown"
    sender = asyncio.create_task(_send(socket, client))
    try:
        while True:
            msg = await socket.receive()
            if msg["type"] == "websocket.disconnect":
                break
            data = msg.get("bytes") if msg.get("bytes") is not None else msg.get("text")
            if data is None:
                continue
            size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "replace"))
            if size > s.max_message_bytes:
                daemon.refusals.refused(peer, "size", f"/ws: a {size}-byte message")
                client.put(_error(code="api-too-large", message=f"a message of {size} bytes; at most "
                                  f"{s.max_message_bytes} (service.max_message_bytes)"))
            elif isinstance(data, bytes):
                _pcm(daemon, client, data)
            elif not bucket.take():
                daemon.refusals.refused(peer, "rate", "/ws: messages too fast")
                client.put(_error(code="api-rate-limited", message=f"more than {s.rate_per_s:g} messages a second; "
                                  "this one was dropped (service.rate_per_s)"))
            else:
                _command(daemon, client, data)
    except WebSocketDisconnect:
        pass
    finally:
        daemon.disconnect(client)
        sender.cancel()


async def _send(socket: WebSocket, client) -> None:
    try:
        while True:
            item = await client.get()
            for part in item if isinstance(item, list) else [item]:  # a list: messages that go together
                if isinstance(part, bytes):
                    await socket.send_bytes(part)
                else:
                    await socket.send_text(part if isinstance(part, str) else json.dumps(part, ensure_ascii=False))
    except (WebSocketDisconnect, RuntimeError, asyncio.CancelledError):
        return


def _pcm(daemon: "HmiBackend", client, data: bytes) -> None:
    if len(data) % 2 or len(data) > MAX_PCM_BYTES:
        client.put(_bad(f"microphone frames are int16 mono 16 kHz PCM, an even number of bytes up to "
                        f"{MAX_PCM_BYTES}; got {len(data)} bytes"))
        return
    if daemon.settings.service.audio_in != "api":
        client.put(_bad("this daemon listens to its own microphone (service.audio_in: microphone)"))
        return
    daemon.mic.push(np.frombuffer(data, dtype="<i2").astype(np.int16))


def _command(daemon: "HmiBackend", client, text: str) -> None:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:  # bad JSON, a number of 4300+ digits, [[[[... nested too deeply
        client.put(_bad(f"not JSON: {exc}"))
        return
    kind = data.get("type") if isinstance(data, dict) else None
    model = MESSAGES.get(kind) if isinstance(kind, str) else None
    if model is None:
        client.put(_bad(f"unknown message type {kind!r}; expected one of {sorted(MESSAGES)}"))
        return
    try:
        msg = model.model_validate(data)
    except ValidationError as exc:
        where = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        client.put(_bad(f"{kind}: {where}"))
        return
    try:
        if isinstance(msg, Ptt):
            daemon.ptt(msg.down)
        elif isinstance(msg, Connectivity):
            daemon.set_online(msg.online)
        elif isinstance(msg, VehicleWrite):
            daemon.set_signal(msg.path, msg.value)
        elif isinstance(msg, TextTurn):
            daemon.spawn(daemon.text_turn(daemon.typed(msg.text)), name="text-turn")
        elif isinstance(msg, Answer):
            daemon.spawn(_answer(daemon, client, msg.id, kind == "confirm"), name="text-turn")
    except CockpitError as exc:
        client.put(_error(code=exc.code, message=str(exc).split("\n")[0]))


async def _answer(daemon: "HmiBackend", client, request_id: str, confirm: bool) -> None:
    try:
        await daemon.confirm(request_id, confirm)
    except CockpitError as exc:  # no such request waits: nothing changed; this client hears why
        client.put(_error(code=exc.code, message=str(exc).split("\n")[0]))
