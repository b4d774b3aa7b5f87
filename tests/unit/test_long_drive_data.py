"""The long drive's route and places are what tools/make_long_drive.py makes, and its config agrees."""
from __future__ import annotations

import sys
from pathlib import Path

from cockpit.config import load_config
from cockpit.vehicle.geo import distance_m
from cockpit.vehicle.route import load_route

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))

import make_long_drive  # noqa: E402


def test_the_committed_files_are_what_the_tool_makes():
    assert make_long_drive.main(["--check"]) == 0


def test_the_route_ends_at_the_configs_airport_and_lasts_about_three_hours():
    settings = load_config(REPO / "configs" / "long-drive.yaml")
    route = load_route(REPO / settings.vehicle.feeds[0].route)
    airport = settings.vehicle.places["airport"]
    assert distance_m(*route.points[-1], airport.latitude, airport.longitude) < 50
    assert 2.5 * 3600 <= route.duration_s <= 3.2 * 3600 and settings.vehicle.clock_follows_drive
