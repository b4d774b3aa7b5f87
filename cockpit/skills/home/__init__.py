"""Home Assistant as skills: the house's heating, lights, garage door and sensors over HA's REST API,
and the arrival routine offered by voice when the car is nearly home."""
from cockpit.skills.home.arrival import ArrivalPrompts, ArrivalWatch, Trip, trip_now
from cockpit.skills.home.client import HomeAssistant
from cockpit.skills.home.tools import SOURCE, home_tools

__all__ = ["SOURCE", "ArrivalPrompts", "ArrivalWatch", "HomeAssistant", "Trip", "home_tools", "trip_now"]
