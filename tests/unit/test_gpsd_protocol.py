"""The gpsd feed's protocol side: TPV -> VSS mapping, line reassembly, and a hostile local server.

The real gpsd (fed by gpsfake) is in tests/engines/test_gpsd.py; here a tiny TCP server sends
what gpsd never should (garbage, a 100 KiB line, JSON split across sends) to show the feed
counts it and carries on.
"""
from __future__ import annotations

import json
import logging
import socket
import threading
import time
from typing import Callable

import pytest

from cockpit.config.vehicle import GpsdFeedSettings
from cockpit.vehicle import vss
from cockpit.vehicle.gpsd import MAX_LINE, GpsdFeed, LineBuffer, tpv_to_vss
from cockpit.vehicle.signals import SignalStore

FIX_3D = {"class": "TPV", "device": "/dev/pts/1", "mode": 3, "time": "2026-06-12T10:00:09.000Z",
          "ept": 0.005, "lat": 48.1383, "lon": 11.5755, "altHAE": 567.0, "altMSL": 520.0, "alt": 520.0,
          "track": 0.0, "magtrack": 3.3413, "speed": 11.107, "geoidSep": 47.0, "eph": 17.1}
"""A TPV as gpsd 3.22 sends it for the demo route's NMEA (one taken from a gpsfake run)."""


def wait_for(condition: Callable[[], object], timeout: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


def settings(port: int, **kw) -> GpsdFeedSettings:
    return GpsdFeedSettings(kind="gpsd", host="127.0.0.1", port=port, **{"reconnect_max_s": 0.5, **kw})


# --- tpv_to_vss ----------------------------------------------------------------------------

def test_3d_fix_maps_every_field_with_speed_in_kmh() -> None:
    values = tpv_to_vss(FIX_3D)
    assert values == {vss.LATITUDE: 48.1383, vss.LONGITUDE: 11.5755, vss.HEADING: 0.0,
                      vss.SPEED: pytest.approx(11.107 * 3.6), vss.ALTITUDE: 567.0, vss.H_ACCURACY: 17.1,
                      vss.TIMESTAMP: "2026-06-12T10:00:09.000Z"}
    assert list(values)[-1] == vss.TIMESTAMP  # a subscriber to Timestamp sees the whole fix
    assert tpv_to_vss({"class": "TPV", "mode": 2, "lat": 0, "lon": 0, "speed": 10})[vss.SPEED] == 36.0


@pytest.mark.parametrize("mode", [0, 1])
def test_no_fix_writes_nothing(mode: int) -> None:
    assert tpv_to_vss({"class": "TPV", "mode": mode, "time": "2026-06-12T10:00:00Z"}) is None
    assert tpv_to_vss({"class": "TPV"}) is None  # mode not yet seen


def test_2d_fix_has_no_altitude_and_missing_fields_are_left_out() -> None:
    values = tpv_to_vss({"class": "TPV", "mode": 2, "lat": -33.9, "lon": 151.2, "alt": 12.0, "altHAE": 40.0})
    assert values == {vss.LATITUDE: -33.9, vss.LONGITUDE: 151.2}  # stationary: no track, no speed


def test_altitude_falls_back_to_alt_and_accuracy_to_epx_epy() -> None:
    report = {"class": "TPV", "mode": 3, "lat": 1.0, "lon": 2.0, "alt": 99.5, "epx": 3.0, "epy": 4.0,
              "track": 360.0}
    assert tpv_to_vss(report) == {vss.LATITUDE: 1.0, vss.LONGITUDE: 2.0, vss.HEADING: 0.0,
                                  vss.ALTITUDE: 99.5, vss.H_ACCURACY: 5.0}


@pytest.mark.parametrize("change", [
    {"class": "SKY"}, {"mode": "3"}, {"mode": True}, {"mode": 4}, {"lat": "48.1"}, {"lat": 91.0},
    {"lon": -180.5}, {"lat": None}, {"speed": -1.0}, {"speed": float("nan")}, {"track": 400},
    {"eph": [1]}, {"time": 1781258409.0}, {"lat": True},
])
def test_malformed_tpv_raises_value_error(change: dict) -> None:
    report = {**FIX_3D, **change}
    report = {k: v for k, v in report.items() if v is not None}
    with pytest.raises(ValueError):
        tpv_to_vss(report)


# --- LineBuffer ----------------------------------------------------------------------------

def test_line_buffer_reassembles_split_lines_and_drops_long_ones() -> None:
    lines = LineBuffer(limit=10)
    assert lines.feed(b'{"a"') == []
    assert lines.feed(b':1}\r\n{"b":2}\n{"c"') == [b'{"a":1}', b'{"b":2}']
    assert lines.feed(b":3}\n" + b"x" * 8) == [b'{"c":3}']
    assert lines.feed(b"x" * 8) == [None]  # over the limit: reported once...
    assert lines.feed(b"x" * 50) == []
    assert lines.feed(b"xx\nok\n") == [b"ok"]  # ...and dropped up to its newline
    assert lines.feed(b"y" * 11 + b"\n") == [None]


# --- the feed against a local server ---------------------------------------------------------

class ScriptedServer:
    """Accepts connections on a free loopback port; each one runs ``script(conn)`` then closes it."""

    def __init__(self, script: Callable[[socket.socket], None]) -> None:
        self.script = script
        self.received = bytearray()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.done.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                self.script(conn)

    def read_command(self, conn: socket.socket) -> None:
        while b"\n" not in self.received:
            data = conn.recv(1024)
            if not data:
                return
            self.received += data

    def close(self) -> None:
        self.done.set()
        self.thread.join(5)
        self.sock.close()


@pytest.fixture
def server_factory():
    servers: list[ScriptedServer] = []

    def make(script: Callable[[socket.socket], None]) -> ScriptedServer:
        servers.append(ScriptedServer(script))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


@pytest.fixture
def feeds():
    started: list[GpsdFeed] = []

    def make(port: int, **kw) -> GpsdFeed:
        feed = GpsdFeed(SignalStore(), settings(port, **kw))
        started.append(feed)
        feed.start()
        return feed

    yield make
    for feed in started:
        feed.stop()


def test_garbage_is_counted_and_a_valid_fix_still_applies(server_factory, feeds) -> None:
    tpv = json.dumps(FIX_3D).encode() + b"\r\n"
    garbage = [b"not json", b"[1, 2, 3]", b'{"no": "class"}', b'{"class":"TPV","mode":3,"lat":123,"lon":11}',
               b"\xff\xfe{}", b"[" * 20000, b"x" * (100 * 1024)]

    def script(conn: socket.socket) -> None:
        conn.sendall(b'{"class":"VERSION","release":"3.22","proto_major":3,"proto_minor":14}\r\n')
        server.read_command(conn)
        conn.sendall(b'{"class":"SKY","satellites":[]}\r\n{"class":"TPV","mode":1}\r\n\r\n')
        for line in garbage:
            conn.sendall(line + b"\r\n")
        for part in (tpv[:7], tpv[7:40], tpv[40:]):  # one report split over three sends
            conn.sendall(part)
            time.sleep(0.05)
        server.done.wait(20)  # hold the line open until the test ends

    server = server_factory(script)
    feed = feeds(server.port)
    wait_for(lambda: feed.stats.messages >= 1, what="the valid TPV")
    assert bytes(server.received) == b'?WATCH={"enable":true,"json":true};\n'
    assert feed.connected and feed.running
    assert feed.stats.garbage == len(garbage)
    assert feed.stats.ignored == 3  # VERSION, SKY, the no-fix TPV
    assert feed.stats.kinds == {"TPV": 1} and feed.stats.errors == 0
    signal = feed.store.get(vss.SPEED)
    assert signal.value == pytest.approx(40.0, abs=0.1) and signal.unit == "km/h" and signal.source == "gpsd"
    assert feed.store.value(vss.LATITUDE) == 48.1383
    feed.stop()
    assert not feed.running and not feed.connected


def test_gpsd_closing_the_line_is_an_error_and_the_feed_reconnects(server_factory, feeds, caplog) -> None:
    def script(conn: socket.socket) -> None:
        server.read_command(conn)
        server.received.clear()
        conn.sendall(json.dumps(FIX_3D).encode() + b"\r\n")  # one fix, then hang up

    server = server_factory(script)
    with caplog.at_level(logging.INFO, logger="cockpit.vehicle.gpsd"):
        feed = feeds(server.port)
        wait_for(lambda: feed.stats.connects >= 3 and feed.stats.errors >= 3, what="three sessions")
    assert "closed the connection" in feed.stats.last_error
    assert feed.stats.messages >= 3
    # every session delivered a fix, so each hang-up is an outage of its own, and each recovery is logged
    assert any(r.levelno == logging.INFO and "is back" in r.getMessage() for r in caplog.records)


def test_accept_and_hang_up_is_one_outage(server_factory, feeds, caplog) -> None:
    server = server_factory(lambda conn: None)  # accepts, says nothing, closes
    with caplog.at_level(logging.WARNING, logger="cockpit.vehicle.gpsd"):
        feed = feeds(server.port)
        wait_for(lambda: feed.stats.errors >= 3, what="three failed sessions")
    assert feed.stats.connects >= 3 and feed.stats.messages == 0
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1


def test_refused_port_logs_one_warning_per_outage(feeds, caplog) -> None:
    with socket.socket() as s:  # bound, never listening: connections are refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        with caplog.at_level(logging.WARNING, logger="cockpit.vehicle.gpsd"):
            feed = feeds(port)
            wait_for(lambda: feed.stats.errors >= 3, what="three failed connects")
            assert not feed.connected and feed.stats.connects == 0
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "vehicle-feed" in warnings[0].getMessage()
    assert f"127.0.0.1:{port}" in feed.stats.last_error
    feed.stop()
    assert not feed.running


def test_max_line_is_generous_for_gpsd() -> None:
    assert MAX_LINE > 10240  # gpsd's documented limit for one report
