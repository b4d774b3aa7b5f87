"""The offline POI map: import, R*Tree search, opening hours, ranking along the route, landmarks."""
from __future__ import annotations

import json
import logging
import os
import random
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pytest

from cockpit.config.vehicle import PoiSettings, PreferenceSettings
from cockpit.errors import CockpitError
from cockpit.vehicle.geo import destination, distance_m
from cockpit.vehicle.poi import (DEMO_POIS, Hit, Poi, PoiError, PoiStore, category_of, name_key, placed, rank,
                                 sees, side_of)
from cockpit.vehicle.route import load_route

FRIDAY_LUNCH = datetime(2026, 6, 12, 12, 30)  # the demo drive starts Friday 2026-06-12, 12:00 local
HOME = (48.1374, 11.5755)


@pytest.fixture(scope="module")
def sample() -> PoiStore:
    return PoiStore.open(PoiSettings())


def write_geojson(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def point(name: str | None, lat: float, lon: float, **tags: object) -> dict:
    props = dict(tags, **({"name": name} if name is not None else {}))
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}


def hours(expr: str | None, name: str = "Test place") -> Poi:
    return Poi(name, "restaurant", *HOME, {"opening_hours": expr} if expr is not None else {})


# --- Poi -----------------------------------------------------------------------------------

def test_poi_positional_construction_and_defaults() -> None:
    poi = Poi("Nordtank", "fuel", 48.15, 11.56)
    assert (poi.name, poi.category, poi.lat, poi.lon, dict(poi.tags), poi.id) == ("Nordtank", "fuel", 48.15, 11.56, {}, 0)
    assert hash(poi) == hash(Poi("Nordtank", "fuel", 48.15, 11.56))
    assert poi.kind == "gas station"
    assert poi.opening_hours is None


def test_poi_tags_are_read_only() -> None:
    tags = {"cuisine": "pizza; Italian ;", "diet:vegetarian": "yes"}
    poi = Poi("Pizzeria Sole", "restaurant", 48.0, 11.0, tags)
    tags["cuisine"] = "changed"
    assert poi.cuisines == ("pizza", "italian")
    with pytest.raises(TypeError):
        poi.tags["x"] = "y"  # type: ignore[index]


@pytest.mark.parametrize("tags, diet, expected", [
    ({"diet:vegetarian": "yes"}, "vegetarian", True),
    ({"diet:vegetarian": "only"}, "vegetarian", True),
    ({"diet:vegetarian": "no"}, "vegetarian", False),
    ({}, "vegetarian", False),
    ({"diet:vegan": "only"}, "vegetarian", True),
    ({"diet:vegan": "yes"}, "vegetarian", True),  # a vegan dish is a vegetarian dish
    ({"cuisine": "indian;vegetarian"}, "vegetarian", True),
    ({"cuisine": "vegan"}, "vegetarian", True),
    ({"cuisine": "vegan"}, "vegan", True),
    ({"diet:vegetarian": "yes"}, "vegan", False),
    ({"diet:halal": "yes"}, "halal", True),
    ({"diet:halal": "no"}, "halal", False),
])
def test_serves(tags: dict[str, str], diet: str, expected: bool) -> None:
    assert Poi("x", "restaurant", 0.0, 0.0, tags).serves(diet) is expected


@pytest.mark.parametrize("tags, category, kind", [
    ({"amenity": "fuel"}, "fuel", "gas station"),
    ({"amenity": "charging_station"}, "charging", "charging station"),
    ({"amenity": "cafe"}, "cafe", "cafe"),
    ({"amenity": "parking"}, "parking", "car park"),
    ({"amenity": "restaurant"}, "restaurant", "restaurant"),
    ({"amenity": "fast_food"}, "restaurant", "fast food restaurant"),
    ({"amenity": "hospital"}, "hospital", "hospital"),
    ({"amenity": "pharmacy"}, "pharmacy", "pharmacy"),
    ({"amenity": "toilets"}, "toilets", "public toilet"),
    ({"tourism": "hotel"}, "hotel", "hotel"),
    ({"shop": "supermarket"}, "supermarket", "supermarket"),
    ({"tourism": "museum"}, "museum", "museum"),
    ({"amenity": "place_of_worship", "religion": "christian"}, "place_of_worship", "church"),
    ({"amenity": "place_of_worship", "religion": "muslim"}, "place_of_worship", "mosque"),
    ({"amenity": "place_of_worship"}, "place_of_worship", "place of worship"),
    ({"historic": "castle"}, "castle", "castle"),
    ({"shop": "bicycle"}, "bicycle", "bicycle shop"),
    ({"category": "Cafe", "amenity": "restaurant"}, "cafe", "restaurant"),
    ({"category": "fuel"}, "fuel", "gas station"),
    ({}, "place", "place"),
])
def test_category_and_kind_from_tags(tags: dict[str, str], category: str, kind: str) -> None:
    assert category_of(tags) == category
    poi = Poi.from_tags(" Somewhere ", 48.0, 11.0, tags)
    assert (poi.name, poi.category, poi.kind) == ("Somewhere", category, kind)
    assert "category" not in poi.tags


def test_name_key() -> None:
    assert name_key("The  Lindenhof Museum") == name_key("lindenhof museum") == "lindenhof museum"
    assert name_key("The") == "the"


# --- import --------------------------------------------------------------------------------

def test_bundled_sample(sample: PoiStore) -> None:
    assert len(sample) == 14
    assert {p.category for p in sample.all()} >= {"fuel", "charging", "cafe", "parking", "restaurant", "hotel",
                                                  "pharmacy", "supermarket", "museum", "place_of_worship"}
    museum = sample.by_name("the LINDENHOF museum")
    assert museum is not None and museum.kind == "museum" and museum.id > 0
    assert museum.opening_hours == "Tu-Su 10:00-18:00"
    church = sample.by_name("St. Anna Church")
    assert church is not None and church.kind == "church"
    assert sample.by_name("Nowhere") is None


def test_import_small_geojson(tmp_path: Path) -> None:
    path = write_geojson(tmp_path / "mine.geojson", [
        point("Kiosk am Eck", 48.1, 11.5, shop="kiosk", opening_hours="Mo-Fr 06:00-20:00"),
        point("My Charger", 48.2, 11.6, category="charging", operator="Me", capacity=4, fee=False),
        point(None, 48.3, 11.7, amenity="bench"),  # no name: skipped
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[11.5, 48.1], [11.6, 48.2]]},
         "properties": {"name": "A road"}},  # not a point: skipped
        {"type": "Feature", "geometry": None, "properties": {"name": "Nowhere"}},  # skipped
    ])
    store = PoiStore()
    assert store.import_file(path) == 2
    assert len(store) == 2
    charger = store.by_name("my charger")
    assert charger is not None
    assert (charger.category, charger.lat, charger.lon) == ("charging", 48.2, 11.6)
    assert dict(charger.tags) == {"operator": "Me", "capacity": "4", "fee": "no"}
    # Importing the same file again replaces what it gave, it does not duplicate.
    assert store.import_geojson(path) == 2
    assert len(store) == 2


def test_import_csv(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text("name,category,lat,lon,opening_hours,cuisine,diet,amenity\n"
                    "Veggie Bus,restaurant,48.14,11.57,Mo-Su 11:00-15:00,Thai,vegetarian;vegan,\n"
                    "Corner Fuel,,48.15,11.58,24/7,,,fuel\n"
                    ",cafe,48.16,11.59,,,,\n", encoding="utf-8")
    store = PoiStore()
    assert store.import_file(path) == 2
    bus = store.by_name("veggie bus")
    assert bus is not None and bus.category == "restaurant"
    assert dict(bus.tags) == {"opening_hours": "Mo-Su 11:00-15:00", "cuisine": "Thai",
                              "diet:vegetarian": "yes", "diet:vegan": "yes"}
    assert bus.cuisines == ("thai",) and bus.serves("vegan")
    fuel = store.by_name("Corner Fuel")
    assert fuel is not None and fuel.category == "fuel" and fuel.kind == "gas station"


def test_add_and_all() -> None:
    store = PoiStore()
    a = store.add(Poi("A", "cafe", 48.0, 11.0))
    b = store.add(Poi("B", "fuel", 48.001, 11.0, {"brand": "X"}))
    assert a.id and b.id and a.id != b.id
    assert store.all() == [a, b]
    assert store.near(48.0, 11.0, 50.0) == [(0.0, a)]


@pytest.mark.parametrize("name, text, words", [
    ("broken.geojson", '{"type": "FeatureCollection", "features": [', "not valid JSON"),
    ("list.geojson", "[1, 2]", "not a GeoJSON FeatureCollection"),
    ("feature.geojson", '{"type": "Feature", "geometry": null}', "not a GeoJSON FeatureCollection"),
    ("nofeatures.geojson", '{"type": "FeatureCollection", "features": {}}', "features list"),
    ("coords.geojson", '{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": '
                       '{"type": "Point", "coordinates": [11.5, 95.0]}, "properties": {"name": "Up"}}]}',
     "bad coordinates"),
    ("latin1.geojson", b'{"name": "M\xfcnchen"}', "not valid JSON"),
    ("header.csv", "title,lat,lon\nx,1,2\n", "no name column"),
    ("numbers.csv", "name,lat,lon\nSomewhere,north,11.5\n", "line 2"),
    ("mine.kml", "<kml/>", "unknown type"),
])
def test_bad_files_raise_poi_error_with_hint(tmp_path: Path, name: str, text: str | bytes, words: str) -> None:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(PoiError) as caught:
        PoiStore().import_file(path)
    err = caught.value
    assert isinstance(err, CockpitError) and err.code == "poi-data"
    assert name in str(err) and words in str(err)
    assert err.hint and "fix:" in str(err)


def test_missing_source_and_bad_country(tmp_path: Path) -> None:
    with pytest.raises(PoiError, match="cannot be read"):
        PoiStore.open(PoiSettings(sources=[str(tmp_path / "missing.geojson")]))
    with pytest.raises(PoiError, match="country") as caught:
        PoiStore(country="XX")
    assert caught.value.hint


def test_database_that_is_not_sqlite(tmp_path: Path) -> None:
    bad = tmp_path / "pois.db"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(PoiError, match="POI database") as caught:
        PoiStore(str(bad))
    assert "writable" in caught.value.hint


def test_persistent_database_is_reused_without_duplicates(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db = str(tmp_path / "pois.sqlite")
    with PoiStore.open(PoiSettings(database=db)) as first:
        assert len(first) == 14
        ids = [p.id for p in first.all()]
    caplog.set_level(logging.INFO, logger="cockpit.vehicle.poi")
    with PoiStore.open(PoiSettings(database=db)) as again:
        assert len(again) == 14
        assert [p.id for p in again.all()] == ids
    assert not [r for r in caplog.records if "imported" in r.getMessage()]

    # A changed source is imported again, replacing its old places; sources no longer listed go.
    mine = write_geojson(tmp_path / "mine.geojson", [point("One", 48.1, 11.5, amenity="cafe")])
    with PoiStore.open(PoiSettings(database=db, sources=[str(mine)])) as changed:
        assert [p.name for p in changed.all()] == ["One"]
    write_geojson(mine, [point("One", 48.1, 11.5, amenity="cafe"), point("Two", 48.2, 11.6, amenity="fuel")])
    os.utime(mine, ns=(1_800_000_000_000_000_000, 1_800_000_000_000_000_000))
    with PoiStore.open(PoiSettings(database=db, sources=[str(mine)])) as grown:
        assert sorted(p.name for p in grown.all()) == ["One", "Two"]
    with PoiStore.open(PoiSettings(database=db, sources=[])) as empty:
        assert len(empty) == 0


# --- R*Tree search -------------------------------------------------------------------------

def test_near_matches_brute_force() -> None:
    rng = random.Random(1234)
    store = PoiStore()
    cats = ("cafe", "fuel", "parking", "museum")
    pois = [store.add(Poi(f"P{i}", rng.choice(cats), 48.15 + rng.uniform(-0.05, 0.05),
                          11.57 + rng.uniform(-0.07, 0.07))) for i in range(200)]
    for _ in range(25):
        lat, lon = 48.15 + rng.uniform(-0.04, 0.04), 11.57 + rng.uniform(-0.05, 0.05)
        radius = rng.choice((150.0, 600.0, 1500.0, 3000.0, 8000.0))
        category = rng.choice((None, *cats))
        want = sorted((distance_m(lat, lon, p.lat, p.lon), p.id) for p in pois
                      if distance_m(lat, lon, p.lat, p.lon) <= radius and category in (None, p.category))
        got = store.near(lat, lon, radius, category)
        assert [p.id for _, p in got] == [i for _, i in want]
        assert [d for d, _ in got] == pytest.approx([d for d, _ in want])


def test_near_edge_of_radius() -> None:
    store = PoiStore()
    for metres in (99.0, 100.5, 101.0):
        store.add(Poi(f"{metres}", "cafe", *destination(*HOME, 63.0, metres)))
    assert [p.name for _, p in store.near(*HOME, 100.0)] == ["99.0"]
    assert [p.name for _, p in store.near(*HOME, 100.8)] == ["99.0", "100.5"]


def test_near_is_thread_safe(sample: PoiStore) -> None:
    with ThreadPoolExecutor(8) as pool:
        counts = list(pool.map(lambda _: len(sample.near(*HOME, 5000.0)), range(64)))
    assert set(counts) == {14}


# --- opening hours -------------------------------------------------------------------------

@pytest.mark.parametrize("expr, when, expected", [
    ("Mo-Su 20:00-04:00", datetime(2026, 6, 12, 2, 0), True),     # Friday 02:00, from Thursday night
    ("Mo-Su 20:00-04:00", datetime(2026, 6, 13, 3, 59), True),    # Saturday 03:59
    ("Mo-Su 20:00-04:00", datetime(2026, 6, 13, 4, 0), False),    # Saturday 04:00
    ("Mo-Su 20:00-04:00", datetime(2026, 6, 12, 12, 0), False),
    ("24/7", datetime(2026, 12, 25, 3, 0), True),
    ("Mo-Fr 08:00-18:00", datetime(2026, 6, 14, 12, 0), False),   # Sunday
    ("Mo-Fr 08:00-18:00", datetime(2026, 6, 15, 8, 0), True),     # Monday 08:00
    ("Mo-Fr 08:00-18:00", datetime(2026, 6, 15, 18, 0), False),
    ("11:30-14:30,17:30-22:30", datetime(2026, 6, 12, 15, 0), False),
    ("11:30-14:30,17:30-22:30", datetime(2026, 6, 12, 12, 0), True),
    ("11:30-14:30,17:30-22:30", datetime(2026, 6, 12, 18, 0), True),
    ("Mo-Su 10:00-18:00; PH off", datetime(2026, 12, 25, 12, 0), False),  # Christmas Day
    ("Mo-Su 10:00-18:00; PH off", datetime(2026, 12, 24, 12, 0), True),
    ("Mo-Su 10:00-18:00; PH off", datetime(2026, 10, 3, 12, 0), False),   # German Unity Day
    ("Mo-Su 10:00-18:00; PH off", datetime(2026, 10, 2, 12, 0), True),
    ("off", datetime(2026, 6, 12, 12, 0), False),
    ("Mo-Sa 11:30-14:30,17:30-22:30; Su off; PH off", FRIDAY_LUNCH, True),
])
def test_is_open(sample: PoiStore, expr: str, when: datetime, expected: bool) -> None:
    assert sample.is_open(hours(expr), when) is expected


def test_public_holidays_follow_the_country() -> None:
    christmas = datetime(2026, 12, 25, 12, 0)
    poi = hours("Mo-Su 10:00-18:00; PH off")
    assert PoiStore(country="DE").is_open(poi, christmas) is False
    assert PoiStore(country=None).is_open(poi, christmas) is True
    assert PoiStore(country="de").is_open(poi, datetime(2026, 10, 3, 12, 0)) is False
    assert PoiStore(country="FR").is_open(poi, datetime(2026, 10, 3, 12, 0)) is True


def test_aware_time_is_read_at_its_wall_clock(sample: PoiStore) -> None:
    from zoneinfo import ZoneInfo
    when = datetime(2026, 6, 15, 8, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    assert sample.is_open(hours("Mo-Fr 08:00-18:00"), when) is True
    assert sample.closes_at(hours("Mo-Fr 08:00-18:00"), when) == datetime(2026, 6, 15, 18, 0)


def test_closes_and_opens_at(sample: PoiStore) -> None:
    night = hours("Mo-Su 20:00-04:00")
    assert sample.closes_at(night, datetime(2026, 6, 13, 3, 0)) == datetime(2026, 6, 13, 4, 0)
    assert sample.opens_at(night, datetime(2026, 6, 13, 3, 0)) is None
    assert sample.opens_at(night, datetime(2026, 6, 13, 12, 0)) == datetime(2026, 6, 13, 20, 0)
    split = hours("11:30-14:30,17:30-22:30")
    assert sample.opens_at(split, datetime(2026, 6, 12, 15, 0)) == datetime(2026, 6, 12, 17, 30)
    assert sample.closes_at(split, datetime(2026, 6, 12, 12, 0)) == datetime(2026, 6, 12, 14, 30)
    weekdays = hours("Mo-Fr 08:00-18:00")
    assert sample.opens_at(weekdays, datetime(2026, 6, 14, 12, 0)) == datetime(2026, 6, 15, 8, 0)
    holiday = hours("Mo-Su 10:00-18:00; PH off")
    # 25 and 26 December are both public holidays in Germany.
    assert sample.opens_at(holiday, datetime(2026, 12, 25, 12, 0)) == datetime(2026, 12, 27, 10, 0)
    assert sample.closes_at(hours("24/7"), FRIDAY_LUNCH) is None
    assert sample.opens_at(hours("off"), FRIDAY_LUNCH) is None


def test_no_or_bad_hours_are_unknown_and_warned_once(caplog: pytest.LogCaptureFixture) -> None:
    store = PoiStore()
    caplog.set_level(logging.WARNING, logger="cockpit.vehicle.hours")
    assert store.is_open(hours(None), FRIDAY_LUNCH) is None
    assert store.is_open(hours(""), FRIDAY_LUNCH) is None
    bad = hours("Mo-Fx 25:00-99:00", name="Broken Bistro")
    for _ in range(3):
        assert store.is_open(bad, FRIDAY_LUNCH) is None
        assert store.closes_at(bad, FRIDAY_LUNCH) is None
        assert store.opens_at(bad, FRIDAY_LUNCH) is None
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "Broken Bistro" in warnings[0] and "Mo-Fx" in warnings[0]
    assert store.is_open(hours("Mo-Su 10:00-12:00 unknown"), datetime(2026, 6, 12, 11, 0)) is None


# --- find and ranking ----------------------------------------------------------------------

def test_vegetarian_open_now_on_the_demo_drive(sample: PoiStore) -> None:
    route = load_route()
    car = route.state_at(100.0)
    hits = sample.find(car.lat, car.lon, category="restaurant", when=FRIDAY_LUNCH, diet="vegetarian",
                       route=route.ahead_of(100.0))
    assert [h.poi.name for h in hits] == ["Tiffin Garden"]
    tiffin = hits[0]
    assert tiffin.open is True and tiffin.closes == datetime(2026, 6, 12, 14, 30)
    # 2600 m along the route, 30 m to the right; the car is ~1111 m along.
    assert tiffin.along_m == pytest.approx(2600.0 - 1111.0, abs=15.0)
    assert tiffin.detour_m == pytest.approx(60.0, abs=2.0)
    assert tiffin.cost_m == pytest.approx(tiffin.along_m + tiffin.detour_m)


def test_find_filters(sample: PoiStore) -> None:
    route = load_route()
    car = route.state_at(100.0)
    names = lambda **kw: [h.poi.name for h in sample.find(car.lat, car.lon, route=route.ahead_of(100.0),  # noqa: E731
                                                          limit=10, **kw)]
    assert names(category="restaurant", when=FRIDAY_LUNCH) == ["Gasthaus Adler", "Tiffin Garden"]
    assert names(category="restaurant", diet="vegetarian") == ["Green Fork", "Tiffin Garden", "Nightowl Diner",
                                                                "Pizzeria Sole"]
    assert names(category="restaurant", cuisine="Italian") == ["Pizzeria Sole"]
    assert names(category="restaurant", when=datetime(2026, 6, 12, 21, 0)) == [
        "Gasthaus Adler", "Green Fork", "Tiffin Garden", "Nightowl Diner", "Pizzeria Sole"]
    # Unknown hours are left out when the driver asks what is open.
    assert names(category="hotel") == ["Hotel Nordstern"]
    assert names(category="hotel", when=FRIDAY_LUNCH) == []
    assert names(category="fuel", when=datetime(2026, 12, 25, 3, 0)) == ["Nordtank"]
    assert names(category="nothing") == []
    assert len(sample.find(car.lat, car.lon, category=None, limit=3)) == 3
    hit = sample.find(car.lat, car.lon, category="cafe")[0]
    assert (hit.open, hit.closes, hit.along_m, hit.detour_m) == (None, None, None, None)
    assert hit.cost_m == hit.distance_m


def test_a_place_ahead_beats_a_slightly_nearer_one_behind() -> None:
    store = PoiStore()
    route = [HOME, destination(*HOME, 0.0, 3000.0)]  # heading north from the car
    ahead = store.add(Poi("Ahead Fuel", "fuel", *destination(*destination(*HOME, 0.0, 400.0), 90.0, 20.0)))
    behind = store.add(Poi("Behind Fuel", "fuel", *destination(*HOME, 180.0, 300.0)))
    off = store.add(Poi("Far Off Fuel", "fuel", *destination(*destination(*HOME, 0.0, 200.0), 270.0, 1800.0)))
    plain = store.find(*HOME, category="fuel")
    assert [h.poi for h in plain] == [behind, ahead, off]
    hits = store.find(*HOME, category="fuel", route=route)
    assert [h.poi for h in hits] == [ahead, behind, off]
    a, b, o = hits
    assert a.along_m == pytest.approx(400.0, abs=1.0) and a.detour_m == pytest.approx(40.0, abs=1.0)
    assert a.cost_m == pytest.approx(440.0, abs=1.5)
    assert (b.along_m, b.detour_m) == (None, None) and b.cost_m == pytest.approx(600.0, abs=1.0)
    assert (o.along_m, o.detour_m) == (None, None) and o.cost_m == pytest.approx(2 * o.distance_m)


def hit(name: str, cost: float, **tags: str) -> Hit:
    return Hit(Poi(name, "restaurant", *HOME, tags), cost, None, None, None, None, cost)


def test_rank_without_preferences_is_by_cost() -> None:
    hits = [hit("C", 900.0), hit("A", 100.0), hit("B", 100.0), hit("D", 50.0)]
    assert [h.poi.name for h in rank(hits)] == ["D", "A", "B"]
    assert [h.poi.name for h in rank(hits, limit=10)] == ["D", "A", "B", "C"]
    assert rank([]) == [] and rank(hits, limit=0) == []


def test_rank_preference_breaks_near_ties() -> None:
    veggie = PreferenceSettings(diet="vegetarian")
    best = hit("Schnitzel", 1000.0, **{"diet:vegetarian": "no"})
    near_veg = hit("Near Veg", 1400.0, **{"diet:vegetarian": "yes"})  # within 1.5 x 1000
    far_veg = hit("Far Veg", 1600.0, **{"diet:vegetarian": "yes"})
    assert [h.poi.name for h in rank([best, near_veg], veggie)] == ["Near Veg", "Schnitzel"]
    assert [h.poi.name for h in rank([best, far_veg], veggie)] == ["Schnitzel", "Far Veg"]
    assert [h.poi.name for h in rank([best, near_veg])] == ["Schnitzel", "Near Veg"]
    # Near the car, 1.5 x is tiny: 300 m of slack still applies.
    assert [h.poi.name for h in rank([hit("Close", 100.0), hit("Veg", 390.0, cuisine="vegan")], veggie)] == [
        "Veg", "Close"]
    # Diet first (with a favourite cuisine before without), then a favourite cuisine, then cost.
    both = PreferenceSettings(diet="vegetarian", cuisines=["Indian"])
    hits = [best, hit("Curry", 1300.0, cuisine="indian"), hit("Veg Curry", 1450.0, cuisine="indian;vegetarian"),
            hit("Salad", 1200.0, **{"diet:vegetarian": "only"})]
    assert [h.poi.name for h in rank(hits, both, limit=4)] == ["Veg Curry", "Salad", "Curry", "Schnitzel"]


def test_find_applies_preferences(tmp_path: Path) -> None:
    store = PoiStore()
    route = [HOME, destination(*HOME, 0.0, 5000.0)]
    for name, along, tags in (("Grill", 1000.0, {"cuisine": "steak_house"}), ("Trattoria", 1200.0, {"cuisine": "italian"}),
                              ("Veg", 1400.0, {"diet:vegetarian": "yes"}), ("Far Veg", 2000.0, {"diet:vegan": "only"})):
        store.add(Poi(name, "restaurant", *destination(*HOME, 0.0, along), tags))
    names = lambda prefs: [h.poi.name for h in store.find(*HOME, category="restaurant", route=route,  # noqa: E731
                                                          preferences=prefs, limit=4)]
    assert names(None) == ["Grill", "Trattoria", "Veg", "Far Veg"]
    assert names(PreferenceSettings(diet="vegetarian")) == ["Veg", "Grill", "Trattoria", "Far Veg"]
    assert names(PreferenceSettings(cuisines=["italian"])) == ["Trattoria", "Grill", "Veg", "Far Veg"]


def test_placed_is_pure() -> None:
    poi = Poi("X", "fuel", *destination(*HOME, 0.0, 500.0))
    assert placed(poi, 500.0, None).cost_m == 500.0
    on = placed(poi, 500.0, [HOME, destination(*HOME, 0.0, 1000.0)], True, None)
    assert on.open is True and on.along_m == pytest.approx(500.0, abs=1.0) and on.detour_m == pytest.approx(0.0, abs=1.0)
    east = [HOME, destination(*HOME, 90.0, 4000.0)]
    beside = Poi("Y", "fuel", *destination(*destination(*HOME, 90.0, 1000.0), 0.0, 500.0))
    near = placed(beside, 1118.0, east)
    assert near.along_m == pytest.approx(1000.0, abs=1.0) and near.detour_m == pytest.approx(1000.0, abs=1.0)
    assert near.cost_m == pytest.approx(2000.0, abs=2.0)
    remote = Poi("Z", "fuel", *destination(*destination(*HOME, 90.0, 1000.0), 0.0, 1600.0))
    off = placed(remote, 1886.0, east)  # more than ON_ROUTE_M off: 2 x the straight distance
    assert (off.along_m, off.detour_m, off.cost_m) == (None, None, 3772.0)


# --- landmarks -----------------------------------------------------------------------------

def test_landmarks_on_the_demo_drive(sample: PoiStore) -> None:
    car = load_route().state_at(60.0)  # ~666 m along the first, northbound leg
    assert car.heading == pytest.approx(0.0, abs=0.5)
    right = sample.landmarks(car.lat, car.lon, car.heading, side="right")
    assert [s.poi.name for s in right] == ["Lindenhof Museum"]
    museum = right[0]
    assert museum.side == "right" and 10.0 < museum.relative < 40.0
    assert museum.distance_m == pytest.approx(104.0, abs=5.0)
    assert museum.poi.kind == "museum"
    left = sample.landmarks(car.lat, car.lon, car.heading, side="left")
    assert [s.poi.name for s in left] == ["St. Anna Church"]  # the car park behind is never 'on the left'
    assert left[0].side == "left" and left[0].poi.kind == "church"
    around = sample.landmarks(car.lat, car.lon, car.heading)
    assert [s.poi.name for s in around] == ["St. Anna Church", "Lindenhof Museum", "CityParking Mitte"]
    assert around[-1].side == "behind"
    assert [s.poi.name for s in sample.landmarks(car.lat, car.lon, car.heading, side="ahead")] == ["Lindenhof Museum"]
    assert [s.poi.name for s in sample.landmarks(car.lat, car.lon, car.heading, side="behind")] == ["CityParking Mitte"]
    assert sample.landmarks(car.lat, car.lon, car.heading, side="right", radius_m=50.0) == []


def test_landmarks_prefer_what_is_coming_up() -> None:
    store = PoiStore()
    passed = store.add(Poi("Passed", "museum", *destination(*HOME, 260.0, 100.0)))   # behind-left, 100 m
    coming = store.add(Poi("Coming", "museum", *destination(*HOME, 300.0, 130.0)))   # ahead-left, 130 m
    heading_north = [s.poi for s in store.landmarks(*HOME, 0.0, side="left")]
    assert heading_north == [coming, passed]


@pytest.mark.parametrize("relative, word", [
    (0.0, "ahead"), (-9.9, "ahead"), (10.0, "right"), (26.0, "right"), (150.0, "right"), (150.1, "behind"),
    (-10.0, "left"), (-150.0, "left"), (-157.0, "behind"), (180.0, "behind"),
])
def test_side_of(relative: float, word: str) -> None:
    assert side_of(relative) == word


@pytest.mark.parametrize("side, relative, expected", [
    ("right", 26.0, True), ("right", 5.0, False), ("right", 150.0, True), ("right", 151.0, False),
    ("right", -90.0, False), ("left", -90.0, True), ("left", -160.0, False), ("ahead", 30.0, True),
    ("ahead", 26.0, True), ("ahead", -31.0, False), ("behind", 175.0, True), ("behind", 140.0, False),
    ("any", 180.0, True),
])
def test_sees(side: str, relative: float, expected: bool) -> None:
    assert sees(side, relative) is expected  # type: ignore[arg-type]


def test_sees_rejects_unknown_side() -> None:
    with pytest.raises(ValueError):
        sees("up", 0.0)  # type: ignore[arg-type]


def test_demo_pois_path_exists() -> None:
    assert DEMO_POIS.is_file()


def test_a_poi_source_that_is_a_directory_is_a_poi_error(tmp_path):
    from cockpit.vehicle.poi_import import read_geojson
    from cockpit.vehicle.places import PoiError
    with pytest.raises(PoiError, match="is not a file"):
        read_geojson(tmp_path)
