"""Bearings, sides and route projection on fixed cases around Munich (no antimeridian)."""
from __future__ import annotations

import pytest

from cockpit.vehicle.geo import (RoutePosition, bearing_deg, compass, destination, distance_m, project,
                                 relative_bearing, side, spoken_distance)

HOME = (48.1374, 11.5755)
D = 0.001  # degrees: about 111 m north-south, 74 m east-west here


def angle_close(a: float, b: float, tol: float = 0.1) -> bool:
    return abs((a - b + 180.0) % 360.0 - 180.0) <= tol


@pytest.mark.parametrize("dlat, dlon, expected", [(D, 0, 0.0), (0, D, 90.0), (-D, 0, 180.0), (0, -D, 270.0)])
def test_bearing_cardinal(dlat: float, dlon: float, expected: float) -> None:
    b = bearing_deg(*HOME, HOME[0] + dlat, HOME[1] + dlon)
    assert 0.0 <= b < 360.0
    assert angle_close(b, expected), b


def test_bearing_diagonal_is_about_45_when_metres_match() -> None:
    north_east = destination(*HOME, 45.0, 500.0)
    assert angle_close(bearing_deg(*HOME, *north_east), 45.0)


def test_distance_known_values() -> None:
    assert distance_m(*HOME, *HOME) == 0.0
    # One minute of latitude is about one nautical mile (1852 m) on the mean-radius sphere.
    assert distance_m(0.0, 0.0, 1.0 / 60.0, 0.0) == pytest.approx(1853.2, abs=1.0)
    assert distance_m(*HOME, HOME[0] + D, HOME[1]) == pytest.approx(111.2, abs=0.5)


@pytest.mark.parametrize("bearing", [0.0, 37.0, 90.0, 181.5, 225.0, 300.0])
@pytest.mark.parametrize("metres", [15.0, 760.0, 12_345.0])
def test_destination_round_trip(bearing: float, metres: float) -> None:
    there = destination(*HOME, bearing, metres)
    assert distance_m(*HOME, *there) == pytest.approx(metres, abs=1e-3)
    assert angle_close(bearing_deg(*HOME, *there), bearing, tol=1e-6)


@pytest.mark.parametrize("heading, bearing, expected", [
    (0.0, 90.0, 90.0), (0.0, 270.0, -90.0), (350.0, 10.0, 20.0), (10.0, 350.0, -20.0),
    (90.0, 0.0, -90.0), (225.0, 315.0, 90.0), (225.0, 135.0, -90.0), (0.0, 180.0, 180.0),
])
def test_relative_bearing(heading: float, bearing: float, expected: float) -> None:
    r = relative_bearing(heading, bearing)
    assert -180.0 < r <= 180.0
    assert r == pytest.approx(expected)


@pytest.mark.parametrize("heading, bearing, expected", [
    # heading north
    (0.0, 90.0, "right"), (0.0, 270.0, "left"), (0.0, 10.0, "ahead"), (0.0, 350.0, "ahead"), (0.0, 180.0, "behind"),
    # heading east
    (90.0, 0.0, "left"), (90.0, 180.0, "right"), (90.0, 100.0, "ahead"), (90.0, 275.0, "behind"),
    # heading south-west: north-west is on the right, south-east on the left
    (225.0, 315.0, "right"), (225.0, 135.0, "left"), (225.0, 205.0, "ahead"), (225.0, 245.0, "ahead"),
    (225.0, 225.0, "ahead"), (225.0, 45.0, "behind"),
])
def test_side(heading: float, bearing: float, expected: str) -> None:
    assert side(heading, bearing) == expected


def test_side_of_real_points_for_a_car_heading_south_west() -> None:
    north_west = destination(*HOME, 315.0, 200.0)
    south_east = destination(*HOME, 135.0, 200.0)
    assert side(225.0, bearing_deg(*HOME, *north_west)) == "right"
    assert side(225.0, bearing_deg(*HOME, *south_east)) == "left"


def test_side_edges_of_ahead_cone() -> None:
    assert side(0.0, 30.0) == "ahead"
    assert side(0.0, 31.0) == "right"
    assert side(0.0, 149.0) == "right"
    assert side(0.0, 150.0) == "behind"


@pytest.mark.parametrize("bearing, word", [
    (0.0, "north"), (22.4, "north"), (22.5, "north-east"), (45.0, "north-east"), (90.0, "east"),
    (135.0, "south-east"), (180.0, "south"), (225.0, "south-west"), (270.0, "west"), (315.0, "north-west"),
    (337.4, "north-west"), (337.5, "north"), (359.9, "north"), (360.0, "north"), (-90.0, "west"),
])
def test_compass(bearing: float, word: str) -> None:
    assert compass(bearing) == word


def test_project_on_an_l_shaped_route() -> None:
    corner = destination(*HOME, 0.0, 1000.0)
    end = destination(*corner, 90.0, 1000.0)
    route = [HOME, corner, end]

    on_first = destination(*destination(*HOME, 0.0, 300.0), 90.0, 50.0)
    pos = project(route, *on_first)
    assert pos.along_m == pytest.approx(300.0, abs=1.0)
    assert pos.offset_m == pytest.approx(50.0, abs=1.0)

    on_second = destination(*destination(*corner, 90.0, 400.0), 0.0, 80.0)
    pos = project(route, *on_second)
    assert pos.along_m == pytest.approx(1400.0, abs=1.0)
    assert pos.offset_m == pytest.approx(80.0, abs=1.0)

    # Before the start: clamped to the start, the offset is the distance to it.
    behind = destination(*HOME, 180.0, 120.0)
    pos = project(route, *behind)
    assert pos.along_m == pytest.approx(0.0, abs=1e-6)
    assert pos.offset_m == pytest.approx(120.0, abs=1.0)

    # Past the end: clamped to the end.
    past = destination(*end, 90.0, 200.0)
    pos = project(route, *past)
    assert pos.along_m == pytest.approx(2000.0, abs=1.0)
    assert pos.offset_m == pytest.approx(200.0, abs=1.0)

    # Exactly on a vertex.
    pos = project(route, *corner)
    assert pos.along_m == pytest.approx(1000.0, abs=1.0)
    assert pos.offset_m == pytest.approx(0.0, abs=1.0)


def test_project_single_point_and_empty_route() -> None:
    there = destination(*HOME, 90.0, 250.0)
    assert project([HOME], *there) == RoutePosition(0.0, pytest.approx(250.0, abs=1.0))
    with pytest.raises(ValueError):
        project([], *HOME)


@pytest.mark.parametrize("metres, words", [
    (0.0, "10 metres"), (4.0, "10 metres"), (44.0, "40 metres"), (348.0, "350 metres"), (994.0, "990 metres"),
    (1000.0, "1.0 kilometres"), (1234.0, "1.2 kilometres"), (9940.0, "9.9 kilometres"),
    (10_000.0, "10 kilometres"), (14_400.0, "14 kilometres"),
])
def test_spoken_distance(metres: float, words: str) -> None:
    assert spoken_distance(metres) == words
