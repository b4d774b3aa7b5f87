"""The COVESA VSS 4.0 paths the feeds write and the context reads, with their VSS units.

Names and units from the Vehicle Signal Specification v4.0 (github.com/COVESA/
vehicle_signal_specification, spec/). One place for them, so the gpsd, NMEA, CAN and simulated
drive adapters all write the same signals.
"""
from __future__ import annotations

from types import MappingProxyType

SPEED = "Vehicle.Speed"
LATITUDE = "Vehicle.CurrentLocation.Latitude"
LONGITUDE = "Vehicle.CurrentLocation.Longitude"
HEADING = "Vehicle.CurrentLocation.Heading"
ALTITUDE = "Vehicle.CurrentLocation.Altitude"
H_ACCURACY = "Vehicle.CurrentLocation.HorizontalAccuracy"
TIMESTAMP = "Vehicle.CurrentLocation.Timestamp"
CURRENT_GEAR = "Vehicle.Powertrain.Transmission.CurrentGear"
SELECTED_GEAR = "Vehicle.Powertrain.Transmission.SelectedGear"
FUEL_LEVEL = "Vehicle.Powertrain.FuelSystem.RelativeLevel"
RANGE = "Vehicle.Powertrain.Range"
SOC = "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current"
EXTERIOR_TEMP = "Vehicle.Exterior.AirTemperature"
HVAC = "Vehicle.Cabin.HVAC"
DRIVER_TEMP = f"{HVAC}.Station.Row1.Driver.Temperature"
AC_ACTIVE = f"{HVAC}.IsAirConditioningActive"
DRIVER_FAN = f"{HVAC}.Station.Row1.Driver.FanSpeed"
DEST_LAT = "Vehicle.Cabin.Infotainment.Navigation.DestinationSet.Latitude"
DEST_LON = "Vehicle.Cabin.Infotainment.Navigation.DestinationSet.Longitude"
DRIVER_FATIGUE = "Vehicle.Driver.FatigueLevel"
"""Driver monitoring's fatigue estimate, 0-100 percent (VSS 4.0: 'evaluated by multiple factors like trip
time, behaviour of steering, eye status'); only when a feed (a driver-monitoring camera over CAN or KUKSA)
provides it."""
DRIVER_ATTENTIVE = "Vehicle.Driver.AttentiveProbability"
"""Driver monitoring's probability that the driver is attentive, 0-100 percent (VSS 4.0)."""
ACCEL_LONGITUDINAL = "Vehicle.Acceleration.Longitudinal"
"""Longitudinal acceleration, m/s² (VSS 4.0; negative = braking), when CAN provides it."""
ABS_ENGAGED = "Vehicle.ADAS.ABS.IsEngaged"
"""ABS is intervening (VSS 4.0), when CAN provides it."""

UNITS = MappingProxyType({
    SPEED: "km/h", LATITUDE: "degrees", LONGITUDE: "degrees", HEADING: "degrees", ALTITUDE: "m",
    H_ACCURACY: "m", TIMESTAMP: "iso8601", FUEL_LEVEL: "percent", RANGE: "m", SOC: "percent",
    EXTERIOR_TEMP: "celsius", DRIVER_TEMP: "celsius", DRIVER_FAN: "percent",
    DRIVER_FATIGUE: "percent", DRIVER_ATTENTIVE: "percent", ACCEL_LONGITUDINAL: "m/s^2",
})
"""VSS path -> VSS unit for the signals above that have one."""

POSITION = (LATITUDE, LONGITUDE)
