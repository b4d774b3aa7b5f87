"""Reading place files: GeoJSON FeatureCollections and CSVs with OSM-style tags, into :class:`Poi` lists.

Each reader returns ``(places, skipped)`` (skipped: entries that are not a named point) and raises
:class:`PoiError` with a hint when the file cannot be read or has bad coordinates. Storing the
places is :class:`cockpit.vehicle.poi.PoiStore`'s job.
"""
from __future__ import annotations

import csv
import json
import os
import stat
import re
from pathlib import Path
from typing import Any

from cockpit.vehicle.places import Poi, PoiError

__all__ = ["read_csv", "read_geojson", "stat_source"]

_SURROGATE = re.compile("[\ud800-\udfff]")
"""A lone UTF-16 surrogate: JSON's "\\ud800" escape decodes to one, and no UTF-8 text can hold it."""


def stat_source(path: Path) -> os.stat_result:
    """``path.stat()``, or a :class:`PoiError` saying the POI file cannot be read."""
    try:
        st = path.stat()
    except OSError as exc:
        raise PoiError(f"POI file {path} cannot be read: {exc.strerror or exc}",
                       hint="Check vehicle.poi.sources, or set it to null for the bundled sample.") from None
    if not stat.S_ISREG(st.st_mode):
        raise PoiError(f"POI source {path} is not a file", hint="Name a .geojson or .csv file in vehicle.poi.sources.")
    return st


def _coordinate(lat: Any, lon: Any) -> tuple[float, float] | None:
    try:
        la, lo = float(lat), float(lon)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an integer beyond any float
        return None
    if isinstance(lat, bool) or isinstance(lon, bool) or not (-90 <= la <= 90 and -180 <= lo <= 180):
        return None
    return la, lo


def _tag(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ";".join(_tag(v) for v in value)
    return json.dumps(value) if isinstance(value, dict) else str(value)


def read_geojson(path: Path) -> tuple[list[Poi], int]:
    """The named Point features of a GeoJSON FeatureCollection, and how many other features were skipped."""
    hint = ('Give a GeoJSON FeatureCollection: {"type": "FeatureCollection", "features": [{"type": "Feature", '
            '"geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": {"name": ..., "amenity": ...}}]}.')
    stat_source(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PoiError(f"POI file {path} is not valid JSON: {exc}", hint=hint) from None
    except RecursionError:
        raise PoiError(f"POI file {path} nests JSON arrays or objects too deeply to read", hint=hint) from None
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(features, list):
        what = f"type {doc.get('type')!r}" if isinstance(doc, dict) else f"a JSON {type(doc).__name__}"
        raise PoiError(f"POI file {path} is not a GeoJSON FeatureCollection with a features list (it is {what})",
                       hint=hint)
    pois, skipped = [], 0
    for i, feature in enumerate(features):
        geom = feature.get("geometry") if isinstance(feature, dict) else None
        props = (feature.get("properties") or {}) if isinstance(feature, dict) else None
        name = props.get("name") if isinstance(props, dict) else None
        if not isinstance(geom, dict) or geom.get("type") != "Point" or not isinstance(name, str) or not name.strip():
            skipped += 1
            continue
        xy = geom.get("coordinates")
        where = _coordinate(xy[1], xy[0]) if isinstance(xy, list) and len(xy) >= 2 else None
        if where is None:
            raise PoiError(f"POI file {path}: feature {i} ({name!r}) has bad coordinates {xy!r}",
                           hint="Point coordinates are [longitude, latitude] in degrees, longitude first.")
        tags = {str(k): _tag(v) for k, v in props.items() if v is not None}
        if _SURROGATE.search("".join([name, *tags, *tags.values()])):
            raise PoiError(f"POI file {path}: feature {i} ({name!r}) has text that is not Unicode",
                           hint="A \\uD800-\\uDFFF escape must be half of a surrogate pair; fix or drop it.")
        pois.append(Poi.from_tags(name, *where, tags))
    return pois, skipped


def read_csv(path: Path) -> tuple[list[Poi], int]:
    """The rows of a CSV headed ``name,category,lat,lon[,tag...]``, and how many nameless rows were skipped.

    Every other column is a tag; an empty ``category`` is derived from tag columns (amenity, shop...);
    a ``diet`` column lists diets served (``vegetarian;vegan``) and becomes ``diet:<x>=yes`` tags.
    """
    hint = "The first line names the columns: name,category,lat,lon, then any tags (opening_hours, cuisine, diet...)."
    stat_source(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            rows = [(reader.line_num, row) for row in reader]
            header = [h.strip() for h in reader.fieldnames or []]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise PoiError(f"POI file {path} is not a readable UTF-8 CSV: {exc}", hint=hint) from None
    missing = [c for c in ("name", "lat", "lon") if c not in header]
    if missing:
        raise PoiError(f"POI file {path} has no {', '.join(missing)} column; its header is {header}", hint=hint)
    pois, skipped = [], 0
    for line, raw in rows:
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if isinstance(k, str)}
        if not row.get("name"):
            skipped += 1
            continue
        where = _coordinate(row["lat"], row["lon"])
        if where is None:
            raise PoiError(f"POI file {path} line {line}: lat {row['lat']!r}, lon {row['lon']!r} are not coordinates",
                           hint="lat and lon are decimal degrees (WGS 84), e.g. 48.1374 and 11.5755.")
        tags = {k: v for k, v in row.items() if v and k not in ("lat", "lon", "diet")}
        for diet in row.get("diet", "").split(";"):
            if diet.strip():
                tags.setdefault(f"diet:{diet.strip().lower()}", "yes")
        pois.append(Poi.from_tags(row["name"], *where, tags))
    return pois, skipped
