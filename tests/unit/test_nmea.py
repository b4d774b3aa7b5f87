"""The NMEA 0183 feed: sentences of the demo route, corrupted on purpose, over a file and a pty."""
from __future__ import annotations

import logging
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pynmea2
import pytest

from cockpit.config.vehicle import NmeaFeedSettings
from cockpit.vehicle import vss
from cockpit.vehicle.feed import FeedError
from cockpit.vehicle.geo import distance_m
from cockpit.vehicle.nmea import MAX_LINE, LineSplitter, NmeaFeed, NmeaGarbage, parse_line
from cockpit.vehicle.route import load_route
from cockpit.vehicle.signals import SignalStore

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from make_nmea_log import nmea_log  # noqa: E402

START, SECONDS = 30.0, 20.0
LOG = nmea_log(start_s=START, seconds=SECONDS)  # RMC, GGA, VTG for t = 30 ... 50
LAST = load_route().state_at(START + SECONDS)
RMC, GGA, VTG = LOG[0], LOG[1], LOG[2]
NOISE = bytes(b for b in range(256) if b not in b"\r\n$")
"""Byte values of noise that stays on its line."""


def sentence(body: str) -> str:
    """``$body*hh`` with a correct checksum, for well-formed sentences saying odd things."""
    return f"${body}*{pynmea2.NMEASentence.checksum(body):02X}"


def body(line: str) -> str:
    return line[1:line.index("*")]


def with_field(line: str, index: int, value: str) -> str:
    """``line`` with comma-separated field ``index`` (0 = the talker and type) set, checksum redone."""
    fields = body(line).split(",")
    fields[index] = value
    return sentence(",".join(fields))


def settings(device: str | Path, **kw) -> NmeaFeedSettings:
    return NmeaFeedSettings(kind="nmea", device=str(device), **kw)


def pump(feed: NmeaFeed, data: bytes, chunk: int = 64) -> None:
    """What the feed's thread does with a stream, without the thread: split, then take each line."""
    splitter = LineSplitter()
    for i in range(0, len(data), chunk):
        for line in splitter.feed(data[i:i + chunk]):
            feed.take(line)
    for line in splitter.flush():
        feed.take(line)


def stream(lines: list[str]) -> bytes:
    return "".join(line + "\r\n" for line in lines).encode("ascii")


def wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s")
        time.sleep(0.01)


def assert_at_last_fix(store: SignalStore) -> None:
    """The store holds the route's state at the last fix: within a metre, 0.1 km/h, 0.1 degree."""
    assert distance_m(store.value(vss.LATITUDE), store.value(vss.LONGITUDE), LAST.lat, LAST.lon) < 1.0
    assert store.value(vss.SPEED) == pytest.approx(LAST.speed_kmh, abs=0.1)
    assert store.value(vss.HEADING) == pytest.approx(LAST.heading, abs=0.1)
    assert store.value(vss.ALTITUDE) == 520.0
    assert store.value(vss.TIMESTAMP) == LAST.utc.isoformat()


# --- parse_line -------------------------------------------------------------------------------

def test_every_fix_of_the_route_parses_to_its_state() -> None:
    route = load_route()
    for k in range(int(SECONDS) + 1):
        state = route.state_at(START + k)
        (rmc_kind, rmc), (gga_kind, gga), (vtg_kind, vtg) = (parse_line(s) for s in LOG[3 * k:3 * k + 3])
        assert (rmc_kind, gga_kind, vtg_kind) == ("RMC", "GGA", "VTG")
        for fix in (rmc, gga):
            assert distance_m(fix[vss.LATITUDE], fix[vss.LONGITUDE], state.lat, state.lon) < 1.0
        for course in (rmc, vtg):
            assert course[vss.SPEED] == pytest.approx(state.speed_kmh, abs=0.1)
            assert course[vss.HEADING] == pytest.approx(state.heading, abs=0.1)
        assert rmc[vss.TIMESTAMP] == state.utc.isoformat()
        assert gga[vss.ALTITUDE] == 520.0
        assert set(gga) == {vss.LATITUDE, vss.LONGITUDE, vss.ALTITUDE}


def test_bytes_str_and_line_ends_are_all_accepted() -> None:
    assert parse_line(RMC) == parse_line(RMC.encode()) == parse_line(RMC + "\r\n") == parse_line(f" {RMC}\n")


@pytest.mark.parametrize("talker", ["GP", "GN", "GL", "GA", "BD", "GB", "GQ"])
def test_gnss_talkers_are_accepted(talker: str) -> None:
    assert parse_line(sentence(talker + body(GGA)[2:]))[0] == "GGA"


@pytest.mark.parametrize("bad", [
    pytest.param(RMC[:-2] + ("00" if RMC[-2:] != "00" else "01"), id="wrong-checksum"),
    pytest.param(RMC[:-3], id="no-checksum"),
    pytest.param(RMC[:-3] + "*", id="star-without-digits"),
    pytest.param(RMC[:-2] + "G1", id="checksum-not-hex"),
    pytest.param(RMC[:40], id="truncated"),
    pytest.param(GGA[:7], id="truncated-to-the-type"),
    pytest.param("$*00", id="empty"),
    pytest.param(RMC[1:], id="no-dollar"),
    pytest.param(RMC.replace("$GPRMC,", "$GPRMC,\x00"), id="control-character"),
    pytest.param(RMC.encode().replace(b",A,", b",\xc1,"), id="non-ascii"),
    pytest.param(sentence("GPGSV," + "1," * 60), id="overlong"),
    pytest.param(with_field(RMC, 3, "9108.2440"), id="latitude-over-90"),
    pytest.param(with_field(GGA, 4, "18134.5300"), id="longitude-over-180"),
    pytest.param(with_field(GGA, 2, "4860.0000"), id="minutes-over-60"),
    pytest.param(with_field(GGA, 3, "X"), id="bad-hemisphere"),
    pytest.param(with_field(GGA, 3, ""), id="latitude-without-hemisphere"),
    pytest.param(with_field(RMC, 2, "Q"), id="bad-rmc-status"),
    pytest.param(with_field(VTG, 1, "nan"), id="nan-heading"),
    pytest.param(with_field(VTG, 7, "-3.0"), id="negative-speed"),
    pytest.param(with_field(RMC, 7, "1e999"), id="infinite-speed"),
    pytest.param(with_field(RMC, 8, "400.0"), id="heading-over-360"),
    pytest.param(with_field(RMC, 9, "320626"), id="bad-date"),
    pytest.param(with_field(RMC, 1, "25xx00.00"), id="bad-time"),
    pytest.param(with_field(GGA, 6, "x"), id="bad-fix-quality"),
])
def test_garbage_is_refused(bad: str | bytes) -> None:
    with pytest.raises(NmeaGarbage):
        parse_line(bad)


@pytest.mark.parametrize("line", [
    pytest.param(sentence("GPGSA,A,3,04,05,,09,12,,,24,,,,,2.5,1.3,2.1"), id="gsa"),
    pytest.param(sentence("GPGSV,3,1,11,03,03,111,00,04,15,270,00,06,01,010,00,13,06,292,00"), id="gsv"),
    pytest.param(sentence("GPXYZ,1,2"), id="type-pynmea2-does-not-know"),
    pytest.param(sentence("PUBX,00,081350.00"), id="proprietary"),
    pytest.param(sentence("GPECQ,RMC"), id="query"),
    pytest.param(sentence("II" + body(VTG)[2:]), id="non-gnss-talker"),
    pytest.param(with_field(RMC, 2, "V"), id="rmc-no-fix"),
    pytest.param(with_field(GGA, 6, "0"), id="gga-no-fix"),
    pytest.param(sentence("GPGGA,100000.00,,,,,0,00,,,M,,M,,"), id="gga-empty-no-fix"),
    pytest.param(sentence("GPVTG,,T,,M,,N,,K,N"), id="vtg-empty"),
])
def test_sound_sentences_of_no_use_are_ignored(line: str) -> None:
    assert parse_line(line) is None


def test_empty_fields_are_not_written() -> None:
    kind, values = parse_line(sentence("GPRMC,100000.00,A,4808.2440,N,01134.5300,E,,,120626,,,A"))
    assert kind == "RMC" and vss.SPEED not in values and vss.HEADING not in values
    assert values[vss.LATITUDE] == pytest.approx(48.13740)
    assert parse_line(sentence("GPGGA,100000.00,,,,,1,00,,,M,,M,,")) is None  # a fix with nothing in it
    assert parse_line(sentence("GNRMC,100000.00,A,,,,,,,,,,A")) is None


def test_vtg_speed_falls_back_to_knots_and_southwest_is_negative() -> None:
    assert parse_line(sentence("GPVTG,90.0,T,,M,10.00,N,,K,A")) == (
        "VTG", {vss.SPEED: 18.52, vss.HEADING: 90.0})
    _, values = parse_line(sentence("GPGGA,120000,3352.1000,S,15112.6000,W,1,08,1.0,-5.5,M,,M,,"))
    assert values == {vss.LATITUDE: pytest.approx(-33.868333), vss.LONGITUDE: pytest.approx(-151.21),
                      vss.ALTITUDE: -5.5}


# --- LineSplitter ------------------------------------------------------------------------------

def test_lines_come_out_whole_however_the_bytes_are_cut() -> None:
    data = stream(LOG[:9]) + "\n".join(LOG[9:12]).encode() + b"\n"  # CRLF, then bare LF
    for chunk in (1, 2, 7, 64, len(data)):
        splitter = LineSplitter()
        lines = [line for i in range(0, len(data), chunk) for line in splitter.feed(data[i:i + chunk])]
        assert [line.decode() for line in lines + splitter.flush()] == LOG[:12]


def test_splitter_resyncs_on_the_next_dollar() -> None:
    splitter = LineSplitter()
    data = b"\x00\xffjunk" + GGA[:30].encode() + RMC.encode() + b"\r\n" + b"  \r\n" + VTG.encode()
    assert splitter.feed(data) == [b"\x00\xffjunk", GGA[:30].encode(), RMC.encode()]
    assert splitter.flush() == [VTG.encode()]  # the last line, with no line end


def test_a_long_run_without_line_ends_is_cut_at_max_line() -> None:
    splitter = LineSplitter()
    pieces = splitter.feed(b"x" * (3 * (MAX_LINE + 1) + 5)) + splitter.flush()
    assert [len(p) for p in pieces] == [MAX_LINE + 1] * 3 + [5]


# --- the feed on a stream, without its thread ---------------------------------------------------

def test_valid_sentences_mixed_with_corrupt_ones_apply_and_each_bad_one_counts() -> None:
    rng = random.Random(7)
    lines: list[str | bytes] = []
    bad = 0
    for k, good in enumerate(LOG):
        lines.append(good)
        damage = k % 6
        if damage == 0:
            lines.append(good[:-2] + ("00" if good[-2:] != "00" else "11"))  # corrupt checksum
        elif damage == 1:
            lines.append(good[:rng.randrange(8, len(good) - 4)])  # truncated
        elif damage == 2:
            lines.append(good[:-3])  # no *hh
        elif damage == 3:  # binary noise with no line end or '$' inside: exactly one bad line
            lines.append(b"\x00" + bytes(rng.choices(NOISE, k=rng.randrange(0, 80))) + b"\xff")
        elif damage == 4:
            lines.append(sentence("GPGSV,3,1,11,03,03,111,00"))  # sound but of no use
            continue
        else:
            continue
        bad += 1
    data = b"".join((x if isinstance(x, bytes) else x.encode()) + b"\r\n" for x in lines)
    feed = NmeaFeed(store := SignalStore(), settings("unused"))
    pump(feed, data, chunk=37)
    assert feed.stats.garbage == bad
    assert feed.stats.messages == len(LOG)
    assert feed.stats.kinds == {"RMC": len(LOG) // 3, "GGA": len(LOG) // 3, "VTG": len(LOG) // 3}
    assert feed.stats.ignored == sum(1 for k in range(len(LOG)) if k % 6 == 4)
    assert_at_last_fix(store)


def test_random_binary_noise_never_crashes_and_the_sentences_after_it_apply() -> None:
    noise = random.Random(42).randbytes(20_000)  # includes \x00, \xff, '$', CR and LF
    feed = NmeaFeed(store := SignalStore(), settings("unused"))
    pump(feed, noise + b"\r\n" + stream(LOG), chunk=100)
    assert feed.stats.messages == len(LOG)
    assert feed.stats.garbage >= 20_000 // (MAX_LINE + 1)
    assert_at_last_fix(store)


def wrong_baud(data: bytes, ratio: float) -> bytes:
    """What a UART set to the wrong speed reads from ``data`` (8N1).

    The sender's bits: idle high, then per byte a start bit (0), eight data bits LSB first and a
    stop bit (1). The receiver's bit lasts ``ratio`` sender bits (ratio 2 = the receiver at half
    the sender's baud). It waits for a falling edge, samples each bit at its middle by its own
    clock, and reads a byte with a low stop bit (a framing error) as NUL, as Linux does by default.
    The result is what a mis-set receiver really delivers: random-looking bytes, NULs, few line ends.
    """
    bits = [1, 1]
    for byte in data:
        bits += [0, *((byte >> i) & 1 for i in range(8)), 1]
    bits += [1] * 20
    out, t = bytearray(), 0.0
    while True:
        edge = next((i for i in range(int(t), len(bits)) if bits[i] == 0 and (i == 0 or bits[i - 1] == 1)), None)
        if edge is None or edge + 10 * ratio >= len(bits):
            return bytes(out)
        sample = [bits[int(edge + (k + 0.5) * ratio)] for k in range(10)]
        out.append(0 if sample[9] == 0 else sum(b << i for i, b in enumerate(sample[1:9])))
        t = edge + 9.5 * ratio


@pytest.mark.parametrize(("device_baud", "configured_baud", "seconds"), [
    (9600, 4800, 120), (4800, 9600, 60), (57600, 38400, 120), (115200, 9600, 400)])
def test_a_wrong_baud_rate_is_counted_as_garbage_and_warned_about_once(
        device_baud: int, configured_baud: int, seconds: float, caplog) -> None:
    """The GPS sends at ``device_baud``, the feed is set to ``configured_baud``: all it reads is noise."""
    noise = wrong_baud(stream(nmea_log(seconds=seconds)), device_baud / configured_baud)
    lines = LineSplitter().feed(noise + b"\n")
    feed = NmeaFeed(store := SignalStore(), settings("/dev/ttyUSB9", baud=configured_baud))
    with caplog.at_level(logging.WARNING, logger="cockpit.vehicle.nmea"):
        pump(feed, noise, chunk=53)
    assert feed.stats.messages == 0 and len(store) == 0
    assert feed.stats.garbage + feed.stats.ignored == len(lines) and feed.stats.garbage >= 50
    warnings = [r for r in caplog.records if "baud" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].code == "vehicle-feed"
    assert "vehicle-feed" in warnings[0].getMessage() and str(configured_baud) in warnings[0].getMessage()
    pump(feed, b"\r\n" + stream(LOG))  # the baud rate put right: the same feed recovers
    assert feed.stats.messages == len(LOG)
    assert_at_last_fix(store)


# --- the feed on a file ------------------------------------------------------------------------

def test_file_replay_writes_the_route_with_source_nmea(tmp_path: Path) -> None:
    path = tmp_path / "drive.nmea"
    path.write_bytes(stream([x for good in LOG for x in (good, good[:-2] + "ZZ")]) + LOG[-1].encode())
    feed = NmeaFeed(store := SignalStore(), settings(path, replay_hz=5000))
    feed.start()
    try:
        wait_for(lambda: not feed.running)  # the replay ends at the end of the file
    finally:
        feed.stop()
    assert (feed.stats.messages, feed.stats.garbage, feed.stats.connects) == (len(LOG) + 1, len(LOG), 1)
    assert_at_last_fix(store)
    signal = store.get(vss.LATITUDE)
    assert (signal.source, signal.unit, signal.max_age_s) == ("nmea", "degrees", 3.0)
    assert store.get(vss.SPEED).unit == "km/h"


def test_a_file_of_noise_is_counted_and_reported_once_as_not_nmea(tmp_path: Path, caplog) -> None:
    path = tmp_path / "noise.bin"
    path.write_bytes(random.Random(3).randbytes(30_000))
    feed = NmeaFeed(SignalStore(), settings(path, replay_hz=10_000))
    with caplog.at_level(logging.WARNING, logger="cockpit.vehicle.nmea"):
        feed.start()
        wait_for(lambda: not feed.running)
    feed.stop()
    assert feed.stats.messages == 0 and feed.stats.garbage >= 30_000 // (MAX_LINE + 1) and feed.stats.errors == 0
    assert [r.code for r in caplog.records] == ["vehicle-feed"]
    assert "not NMEA sentences; is it an NMEA 0183 log?" in caplog.records[0].getMessage()


def test_file_replay_is_paced_and_stops_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "slow.nmea"
    path.write_bytes(stream(LOG))
    feed = NmeaFeed(SignalStore(), settings(path, replay_hz=2))
    feed.start()
    wait_for(lambda: feed.stats.messages >= 1)
    feed.stop(timeout=5)
    assert not feed.running and feed.stats.messages < len(LOG)


# --- the feed on a serial line (a pty) ------------------------------------------------------------

@pytest.fixture
def pty_device():
    master, slave = os.openpty()
    try:
        yield master, os.ttyname(slave)
    finally:
        for fd in (master, slave):
            try:
                os.close(fd)
            except OSError:
                pass


def write_in_pieces(fd: int, data: bytes, seed: int = 1) -> None:
    """Write ``data`` in small random pieces (cut mid-sentence), pausing now and then."""
    rng, i = random.Random(seed), 0
    while i < len(data):
        n = rng.randrange(1, 40)
        os.write(fd, data[i:i + n])
        i += n
        if rng.random() < 0.2:
            time.sleep(0.005)


def test_serial_pty_reads_sentences_split_across_reads(pty_device) -> None:
    master, device = pty_device
    feed = NmeaFeed(store := SignalStore(), settings(device, baud=9600, max_age_s=30))
    feed.start()
    try:
        write_in_pieces(master, stream(LOG[:30]) + b"$GPRMC,12\xff\r\n" + stream(LOG[30:]))
        wait_for(lambda: feed.stats.messages == len(LOG))
        assert feed.stats.garbage == 1 and feed.stats.errors == 0
        assert_at_last_fix(store)
        assert store.get(vss.LATITUDE).source == "nmea"
    finally:
        feed.stop()
    assert not feed.running


def test_signals_go_stale_when_the_receiver_goes_quiet(pty_device) -> None:
    master, device = pty_device
    feed = NmeaFeed(store := SignalStore(), settings(device, max_age_s=0.3))
    feed.start()
    try:
        os.write(master, stream(LOG[:3]))
        wait_for(lambda: store.fresh(vss.LATITUDE) is not None)
        wait_for(lambda: store.fresh(vss.LATITUDE) is None)  # nothing more arrives
        assert store.get(vss.LATITUDE) is not None and vss.LATITUDE in store.stale_paths()
        assert feed.running
    finally:
        feed.stop()


def test_a_vanished_serial_device_is_counted_and_retried_without_crashing(pty_device, caplog) -> None:
    master, device = pty_device
    feed = NmeaFeed(SignalStore(), settings(device))
    feed.start()
    try:
        with caplog.at_level(logging.WARNING, logger="cockpit.vehicle.nmea"):
            os.close(master)  # the receiver unplugged: reads fail, then the device is gone
            wait_for(lambda: feed.stats.errors >= 2)  # retried (with back-off), failed again
        assert feed.running and feed.stats.last_error
    finally:
        feed.stop()
    assert not feed.running
    assert [r.code for r in caplog.records] == ["vehicle-feed"]  # one warning per outage, not per retry


# --- a bad device fails at start, with a hint --------------------------------------------------

def test_a_missing_device_fails_at_start_with_a_hint(tmp_path: Path) -> None:
    feed = NmeaFeed(SignalStore(), settings(tmp_path / "ttyUSB7"))
    with pytest.raises(FeedError) as err:
        feed.start()
    assert err.value.code == "vehicle-feed"
    assert "ttyUSB7" in str(err.value) and "dialout" in err.value.hint
    assert not feed.running


def test_a_directory_is_neither_serial_nor_file(tmp_path: Path) -> None:
    with pytest.raises(FeedError, match="neither a serial device nor a file"):
        NmeaFeed(SignalStore(), settings(tmp_path)).start()


def test_an_unreadable_device_fails_at_start_with_the_dialout_hint(tmp_path: Path) -> None:
    """Run as an unprivileged user (root reads any file): setpriv drops to 'nobody' when we are root."""
    path = tmp_path / "locked.nmea"
    path.write_bytes(stream(LOG[:3]))
    path.chmod(0)
    drop = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:  # util-linux is on every Debian CI machine: there it must run
            if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
                pytest.fail("running as root and setpriv (util-linux) is missing: cannot test as an unprivileged user")
            pytest.skip("running as root and setpriv (util-linux) is missing")
        drop = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    script = ("from cockpit.config.vehicle import NmeaFeedSettings as S; from cockpit.vehicle.nmea import NmeaFeed;"
              "from cockpit.vehicle.signals import SignalStore; import sys\n"
              "try: NmeaFeed(SignalStore(), S(kind='nmea', device=sys.argv[1])).start()\n"
              "except Exception as e: print(type(e).__name__, e.code, e, e.hint)")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([*drop, sys.executable, "-c", script, str(path)], cwd=root, capture_output=True, text=True,
                         timeout=60, env={**os.environ, "PYTHONPATH": str(root)})
    assert out.stdout.startswith("FeedError vehicle-feed cannot open NMEA device"), out.stdout + out.stderr
    assert "Permission denied" in out.stdout and "dialout" in out.stdout
