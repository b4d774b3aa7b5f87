"""The gpsd feed: position, speed and heading from a running gpsd, over its JSON protocol.

gpsd answers on TCP port 2947 with a ``VERSION`` object; after the client's
``?WATCH={"enable":true,"json":true};`` it sends ``DEVICES``, ``WATCH`` and then one JSON report
per CR-LF line: ``TPV`` (time-position-velocity) fixes, ``SKY`` and others (gpsd_json(5)). Only
TPV is used; :func:`tpv_to_vss` maps it to VSS. Without a fix (mode 0/1) nothing is written, so
position, speed and heading go stale on their own after ``max_age_s``.

The protocol is spoken directly (no libgps): a short read timeout keeps :meth:`stop` prompt,
lines are reassembled across ``recv`` calls, and lost connections are retried with doubling
back-off and one warning per outage.
"""
from __future__ import annotations

import json
import logging
import math
import socket
import threading

from cockpit.config.vehicle import GpsdFeedSettings
from cockpit.vehicle import vss
from cockpit.vehicle.feed import FeedError, ThreadedFeed
from cockpit.vehicle.signals import SignalStore

log = logging.getLogger(__name__)

WATCH = b'?WATCH={"enable":true,"json":true};\n'  # stream JSON reports (no NMEA) to this client
MAX_LINE = 64 * 1024  # a longer line is garbage (gpsd's own limit is 10240 characters)
READ_TIMEOUT_S = 0.25  # how often the reader looks at the stop flag
CONNECT_TIMEOUT_S = 1.0
BACKOFF_START_S = 0.5


def _number(report: dict, key: str, low: float, high: float) -> float | None:
    """``report[key]`` as a float within [low, high]; None when absent; ValueError when malformed."""
    value = report.get(key)
    if value is None:
        return None
    try:
        number = math.nan if isinstance(value, bool) or not isinstance(value, (int, float)) else float(value)
    except OverflowError:  # an integer no float can hold
        number = math.inf
    if not math.isfinite(number):
        raise ValueError(f"TPV {key}={value!r:.40} is not a number")
    if not low <= number <= high:
        raise ValueError(f"TPV {key}={value!r:.40} is out of range [{low}, {high}]")
    return number


def tpv_to_vss(report: dict) -> dict[str, object] | None:
    """The VSS values of one gpsd TPV report; None when it carries no fix (mode 0 or 1).

    gpsd's ``speed`` (m/s) becomes km/h, ``track`` (degrees true) the heading; altitude (``altHAE``,
    else ``alt``) only from a 3D fix; ``eph`` (else ``epx``/``epy`` combined) the accuracy in metres.
    Fields gpsd left out (no track while stationary) are left out. ``Timestamp`` comes last, so its
    subscribers see the whole fix written. ValueError: not a TPV, an unknown mode, a fix without
    position, a value of the wrong type or out of range.
    """
    if report.get("class") != "TPV":
        raise ValueError(f"not a TPV report: class {report.get('class')!r}")
    mode = report.get("mode", 0)
    if isinstance(mode, bool) or mode not in (0, 1, 2, 3):
        raise ValueError(f"TPV mode={mode!r} is not 0-3")
    if mode < 2:
        return None
    lat, lon = _number(report, "lat", -90, 90), _number(report, "lon", -180, 180)
    if lat is None or lon is None:
        raise ValueError("TPV fix without lat/lon")
    track, speed = _number(report, "track", 0, 360), _number(report, "speed", 0, 1000)  # speed in m/s
    alt = _number(report, "altHAE", -1e5, 1e6) if mode == 3 else None
    if alt is None and mode == 3:
        alt = _number(report, "alt", -1e5, 1e6)  # gpsd < 3.20 sent only this one
    eph = _number(report, "eph", 0, 1e7)
    if eph is None:
        epx, epy = _number(report, "epx", 0, 1e7), _number(report, "epy", 0, 1e7)
        eph = math.hypot(epx, epy) if epx is not None and epy is not None else None
    when = report.get("time")
    if when is not None and not isinstance(when, str):
        raise ValueError(f"TPV time={when!r} is not an ISO 8601 string")
    values = {vss.LATITUDE: lat, vss.LONGITUDE: lon, vss.HEADING: None if track is None else track % 360,
              vss.SPEED: None if speed is None else speed * 3.6, vss.ALTITUDE: alt, vss.H_ACCURACY: eph,
              vss.TIMESTAMP: when}
    return {path: value for path, value in values.items() if value is not None}


class LineBuffer:
    """Reassembles newline-terminated lines from arbitrary chunks; an over-long line becomes None.

    A line ends at LF (one CR before it is part of CR LF); longer than ``limit`` is over-long,
    however the bytes arrive; at most ``limit + 1`` bytes are kept between chunks."""

    def __init__(self, limit: int = MAX_LINE) -> None:
        self.limit = limit
        self._buf = bytearray()
        self._skipping = False  # inside an over-long line, dropping bytes up to its newline

    def feed(self, data: bytes) -> list[bytes | None]:
        """The lines completed by ``data`` (without their line ending), None for each over-long one."""
        out: list[bytes | None] = []
        self._buf += data
        while (end := self._buf.find(b"\n")) >= 0:
            line = bytes(self._buf[:end - 1 if end and self._buf[end - 1] == 0x0D else end])  # CR LF
            del self._buf[:end + 1]
            if self._skipping:
                self._skipping = False  # the tail of a line already reported
            else:
                out.append(line if len(line) <= self.limit else None)
        if len(self._buf) - self._buf.endswith(b"\r") > self.limit:  # over-long, whatever comes next
            if not self._skipping:
                out.append(None)
            self._skipping = True
            self._buf.clear()
        return out


class GpsdFeed(ThreadedFeed):
    """Writes gpsd's fixes into the signal store as ``source="gpsd"``; reconnects on its own."""

    source = "gpsd"

    def __init__(self, store: SignalStore, settings: GpsdFeedSettings) -> None:
        super().__init__(store, max_age_s=settings.max_age_s)
        self.settings = settings
        self._where = f"{settings.host}:{settings.port}"
        self._connected = False
        self._heard = False  # this session has received something from gpsd
        self._down = False  # an outage is under way (and was logged)

    @property
    def connected(self) -> bool:
        """True while a session with gpsd is open."""
        return self._connected

    def run(self, stop: threading.Event) -> None:
        backoff = BACKOFF_START_S
        while not stop.is_set():
            self._heard = False
            try:
                with socket.create_connection((self.settings.host, self.settings.port),
                                              timeout=CONNECT_TIMEOUT_S) as sock:
                    self.stats.connects += 1
                    self._connected = True
                    self._session(sock, stop)
            except OSError as exc:
                self._failed(exc)
            finally:
                self._connected = False
            if self._heard:  # the session worked: back-off starts again
                backoff = BACKOFF_START_S
            if stop.wait(backoff):
                return
            backoff = min(backoff * 2, self.settings.reconnect_max_s)

    def _failed(self, exc: OSError) -> None:
        """Count a failed connect or a lost session; warn once per outage (the first failure)."""
        self.stats.errors += 1
        self.stats.last_error = f"gpsd at {self._where}: {str(exc) or type(exc).__name__}"
        if not self._down:
            log.warning("%s: %s; retrying with back-off up to %.1f s", FeedError.code, self.stats.last_error,
                        self.settings.reconnect_max_s)
            self._down = True

    def _session(self, sock: socket.socket, stop: threading.Event) -> None:
        """Watch and read reports until ``stop``; raises OSError on a reset or gpsd closing the line."""
        sock.settimeout(READ_TIMEOUT_S)
        sock.sendall(WATCH)
        lines = LineBuffer()
        while not stop.is_set():
            try:
                chunk = sock.recv(8192)
            except TimeoutError:
                continue
            if not chunk:
                raise ConnectionError("gpsd closed the connection")
            if not self._heard:
                self._heard = True
                if self._down:
                    log.info("gpsd at %s is back", self._where)
                    self._down = False
            for line in lines.feed(chunk):
                self.handle_line(line)

    def handle_line(self, line: bytes | None) -> None:
        """Apply one line from gpsd (None = over-long); counts it as accepted, ignored or garbage."""
        if line is not None and not line.strip():
            return
        try:
            report = json.loads(line) if line is not None else None
            if not isinstance(report, dict) or not isinstance(report.get("class"), str):
                raise ValueError("not a gpsd report")
            values = tpv_to_vss(report) if report["class"] == "TPV" else None
        except (ValueError, RecursionError):  # bad JSON or UTF-8, absurd nesting, a malformed TPV
            self.stats.garbage += 1
            return
        if values is None:  # VERSION, DEVICES, WATCH, SKY, ... or a TPV without a fix
            self.stats.ignored += 1
            return
        try:
            self.write(values, "TPV")
        except Exception as exc:  # noqa: BLE001 - a failing subscriber (already logged) must not end the feed
            self.stats.errors += 1
            self.stats.last_error = f"writing a fix: {exc}"
