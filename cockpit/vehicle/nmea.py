"""NMEA 0183 feed: a GPS receiver on a serial line, or a log file replayed, into the signal store.

RMC, GGA and VTG sentences (any GNSS talker: GP, GN, GL, GA, BD, ...) become position, speed,
heading, altitude and the fix's UTC time. pynmea2 checks the framing and the ``*hh`` checksum
(required); this module reads the raw fields itself, because pynmea2 hands back the raw string
when a typed field fails to convert and reads an empty latitude as 0.0. A line that fails any
check is counted in ``stats.garbage`` and skipped; a long run of nothing but garbage — what a
receiver at the wrong baud rate sends — is reported once.
"""
from __future__ import annotations

import logging
import math
import os
import re
import stat
import threading
import time
from datetime import datetime, timezone
from typing import Any, BinaryIO

import pynmea2
import serial

from cockpit.config.vehicle import NmeaFeedSettings
from cockpit.vehicle import vss
from cockpit.vehicle.feed import FeedError, ThreadedFeed
from cockpit.vehicle.signals import SignalStore

log = logging.getLogger(__name__)

MAX_LINE = 120
"""NMEA 0183 caps a sentence at 82 characters; receivers overrun it a little, noise a lot."""
GARBAGE_WARN_RUN = 50
"""Consecutive garbage lines, with nothing good seen yet, before the baud-rate warning."""
TALKERS = frozenset({"GP", "GN", "GL", "GA", "BD", "GB", "GQ", "GI"})
"""GNSS talker IDs: GPS, multi-constellation, GLONASS, Galileo, BeiDou (x2), QZSS, NavIC."""
KMH_PER_KNOT = 1.852
_DM = re.compile(r"(\d{1,3})(\d\d(?:\.\d*)?)")
_DATETIME = re.compile(r"\d{12}(\.\d{1,6})?")
_LINE_END = re.compile(rb"[\r\n$]")


class NmeaGarbage(ValueError):
    """A line that is not a sound NMEA sentence (bad checksum, truncated, noise, out of range)."""


def _field(msg: pynmea2.TalkerSentence, name: str) -> str:
    """A field's raw text ('' when absent): pynmea2's typed attributes return the raw text on a bad value."""
    i = msg.name_to_idx[name]
    return msg.data[i].strip() if i < len(msg.data) else ""


def _number(text: str, low: float, high: float, what: str) -> float | None:
    """A numeric field within [low, high]; None when empty."""
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise NmeaGarbage(f"{what} {text!r} is not a number") from None
    if not (math.isfinite(value) and low <= value <= high):
        raise NmeaGarbage(f"{what} {text!r} out of range")
    return value


def _degrees(dm: str, hemi: str, positive: str, negative: str, limit: float) -> float | None:
    """(d)ddmm.mmmm plus N/S or E/W -> signed degrees; None when both fields are empty."""
    if not dm and not hemi:
        return None
    match = _DM.fullmatch(dm)
    if match is None or hemi not in (positive, negative) or float(match[2]) >= 60:
        raise NmeaGarbage(f"bad coordinate {dm!r},{hemi!r}")
    value = int(match[1]) + float(match[2]) / 60
    if value > limit:
        raise NmeaGarbage(f"coordinate {dm!r} out of range")
    return round(value if hemi == positive else -value, 7)


def _position(msg: pynmea2.TalkerSentence) -> dict[str, float | None]:
    return {vss.LATITUDE: _degrees(_field(msg, "lat"), _field(msg, "lat_dir"), "N", "S", 90),
            vss.LONGITUDE: _degrees(_field(msg, "lon"), _field(msg, "lon_dir"), "E", "W", 180)}


def _speed(knots: str, kmh: str = "") -> float | None:
    """Speed over ground in km/h: the km/h field when there is one, else knots converted."""
    value = _number(kmh or knots, 0, 2000, "speed")
    return value if value is None or kmh else round(value * KMH_PER_KNOT, 2)


def _utc(hms: str, dmy: str) -> str | None:
    """RMC's hhmmss[.ss] and ddmmyy -> ISO 8601 UTC; None when either is empty.

    The two-digit year is 1980-2079: GPS time starts in 1980 (``%y`` would read 69 as 1969)."""
    if not hms or not dmy:
        return None
    try:
        if not _DATETIME.fullmatch(dmy + hms):
            raise ValueError
        century = "19" if int(dmy[4:]) >= 80 else "20"
        when = datetime.strptime(dmy[:4] + century + dmy[4:] + hms, "%d%m%Y%H%M%S" + (".%f" if "." in hms else ""))
    except ValueError:
        raise NmeaGarbage(f"bad time {hms!r} or date {dmy!r}") from None
    return when.replace(tzinfo=timezone.utc).isoformat()


def _rmc(msg: pynmea2.TalkerSentence) -> dict[str, Any] | None:
    status = _field(msg, "status")
    if status not in ("A", "V"):
        raise NmeaGarbage(f"RMC status {status!r}")
    if status == "V" or _field(msg, "mode_indicator") == "N":
        return None  # the receiver says: no fix
    return {**_position(msg), vss.SPEED: _speed(_field(msg, "spd_over_grnd")),
            vss.HEADING: _number(_field(msg, "true_course"), 0, 360, "heading"),
            vss.TIMESTAMP: _utc(_field(msg, "timestamp"), _field(msg, "datestamp"))}


def _gga(msg: pynmea2.TalkerSentence) -> dict[str, Any] | None:
    quality = _field(msg, "gps_qual")
    if quality and not quality.isdigit():
        raise NmeaGarbage(f"GGA fix quality {quality!r}")
    if not quality or int(quality) == 0:
        return None  # 0 (or empty) = no fix
    return {**_position(msg), vss.ALTITUDE: _number(_field(msg, "altitude"), -1000, 100_000, "altitude")}


def _vtg(msg: pynmea2.TalkerSentence) -> dict[str, Any] | None:
    if _field(msg, "faa_mode") == "N":
        return None
    return {vss.SPEED: _speed(_field(msg, "spd_over_grnd_kts"), _field(msg, "spd_over_grnd_kmph")),
            vss.HEADING: _number(_field(msg, "true_track"), 0, 360, "heading")}


_READERS = {"RMC": _rmc, "GGA": _gga, "VTG": _vtg}


def parse_line(line: str | bytes) -> tuple[str, dict[str, Any]] | None:
    """One sentence -> (sentence type, {VSS path: value}), or None for a sound sentence of no use here
    (another type or talker, no fix). Raises :class:`NmeaGarbage` for anything unsound.
    """
    if isinstance(line, bytes):
        try:
            line = line.decode("ascii")
        except UnicodeDecodeError:
            raise NmeaGarbage("non-ASCII bytes") from None
    line = line.strip()
    if len(line) > MAX_LINE:
        raise NmeaGarbage(f"overlong line ({len(line)} characters)")
    if not line.startswith("$"):
        raise NmeaGarbage("no '$' at the start")
    if not (line.isascii() and line.isprintable()):
        raise NmeaGarbage("control characters")
    try:
        msg = pynmea2.parse(line, check=True)
    except pynmea2.SentenceTypeError:
        return None  # checksum good (checked first), a type pynmea2 does not know
    except (pynmea2.ParseError, ValueError, TypeError, IndexError) as exc:
        reason = exc.args[0][0] if isinstance(exc, pynmea2.ParseError) else exc
        raise NmeaGarbage(f"{type(exc).__name__}: {reason}") from None
    if not isinstance(msg, pynmea2.TalkerSentence) or msg.talker not in TALKERS:
        return None  # proprietary ($PUBX...), queries, instruments that are not a GNSS receiver
    reader = _READERS.get(msg.sentence_type)
    values = {k: v for k, v in (reader(msg) or {}).items() if v is not None} if reader else None
    return (msg.sentence_type, values) if values else None


class LineSplitter:
    """Cuts a byte stream into candidate lines, the same way however the bytes arrive.

    A line ends at CR or LF, or just before the next '$' (a sentence cut short, then a new one);
    a run of more than :data:`MAX_LINE` bytes with neither is cut there. Blank lines are dropped;
    the rest go to :func:`parse_line`, which counts the pieces that are not sentences as garbage.
    """

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        self._buf += data
        out: list[bytes] = []
        while self._buf:
            if self._buf[0] in b"\r\n":
                del self._buf[0]
                continue
            end = _LINE_END.search(self._buf, 1, MAX_LINE + 1)
            if end is None and len(self._buf) <= MAX_LINE:
                break
            cut = end.start() if end is not None else MAX_LINE + 1
            piece = bytes(self._buf[:cut])
            del self._buf[:cut]
            if piece.strip():
                out.append(piece)
        return out

    def flush(self) -> list[bytes]:
        """The end of the stream: what is left is a last line, even with no line end."""
        return self.feed(b"\n")


class NmeaFeed(ThreadedFeed):
    """Reads ``settings.device``: a serial device (character device) or a file replayed at ``replay_hz``."""

    source = "nmea"

    def __init__(self, store: SignalStore, settings: NmeaFeedSettings) -> None:
        super().__init__(store, max_age_s=settings.max_age_s)
        self.settings = settings
        self._port: serial.Serial | BinaryIO | None = None
        self._replay = False
        self._garbage_run = 0
        self._warned = False

    def open(self) -> None:
        """Open the device or file now; raises :class:`FeedError` with a hint when it cannot be."""
        device = self.settings.device
        hint = (f"Check the path in vehicle.feeds (nmea device: {device}) and that the receiver is plugged in; "
                "reading a serial port needs permission: add the user to the 'dialout' group.")
        try:
            mode = os.stat(device).st_mode
            if stat.S_ISCHR(mode):
                self._port = serial.Serial(device, baudrate=self.settings.baud, timeout=0.2)
            elif stat.S_ISREG(mode):
                self._port, self._replay = open(device, "rb"), True  # noqa: SIM115 - closed by run()
            else:
                raise FeedError(f"NMEA device {device} is neither a serial device nor a file", hint=hint)
        except (OSError, serial.SerialException) as exc:
            raise FeedError(f"cannot open NMEA device {device}: {exc}", hint=hint) from exc
        self.stats.connects += 1

    def close(self) -> None:
        """Close the device or file (the feed's thread does this when it ends)."""
        port, self._port = self._port, None
        if port is not None:
            port.close()

    def start(self) -> None:
        """Open the device synchronously (a bad path fails here, with a hint), then read it on a thread."""
        if self._thread is None and self._port is None:
            self.open()
        super().start()

    def run(self, stop: threading.Event) -> None:
        try:
            (self._run_file if self._replay else self._run_serial)(stop)
        finally:
            self.close()

    def _run_serial(self, stop: threading.Event) -> None:
        """Read what the port has (partial lines are kept); on a failure close, back off, reopen."""
        splitter, backoff = LineSplitter(), 0.5
        while not stop.is_set():
            try:
                if self._port is None:
                    self.open()
                    splitter = LineSplitter()
                port = self._port
                assert isinstance(port, serial.Serial)
                chunk = port.read(port.in_waiting or 1)
            except (OSError, serial.SerialException, FeedError) as exc:
                self.stats.errors += 1
                self.stats.last_error = str(exc)
                log.log(logging.WARNING if backoff == 0.5 else logging.DEBUG,  # once per outage
                        "%s: NMEA serial %s failed: %s; retrying", FeedError.code, self.settings.device, exc,
                        extra={"code": FeedError.code})
                self.close()
                stop.wait(backoff)
                backoff = min(backoff * 2, 8.0)
                continue
            if chunk:
                backoff = 0.5
            for line in splitter.feed(chunk):
                self.take(line)

    def _run_file(self, stop: threading.Event) -> None:
        """Replay the file at ``replay_hz`` lines a second, then return (its signals then go stale)."""
        assert self._port is not None
        splitter, period, due = LineSplitter(), 1.0 / self.settings.replay_hz, time.monotonic()
        while not stop.is_set():
            chunk = self._port.read(4096)
            for line in splitter.feed(chunk) if chunk else splitter.flush():
                due = max(due + period, time.monotonic() - 1.0)  # catch up at most a second
                if stop.wait(max(0.0, due - time.monotonic())):
                    return
                self.take(line)
            if not chunk:
                log.info("NMEA replay of %s finished: %s", self.settings.device, self.stats)
                return

    def take(self, line: str | bytes) -> None:
        """Parse one line and write it, count it as ignored, or count it as garbage."""
        try:
            parsed = parse_line(line)
        except NmeaGarbage as exc:
            self.stats.garbage += 1
            self._garbage_run += 1
            log.debug("NMEA garbage (%s): %r", exc, line[:MAX_LINE])
            seen_good = self.stats.messages or self.stats.ignored
            if self._garbage_run >= GARBAGE_WARN_RUN and not (self._warned or seen_good):
                self._warned = True  # once: nothing good has come yet, so the line itself is wrong
                fix = ("is it an NMEA 0183 log?" if self._replay else f"check the baud rate (settings.baud = "
                       f"{self.settings.baud}; NMEA 0183 is 4800, many receivers use 9600 or 115200)")
                log.warning("%s: %d lines in a row from %s are not NMEA sentences; %s", FeedError.code,
                            self._garbage_run, self.settings.device, fix, extra={"code": FeedError.code})
            return
        self._garbage_run = 0
        if parsed is None:
            self.stats.ignored += 1
        else:
            self.write(parsed[1], parsed[0])
