"""The simulated drive: a recorded route replayed into the signal store like a GPS."""
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from cockpit.config.vehicle import DriveFeedSettings
from cockpit.vehicle import vss
from cockpit.vehicle.drive import DriveFeed
from cockpit.vehicle.feed import FeedError
from cockpit.vehicle.geo import distance_m
from cockpit.vehicle.route import load_route
from cockpit.vehicle.signals import SignalStore

ROOT = Path(__file__).resolve().parents[2]


def test_committed_demo_data_is_what_the_tool_makes():
    out = subprocess.run([sys.executable, "tools/make_drive_data.py", "--check"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_demo_route_runs_home_to_work_with_town_speeds():
    route = load_route()
    assert route.points[0] == (48.1374, 11.5755) and route.points[-1] == pytest.approx((48.1770, 11.5560))
    assert 4800 < route.length_m() < 5500
    first = route.state_at(30)
    assert first.heading == pytest.approx(0.0, abs=0.01) and first.speed_kmh == pytest.approx(40.0, abs=0.5)
    second = route.state_at(150)  # second leg: north-west at 50 km/h
    assert second.heading == pytest.approx(315.0, abs=0.1) and second.speed_kmh == pytest.approx(50.0, abs=0.5)
    parked = route.state_at(route.duration_s + 60)
    assert parked.speed_kmh == 0.0 and (parked.lat, parked.lon) == pytest.approx((48.1770, 11.5560))
    assert first.utc.isoformat() == "2026-06-12T10:00:30+00:00"


def test_interpolation_moves_smoothly_between_track_points():
    route = load_route()
    a, b = route.state_at(10.0), route.state_at(11.0)
    assert distance_m(a.lat, a.lon, b.lat, b.lon) == pytest.approx(40 / 3.6, rel=0.02)


def test_csv_route_and_bad_files(tmp_path):
    csv = tmp_path / "r.csv"
    csv.write_text("t_s,lat,lon\n0,48.0,11.0\n10,48.001,11.0\n")
    state = load_route(csv).state_at(5)
    assert state.lat == pytest.approx(48.0005) and state.heading == pytest.approx(0.0, abs=0.01)
    assert state.speed_kmh == pytest.approx(111.2 / 10 * 3.6, rel=0.01)
    (tmp_path / "bad.gpx").write_text("<gpx><trk>")
    (tmp_path / "one.csv").write_text("t_s,lat,lon\n0,48,11\n")
    (tmp_path / "back.csv").write_text("t_s,lat,lon\n0,48,11\n0,48.1,11\n")
    for name, words in [("bad.gpx", "not a readable"), ("one.csv", "at least two"), ("back.csv", "must increase"),
                        ("missing.gpx", "not found")]:
        with pytest.raises(FeedError, match=words) as err:
            load_route(tmp_path / name)
        assert err.value.hint


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_drive_feed_publishes_the_route_moment_and_seeks():
    clock = Clock()
    store = SignalStore(clock=clock)
    feed = DriveFeed(store, DriveFeedSettings(kind="drive", speedup=2.0), clock=clock)
    feed.publish()
    assert store.value(vss.LATITUDE) == 48.1374 and store.get(vss.SPEED).source == "drive"
    clock.t = 10.0  # 20 route seconds at 2x
    s = feed.publish()
    assert s.t == pytest.approx(20.0) and store.value(vss.SPEED) == pytest.approx(40.0, abs=0.5)
    feed.seek(150.0)
    assert store.value(vss.HEADING) == pytest.approx(315.0, abs=0.1)
    assert store.get(vss.SPEED).unit == "km/h" and store.get(vss.HEADING).max_age_s == 2.0


def test_drive_feed_loops_when_asked():
    clock = Clock()
    feed = DriveFeed(SignalStore(clock=clock), DriveFeedSettings(kind="drive", loop=True), clock=clock)
    clock.t = feed.route.duration_s + 5.0
    assert feed.route_time() == pytest.approx(5.0)


def test_drive_feed_thread_keeps_signals_fresh_and_stops():
    store = SignalStore()
    feed = DriveFeed(store, DriveFeedSettings(kind="drive", rate_hz=50.0))
    written = threading.Event()
    store.subscribe(lambda old, new: written.set(), paths=[vss.SPEED])
    feed.start()
    try:
        assert written.wait(5.0)
        assert feed.running and store.fresh(vss.LATITUDE) is not None
    finally:
        feed.stop()
    assert not feed.running and feed.stats.messages >= 1
