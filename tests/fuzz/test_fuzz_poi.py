"""Fuzzing the POI import (cockpit/vehicle/poi_import.py) and the place model (places.py).

Properties:
- any bytes, and any JSON document, as a .geojson or .csv source give places or a
  :class:`PoiError` naming the file with a hint — never another exception — and every place
  read is named, inside the globe, with a non-empty lower-case category and string tags;
- round trip: named Point features and CSV rows written from generated places (tags of any JSON
  type, odd names, quotes, commas, newlines) read back as exactly those places, every feature
  counted as a place or as skipped; stored in a :class:`PoiStore` and read back they are equal
  and each is found again by its own name, in any case and spacing.
"""
from __future__ import annotations

import csv
import io
import json
import math
import tempfile
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from cockpit.vehicle.places import Poi, PoiError, category_of, name_key
from cockpit.vehicle.poi import PoiStore
from cockpit.vehicle.poi_import import read_csv, read_geojson

DIR = Path(tempfile.mkdtemp(prefix="cockpit-fuzz-poi-"))

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)  # what a UTF-8 file can hold
scalars = (st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.integers(300, 400).map(lambda e: 10**e)
           | st.floats() | text | st.text(max_size=6)  # with lone surrogates: JSON's "\ud800" escapes
           | st.sampled_from(["48.1", " 11.5 ", "1e400", "nan", "-inf", "", " ", "yes", "no"]))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(text, inner, max_size=3), max_leaves=10)
features = st.fixed_dictionaries(
    {}, optional={"type": st.just("Feature") | json_values,
                  "geometry": st.fixed_dictionaries({}, optional={
                      "type": st.sampled_from(["Point", "LineString"]) | json_values,
                      "coordinates": st.lists(scalars, max_size=3) | json_values}) | json_values,
                  "properties": st.dictionaries(st.sampled_from(["name", "category", "amenity", "shop", "cuisine",
                                                                 "opening_hours"]) | text, json_values, max_size=4)
                  | json_values}) | json_values
collections = st.fixed_dictionaries({"type": st.just("FeatureCollection"), "features": st.lists(features, max_size=5)})


def write(name: str, data: bytes) -> Path:
    path = DIR / name
    path.write_bytes(data)
    return path


def check_places(pois: list[Poi]) -> None:
    for poi in pois:
        assert poi.name and poi.name == poi.name.strip()
        assert -90 <= poi.lat <= 90 and -180 <= poi.lon <= 180
        assert poi.category and poi.category == poi.category.strip().lower(), poi.category
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in poi.tags.items())
        assert "name" not in poi.tags and "category" not in poi.tags
        assert isinstance(poi.kind, str) and poi.kind.strip()


def read_or_error(reader, path: Path):
    try:
        pois, skipped = reader(path)
    except PoiError as exc:
        assert str(path) in str(exc) and exc.hint, exc
        return None
    check_places(pois)
    return pois, skipped


@given(st.binary(max_size=300) | collections.map(lambda d: json.dumps(d).encode())
       | json_values.map(lambda d: json.dumps(d).encode()))
@example(b"[" * 100_000)  # found: RecursionError
@example(b'{"type": "FeatureCollection", "features": [{"geometry": {"type": "Point", "coordinates": [1, 2]}, '
         b'"properties": {"name": "a\\ud800"}}]}')  # found: the store raised UnicodeEncodeError
@example(json.dumps({"type": "FeatureCollection", "features": [  # found: OverflowError
    {"geometry": {"type": "Point", "coordinates": [10**400, 0]}, "properties": {"name": "x"}}]}).encode())
@example(json.dumps({"type": "FeatureCollection", "features": [  # found: an empty category
    {"geometry": {"type": "Point", "coordinates": [1, 2]}, "properties": {"name": "x", "amenity": " "}}]}).encode())
def test_any_geojson_gives_places_or_a_poi_error(data):
    path = write("fuzz.geojson", data)
    result = read_or_error(read_geojson, path)
    if result is not None:
        doc = json.loads(data)
        assert len(result[0]) + result[1] == len(doc["features"])  # each feature a place or skipped
        with PoiStore() as store:  # and what was read can be stored
            assert store.import_geojson(path) == len(result[0]) == len(store.all())


@given(st.binary(max_size=300) | st.lists(st.lists(text | scalars.map(str), max_size=5), max_size=5).map(
    lambda rows: "\n".join(",".join(r) for r in [["name", "category", "lat", "lon"], *rows]).encode()))
@example(b"name,lat,lon\nx,1e400,0\n")
@example(b"name,lat,lon,amenity\nx,1,2, \n")
def test_any_csv_gives_places_or_a_poi_error(data):
    read_or_error(read_csv, write("fuzz.csv", data))


names = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20).filter(str.strip)
tag_values = st.none() | st.booleans() | st.integers(-10**6, 10**6) | text | st.lists(text | st.booleans(), max_size=3)
latitudes = st.floats(-90, 90, allow_nan=False)
longitudes = st.floats(-180, 180, allow_nan=False)
TAG_KEYS = ["amenity", "shop", "tourism", "cuisine", "opening_hours", "religion", "diet:vegan", "historic", "brand"]


@st.composite
def places(draw):
    """(name, lat, lon, tags as written in the file)."""
    tags = draw(st.dictionaries(st.sampled_from(TAG_KEYS) | text.filter(lambda k: k not in ("name", "category")),
                                tag_values, max_size=4))
    if draw(st.booleans()):
        tags["category"] = draw(st.sampled_from(["cafe", "Fuel", "charging", "museum"]))
    return draw(names), draw(latitudes), draw(longitudes), tags


def tag_text(value) -> str:
    """How the GeoJSON reader writes a property as an OSM tag (its documented rule, written again)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ";".join(tag_text(v) for v in value)
    return str(value)


@given(st.lists(places(), max_size=6), st.lists(json_values, max_size=3))
def test_geojson_places_round_trip_through_the_store(generated, junk):
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                 "properties": {**tags, "name": name}} for name, lat, lon, tags in generated]
    features += [{"type": "Feature", "geometry": {"type": "LineString", "coordinates": []}, "properties": j}
                 for j in junk]  # not points: skipped, counted
    path = write("places.geojson", json.dumps({"type": "FeatureCollection", "features": features}).encode())
    pois, skipped = read_geojson(path)
    assert skipped == len(junk)
    expected = [Poi.from_tags(name, lat, lon, {k: tag_text(v) for k, v in tags.items() if v is not None})
                for name, lat, lon, tags in generated]
    assert pois == expected
    check_places(pois)
    with PoiStore() as store:
        assert store.import_geojson(path) == len(expected)
        stored = store.all()
        assert [(p.name, p.category, p.lat, p.lon, dict(p.tags)) for p in stored] == \
            [(p.name, p.category, p.lat, p.lon, dict(p.tags)) for p in expected]
        for poi in stored:
            for asked in (poi.name, poi.name.casefold(), f"  {' '.join(poi.name.split())}  "):
                found = store.by_name(asked)
                assert found is not None and name_key(found.name) == name_key(poi.name), asked


csv_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), max_size=12)


@given(st.lists(st.tuples(names.map(str.strip).filter(lambda n: "\x00" not in n and "\r" not in n),
                          st.sampled_from(["", "cafe", "museum", " Fuel "]), latitudes, longitudes,
                          st.dictionaries(st.sampled_from(TAG_KEYS + ["diet"]), csv_text, max_size=3)),
                max_size=6))
def test_csv_rows_round_trip(rows):
    columns = ["name", "category", "lat", "lon", *TAG_KEYS, "diet"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for name, category, lat, lon, tags in rows:
        writer.writerow([name, category, repr(lat), repr(lon), *(tags.get(k, "") for k in columns[4:])])
    pois, skipped = read_csv(write("places.csv", out.getvalue().encode()))
    assert skipped == 0 and len(pois) == len(rows)
    check_places(pois)
    for poi, (name, category, lat, lon, tags) in zip(pois, rows):
        assert (poi.name, poi.lat, poi.lon) == (name.strip(), lat, lon)
        clean = {k: v.strip() for k, v in tags.items() if v.strip()}
        if category.strip():
            assert poi.category == category.strip().lower()
        diets = {f"diet:{d.strip().lower()}" for d in clean.get("diet", "").split(";") if d.strip()}
        assert {k for k in poi.tags if k.startswith("diet:")} == diets | {k for k in clean if k.startswith("diet:")}
        assert {k: v for k, v in poi.tags.items() if k in clean and k != "diet"} == \
            {k: v for k, v in clean.items() if k != "diet"}


@given(st.dictionaries(st.sampled_from(["amenity", "shop", "tourism", "category", "historic", "building"]) | text,
                       st.sampled_from(["yes", "no", " ", "", "Cafe", "fuel", "place_of_worship"]) | text, max_size=4))
@example({"amenity": ""})  # found: the category was ""
@example({"category": "  "})
def test_every_place_has_a_category_and_a_noun(tags):
    category = category_of(tags)
    assert category and category == category.strip().lower(), category
    assert Poi("x", category, 0.0, 0.0, tags).kind.strip()
