"""The HMI API: HTTP + WebSocket (FastAPI on uvicorn), on 127.0.0.1 unless configured otherwise.

HTTP (described at /openapi.json): health, Prometheus metrics, vehicle state (read; write in
simulation), typed turns, push-to-talk, connectivity, the pending confirmation (read it; Confirm or
Cancel it by id), the offline map as GeoJSON (GET /map), the simulated drive's clock (GET/POST
/drive) and the timers and reminders waiting (GET /reminders). WebSocket /ws: cockpit/service/ws.py.

Before any route, cockpit/service/guard.py checks the Host and Origin headers, the token (when
one is set: every route but the page, its files and /openapi.json), the rate and the body size.
A typed request is never a confirmation: only the driver's voice, or a Confirm naming the pending
request's id, settles a transaction.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI, Query, Request, WebSocket
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field

from cockpit.errors import CockpitError
from cockpit.service.guard import Admission, Door

if TYPE_CHECKING:
    from cockpit.service.backend import HmiBackend

WEB = Path(__file__).parent / "web"
STATUS = {"policy-confirm-unknown": 409, "api-too-large": 413, "api-vehicle-readonly": 403}
"""HTTP status of a refused call, by error code (400 otherwise)."""


class TextTurn(BaseModel):
    text: str = Field(min_length=1, max_length=2000, description="What the driver typed (at most "
                      "service.max_text_chars). Typed text never confirms a transaction.")


class Ptt(BaseModel):
    down: bool = Field(description="true while the talk button is held")


class Connectivity(BaseModel):
    online: bool = Field(description="false: the car has no network; the cloud tier is skipped")


class VehicleWrite(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)  # NaN/Infinity are not JSON: every client's next snapshot breaks

    path: str = Field(min_length=1, max_length=200, description="COVESA VSS path, e.g. Vehicle.Speed")
    value: float | int | bool | str | None


class Answer(BaseModel):
    id: str = Field(min_length=1, max_length=64, description="the pending request's id, from its "
                    "confirmation-asked event or GET /confirmations")


class Press(BaseModel):
    confirm: bool = Field(description="true: the driver pressed Confirm; false: Cancel")


class DriveSeek(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    t_s: float = Field(ge=0, le=1e6, description="seconds into the simulated drive's route (past its end: the end)")


def create_app(daemon: "HmiBackend") -> FastAPI:
    app = FastAPI(title="cockpit HMI API", version=daemon.version, docs_url=None, redoc_url=None,
                  description="Drive the in-vehicle assistant from a head unit or the simulator page.")
    s = daemon.settings.service
    app.add_middleware(Door, admission=Admission.for_service(s, daemon.port), refusals=daemon.refusals,
                       token=daemon.token, max_body=s.max_body_bytes, rate=s.rate_per_s, burst=s.rate_burst)

    @app.exception_handler(CockpitError)
    async def cockpit_error(_request: Request, exc: CockpitError) -> JSONResponse:
        return JSONResponse({"code": exc.code, "message": str(exc).split("\n")[0], "hint": exc.hint},
                            status_code=STATUS.get(exc.code, 400))

    @app.get("/health", summary="Liveness, state and counters")
    async def health() -> dict:
        return daemon.health()

    @app.get("/metrics", summary="Prometheus metrics (text exposition format)")
    async def metrics() -> Response:
        body, content_type = daemon.metrics.exposition()
        return Response(body, media_type=content_type)

    @app.get("/vehicle", summary="Every vehicle signal: value, unit, source, freshness")
    async def vehicle() -> dict:
        return {"signals": daemon.vehicle_state()}

    @app.put("/vehicle", summary="Set a vehicle signal (simulation only)")
    async def vehicle_write(body: VehicleWrite) -> dict:
        daemon.set_signal(body.path, body.value)
        return {"path": body.path, "value": body.value}

    @app.post("/turns/text", summary="A typed request; returns the turn summary (a typed yes confirms nothing)")
    async def text_turn(body: TextTurn) -> dict:
        summary = await daemon.text_turn(daemon.typed(body.text))
        return json.loads(summary.to_json())

    @app.post("/ptt", summary="Press or release push-to-talk")
    async def ptt(body: Ptt) -> dict:
        daemon.ptt(body.down)
        return {"down": body.down}

    @app.post("/connectivity", summary="Tell cockpit whether the car is online")
    async def connectivity(body: Connectivity) -> dict:
        daemon.set_online(body.online)
        return {"online": body.online}

    @app.get("/confirmations", summary="The transaction waiting for the driver's answer, if any")
    async def confirmations() -> dict:
        return {"pending": daemon.pending_confirmation()}

    @app.post("/confirmations/{request_id}", summary="Confirm or cancel the pending transaction, naming its id; "
              "returns the turn summary (409 when no request with that id waits)")
    async def confirm(request_id: str, body: Press) -> dict:
        summary = await daemon.confirm(request_id, body.confirm)
        return json.loads(summary.to_json())

    @app.get("/map", summary="The offline map as GeoJSON: the drive's route, the destination, the car, the places "
             "near it with their opening state")
    async def map_(radius_m: float = Query(5000.0, gt=0, le=20000, description="places within this many metres "
                                           "of the car")) -> dict:
        return daemon.map_view(radius_m)

    @app.get("/drive", summary="The simulated drive's clock: seconds into its route, the route's length")
    async def drive() -> dict:
        return {"drive": daemon.drive_status()}

    @app.post("/drive", summary="Move the simulated drive to a moment of its route (simulation only)")
    async def drive_seek(body: DriveSeek) -> dict:
        return {"drive": daemon.seek_drive(body.t_s)}

    @app.get("/reminders", summary="Timers and reminders waiting, soonest first (null: no agenda is kept)")
    async def reminders() -> dict:
        return {"reminders": daemon.reminders()}

    @app.websocket("/ws")
    async def ws(socket: WebSocket) -> None:
        from cockpit.service.ws import serve
        await serve(daemon, socket)

    if s.web and WEB.is_dir():
        app.mount("/static", StaticFiles(directory=WEB), name="static")

        @app.get("/", include_in_schema=False)
        async def page() -> FileResponse:
            return FileResponse(WEB / "index.html")
    return app
