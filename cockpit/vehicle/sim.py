"""A simulated vehicle: a signal store with plausible defaults that records every actuation.

It stands in for the car in tests, the demo and the browser simulator. Skills act on it only
through :meth:`SimulatedVehicle.actuate`, so ``vehicle.actuations`` is the complete list of
what the assistant set, in order.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Mapping

from cockpit.vehicle.signals import SignalError, SignalStore, check_path

SOURCE = "sim"
"""The ``source`` written on every signal this adapter sets."""

VSS_VERSION = "4.0"
"""The COVESA Vehicle Signal Specification release the paths below are taken from."""

# Signal names, units and value conventions from COVESA VSS 4.0 (spec/ in
# github.com/COVESA/vehicle_signal_specification at tag v4.0). Window positions are
# 0 = fully closed .. 100 = fully open; CurrentGear is 0 for neutral (and park), negative for
# reverse; SelectedGear 126 is the VSS code for Park (127 = Drive); Media.Action takes the VSS enum strings
# UNKNOWN, STOP, PLAY, FAST_FORWARD, FAST_BACKWARD, SKIP_FORWARD, SKIP_BACKWARD.
_HVAC = "Vehicle.Cabin.HVAC"
_DOOR = "Vehicle.Cabin.Door"
_AXLE = "Vehicle.Chassis.Axle"
_MEDIA = "Vehicle.Cabin.Infotainment.Media"
_NAV = "Vehicle.Cabin.Infotainment.Navigation"

DEFAULTS: Mapping[str, tuple[Any, str | None]] = MappingProxyType({
    "Vehicle.Speed": (0.0, "km/h"),
    "Vehicle.Powertrain.Transmission.CurrentGear": (0, None),
    "Vehicle.Powertrain.Transmission.SelectedGear": (126, None),
    f"{_HVAC}.Station.Row1.Driver.Temperature": (21.0, "celsius"),
    f"{_HVAC}.Station.Row1.Passenger.Temperature": (21.0, "celsius"),
    f"{_HVAC}.Station.Row1.Driver.FanSpeed": (30, "percent"),
    f"{_HVAC}.Station.Row1.Passenger.FanSpeed": (30, "percent"),
    f"{_HVAC}.IsAirConditioningActive": (False, None),
    f"{_DOOR}.Row1.DriverSide.Window.Position": (0, "percent"),
    f"{_DOOR}.Row1.PassengerSide.Window.Position": (0, "percent"),
    f"{_DOOR}.Row2.DriverSide.Window.Position": (0, "percent"),
    f"{_DOOR}.Row2.PassengerSide.Window.Position": (0, "percent"),
    f"{_MEDIA}.Action": ("STOP", None),
    f"{_MEDIA}.Volume": (40, "percent"),
    "Vehicle.Powertrain.FuelSystem.RelativeLevel": (62, "percent"),
    "Vehicle.Powertrain.Range": (450_000, "m"),
    "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current": (80.0, "percent"),
    f"{_AXLE}.Row1.Wheel.Left.Tire.Pressure": (250, "kPa"),
    f"{_AXLE}.Row1.Wheel.Right.Tire.Pressure": (250, "kPa"),
    f"{_AXLE}.Row2.Wheel.Left.Tire.Pressure": (240, "kPa"),
    f"{_AXLE}.Row2.Wheel.Right.Tire.Pressure": (240, "kPa"),
    "Vehicle.Exterior.AirTemperature": (12.0, "celsius"),
    "Vehicle.CurrentLocation.Latitude": (48.1374, "degrees"),
    "Vehicle.CurrentLocation.Longitude": (11.5755, "degrees"),
    "Vehicle.CurrentLocation.Heading": (0.0, "degrees"),
    f"{_NAV}.DestinationSet.Latitude": (None, "degrees"),
    f"{_NAV}.DestinationSet.Longitude": (None, "degrees"),
})
"""Every signal the simulated car starts with: path -> (value, VSS unit)."""


@dataclass(frozen=True, slots=True)
class Actuation:
    """One value the assistant set on the vehicle."""

    path: str
    old: Any
    new: Any
    t: float
    """Seconds on the monotonic clock when it was set."""


class SimulatedVehicle:
    """The car, simulated: readable signals, and actuations that are applied and recorded.

    ``initial`` overrides default values; a path the defaults lack is added when it is a
    well-formed ``Vehicle.`` path (its unit is then unknown).
    """

    def __init__(self, initial: Mapping[str, Any] | None = None, *,
                 store: SignalStore | None = None) -> None:
        self.signals = store if store is not None else SignalStore()
        self.actuations: list[Actuation] = []
        self.volume_before_mute: int | None = None
        """Media volume (percent) saved by a mute, restored by unmute; None when not muted."""
        self._lock = threading.Lock()
        for path, (value, unit) in DEFAULTS.items():
            self.signals.set(path, value, source=SOURCE, unit=unit)
        for path, value in (initial or {}).items():
            check_path(path)
            unit = DEFAULTS[path][1] if path in DEFAULTS else None
            self.signals.set(path, value, source=SOURCE, unit=unit)

    def read(self, path: str) -> Any:
        """The current value of a signal this vehicle has; unknown paths raise SignalError."""
        signal = self.signals.get(check_path(path))
        if signal is None:
            raise SignalError(f"the vehicle has no signal {path}", code="vehicle-signal-unknown",
                              hint="Check the VSS path spelling, or pass it in SimulatedVehicle(initial=...).")
        return signal.value

    def actuate(self, path: str, value: Any) -> tuple[Any, Any]:
        """Set a signal the vehicle has and record it; returns ``(old, new)`` values."""
        with self._lock:
            old = self.read(path)
            self.signals.set(path, value, source=SOURCE)
            self.actuations.append(Actuation(path, old, value, time.monotonic()))
        return old, value

    def snapshot(self) -> dict[str, Any]:
        """Every path -> current value."""
        return self.signals.snapshot()

    def actuated_paths(self) -> list[str]:
        """The paths set so far, in order, without repeats."""
        return list(dict.fromkeys(a.path for a in self.actuations))
