"""The simulator page's API routes through the daemon's real app in-process (its Host/Origin/token door
included): GET /map (GeoJSON of the route, the destination, the car and the places near it with their
opening state), GET/POST /drive (the simulated drive's clock), the confirmation card that goes with a
pending transaction (GET /confirmations, the confirmation-asked message, a page that connects while
one waits) and the endpointer line of /health."""
from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

import pytest

from cockpit.config import parse_config
from support.asgi import asgi_call
from cockpit.service.mapview import opening
from cockpit.vehicle import geo, vss
from cockpit.vehicle.route import load_route

pytestmark = pytest.mark.e2e

PORT = 8765
CLOCK = datetime(2026, 6, 12, 12, 30)  # a Friday: Tiffin Garden open until 14:30, Green Fork from 17:00
ROUTE = load_route(None)
WORK = ROUTE.points[-1]


async def call(app, method: str, path: str, body: dict | None = None, query: str = "",
               headers: dict | None = None) -> tuple[int, dict]:
    return await asgi_call(app, method, path, body, query=query, headers=headers, port=PORT)


def settings(tmp_path, feeds: bool = True, **service):
    return parse_config({
        "wake": {"mode": "none"}, "asr": {"engine": "sphinx"}, "brain": {"mode": "fastpath-only"},
        "audio": {"output": {"sink": "none"}}, "session": {"audit_log": str(tmp_path / "audit.jsonl")},
        "vehicle": {"clock": CLOCK.isoformat(), "places": {"work": {"latitude": WORK[0], "longitude": WORK[1]}},
                    # the route clock all but stands still: where the car is follows only the seeks
                    "feeds": [{"kind": "drive", "speedup": 0.001, "rate_hz": 20}] if feeds else []},
        "service": {"port": PORT, "audio_in": "api", **service}})


def run(tmp_path, body, feeds: bool = True, **service):
    """body(app, daemon) against a daemon whose assistant is prepared in this event loop."""
    from cockpit.service.api import create_app
    from cockpit.service.daemon import Daemon
    cfg = settings(tmp_path, feeds, **service)
    daemon = Daemon(cfg)

    async def go():
        daemon._loop, daemon._thread = asyncio.get_running_loop(), threading.get_ident()
        daemon.assistant = await daemon._make(cfg)
        try:
            await body(create_app(daemon), daemon)
        finally:
            await daemon.assistant.close()
    asyncio.run(go())


def features(geojson: dict, role: str) -> list[dict]:
    return [f for f in geojson["features"] if f["properties"]["role"] == role]


async def until_car_at(app, lat: float, lon: float, within_m: float = 3.0) -> dict:
    """GET /map until the car is drawn within ``within_m`` of (lat, lon): the feed publishes at 20 Hz."""
    for _ in range(300):
        status, body = await call(app, "GET", "/map")
        assert status == 200
        car = features(body, "car")
        if car and geo.distance_m(lat, lon, *reversed(car[0]["geometry"]["coordinates"])) <= within_m:
            return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"the car never reached {lat:.6f}, {lon:.6f}: {car}")


def test_the_map_is_the_route_the_car_the_destination_and_the_places_near_it(tmp_path):
    async def body(app, daemon):
        status, drive = await call(app, "POST", "/drive", {"t_s": 80})
        assert status == 200 and drive["drive"]["t_s"] == pytest.approx(80, abs=0.5)
        here = ROUTE.state_at(80)
        m = await until_car_at(app, here.lat, here.lon)
        assert m["type"] == "FeatureCollection" and m["properties"]["position_known"] is True
        [route] = features(m, "route")
        assert route["geometry"]["type"] == "LineString"
        assert route["geometry"]["coordinates"] == [[lon, lat] for lat, lon in ROUTE.points]
        along = route["properties"]["along_m"]
        assert along[0] == 0 and all(b > a for a, b in zip(along, along[1:]))
        assert along[-1] == pytest.approx(ROUTE.length_m(), abs=1) == route["properties"]["length_m"]
        # the driven part ends where the car is: 80 s at the route's speeds, measured along the track
        assert route["properties"]["driven_m"] == pytest.approx(geo.project(ROUTE.points, here.lat, here.lon).along_m,
                                                                abs=3.0)
        [car] = features(m, "car")
        assert car["properties"]["heading"] == pytest.approx(here.heading, abs=0.1)
        assert car["properties"]["speed_kmh"] == pytest.approx(here.speed_kmh, abs=0.1)
        [dest] = features(m, "destination")
        assert dest["geometry"]["coordinates"] == [WORK[1], WORK[0]] and dest["properties"]["name"] == "work"
        places = features(m, "poi")
        assert places and all(p["properties"]["distance_m"] <= 5000 for p in places)
        store, now = daemon.assistant.car.pois, daemon.assistant.car.clock()
        assert {p["properties"]["id"] for p in places} == {poi.id for _, poi in store.near(here.lat, here.lon, 5000)}
        by_name = {p["properties"]["name"]: p["properties"] for p in places}
        assert (by_name["Tiffin Garden"]["open"], by_name["Tiffin Garden"]["hours"]) == (True, "open until 14:30")
        assert (by_name["Green Fork"]["open"], by_name["Green Fork"]["hours"]) == (False, "closed until 17:00")
        for p in places:  # every place's state is the store's own verdict on the car's clock
            poi = store.by_name(p["properties"]["name"])
            assert (p["properties"]["open"], p["properties"]["hours"]) == opening(store, poi, now)
        # a smaller circle is a subset, nearest kept
        status, small = await call(app, "GET", "/map", query="radius_m=400")
        assert status == 200
        near = {p["properties"]["id"] for p in features(small, "poi")}
        assert near < {p["properties"]["id"] for p in places}
        assert all(p["properties"]["distance_m"] <= 400 for p in features(small, "poi"))
    run(tmp_path, body)


def test_moving_the_drive_moves_the_car_and_the_driven_part(tmp_path):
    async def body(app, daemon):
        driven = []
        for t in (10, 200, 60):  # forwards and back again
            status, _ = await call(app, "POST", "/drive", {"t_s": t})
            assert status == 200
            here = ROUTE.state_at(t)
            m = await until_car_at(app, here.lat, here.lon)
            driven.append(features(m, "route")[0]["properties"]["driven_m"])
        assert driven[0] < driven[2] < driven[1]
        status, end = await call(app, "POST", "/drive", {"t_s": 1e6})  # past the end: parked at the end
        assert status == 200 and end["drive"]["t_s"] == pytest.approx(ROUTE.duration_s, abs=0.1)
        status, clock = await call(app, "GET", "/drive")
        assert status == 200 and clock["drive"]["duration_s"] == ROUTE.duration_s
    run(tmp_path, body)


def test_a_navigation_destination_replaces_the_route_end(tmp_path):
    async def body(app, daemon):
        poi = daemon.assistant.car.pois.by_name("Tiffin Garden")
        _, m = await call(app, "GET", "/map")
        assert features(m, "destination")[0]["properties"]["source"] == "route"
        car = daemon.assistant.vehicle  # what navigate_to does once the driver said yes to the read-back
        car.actuate(vss.DEST_LAT, poi.lat)
        car.actuate(vss.DEST_LON, poi.lon)
        _, m = await call(app, "GET", "/map")
        [dest] = features(m, "destination")
        assert dest["properties"] == {"role": "destination", "name": "Tiffin Garden", "source": "navigation"}
        assert dest["geometry"]["coordinates"] == [poi.lon, poi.lat]
    run(tmp_path, body)


def test_bad_map_and_drive_requests_change_nothing(tmp_path):
    async def body(app, daemon):
        for query in ("radius_m=0", "radius_m=nan", "radius_m=inf", "radius_m=20001", "radius_m=far"):
            assert (await call(app, "GET", "/map", query=query))[0] == 422, query
        for bad in ({"t_s": -1}, {"t_s": "soon"}, {}, {"t_s": None}):
            assert (await call(app, "POST", "/drive", bad))[0] == 422, bad
        before = daemon.assistant.car.drive.route_time()
        status, _ = await call(app, "POST", "/drive", {"t_s": 100}, headers={"Origin": "http://evil.example"})
        assert status == 403 and daemon.assistant.car.drive.route_time() < before + 1
    run(tmp_path, body)


def test_the_drive_cannot_be_moved_when_vehicle_writes_are_off(tmp_path):
    async def body(app, daemon):
        before = daemon.assistant.car.drive.route_time()
        status, refused = await call(app, "POST", "/drive", {"t_s": 100})
        assert (status, refused["code"]) == (403, "api-vehicle-readonly")
        assert daemon.assistant.car.drive.route_time() < before + 1
    run(tmp_path, body, allow_vehicle_write=False)


def test_without_a_simulated_drive_there_is_no_route_and_no_seek(tmp_path):
    async def body(app, daemon):
        status, m = await call(app, "GET", "/map")
        assert status == 200 and features(m, "route") == [] and features(m, "destination") == []
        assert (await call(app, "GET", "/drive"))[1] == {"drive": None}
        status, refused = await call(app, "POST", "/drive", {"t_s": 10})
        assert status == 400 and "no simulated drive" in refused["message"]
    run(tmp_path, body, feeds=False)


def test_an_unknown_position_draws_no_car_and_no_places(tmp_path):
    async def body(app, daemon):
        store = daemon.assistant.vehicle.signals
        store.set(vss.LATITUDE, None, source="hmi")  # no fix: the position is unknown
        _, m = await call(app, "GET", "/map")
        assert features(m, "car") == [] and features(m, "poi") == []
        assert m["properties"]["position_known"] is False and m["properties"]["center"] is None
    run(tmp_path, body, feeds=False)


def test_a_pending_purchase_comes_with_its_card(tmp_path):
    async def body(app, daemon):
        early = daemon.connect()
        status, turn = await call(app, "POST", "/turns/text", {"text": "order a large latte from bean there"})
        assert status == 200 and turn["tool_calls"][0]["name"] == "place_order"
        _, pending = await call(app, "GET", "/confirmations")
        card = pending["pending"]["card"]
        assert card == {"item": "1 × large latte", "payee": "Bean There", "amount": "4.30 EUR",
                        "method": "car wallet", "quoted": True, "side_effect": "transact"}
        asked = [m for m in early._items if isinstance(m, dict) and m.get("type") == "confirmation-asked"]
        assert [(m["id"], m["card"]) for m in asked] == [(pending["pending"]["id"], card)]
        late = daemon.connect()  # a page opened now sees the same card, with the time that is left
        [again] = [m for m in late._items if isinstance(m, dict) and m.get("type") == "confirmation-asked"]
        assert (again["id"], again["card"], again["tool"]) == (pending["pending"]["id"], card, "place_order")
        assert 0 < again["expires_in_s"] <= daemon.settings.session.confirm_window_s
        status, done = await call(app, "POST", f"/confirmations/{again['id']}", {"confirm": False})
        assert status == 200 and done["tool_calls"] == []
        assert not [m for m in daemon.connect()._items if isinstance(m, dict)
                    and m.get("type") == "confirmation-asked"]  # nothing waits any more
    run(tmp_path, body)


def test_timers_and_reminders_are_listed_soonest_first(tmp_path):
    @dataclass(frozen=True)
    class Item:  # the shape of the co-pilot's agenda items (cockpit/proactive/agenda.py)
        id: int
        kind: str
        text: str
        minutes: int | None
        due: datetime | None
        place: str | None

    async def body(app, daemon):
        skills = daemon.assistant.skills
        if getattr(skills, "agenda", None) is None:
            assert (await call(app, "GET", "/reminders")) == (200, {"reminders": None})
        items = [Item(3, "reminder", "call Anna", None, None, "home"),
                 Item(1, "timer", "parking meter", 30, datetime(2026, 6, 12, 13, 5), None),
                 Item(2, "reminder", "buy milk", 10, datetime(2026, 6, 12, 12, 45), None)]
        agenda, skills.agenda = skills.agenda, SimpleNamespace(items=lambda: list(items))
        try:
            status, got = await call(app, "GET", "/reminders")
        finally:
            skills.agenda = agenda  # the real one is closed with the skills
        assert status == 200 and got["reminders"] == [
            {"id": 2, "kind": "reminder", "text": "buy milk", "minutes": 10, "place": None, "due": "2026-06-12T12:45"},
            {"id": 1, "kind": "timer", "text": "parking meter", "minutes": 30, "place": None, "due": "2026-06-12T13:05"},
            {"id": 3, "kind": "reminder", "text": "call Anna", "minutes": None, "place": "home", "due": None}]
    run(tmp_path, body, feeds=False)
