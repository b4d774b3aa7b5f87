"""The CAN feed: frames off the car's bus, decoded with a DBC, written as VSS signals.

``signals`` maps DBC ``'Message.Signal'`` names to VSS paths. The DBC, every mapped name and
every unit are checked when the feed is built, so a bad config fails at start with a fix.
Values are put in VSS terms: scaled, in the VSS unit (km -> m, mph -> km/h), ``Is*`` paths as
booleans, a P/R/N/D lever as SelectedGear codes (VSS 4.0: 126 = Park, 127 = Drive). A value the
DBC names "not available" (SNA, Invalid) or outside its [min|max] is dropped, so it goes stale
rather than lie. A cyclic message stays fresh for max(max_age_s, 3 x its GenMsgCycleTime).
"""
from __future__ import annotations

import difflib
import errno
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import can
import cantools
from cantools.database.can import Database, Message, Signal
from cantools.database.namedsignalvalue import NamedSignalValue

from cockpit.config.vehicle import CanFeedSettings
from cockpit.vehicle import vss
from cockpit.vehicle.feed import FeedError, ThreadedFeed
from cockpit.vehicle.signals import SignalError, SignalStore, check_path

log = logging.getLogger(__name__)

SAMPLE_DBC = Path(__file__).resolve().parents[2] / "configs" / "vehicle.dbc"
SAMPLE_SIGNALS = {
    "VehicleSpeed.Speed": vss.SPEED, "Transmission.CurrentGear": vss.CURRENT_GEAR,
    "Transmission.SelectedGear": vss.SELECTED_GEAR, "FuelLevel.RelativeLevel": vss.FUEL_LEVEL,
    "FuelLevel.Range": vss.RANGE, "Hvac.DriverSetTemp": vss.DRIVER_TEMP, "Hvac.AcActive": vss.AC_ACTIVE,
    "Hvac.FanSpeed": vss.DRIVER_FAN, "Ambient.OutsideTemp": vss.EXTERIOR_TEMP,
}
"""The sample DBC's 'Message.Signal' -> VSS path, used when ``signals`` is null."""

GEAR_LEVER = {"P": 126, "PARK": 126, "R": -1, "REVERSE": -1, "N": 0, "NEUTRAL": 0, "D": 127, "DRIVE": 127}
NOT_AVAILABLE = {"SNA", "NA", "NOTAVAILABLE", "SIGNALNOTAVAILABLE", "INVALID", "ERROR", "FAULT", "UNDEFINED"}
"""Choice names (upper case, letters only) meaning the sender has no value."""
UNIT_NAMES = {"%": "percent", "degC": "celsius", "°C": "celsius", "kph": "km/h", "deg": "degrees"}
CONVERSIONS: dict[tuple[str, str], Callable[[float], float]] = {
    ("km", "m"): lambda v: v * 1000.0, ("mph", "km/h"): lambda v: v * 1.609344,
}
"""(DBC unit, VSS unit) -> conversion, for the units that may differ."""

Frames = dict[tuple[int, bool], tuple[Message, list["Mapped"]]]
"""(frame id, extended?) -> the message and its mapped signals."""


@dataclass(frozen=True)
class Mapped:
    """One DBC signal and the VSS path it is written to."""

    signal: Signal
    path: str
    unit: str | None
    convert: Callable[[float], float] | None = None

    def value(self, decoded: Any) -> Any:
        """The VSS value of a decoded signal, or None when not available or out of range."""
        if isinstance(decoded, NamedSignalValue):
            name = re.sub(r"[^A-Z]", "", decoded.name.upper())
            if name in NOT_AVAILABLE:
                return None
            if self.path == vss.SELECTED_GEAR and name in GEAR_LEVER:
                return GEAR_LEVER[name]
            decoded = self.signal.raw_to_scaled(decoded.value, decode_choices=False)
        lo, hi = self.signal.minimum, self.signal.maximum
        if decoded != decoded or (lo is not None and decoded < lo) or (hi is not None and decoded > hi):
            return None  # NaN, or outside the DBC's [min|max]
        if self.path.rpartition(".")[2].startswith("Is"):
            return bool(decoded)
        if self.convert is not None:
            decoded = self.convert(decoded)
        return round(decoded, 6) if isinstance(decoded, float) else decoded


def load_dbc(dbc: str | None) -> tuple[Path, Database]:
    """The DBC (the sample when None; a relative path is from the working directory), parsed."""
    path = SAMPLE_DBC if dbc is None else Path(dbc).expanduser().absolute()
    hint = "Set the CAN feed's 'dbc' to your car's DBC file, or null for the sample configs/vehicle.dbc."
    if not path.is_file():
        raise FeedError(f"CAN database {path} not found", hint=hint)
    try:
        db = cantools.database.load_file(path)
    except Exception as exc:  # noqa: BLE001 - cantools raises parse, encoding and OS errors alike
        raise FeedError(f"CAN database {path} could not be parsed: {exc}", hint=hint) from exc
    if not isinstance(db, Database):
        raise FeedError(f"{path} is not a CAN database (DBC, KCD, SYM or ARXML)", hint=hint)
    return path, db


def map_signals(db: Database, mapping: dict[str, str], dbc: Path) -> Frames:
    """Each mapped signal under its frame; raises FeedError naming the first bad entry."""
    known = {f"{m.name}.{s.name}": (m, s) for m in db.messages for s in m.signals}
    frames: Frames = {}
    for key, path in mapping.items():
        if key not in known:
            close = difflib.get_close_matches(key, known, n=3, cutoff=0.6)
            some = ", ".join(sorted(known)[:12]) + (", ..." if len(known) > 12 else "")
            listed = f"did you mean {', '.join(close)}?" if close else f"it has {len(known)}: {some}"
            raise FeedError(f"CAN signal {key!r} is not in {dbc}", hint=f"Names are 'Message.Signal'; {listed}")
        try:
            check_path(path)
        except SignalError as exc:
            raise FeedError(f"CAN signal {key!r} maps to {path!r}, not a VSS path", hint=exc.hint) from exc
        message, signal = known[key]
        dbc_unit, vss_unit = UNIT_NAMES.get(signal.unit or "", signal.unit) or None, vss.UNITS.get(path)
        convert = None
        if dbc_unit and vss_unit and dbc_unit != vss_unit:
            if (convert := CONVERSIONS.get((dbc_unit, vss_unit))) is None:
                raise FeedError(f"CAN signal {key!r} is in {signal.unit!r} but {path} is in {vss_unit!r}",
                                hint="Map a signal in the VSS unit, or fix the unit in the DBC.")
        entry = frames.setdefault((message.frame_id, message.is_extended_frame), (message, []))
        entry[1].append(Mapped(signal, path, vss_unit or dbc_unit, convert))
    return frames


class CanFeed(ThreadedFeed):
    """Reads a python-can bus (``bus`` when given, else opened from settings at start) into the store."""

    source = "can"

    def __init__(self, store: SignalStore, settings: CanFeedSettings, *, bus: can.BusABC | None = None) -> None:
        super().__init__(store, max_age_s=settings.max_age_s)
        self.settings = settings
        self.dbc, self.db = load_dbc(settings.dbc)
        self.frames = map_signals(self.db, SAMPLE_SIGNALS if settings.signals is None else settings.signals, self.dbc)
        self._bus, self._owns_bus = bus, False

    def max_age_for(self, message: Message) -> float:
        """How long a message's signals stay fresh: max_age_s, or 3 cycles of a slower cyclic message."""
        return max(self.settings.max_age_s, 3 * (message.cycle_time or 0) / 1000.0)

    def start(self) -> None:
        if self._bus is None:
            self._bus, self._owns_bus = self._open(), True
        super().start()

    def _open(self) -> can.BusABC:
        s = self.settings
        try:
            return can.Bus(interface=s.interface, channel=s.channel)
        except Exception as exc:  # noqa: BLE001 - each python-can backend fails its own way
            if s.interface not in can.VALID_INTERFACES:
                hint = f"'interface' must be a python-can interface: {', '.join(sorted(can.VALID_INTERFACES))}."
            elif s.interface == "socketcan":
                hint = (f"Check the device exists (ip link show {s.channel}) and bring it up: "
                        f"sudo ip link set {s.channel} up type can bitrate 500000 (your bus's bitrate).")
                if isinstance(exc, OSError) and exc.errno == errno.EAFNOSUPPORT:
                    hint += " This kernel has no SocketCAN at all: sudo modprobe can_raw (containers often lack it)."
            else:
                hint = f"Check the {s.interface} adapter is plugged in and its driver installed, or change 'interface'."
            raise FeedError(f"cannot open CAN bus {s.interface}:{s.channel}: {exc}", hint=hint) from exc

    def run(self, stop: threading.Event) -> None:
        bus = self._bus
        assert bus is not None, "start() opens the bus"
        self.stats.connects += 1
        try:
            while not stop.is_set():
                try:
                    frame = bus.recv(timeout=0.2)
                    if frame is not None:
                        self.handle(frame)
                except Exception as exc:  # noqa: BLE001 - a read error or failing subscriber never ends the feed
                    self.stats.errors += 1
                    self.stats.last_error = str(exc)
                    log.warning("CAN feed on %s: %s", self.settings.channel, exc)
                    if isinstance(exc, (can.CanError, OSError)):
                        stop.wait(1.0)  # the bus is down: retry without spinning
        finally:
            if self._owns_bus:
                bus.shutdown()
                self._bus, self._owns_bus = None, False

    def handle(self, frame: can.Message) -> None:
        """Decode one frame and write its mapped signals; unknown ids are ignored, bad data is garbage."""
        if frame.is_error_frame:
            self.stats.errors += 1
            self.stats.last_error = "CAN error frame"
            return
        entry = None if frame.is_remote_frame else self.frames.get((frame.arbitration_id, frame.is_extended_id))
        if entry is None:
            self.stats.ignored += 1
            return
        message, mapped = entry
        try:
            decoded = message.decode(bytes(frame.data), decode_choices=True)
            values = {m.path: m.value(decoded[m.signal.name]) for m in mapped}
        except Exception as exc:  # noqa: BLE001 - a bad frame is counted, never fatal
            self.stats.garbage += 1
            log.debug("undecodable %s frame %s: %s", message.name, bytes(frame.data).hex(), exc)
            return
        values = {p: v for p, v in values.items() if v is not None}
        if not values:  # every mapped signal "not available"
            self.stats.ignored += 1
            return
        self.store.update(values, source=self.source, units={m.path: m.unit for m in mapped},
                          max_age_s=self.max_age_for(message))
        self.stats.accepted(message.name)
