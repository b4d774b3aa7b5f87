"""Fuzzing the NMEA 0183 reader (cockpit/vehicle/nmea.py).

Properties:
- any line (text or bytes) is a reading, None, or :class:`NmeaGarbage` with a reason — nothing
  else — and a reading only ever holds the documented VSS paths, in range;
- round trip: RMC, GGA and VTG sentences written from a position, speed, heading, altitude and
  UTC time (any GNSS talker, checksum right) read back as exactly those values;
- any one character changed in a sound sentence, or any cut short, is garbage (the checksum and
  the framing are required);
- the line splitter cuts a byte stream the same way however it arrives; noise between sentences
  never costs a sentence; the feed counts every line exactly once (read, ignored or garbage).
"""
from __future__ import annotations

import math
from datetime import datetime, timezone

import pynmea2
from hypothesis import assume, example, given
from hypothesis import strategies as st

from cockpit.config.vehicle import NmeaFeedSettings
from cockpit.vehicle import vss
from cockpit.vehicle.nmea import KMH_PER_KNOT, MAX_LINE, TALKERS, LineSplitter, NmeaFeed, NmeaGarbage, parse_line
from cockpit.vehicle.signals import SignalStore

RANGES = {vss.LATITUDE: (-90, 90), vss.LONGITUDE: (-180, 180), vss.SPEED: (0, 2000 * KMH_PER_KNOT),
          vss.HEADING: (0, 360), vss.ALTITUDE: (-1000, 100_000)}


def sentence(body: str) -> str:
    return f"${body}*{pynmea2.NMEASentence.checksum(body):02X}"


@st.composite
def coordinate(draw, limit: int, width: int, hemispheres: str):
    """(field text, hemisphere, the signed degrees it means)."""
    degrees = draw(st.integers(0, limit))
    minutes = 0 if degrees == limit else draw(st.integers(0, 599_999))  # ten-thousandths of a minute
    hemi = draw(st.sampled_from(hemispheres))
    text = f"{degrees:0{width}d}{minutes // 10_000:02d}.{minutes % 10_000:04d}"
    value = round(degrees + minutes / 10_000 / 60, 7)
    return text, hemi, value if hemi in "NE" else -value


decimals = st.integers(0, 3)


@st.composite
def number(draw, low: int, high: int):
    """(field text, its value) for a decimal field written with 0-3 decimals."""
    places = draw(decimals)
    scaled = draw(st.integers(low * 10**places, high * 10**places))
    text = f"{scaled / 10**places:.{places}f}"
    return text, float(text)


utc = st.datetimes(datetime(1980, 1, 6), datetime(2079, 12, 31, 23, 59, 59)).map(  # what ddmmyy can say
    lambda t: t.replace(microsecond=t.microsecond // 10_000 * 10_000))


@st.composite
def fixes(draw):
    """(sentence, sentence type, the VSS values it must give)."""
    talker = draw(st.sampled_from(sorted(TALKERS)))
    lat, lat_h, lat_v = draw(coordinate(90, 2, "NS"))
    lon, lon_h, lon_v = draw(coordinate(180, 3, "EW"))
    when = draw(utc)
    hms = when.strftime("%H%M%S") + (f".{when.microsecond // 10_000:02d}" if draw(st.booleans()) else "")
    if "." not in hms:
        when = when.replace(microsecond=0)
    kind = draw(st.sampled_from(["RMC", "GGA", "VTG"]))
    if kind == "RMC":
        knots, knots_v = draw(number(0, 1000))
        course, course_v = draw(number(0, 360))
        body = f"{talker}RMC,{hms},A,{lat},{lat_h},{lon},{lon_h},{knots},{course},{when:%d%m%y},,,A"
        values = {vss.LATITUDE: lat_v, vss.LONGITUDE: lon_v, vss.SPEED: round(knots_v * KMH_PER_KNOT, 2),
                  vss.HEADING: course_v, vss.TIMESTAMP: when.replace(tzinfo=timezone.utc).isoformat()}
    elif kind == "GGA":
        alt, alt_v = draw(number(-1000, 100_000))
        quality = draw(st.integers(1, 8))
        body = f"{talker}GGA,{hms},{lat},{lat_h},{lon},{lon_h},{quality},08,0.9,{alt},M,46.9,M,,"
        values = {vss.LATITUDE: lat_v, vss.LONGITUDE: lon_v, vss.ALTITUDE: alt_v}
    else:
        course, course_v = draw(number(0, 360))
        knots, _ = draw(number(0, 1000))
        kmh, kmh_v = draw(number(0, 2000))
        body = f"{talker}VTG,{course},T,,M,{knots},N,{kmh},K,A"
        values = {vss.SPEED: kmh_v, vss.HEADING: course_v}
    return sentence(body), kind, values


def check_reading(parsed) -> None:
    """A reading holds only documented paths, each in range, the time as ISO 8601 UTC."""
    if parsed is None:
        return
    kind, values = parsed
    assert kind in ("RMC", "GGA", "VTG") and values
    for path, value in values.items():
        if path == vss.TIMESTAMP:
            assert datetime.fromisoformat(value).utcoffset().total_seconds() == 0
            continue
        low, high = RANGES[path]
        assert isinstance(value, float) and math.isfinite(value) and low <= value <= high, (path, value)


def read(line):
    try:
        return parse_line(line)
    except NmeaGarbage as exc:
        assert str(exc), "garbage must say why"
        return "garbage"


nmea_ish = st.lists(st.sampled_from(["$", "GP", "GN", "RMC", "GGA", "VTG", ",", ".", "*", "A", "V", "N", "S", "E",
                                     "W", "4807.038", "01131.000", "123519", "230394", "-", "1e9", "nan", "inf",
                                     "00", "99", " ", "\t", "\x00", "é"]) | st.text(max_size=4), max_size=30)


@st.composite
def checksummed(draw):
    """NMEA-shaped bodies with a correct checksum: they pass the framing and reach the field readers."""
    talker = draw(st.sampled_from([*sorted(TALKERS), "XX", "P"]))
    kind = draw(st.sampled_from(["RMC", "GGA", "VTG", "GSV", "ZZZ"]))
    fields = draw(st.lists(st.sampled_from(["", "A", "V", "N", "S", "E", "W", "T", "K", "M", "0", "1", "9", "60",
                                            "4807.038", "4860.000", "9000.0001", "18000.0000", "01131.000", "123519",
                                            "235960", "290223", "310299", "-1", "1e400", "nan", "inf", "0x10", "½",
                                            "١٢", "12.", ".5"]) | st.text(max_size=6), max_size=14))
    return sentence(f"{talker}{kind}," + ",".join(fields))


@given(st.one_of(st.text(max_size=130), st.binary(max_size=130), nmea_ish.map("".join), checksummed()))
@example("$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A")
@example("$GPRMC,123519,A,4807.038,N,01131.000,E,1e400,084.4,230394,,*00")
@example(b"$GPGGA\xff")
def test_any_line_is_a_reading_none_or_garbage_with_a_reason(line):
    result = read(line)
    if result != "garbage":
        check_reading(result)


@given(fixes())
@example(("$BDRMC,000000,A,0000.0000,N,00000.0000,E,0,0,010169,,,A*6E", "RMC",  # found: 2069 was read as 1969
          {vss.LATITUDE: 0.0, vss.LONGITUDE: 0.0, vss.SPEED: 0.0, vss.HEADING: 0.0,
           vss.TIMESTAMP: "2069-01-01T00:00:00+00:00"}))
def test_sound_sentences_read_back_exactly(fix):
    line, kind, values = fix
    assert parse_line(line) == (kind, values)
    assert parse_line(line.encode("ascii") + b"\r\n") == (kind, values)  # bytes with the line end


@given(fixes(), st.data())
def test_one_changed_character_or_a_cut_is_garbage(fix, data):
    line = fix[0]
    star = line.index("*")
    i = data.draw(st.integers(0, star - 1), label="position")
    new = data.draw(st.characters(codec="ascii").filter(lambda c: c != line[i]), label="new character")
    assert read(line[:i] + new + line[i + 1:]) == "garbage"
    cut = data.draw(st.integers(0, len(line) - 1), label="cut")
    assert read(line[:cut]) == "garbage"


@st.composite
def streams(draw):
    """(bytes of sound sentences with noise between, the sentences)."""
    noise = st.binary(max_size=300)
    chunks, sentences = [], []
    for _ in range(draw(st.integers(0, 5))):
        chunks.append(draw(noise))
        line = draw(fixes())[0]
        chunks.append(line.encode() + draw(st.sampled_from([b"\r\n", b"\n", b"\r"])))
        sentences.append(line.encode())
    chunks.append(draw(noise))
    return b"".join(chunks), sentences


def split_all(data: bytes, cuts: list[int]) -> list[bytes]:
    splitter, pieces = LineSplitter(), []
    bounds = sorted(cuts)
    for a, b in zip([0, *bounds], [*bounds, len(data)]):
        pieces += splitter.feed(data[a:b])
    return pieces + splitter.flush()


@given(streams(), st.lists(st.integers(0, 2000), max_size=10))
@example((b"$GP" + b"x" * 200 + b"\r\n", []), [5])
def test_the_splitter_cuts_the_same_however_the_bytes_arrive(stream, cuts):
    data, sentences = stream
    whole = split_all(data, [])
    assert split_all(data, [min(c, len(data)) for c in cuts]) == whole
    assert split_all(data, list(range(len(data)))) == whole  # one byte at a time
    for piece in whole:
        assert piece.strip() and len(piece) <= MAX_LINE + 1
        assert b"\r" not in piece and b"\n" not in piece and b"$" not in piece[1:]
    assert [p for p in whole if p in sentences] == sentences  # noise never costs a sentence


@given(streams())
def test_the_feed_counts_every_line_once_and_keeps_the_last_fix(stream):
    data, sentences = stream
    feed = NmeaFeed(SignalStore(), NmeaFeedSettings(kind="nmea", device="/nonexistent"))
    pieces = split_all(data, [])
    for piece in pieces:
        feed.take(piece)
    s = feed.stats
    assert s.messages + s.ignored + s.garbage == len(pieces)
    assert s.messages >= len(sentences)
    if sentences:  # the last sound sentence's values are in the store (noise after it may add, never spoil)
        kind, values = parse_line(sentences[-1])
        last = max(i for i, p in enumerate(pieces) if p == sentences[-1])
        late = [p for p in pieces[last + 1:] if read(p) not in ("garbage", None)]
        if not late:
            assert {p: feed.store.value(p) for p in values} == values
