"""The gpsd feed against a real gpsd, fed the demo route's NMEA by gpsfake.

gpsfake (gpsd's test harness, a python3 script) starts its own gpsd on a loopback port, with the
log on a pseudo-terminal as if it were a GPS receiver. The feed must follow the drive, wait for a
gpsd that is not up yet, and let its signals go stale when gpsd goes away.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Callable

import pytest

from cockpit.config.vehicle import GpsdFeedSettings
from cockpit.vehicle import vss
from cockpit.vehicle.geo import distance_m
from cockpit.vehicle.gpsd import GpsdFeed
from cockpit.vehicle.route import load_route
from cockpit.vehicle.signals import Signal, SignalStore

TOOLS = Path(__file__).resolve().parents[2] / "tools"
GPSFAKE = shutil.which("gpsfake") or "/usr/bin/gpsfake"
GPSD = shutil.which("gpsd") or "/usr/sbin/gpsd"

HAVE_GPSD = os.access(GPSFAKE, os.X_OK) and os.access(GPSD, os.X_OK)
if not HAVE_GPSD and os.environ.get("CI"):  # ./run installs them: in CI their absence is a failure
    raise RuntimeError("gpsd and gpsfake are missing in CI: ./run should have installed gpsd gpsd-clients")
pytestmark = pytest.mark.skipif(not HAVE_GPSD, reason="gpsd and gpsfake are needed: sudo apt-get install gpsd "
                                "gpsd-clients (the protocol itself is covered by tests/unit/test_gpsd_protocol.py)")


def nmea_log(path: Path, seconds: float) -> Path:
    """The first ``seconds`` of the demo route as an NMEA log (tools/make_nmea_log.py)."""
    if str(TOOLS) not in sys.path:
        sys.path.insert(0, str(TOOLS))
    from make_nmea_log import nmea_log as render
    path.write_text("\r\n".join(render(None, 0.0, seconds)) + "\r\n", encoding="ascii")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition: Callable[[], object], what: str, timeout: float = 20.0,
             log: Callable[[], str] = lambda: "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}\n{log()}")
        time.sleep(0.05)


class GpsFake:
    """One gpsfake run (and the gpsd it starts) in its own process group, killed as a whole."""

    def __init__(self, log_file: Path, port: int, *, once: bool, cycle_s: float, workdir: Path) -> None:
        # gpsd's control socket goes in $TMPDIR: keep it short (AF_UNIX paths stop at 108 bytes)
        self.tmp = Path(tempfile.mkdtemp(prefix="gpsfake-"))
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        env.update(PATH=f"{Path(GPSD).parent}:/usr/sbin:/usr/bin:{env.get('PATH', '')}", TMPDIR=str(self.tmp))
        self.output = workdir / f"gpsfake-{port}.log"
        cmd = [GPSFAKE, "-q", "-P", str(port), "-c", str(cycle_s), *(["-1"] if once else []), str(log_file)]
        with open(self.output, "wb") as out:
            self.proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        self.cmd = cmd

    def log(self) -> str:
        return f"$ {' '.join(self.cmd)} (exit {self.proc.poll()})\n{self.output.read_text(errors='replace')[-3000:]}"

    def kill(self) -> None:
        """Stop gpsfake and its gpsd at once: SIGKILL to the whole process group.

        Not SIGTERM: gpsfake's SIGTERM handler polls for gpsd's exit from inside the handler and
        can spin forever (a gpsfake left behind at 10 % CPU beside a defunct gpsd).
        """
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


@pytest.fixture
def gpsfake(tmp_path):
    """gpsfake(port, log_file, once=...) -> a running :class:`GpsFake`; all are killed at teardown."""
    runs: list[GpsFake] = []

    def start(port: int, log_file: Path, *, once: bool = True, cycle_s: float = 0.05) -> GpsFake:
        runs.append(GpsFake(log_file, port, once=once, cycle_s=cycle_s, workdir=tmp_path))
        return runs[-1]

    yield start
    for run in runs:
        run.kill()


@pytest.fixture
def feed_factory():
    """feed(port, max_age_s=...) -> a started GpsdFeed on a fresh store; all are stopped at teardown."""
    feeds: list[GpsdFeed] = []

    def make(port: int, max_age_s: float = 3.0) -> GpsdFeed:
        settings = GpsdFeedSettings(kind="gpsd", host="127.0.0.1", port=port, max_age_s=max_age_s,
                                    reconnect_max_s=0.5)
        feeds.append(GpsdFeed(SignalStore(), settings))
        feeds[-1].start()
        return feeds[-1]

    yield make
    for feed in feeds:
        feed.stop()


def record_fixes(store: SignalStore) -> list[dict[str, Signal]]:
    """Every fix as it lands: the store's position, speed and heading when its Timestamp is written."""
    fixes: list[dict[str, Signal]] = []
    paths = (vss.LATITUDE, vss.LONGITUDE, vss.SPEED, vss.HEADING)
    store.subscribe(lambda old, new: fixes.append({vss.TIMESTAMP: new, **{p: store.get(p) for p in paths}}),
                    paths=[vss.TIMESTAMP])
    return fixes


def test_store_follows_position_speed_and_heading(tmp_path, gpsfake, feed_factory) -> None:
    route = load_route()
    port = free_port()
    feed = feed_factory(port)  # up first: gpsfake starts feeding at once, and gpsd only reports to watchers
    fixes = record_fixes(feed.store)
    fake = gpsfake(port, nmea_log(tmp_path / "drive.nmea", seconds=40))
    last = route.start.timestamp() + 40
    wait_for(lambda: fixes and _seconds(fixes[-1]) >= last, "the last fix of the log", timeout=30, log=fake.log)

    assert len(fixes) >= 15, fake.log()  # gpsd drops a few while it identifies the device
    for fix in fixes:
        state = route.state_at(_seconds(fix) - route.start.timestamp())
        lat, lon = fix[vss.LATITUDE].value, fix[vss.LONGITUDE].value
        assert distance_m(lat, lon, state.lat, state.lon) < 3.0, (fix, state)
        assert fix[vss.SPEED].value == pytest.approx(40.0, abs=0.5)  # the first leg: 40 km/h...
        assert fix[vss.HEADING].value == pytest.approx(0.0, abs=0.5)  # ...due north
    for path, unit in ((vss.LATITUDE, "degrees"), (vss.SPEED, "km/h"), (vss.HEADING, "degrees")):
        signal = feed.store.get(path)
        assert (signal.source, signal.unit, signal.max_age_s) == ("gpsd", unit, 3.0)
    assert feed.stats.garbage == 0 and feed.stats.kinds["TPV"] >= len(fixes)
    assert feed.stats.ignored >= 3  # VERSION, DEVICES, WATCH (and DEVICE)


def _seconds(fix: dict[str, Signal]) -> float:
    """A fix's gpsd time (ISO 8601, UTC, 'Z') as Unix seconds."""
    return datetime.fromisoformat(fix[vss.TIMESTAMP].value.replace("Z", "+00:00")).timestamp()


def test_feed_waits_for_gpsd_and_connects_when_it_comes_up(tmp_path, gpsfake, feed_factory) -> None:
    port = free_port()
    feed = feed_factory(port)
    wait_for(lambda: feed.stats.errors >= 2, "refused connects")
    assert not feed.connected and feed.stats.connects == 0
    assert "refused" in feed.stats.last_error.lower()
    assert feed.store.get(vss.LATITUDE) is None

    fake = gpsfake(port, nmea_log(tmp_path / "drive.nmea", seconds=20), once=False)
    # gpsd's first report of a new device can carry a position only; speed comes with the next
    wait_for(lambda: feed.store.fresh(vss.SPEED) is not None, "a moving fix after gpsd came up", log=fake.log)
    assert feed.connected and feed.stats.connects >= 1
    assert feed.store.get(vss.LATITUDE).source == "gpsd"
    assert feed.store.value(vss.SPEED) == pytest.approx(40.0, abs=0.5)


def test_signals_go_stale_when_gpsd_goes_away(tmp_path, gpsfake, feed_factory) -> None:
    port = free_port()
    feed = feed_factory(port, max_age_s=1.0)
    fake = gpsfake(port, nmea_log(tmp_path / "drive.nmea", seconds=20), once=False)
    wait_for(lambda: feed.store.fresh(vss.HEADING) is not None, "a moving fix", log=fake.log)
    errors = feed.stats.errors

    fake.kill()  # gpsd and its fake GPS are gone
    wait_for(lambda: feed.stats.errors > errors and not feed.connected, "the feed to notice")
    wait_for(lambda: feed.store.fresh(vss.LATITUDE) is None, "the position to go stale")
    stale = feed.store.stale_paths()
    assert {vss.LATITUDE, vss.LONGITUDE, vss.SPEED, vss.HEADING} <= set(stale)
    assert vss.LATITUDE not in feed.store.fresh_values()
    old = feed.store.get(vss.LATITUDE)
    assert old is not None and old.source == "gpsd" and 48.0 < old.value < 48.2  # kept, but not trusted
