"""The VSS signal store and the simulated vehicle."""
from __future__ import annotations

import threading

import pytest

from cockpit.errors import CockpitError
from cockpit.vehicle.signals import Signal, SignalError, SignalStore
from cockpit.vehicle.sim import DEFAULTS, VSS_VERSION, Actuation, SimulatedVehicle

TEMP = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        self.now += 0.5
        return self.now


# --- SignalStore ---------------------------------------------------------------------------

def test_set_get_value_snapshot() -> None:
    store = SignalStore(clock=FakeClock())
    signal = store.set("Vehicle.Speed", 42.0, source="can", unit="km/h")
    assert signal == Signal("Vehicle.Speed", 42.0, "km/h", "can", 100.5)
    assert store.get("Vehicle.Speed") == signal
    assert store.value("Vehicle.Speed") == 42.0
    assert store.get("Vehicle.Nope") is None
    assert store.value("Vehicle.Nope", default=-1) == -1
    store.set("Vehicle.Exterior.AirTemperature", 7.5, source="can", unit="celsius")
    assert store.snapshot() == {"Vehicle.Speed": 42.0, "Vehicle.Exterior.AirTemperature": 7.5}
    assert "Vehicle.Speed" in store and len(store) == 2


def test_signal_is_frozen_and_stamped_on_the_clock() -> None:
    store = SignalStore(clock=FakeClock())
    first = store.set("Vehicle.Speed", 1.0, source="sim", unit="km/h")
    second = store.set("Vehicle.Speed", 2.0, source="gpsd")
    assert second.timestamp > first.timestamp
    assert second.unit == "km/h", "a write without a unit keeps the signal's unit"
    assert second.source == "gpsd"
    with pytest.raises(AttributeError):
        second.value = 3.0  # type: ignore[misc]


def test_snapshot_is_a_copy() -> None:
    store = SignalStore()
    store.set("Vehicle.Speed", 1.0, source="sim")
    snap = store.snapshot()
    snap["Vehicle.Speed"] = 99.0
    assert store.value("Vehicle.Speed") == 1.0


@pytest.mark.parametrize("bad", ["", "Speed", "vehicle.Speed", "Vehicle", "Vehicle..Speed", "Vehicle.Speed."])
def test_malformed_paths_are_refused(bad: str) -> None:
    with pytest.raises(SignalError) as info:
        SignalStore().set(bad, 1, source="sim")
    assert isinstance(info.value, CockpitError)
    assert info.value.code == "vehicle-signal"
    assert "Vehicle" in info.value.hint


def test_subscribe_gets_old_and_new_until_unsubscribed() -> None:
    store = SignalStore()
    seen: list[tuple[Signal | None, Signal]] = []
    unsubscribe = store.subscribe(lambda old, new: seen.append((old, new)))
    store.set("Vehicle.Speed", 10.0, source="sim", unit="km/h")
    store.set("Vehicle.Speed", 20.0, source="sim")
    assert [(o and o.value, n.value) for o, n in seen] == [(None, 10.0), (10.0, 20.0)]
    unsubscribe()
    unsubscribe()  # idempotent
    store.set("Vehicle.Speed", 30.0, source="sim")
    assert len(seen) == 2


def test_a_failing_subscriber_does_not_silence_the_others() -> None:
    store = SignalStore()
    heard: list[float] = []

    def broken(old: Signal | None, new: Signal) -> None:
        raise RuntimeError("subscriber bug")

    store.subscribe(broken)
    store.subscribe(lambda old, new: heard.append(new.value))
    with pytest.raises(RuntimeError, match="subscriber bug"):
        store.set("Vehicle.Speed", 5.0, source="sim")
    assert heard == [5.0]
    assert store.value("Vehicle.Speed") == 5.0, "the write itself is committed"


def test_a_subscriber_may_write_to_the_store() -> None:
    store = SignalStore()

    def mirror(old: Signal | None, new: Signal) -> None:
        if new.path == "Vehicle.Speed":
            store.set("Vehicle.Cabin.Infotainment.Media.Volume", 10, source="rule")

    store.subscribe(mirror)
    store.set("Vehicle.Speed", 50.0, source="sim")
    assert store.value("Vehicle.Cabin.Infotainment.Media.Volume") == 10


def test_concurrent_writers_lose_nothing() -> None:
    store = SignalStore()
    changes: list[tuple[object, object]] = []
    lock = threading.Lock()

    def record(old: Signal | None, new: Signal) -> None:
        with lock:
            changes.append((old.value if old else None, new.value))

    store.subscribe(record)

    def writer(n: int) -> None:
        for i in range(200):
            store.set(f"Vehicle.Test.Writer{n}", i, source="t")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(changes) == 8 * 200
    assert store.snapshot() == {f"Vehicle.Test.Writer{n}": 199 for n in range(8)}


# --- SimulatedVehicle ----------------------------------------------------------------------

def test_defaults_use_vss_names_and_units() -> None:
    car = SimulatedVehicle()
    assert VSS_VERSION.startswith("4.")
    assert car.read("Vehicle.Speed") == 0
    assert car.signals.get("Vehicle.Speed").unit == "km/h"
    assert car.read(TEMP) == 21
    assert car.signals.get(TEMP).unit == "celsius"
    assert car.read("Vehicle.Powertrain.Transmission.CurrentGear") == 0
    assert car.signals.get("Vehicle.Powertrain.Range").unit == "m"
    assert car.signals.get("Vehicle.Chassis.Axle.Row1.Wheel.Left.Tire.Pressure").unit == "kPa"
    for side in ("Row1.DriverSide", "Row1.PassengerSide", "Row2.DriverSide", "Row2.PassengerSide"):
        assert car.read(f"Vehicle.Cabin.Door.{side}.Window.Position") == 0
    assert car.read("Vehicle.Cabin.Infotainment.Media.Action") in {
        "UNKNOWN", "STOP", "PLAY", "FAST_FORWARD", "FAST_BACKWARD", "SKIP_FORWARD", "SKIP_BACKWARD"}
    assert set(car.snapshot()) == set(DEFAULTS)
    assert all(s.source == "sim" for s in car.signals.signals())
    assert car.actuations == []


def test_initial_overrides_and_extra_paths() -> None:
    car = SimulatedVehicle({"Vehicle.Speed": 88.0, "Vehicle.Cabin.Seat.Row1.DriverSide.Heating": 2})
    assert car.read("Vehicle.Speed") == 88.0
    assert car.signals.get("Vehicle.Speed").unit == "km/h", "an override keeps the default unit"
    assert car.read("Vehicle.Cabin.Seat.Row1.DriverSide.Heating") == 2
    with pytest.raises(SignalError):
        SimulatedVehicle({"Cabin.Speed": 1})


def test_actuate_applies_records_and_notifies() -> None:
    car = SimulatedVehicle()
    heard: list[tuple[object, object]] = []
    car.signals.subscribe(lambda old, new: heard.append((old.value if old else None, new.value)))
    assert car.actuate(TEMP, 23.5) == (21.0, 23.5)
    assert car.read(TEMP) == 23.5
    assert heard == [(21.0, 23.5)]
    (record,) = car.actuations
    assert isinstance(record, Actuation)
    assert (record.path, record.old, record.new) == (TEMP, 21.0, 23.5)
    assert record.t > 0
    car.actuate(TEMP, 22.0)
    assert [a.new for a in car.actuations] == [23.5, 22.0]
    assert car.actuated_paths() == [TEMP]


def test_unknown_signals_cannot_be_read_or_actuated() -> None:
    car = SimulatedVehicle()
    with pytest.raises(SignalError) as info:
        car.read("Vehicle.Cabin.Sunroof.Position")
    assert info.value.code == "vehicle-signal-unknown"
    with pytest.raises(SignalError):
        car.actuate("Vehicle.Cabin.Sunroof.Position", 50)
    assert car.actuations == []
