"""The CAN feed on python-can's virtual bus: frames encoded with cantools from the sample DBC
(configs/vehicle.dbc) go in on a second bus, VSS signals come out in the store.

Each test gets its own virtual channel, so buses never hear each other's frames.
"""
from __future__ import annotations

import itertools
import shutil
import time
from pathlib import Path

import can
import cantools
import pytest

from cockpit.config.vehicle import CanFeedSettings
from cockpit.vehicle import vss
from cockpit.vehicle.can import SAMPLE_DBC, CanFeed
from cockpit.vehicle.feed import FeedError
from cockpit.vehicle.signals import SignalStore

DB = cantools.database.load_file(SAMPLE_DBC)
_channels = itertools.count()


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def settings(channel: str = "unused", **kw) -> CanFeedSettings:
    return CanFeedSettings(kind="can", interface="virtual", channel=channel, **kw)


def frame(name: str, **values) -> can.Message:
    message = DB.get_message_by_name(name)
    full = {s.name: 0 for s in message.signals} | values
    return can.Message(arbitration_id=message.frame_id, is_extended_id=message.is_extended_frame,
                       data=message.encode(full))


def wait_for(predicate, timeout: float = 30.0) -> None:  # a liveness bound: generous on a busy machine
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)


@pytest.fixture
def channel(request) -> str:
    return f"cockpit-test-{request.node.name}-{next(_channels)}"


@pytest.fixture
def running(channel):
    """(store, feed, sender): a started feed on a fresh virtual channel and a bus to send on."""
    clock = FakeClock()
    store = SignalStore(clock=clock)
    feed = CanFeed(store, settings(channel, max_age_s=0.2))
    feed.start()
    sender = can.Bus(interface="virtual", channel=channel)
    yield store, feed, sender, clock
    sender.shutdown()
    feed.stop()


def test_frames_become_vss_signals(running):
    store, feed, sender, _ = running
    sender.send(frame("VehicleSpeed", Speed=87.65))
    sender.send(frame("Transmission", CurrentGear=4, SelectedGear="D"))
    sender.send(frame("FuelLevel", RelativeLevel=42.5, Range=512.3))
    sender.send(frame("Hvac", DriverSetTemp=21.5, AcActive="On", FanSpeed=40))
    sender.send(frame("Ambient", OutsideTemp=12.5))
    wait_for(lambda: feed.stats.messages == 5)
    assert store.fresh_values() == {
        vss.SPEED: 87.65, vss.CURRENT_GEAR: 4, vss.SELECTED_GEAR: 127,
        vss.FUEL_LEVEL: 42.5, vss.RANGE: 512300.0,  # the DBC says km, VSS Range is metres
        vss.DRIVER_TEMP: 21.5, vss.AC_ACTIVE: True, vss.DRIVER_FAN: 40, vss.EXTERIOR_TEMP: 12.5,
    }
    signals = {s.path: s for s in store.signals()}
    assert {s.source for s in signals.values()} == {"can"}
    assert signals[vss.SPEED].unit == "km/h" and signals[vss.RANGE].unit == "m"
    assert signals[vss.DRIVER_TEMP].unit == "celsius" and signals[vss.DRIVER_FAN].unit == "percent"
    assert signals[vss.AC_ACTIVE].value is True and signals[vss.CURRENT_GEAR].value.__class__ is int
    assert feed.stats.kinds == {"VehicleSpeed": 1, "Transmission": 1, "FuelLevel": 1, "Hvac": 1, "Ambient": 1}
    assert feed.stats.connects == 1 and feed.stats.garbage == feed.stats.ignored == feed.stats.errors == 0


def test_gear_lever_is_written_in_vss_codes():
    store = SignalStore()
    feed = CanFeed(store, settings())
    for lever, selected, current in (("P", 126, 0), ("R", -1, -1), ("N", 0, 0), ("D", 127, 3)):
        feed.handle(frame("Transmission", SelectedGear=lever, CurrentGear=current))
        assert store.value(vss.SELECTED_GEAR) == selected and store.value(vss.CURRENT_GEAR) == current
    feed.handle(frame("Transmission", SelectedGear="SNA", CurrentGear="SNA"))  # sender has no value
    assert store.value(vss.SELECTED_GEAR) == 127 and store.value(vss.CURRENT_GEAR) == 3
    assert feed.stats.messages == 4 and feed.stats.ignored == 1


def test_not_available_and_out_of_range_values_are_dropped():
    store = SignalStore()
    feed = CanFeed(store, settings())
    feed.handle(frame("Hvac", DriverSetTemp="SNA", AcActive=0, FanSpeed=100))
    assert vss.DRIVER_TEMP not in store and store.value(vss.AC_ACTIVE) is False
    data = bytearray(frame("FuelLevel", RelativeLevel=50.0, Range=100.0).data)
    data[0] = 240  # 120 % > the DBC's maximum of 100
    feed.handle(can.Message(arbitration_id=0x2C0, is_extended_id=False, data=data))
    assert vss.FUEL_LEVEL not in store and store.value(vss.RANGE) == 100000.0


def test_unknown_ids_remote_and_error_frames_are_skipped(running):
    store, feed, sender, _ = running
    sender.send(can.Message(arbitration_id=0x7FF, is_extended_id=False, data=bytes(8)))
    sender.send(can.Message(arbitration_id=0x1A0, is_extended_id=True, data=bytes(8)))  # speed's id, 29-bit
    sender.send(can.Message(arbitration_id=0x1A0, is_extended_id=False, is_remote_frame=True, dlc=8))
    wait_for(lambda: feed.stats.ignored == 3)
    assert len(store) == 0 and feed.stats.messages == 0
    feed.handle(can.Message(is_error_frame=True))
    assert feed.stats.errors == 1 and len(store) == 0
    sender.send(frame("VehicleSpeed", Speed=10.0))  # still reading after all that
    wait_for(lambda: vss.SPEED in store)


def test_short_frame_is_garbage(running):
    store, feed, sender, _ = running
    sender.send(can.Message(arbitration_id=0x1A0, is_extended_id=False, data=b"\x10"))
    sender.send(frame("VehicleSpeed", Speed=33.0))
    wait_for(lambda: feed.stats.messages == 1)
    assert feed.stats.garbage == 1 and store.value(vss.SPEED) == 33.0


def test_staleness_follows_max_age_and_cycle_time(running):
    store, feed, sender, clock = running
    sender.send(frame("VehicleSpeed", Speed=50.0))  # 10 ms cycle: settings' 0.2 s wins
    sender.send(frame("FuelLevel", RelativeLevel=60.0, Range=300.0))  # 1000 ms cycle: 3 s
    wait_for(lambda: feed.stats.messages == 2)
    assert store.get(vss.SPEED).max_age_s == 0.2 and store.get(vss.FUEL_LEVEL).max_age_s == 3.0
    clock.t += 0.5  # sending has stopped
    assert store.fresh(vss.SPEED) is None and store.fresh(vss.FUEL_LEVEL) is not None
    clock.t += 3.0
    assert store.stale_paths() == sorted([vss.SPEED, vss.FUEL_LEVEL, vss.RANGE])


def test_a_failing_subscriber_does_not_stop_the_feed(running):
    store, feed, sender, _ = running
    store.subscribe(lambda old, new: 1 / 0, [vss.SPEED])
    sender.send(frame("VehicleSpeed", Speed=20.0))
    sender.send(frame("Ambient", OutsideTemp=5.0))
    wait_for(lambda: vss.EXTERIOR_TEMP in store)
    assert store.value(vss.SPEED) == 20.0 and feed.stats.errors == 1 and feed.running


def test_stop_returns_and_restart_reads_again(channel):
    store = SignalStore()
    feed = CanFeed(store, settings(channel))
    feed.start()
    assert feed.running
    feed.stop(timeout=10)
    assert not feed.running
    feed.start()  # reopens the bus it closed
    with can.Bus(interface="virtual", channel=channel) as sender:
        sender.send(frame("VehicleSpeed", Speed=12.0))
        wait_for(lambda: vss.SPEED in store)
    feed.stop(timeout=10)
    assert not feed.running and feed.stats.connects == 2


def test_a_given_bus_is_used_and_left_open(channel):
    store = SignalStore()
    with can.Bus(interface="virtual", channel=channel) as bus, \
            can.Bus(interface="virtual", channel=channel) as sender:
        feed = CanFeed(store, settings("not-this-one"), bus=bus)
        feed.start()
        sender.send(frame("Ambient", OutsideTemp=-3.5))
        wait_for(lambda: vss.EXTERIOR_TEMP in store)
        feed.stop(timeout=10)
        assert store.value(vss.EXTERIOR_TEMP) == -3.5
        sender.send(frame("Ambient", OutsideTemp=1.0))
        assert bus.recv(timeout=5) is not None  # not shut down by the feed


@pytest.mark.parametrize("key, close", [("VehicleSpeed.Sped", "VehicleSpeed.Speed"),
                                        ("Hvac.FanSpd", "Hvac.FanSpeed"),
                                        ("Fuel.RelativeLevel", "FuelLevel.RelativeLevel")])
def test_mapping_to_a_missing_signal_names_the_close_match(key, close):
    with pytest.raises(FeedError) as err:
        CanFeed(SignalStore(), settings(signals={key: vss.SPEED}))
    assert key in str(err.value) and close in err.value.hint and str(SAMPLE_DBC) in str(err.value)


def test_mapping_to_a_bad_vss_path_fails():
    with pytest.raises(FeedError, match="not a VSS path"):
        CanFeed(SignalStore(), settings(signals={"VehicleSpeed.Speed": "Speed"}))


def test_a_unit_that_cannot_convert_fails(tmp_path):
    dbc = tmp_path / "rpm.dbc"
    dbc.write_text(SAMPLE_DBC.read_text().replace('"km/h"', '"rpm"'))
    with pytest.raises(FeedError, match="'rpm' but Vehicle.Speed is in 'km/h'"):
        CanFeed(SignalStore(), settings(dbc=str(dbc)))


def test_missing_dbc_fails(tmp_path):
    missing = tmp_path / "car.dbc"
    with pytest.raises(FeedError, match="not found") as err:
        CanFeed(SignalStore(), settings(dbc=str(missing)))
    assert str(missing) in str(err.value) and err.value.code == "vehicle-feed"


def test_unparsable_dbc_fails(tmp_path):
    bad = tmp_path / "car.dbc"
    bad.write_text('VERSION ""\nBO_ 416 VehicleSpeed: 8 ESC\n SG_ Speed : 0|16@1+ (0.01,0 [0|400] "km/h" IVI\n')
    with pytest.raises(FeedError, match="could not be parsed") as err:
        CanFeed(SignalStore(), settings(dbc=str(bad)))
    assert str(bad) in str(err.value)


def test_relative_dbc_is_from_the_working_directory(tmp_path, monkeypatch):
    shutil.copy(SAMPLE_DBC, tmp_path / "car.dbc")
    monkeypatch.chdir(tmp_path)
    feed = CanFeed(SignalStore(), settings(dbc="car.dbc"))
    assert feed.dbc == tmp_path / "car.dbc"


def test_unknown_interface_fails_at_start():
    feed = CanFeed(SignalStore(), CanFeedSettings(kind="can", interface="nosuchcan", channel="x"))
    with pytest.raises(FeedError, match="cannot open CAN bus nosuchcan:x") as err:
        feed.start()
    assert "socketcan" in err.value.hint and not feed.running


def test_missing_socketcan_device_names_the_fix():
    feed = CanFeed(SignalStore(), CanFeedSettings(kind="can", interface="socketcan", channel="cockpitcan9"))
    with pytest.raises(FeedError) as err:  # no such netdev (or no SocketCAN at all on this kernel)
        feed.start()
    assert "ip link set cockpitcan9 up type can bitrate 500000" in err.value.hint and not feed.running


def test_the_sample_dbc_round_trips_every_message():
    for message in DB.messages:
        values = {s.name: (s.minimum or 0) for s in message.signals}
        assert message.decode(message.encode(values), decode_choices=False) == pytest.approx(values)
        assert message.cycle_time in (10, 20, 500, 1000)
