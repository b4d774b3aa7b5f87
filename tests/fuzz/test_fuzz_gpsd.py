"""Fuzzing the gpsd JSON reader (cockpit/vehicle/gpsd.py).

Properties:
- any line (bytes, JSON of any shape, TPV reports with fields of any type) is counted exactly
  once — accepted, ignored or garbage — and never raises; what is accepted is in range;
- round trip: a TPV report with a 2D/3D fix gives exactly its values in VSS terms (m/s -> km/h,
  track -> heading in [0, 360), altitude only from a 3D fix, accuracy from eph or epx/epy);
  :func:`tpv_to_vss` raises only ValueError, and only for what its docstring lists;
- the line buffer gives the same lines however the bytes arrive, one None per over-long line.
"""
from __future__ import annotations

import json
import math

from hypothesis import example, given
from hypothesis import strategies as st

from cockpit.config.vehicle import GpsdFeedSettings
from cockpit.vehicle import vss
from cockpit.vehicle.gpsd import GpsdFeed, LineBuffer, tpv_to_vss
from cockpit.vehicle.signals import SignalStore

RANGES = {vss.LATITUDE: (-90, 90), vss.LONGITUDE: (-180, 180), vss.HEADING: (0, 360), vss.SPEED: (0, 3600),
          vss.ALTITUDE: (-1e5, 1e6), vss.H_ACCURACY: (0, math.hypot(1e7, 1e7))}

scalars = (st.none() | st.booleans() | st.integers() | st.integers(300, 400).map(lambda e: 10**e) | st.floats()
           | st.text(max_size=8))  # 10**300..10**400: integers beyond any float
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8)
TPV_KEYS = ["class", "mode", "lat", "lon", "track", "speed", "alt", "altHAE", "eph", "epx", "epy", "time", "device"]
# reports with gpsd's own keys and values of any type: what reaches every check in tpv_to_vss
reports = st.fixed_dictionaries({"class": st.sampled_from(["TPV", "SKY", "VERSION", "tpv", ""]) | json_values},
                                optional={k: st.sampled_from([0, 1, 2, 3, 4, -1, 2.0, 90, 180.0, 361, 1e7, 1e308])
                                          | json_values for k in TPV_KEYS[1:]})


def new_feed() -> GpsdFeed:
    return GpsdFeed(SignalStore(), GpsdFeedSettings(kind="gpsd"))


def counted(feed: GpsdFeed) -> int:
    s = feed.stats
    return s.messages + s.ignored + s.garbage + s.errors


def to_json(value) -> bytes:
    return json.dumps(value, allow_nan=True).encode()  # NaN/Infinity too: Python's json reads them back


@given(st.binary(max_size=200) | reports.map(to_json) | json_values.map(to_json))
@example(b'{"class": "TPV", "mode": 2, "lat": 1' + b"0" * 400 + b', "lon": 0}')  # found: OverflowError
@example(b'{"class": "TPV", "mode": 3, "lat": 1, "lon": 2, "alt": -' + b"9" * 320 + b"}")
@example(b'{"class": "TPV", "mode": 2, "lat": NaN, "lon": Infinity}')
@example(b"[" * 100_000)
def test_any_line_is_counted_once_and_never_raises(line):
    feed = new_feed()
    feed.handle_line(line)
    assert counted(feed) == (1 if line.strip() else 0)
    for path, value in feed.store.fresh_values().items():
        if path != vss.TIMESTAMP:
            low, high = RANGES[path]
            assert isinstance(value, float) and low <= value <= high, (path, value)


@given(reports)
@example({"class": "TPV", "mode": 2, "lat": 10**400, "lon": 0})  # found: OverflowError, not ValueError
def test_tpv_to_vss_gives_values_in_range_or_a_value_error(report):
    try:
        values = tpv_to_vss(report)
    except ValueError as exc:
        assert str(exc).startswith(("TPV", "not a TPV")), exc
        return
    assert report["class"] == "TPV"
    if values is None:
        assert report.get("mode", 0) in (0, 1)
        return
    assert report["mode"] in (2, 3) and {vss.LATITUDE, vss.LONGITUDE} <= set(values)
    for path, value in values.items():
        if path == vss.TIMESTAMP:
            assert value == report["time"]
        else:
            low, high = RANGES[path]
            assert isinstance(value, float) and low <= value <= high, (path, value)


def finite(low: float, high: float):
    return st.floats(low, high, allow_nan=False, allow_infinity=False) | st.integers(math.ceil(low), math.floor(high))


@st.composite
def fixes(draw):
    """(a TPV report with a fix, the VSS values it must give)."""
    mode = draw(st.sampled_from([2, 3]))
    report = {"class": "TPV", "device": "/dev/ttyUSB0", "mode": mode,
              "lat": draw(finite(-90, 90)), "lon": draw(finite(-180, 180))}
    expected = {vss.LATITUDE: float(report["lat"]), vss.LONGITUDE: float(report["lon"])}
    if draw(st.booleans()):
        report["track"] = draw(finite(0, 360))
        expected[vss.HEADING] = float(report["track"]) % 360
    if draw(st.booleans()):
        report["speed"] = draw(finite(0, 1000))
        expected[vss.SPEED] = float(report["speed"]) * 3.6
    alt_key = draw(st.sampled_from([None, "altHAE", "alt"]))
    if alt_key:
        report[alt_key] = draw(finite(-1e5, 1e6))
        if mode == 3:
            expected[vss.ALTITUDE] = float(report[alt_key])
    accuracy = draw(st.sampled_from([None, "eph", "epxy"]))
    if accuracy == "eph":
        report["eph"] = draw(finite(0, 1e7))
        expected[vss.H_ACCURACY] = float(report["eph"])
    elif accuracy == "epxy":
        report["epx"], report["epy"] = draw(finite(0, 1e7)), draw(finite(0, 1e7))
        expected[vss.H_ACCURACY] = math.hypot(report["epx"], report["epy"])
    if draw(st.booleans()):
        report["time"] = draw(st.datetimes()).isoformat() + "Z"
        expected[vss.TIMESTAMP] = report["time"]
    return report, expected


@given(fixes())
def test_a_fix_reads_back_exactly_in_vss_terms(fix):
    report, expected = fix
    assert tpv_to_vss(report) == expected
    feed = new_feed()
    feed.handle_line(json.dumps(report).encode())
    assert feed.stats.messages == 1 and feed.store.fresh_values() == expected
    assert list(expected)[-1] != vss.TIMESTAMP or list(tpv_to_vss(report))[-1] == vss.TIMESTAMP  # written last


@given(st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")) | st.integers(45, 200).map(lambda n: b"x" * n),
                max_size=8), st.lists(st.integers(0, 1000), max_size=8))
@example([b"x" * 50], [51])  # found: a line of exactly the limit was over-long when its LF came in the next chunk
@example([b"\r" * 3], [])
def test_the_line_buffer_is_split_invariant_with_one_none_per_long_line(lines, cuts):
    data = b"".join(line + b"\r\n" for line in lines)
    expected = [line if len(line) <= 50 else None for line in lines]

    def run(bounds):
        buf, out = LineBuffer(limit=50), []
        for a, b in zip([0, *bounds], [*bounds, len(data)]):
            out += buf.feed(data[a:b])
        return out

    assert run([]) == expected
    assert run(sorted(min(c, len(data)) for c in cuts)) == expected
    assert run(list(range(1, len(data)))) == expected
