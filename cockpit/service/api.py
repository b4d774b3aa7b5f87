"""The HMI API: HTTP + WebSocket (FastAPI on uvicorn), on 127.0.0.1 unless configured otherwise.

HTTP (described at /openapi.json): health, Prometheus metrics, vehicle state (read; write in
simulation), typed turns, push-to-talk, connectivity. WebSocket /ws: the event stream out (every
bus event but per-frame VAD, vehicle changes, each reply's WAV), and in: push-to-talk, typed
text, vehicle writes, connectivity, and microphone audio as binary PCM frames (int16 LE, mono,
16 kHz). A malformed message gets an ``api-bad-message`` error back; the connection stays.
When a token is configured every API call needs it (``Authorization: Bearer`` or ``?token=``);
the simulator page itself holds no data and loads without it.
"""
from __future__ import annotations

import asyncio
import hmac
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from fastapi import Depends, FastAPI, HTTPException, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field, ValidationError

from cockpit.errors import CockpitError

if TYPE_CHECKING:
    from cockpit.service.daemon import Daemon

log = logging.getLogger(__name__)
WEB = Path(__file__).parent / "web"
MAX_PCM_BYTES = 32000 * 2
"""Largest microphone message: 2 s of audio (browsers send ~20 ms)."""


class TextTurn(BaseModel):
    text: str = Field(min_length=1, max_length=500, description="What the driver typed.")


class Ptt(BaseModel):
    down: bool = Field(description="true while the talk button is held")


class Connectivity(BaseModel):
    online: bool = Field(description="false: the car has no network; the cloud tier is skipped")


class VehicleWrite(BaseModel):
    path: str = Field(min_length=1, max_length=200, description="COVESA VSS path, e.g. Vehicle.Speed")
    value: float | int | bool | str | None


WS_MESSAGES: dict[str, type[BaseModel]] = {"text": TextTurn, "ptt": Ptt, "cloud": Connectivity,
                                           "vehicle.set": VehicleWrite}
"""WebSocket message type -> the body it carries (the same models as the HTTP routes; the
``type`` key itself is ignored by them)."""


def _bad(message: str) -> dict:
    return {"type": "error", "code": "api-bad-message", "message": message}


def create_app(daemon: "Daemon") -> FastAPI:
    app = FastAPI(title="cockpit HMI API", version=daemon.version, docs_url=None, redoc_url=None,
                  description="Drive the in-vehicle assistant from a head unit or the simulator page.")
    token = daemon.token

    def authorized(headers: Any, query: Any) -> bool:
        if not token:
            return True
        given = query.get("token") or headers.get("authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(given.encode(), token.encode())

    def require_token(request: Request) -> None:
        if not authorized(request.headers, request.query_params):
            raise HTTPException(401, "missing or wrong token: send 'Authorization: Bearer <service.token>'")

    guarded = [Depends(require_token)]

    @app.exception_handler(CockpitError)
    async def cockpit_error(_request: Request, exc: CockpitError) -> JSONResponse:
        return JSONResponse({"code": exc.code, "message": str(exc), "hint": exc.hint}, status_code=400)

    @app.get("/health", dependencies=guarded, summary="Liveness, state and counters")
    async def health() -> dict:
        return daemon.health()

    @app.get("/metrics", dependencies=guarded, summary="Prometheus metrics (text exposition format)")
    async def metrics() -> Response:
        body, content_type = daemon.metrics.exposition()
        return Response(body, media_type=content_type)

    @app.get("/vehicle", dependencies=guarded, summary="Every vehicle signal: value, unit, source, freshness")
    async def vehicle() -> dict:
        return {"signals": daemon.vehicle_state()}

    @app.put("/vehicle", dependencies=guarded, summary="Set a vehicle signal (simulation only)")
    async def vehicle_write(body: VehicleWrite) -> dict:
        daemon.set_signal(body.path, body.value)
        return {"path": body.path, "value": body.value}

    @app.post("/turns/text", dependencies=guarded, summary="A typed request; returns the turn summary")
    async def text_turn(body: TextTurn) -> dict:
        summary = await daemon.text_turn(body.text)
        return json.loads(summary.to_json())

    @app.post("/ptt", dependencies=guarded, summary="Press or release push-to-talk")
    async def ptt(body: Ptt) -> dict:
        daemon.ptt(body.down)
        return {"down": body.down}

    @app.post("/connectivity", dependencies=guarded, summary="Tell cockpit whether the car is online")
    async def connectivity(body: Connectivity) -> dict:
        daemon.set_online(body.online)
        return {"online": body.online}

    @app.websocket("/ws")
    async def ws(socket: WebSocket) -> None:
        if not authorized(socket.headers, socket.query_params):
            await socket.close(code=1008, reason="missing or wrong token")
            return
        await socket.accept()
        client = daemon.connect()
        sender = asyncio.create_task(_send(socket, client))
        try:
            while True:
                msg = await socket.receive()
                if msg["type"] == "websocket.disconnect":
                    break
                if msg.get("bytes") is not None:
                    _pcm(daemon, client, msg["bytes"])
                elif msg.get("text") is not None:
                    _command(daemon, client, msg["text"])
        except WebSocketDisconnect:
            pass
        finally:
            daemon.disconnect(client)
            sender.cancel()

    if daemon.settings.service.web and WEB.is_dir():
        app.mount("/static", StaticFiles(directory=WEB), name="static")

        @app.get("/", include_in_schema=False)
        async def page() -> FileResponse:
            return FileResponse(WEB / "index.html")
    return app


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


def _pcm(daemon: "Daemon", client, data: bytes) -> None:
    if len(data) % 2 or len(data) > MAX_PCM_BYTES:
        client.put(_bad(f"microphone frames are int16 mono 16 kHz PCM, an even number of bytes up to "
                        f"{MAX_PCM_BYTES}; got {len(data)} bytes"))
        return
    if daemon.settings.service.audio_in != "api":
        client.put(_bad("this daemon listens to its own microphone (service.audio_in: microphone)"))
        return
    daemon.mic.push(np.frombuffer(data, dtype="<i2").astype(np.int16))


def _command(daemon: "Daemon", client, text: str) -> None:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        client.put(_bad(f"not JSON: {exc}"))
        return
    kind = data.get("type") if isinstance(data, dict) else None
    model = WS_MESSAGES.get(kind) if isinstance(kind, str) else None
    if model is None:
        client.put(_bad(f"unknown message type {kind!r}; expected one of {sorted(WS_MESSAGES)}"))
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
            daemon.spawn(daemon.text_turn(msg.text), name="text-turn")
    except CockpitError as exc:
        client.put({"type": "error", "code": exc.code, "message": str(exc)})
