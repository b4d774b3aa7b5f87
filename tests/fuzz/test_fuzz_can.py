"""Fuzzing the CAN feed against the sample DBC (cockpit/vehicle/can.py, configs/vehicle.dbc).

Properties:
- any frame (any id, standard or extended, any data and DLC, remote, error, FD) is counted
  exactly once — accepted, ignored, garbage or error — and never raises;
- known frames with any payload decode to the right VSS values: each mapped signal is read here
  from the bits by hand (Intel byte order, two's complement) and put in VSS terms by the rules
  the module promises — scaled, "SNA" and values outside the DBC's [min|max] dropped, km -> m,
  the P/R/N/D lever as 126/-1/0/127, ``Is*`` as booleans; the feed must agree on every payload;
- a frame shorter than its message is garbage, and writes nothing.
"""
from __future__ import annotations

import can
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from cockpit.config.vehicle import CanFeedSettings
from cockpit.vehicle import vss
from cockpit.vehicle.can import CanFeed
from cockpit.vehicle.feed import FeedStats
from cockpit.vehicle.signals import SignalStore

FEED = CanFeed(SignalStore(), CanFeedSettings(kind="can", interface="virtual", channel="unused"))
MESSAGES = {m.name: m for m in FEED.db.messages}
LEVER = {0: 126, 1: -1, 2: 0, 3: 127}  # VSS 4.0 SelectedGear: P = 126, R = -1, N = 0, D = 127

SPEC = {  # VSS path: (message, start bit, length, signed, scale, offset, (min, max), "not available" raw values)
    vss.SPEED: ("VehicleSpeed", 0, 16, False, 0.01, 0, (0, 400), {65535}),
    vss.CURRENT_GEAR: ("Transmission", 0, 8, True, 1, 0, (-1, 8), {-128}),
    vss.SELECTED_GEAR: ("Transmission", 8, 4, False, 1, 0, (0, 3), {15}),
    vss.FUEL_LEVEL: ("FuelLevel", 0, 8, False, 0.5, 0, (0, 100), {255}),
    vss.RANGE: ("FuelLevel", 8, 16, False, 0.1, 0, (0, 6000), {65535}),
    vss.DRIVER_TEMP: ("Hvac", 0, 8, False, 0.5, 0, (16, 32), {255}),
    vss.AC_ACTIVE: ("Hvac", 8, 1, False, 1, 0, (0, 1), set()),
    vss.DRIVER_FAN: ("Hvac", 16, 7, False, 1, 0, (0, 100), {127}),
    vss.EXTERIOR_TEMP: ("Ambient", 0, 8, False, 0.5, -40, (-40, 87), {255}),
}
"""The sample DBC's mapped signals, written out by hand from configs/vehicle.dbc."""


def fresh() -> CanFeed:
    FEED.store, FEED.stats = SignalStore(), FeedStats()
    return FEED


def counted(feed: CanFeed) -> int:
    s = feed.stats
    return s.messages + s.ignored + s.garbage + s.errors


def raw_field(data: bytes, start: int, length: int, signed: bool) -> int:
    raw = (int.from_bytes(data, "little") >> start) & ((1 << length) - 1)
    return raw - (1 << length) if signed and raw >> (length - 1) else raw


def expected_vss(name: str, data: bytes) -> dict:
    """What the feed must write for message ``name`` carrying ``data``, worked out from the bits."""
    out = {}
    for path, (message, start, length, signed, scale, offset, (lo, hi), sna) in SPEC.items():
        if message != name:
            continue
        raw = raw_field(data, start, length, signed)
        value = raw * scale + offset
        if raw in sna or not lo <= value <= hi:
            continue
        if path == vss.SELECTED_GEAR:
            value = LEVER[raw]
        elif path == vss.AC_ACTIVE:
            value = bool(raw)
        elif path == vss.RANGE:
            value *= 1000.0  # the DBC says km, VSS Range is metres
        out[path] = value
    return out


ids = st.sampled_from([(m.frame_id, m.is_extended_frame) for m in MESSAGES.values()]) | st.tuples(
    st.integers(0, 0x7FF), st.just(False)) | st.tuples(st.integers(0, 0x1FFFFFFF), st.just(True))


@st.composite
def frames(draw) -> can.Message:
    frame_id, extended = draw(ids)
    data = draw(st.binary(max_size=64))
    return can.Message(arbitration_id=frame_id, is_extended_id=extended, data=data,
                       dlc=draw(st.integers(0, 64) | st.just(len(data))), is_remote_frame=draw(st.booleans()),
                       is_error_frame=draw(st.booleans()), is_fd=draw(st.booleans()), check=False)


@given(frames())
@example(can.Message(arbitration_id=416, is_extended_id=False, data=b"", check=False))
@example(can.Message(arbitration_id=MESSAGES["Ambient"].frame_id, is_extended_id=False, data=bytes(8)))
def test_any_frame_is_counted_once_and_never_raises(frame):
    feed = fresh()
    feed.handle(frame)
    assert counted(feed) == 1
    for path, value in feed.store.fresh_values().items():
        lo, hi = SPEC[path][6]
        assert path in (vss.SELECTED_GEAR, vss.RANGE) or lo <= value <= hi, (path, value)


@st.composite
def payloads(draw):
    """(message name, data of its length): random bits, sometimes with one field set to an edge value."""
    name = draw(st.sampled_from(sorted({spec[0] for spec in SPEC.values()})))
    data = bytearray(draw(st.binary(min_size=MESSAGES[name].length, max_size=MESSAGES[name].length)))
    fields = [spec for spec in SPEC.values() if spec[0] == name]
    if fields and draw(st.booleans()):
        _, start, length, signed, scale, offset, (lo, hi), sna = draw(st.sampled_from(fields))
        edges = [*sna, round((lo - offset) / scale), round((hi - offset) / scale),
                 round((hi - offset) / scale) + 1, round((lo - offset) / scale) - 1, 0]
        raw = draw(st.sampled_from(edges)) % (1 << length)  # two's complement for signed fields
        bits = int.from_bytes(data, "little") & ~(((1 << length) - 1) << start) | raw << start
        data = bytearray(bits.to_bytes(len(data), "little"))
    return name, bytes(data)


@given(payloads())
@example(("Transmission", bytes([0x80, 0x0F, 0, 0, 0, 0, 0, 0])))  # both gears "SNA": nothing written
@example(("FuelLevel", bytes([0xC9, 0x10, 0x27, 0])))  # 100.5 % is above the DBC's maximum
def test_known_frames_decode_to_the_right_vss_values(payload):
    name, data = payload
    message = MESSAGES[name]
    feed = fresh()
    feed.handle(can.Message(arbitration_id=message.frame_id, is_extended_id=message.is_extended_frame, data=data))
    expected = expected_vss(name, data)
    assert feed.store.fresh_values() == pytest.approx(expected, abs=1e-6)
    assert (feed.stats.messages, feed.stats.ignored) == ((1, 0) if expected else (0, 1))
    for path in expected:
        got = feed.store.value(path)
        if path == vss.AC_ACTIVE:
            assert type(got) is bool
        elif path in (vss.CURRENT_GEAR, vss.SELECTED_GEAR):
            assert type(got) is int, (path, got)


@given(payloads(), st.data())
def test_a_frame_shorter_than_its_message_is_garbage(payload, data):
    name, full = payload
    message = MESSAGES[name]
    cut = data.draw(st.integers(0, message.length - 1))
    feed = fresh()
    feed.handle(can.Message(arbitration_id=message.frame_id, is_extended_id=message.is_extended_frame,
                            data=full[:cut]))
    assert feed.stats.garbage == 1 and len(feed.store) == 0
