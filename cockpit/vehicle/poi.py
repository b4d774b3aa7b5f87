"""The offline map of places: :class:`PoiStore` (SQLite + R*Tree), the bundled sample, and re-exports.

Places come from GeoJSON or CSV files with OpenStreetMap-style tags (read by
:mod:`cockpit.vehicle.poi_import`) and live in SQLite: a ``pois`` table and an R*Tree index on their
coordinates, so 'nearby' is a bounding-box query refined by exact great-circle distance. No
network: everything works in a tunnel. The place model is :mod:`cockpit.vehicle.places`; the
ranking rule and landmark sides are :mod:`cockpit.vehicle.ranking`. Their public names are
re-exported here, so ``from cockpit.vehicle.poi import Poi, rank, ...`` keeps working.
"""
from __future__ import annotations

import json
import logging
import math
import sqlite3
import threading
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, Sequence

from cockpit.config.vehicle import PoiSettings, PreferenceSettings
from cockpit.vehicle import geo
from cockpit.vehicle.hours import OpeningTimes
from cockpit.vehicle.places import Poi, PoiError, category_of, name_key
from cockpit.vehicle.poi_import import read_csv, read_geojson, stat_source
from cockpit.vehicle.ranking import (BEHIND_DEG, ON_ROUTE_M, PASSED_FACTOR, PREFER_FACTOR, PREFER_SLACK_M,
                                     SIDE_MIN_DEG, Hit, Side, Sighting, placed, rank, sees, side_of)

__all__ = ["BEHIND_DEG", "DEMO_POIS", "Hit", "ON_ROUTE_M", "PASSED_FACTOR", "PREFER_FACTOR", "PREFER_SLACK_M",
           "Poi", "PoiError", "PoiStore", "SIDE_MIN_DEG", "Side", "Sighting", "category_of", "name_key", "placed",
           "rank", "sees", "side_of"]

log = logging.getLogger(__name__)

DEMO_POIS = Path(__file__).resolve().parent / "data" / "demo-pois.geojson"
"""The bundled sample places along the demo route (made by tools/make_drive_data.py)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pois (id INTEGER PRIMARY KEY, name TEXT NOT NULL, name_key TEXT NOT NULL,
    category TEXT NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL, tags TEXT NOT NULL, source TEXT);
CREATE INDEX IF NOT EXISTS pois_name ON pois(name_key);
CREATE INDEX IF NOT EXISTS pois_source ON pois(source);
CREATE VIRTUAL TABLE IF NOT EXISTS pois_where USING rtree(id, min_lat, max_lat, min_lon, max_lon);
CREATE TABLE IF NOT EXISTS sources (path TEXT PRIMARY KEY, mtime_ns INTEGER, size INTEGER, count INTEGER);
"""
_COLUMNS = "p.name, p.category, p.lat, p.lon, p.tags, p.id"


class PoiStore:
    """Places in SQLite with an R*Tree index; safe to share between threads."""

    def __init__(self, database: str = ":memory:", *, country: str | None = "DE"):
        try:
            self.hours = OpeningTimes(country)
        except ValueError as exc:
            raise PoiError(str(exc), hint="Set vehicle.poi.country to an ISO 3166 code (DE, FR, US...) "
                                          "or null to ignore public holidays.") from None
        self.database = database
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(database, check_same_thread=False)
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise PoiError(f"cannot open the POI database {database!r}: {exc}",
                           hint="Point vehicle.poi.database at a writable SQLite file, or ':memory:'.") from None

    @classmethod
    def open(cls, settings: PoiSettings) -> PoiStore:
        """The store for ``settings``: its sources (or the bundled sample) imported.

        Relative source paths are taken from the working directory. In a persistent database a
        source whose path, mtime and size are unchanged is not imported again; a changed one
        replaces its old places, and places from sources no longer listed are dropped.
        """
        store = cls(settings.database, country=settings.country)
        paths = [Path(s).expanduser().resolve() for s in (settings.sources or [])]
        if settings.sources is None:
            paths = [DEMO_POIS]
        try:
            with store._lock:
                known = {row[0] for row in store._db.execute("SELECT path FROM sources")}
                for gone in known - {str(p) for p in paths}:
                    with store._db:
                        store._forget(gone)
                for path in paths:
                    store._sync(path)
        except BaseException:
            store.close()
            raise
        return store

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> PoiStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- import ---------------------------------------------------------------------------------

    def import_file(self, path: str | Path) -> int:
        """Import a ``.geojson``/``.json`` or ``.csv`` file (replacing what it gave before); returns places added."""
        p = Path(path)
        if p.suffix.lower() in (".geojson", ".json"):
            return self.import_geojson(p)
        if p.suffix.lower() == ".csv":
            return self.import_csv(p)
        raise PoiError(f"POI file {p} has an unknown type {p.suffix!r}",
                       hint="Give a GeoJSON FeatureCollection (.geojson) or a CSV (.csv) with name,category,lat,lon.")

    def import_geojson(self, path: str | Path) -> int:
        """Import the named Point features of a GeoJSON FeatureCollection; others are skipped and counted."""
        p = Path(path).expanduser().resolve()
        return self._store(p, *read_geojson(p))

    def import_csv(self, path: str | Path) -> int:
        """Import a CSV with a header ``name,category,lat,lon[,tag...]``: every other column is a tag.

        An empty ``category`` is derived from tag columns (amenity, shop...); a ``diet`` column lists
        diets served (``vegetarian;vegan``) and becomes ``diet:<x>=yes`` tags.
        """
        p = Path(path).expanduser().resolve()
        return self._store(p, *read_csv(p))

    def add(self, poi: Poi) -> Poi:
        """Store one place; returns it with its id."""
        with self._lock, self._db:
            return self._insert(poi, None)

    def _sync(self, path: Path) -> None:
        stat = stat_source(path)
        row = self._db.execute("SELECT mtime_ns, size FROM sources WHERE path = ?", (str(path),)).fetchone()
        if row is None or tuple(row) != (stat.st_mtime_ns, stat.st_size):
            self.import_file(path)

    def _store(self, path: Path, pois: list[Poi], skipped: int) -> int:
        stat = stat_source(path)
        with self._lock, self._db:
            self._forget(str(path))
            for poi in pois:
                self._insert(poi, str(path))
            self._db.execute("INSERT INTO sources VALUES (?, ?, ?, ?)",
                             (str(path), stat.st_mtime_ns, stat.st_size, len(pois)))
        log.info("imported %d places from %s (%d skipped: not a named Point)", len(pois), path, skipped)
        return len(pois)

    def _insert(self, poi: Poi, source: str | None) -> Poi:
        cur = self._db.execute(
            "INSERT INTO pois (name, name_key, category, lat, lon, tags, source) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (poi.name, name_key(poi.name), poi.category, poi.lat, poi.lon, json.dumps(dict(poi.tags)), source))
        pid = int(cur.lastrowid or 0)
        self._db.execute("INSERT INTO pois_where VALUES (?, ?, ?, ?, ?)", (pid, poi.lat, poi.lat, poi.lon, poi.lon))
        return replace(poi, id=pid)

    def _forget(self, source: str) -> None:
        self._db.execute("DELETE FROM pois_where WHERE id IN (SELECT id FROM pois WHERE source = ?)", (source,))
        self._db.execute("DELETE FROM pois WHERE source = ?", (source,))
        self._db.execute("DELETE FROM sources WHERE path = ?", (source,))

    # -- queries --------------------------------------------------------------------------------

    def _query(self, sql: str, args: Sequence[Any] = ()) -> list[Poi]:
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [Poi(n, c, la, lo, MappingProxyType(json.loads(t)), i) for n, c, la, lo, t, i in rows]

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM pois").fetchone()[0])

    def all(self) -> list[Poi]:
        return self._query(f"SELECT {_COLUMNS} FROM pois p ORDER BY p.id")

    def by_name(self, name: str) -> Poi | None:
        """The place called ``name`` (case-insensitive, a leading 'the' ignored), or None."""
        found = self._query(f"SELECT {_COLUMNS} FROM pois p WHERE p.name_key = ? ORDER BY p.id LIMIT 1",
                            (name_key(name),))
        return found[0] if found else None

    def near(self, lat: float, lon: float, radius_m: float, category: str | None = None) -> list[tuple[float, Poi]]:
        """(distance, place) within ``radius_m``, nearest first (not across the antimeridian)."""
        d = radius_m / geo.EARTH_RADIUS_M
        dlat = math.degrees(d) * 1.01
        s = math.sin(d) / max(math.cos(math.radians(lat)), 1e-12)
        dlon = 180.0 if s >= 1.0 else math.degrees(math.asin(s)) * 1.01
        sql = (f"SELECT {_COLUMNS} FROM pois_where w JOIN pois p ON p.id = w.id "
               "WHERE w.max_lat >= ? AND w.min_lat <= ? AND w.max_lon >= ? AND w.min_lon <= ?")
        args: list[Any] = [lat - dlat, lat + dlat, lon - dlon, lon + dlon]
        if category is not None:
            sql, args = sql + " AND p.category = ?", [*args, category]
        found = [(geo.distance_m(lat, lon, p.lat, p.lon), p) for p in self._query(sql, args)]
        return sorted(((m, p) for m, p in found if m <= radius_m), key=lambda mp: (mp[0], mp[1].id))

    # -- opening hours --------------------------------------------------------------------------

    def is_open(self, poi: Poi, when: datetime) -> bool | None:
        """Open at local time ``when``? None when it has no opening_hours or they do not parse."""
        return self.hours.is_open(poi.opening_hours, when, poi.name)

    def closes_at(self, poi: Poi, when: datetime) -> datetime | None:
        """When an open place next closes; None when closed, unknown, or it never closes."""
        return self.hours.closes_at(poi.opening_hours, when, poi.name)

    def opens_at(self, poi: Poi, when: datetime) -> datetime | None:
        """When a closed place next opens; None when open, unknown, or it never opens."""
        return self.hours.opens_at(poi.opening_hours, when, poi.name)

    # -- the driver's questions -----------------------------------------------------------------

    def find(self, lat: float, lon: float, *, category: str | None, when: datetime | None = None,
             diet: str | None = None, cuisine: str | None = None, route: Sequence[tuple[float, float]] | None = None,
             preferences: PreferenceSettings | None = None, radius_m: float = 5000.0, limit: int = 3) -> list[Hit]:
        """The best places of ``category`` within ``radius_m`` of the car, ranked by :func:`rank`.

        ``diet``/``cuisine`` filter; ``when`` keeps only places known to be open then (unknown hours
        are left out); ``route`` (first point = the car) ranks places on the way first.
        """
        hits = []
        for distance, poi in self.near(lat, lon, radius_m, category):
            if (diet and not poi.serves(diet)) or (cuisine and cuisine.strip().lower() not in poi.cuisines):
                continue
            is_open = closes = None
            if when is not None:
                if (is_open := self.is_open(poi, when)) is not True:
                    continue
                closes = self.closes_at(poi, when)
            hits.append(placed(poi, distance, route, is_open, closes))
        return rank(hits, preferences, limit)

    def landmarks(self, lat: float, lon: float, heading: float, *, side: Side = "any",
                  radius_m: float = 300.0) -> list[Sighting]:
        """Places within ``radius_m`` on ``side`` of a car heading ``heading``, nearest first.

        Right/left span 10-150° off the heading (so a place ahead-right counts, one behind never);
        a place already passed (> 90° off) ranks as if 1.5 × as far, so what is coming up wins.
        """
        seen = []
        for distance, poi in self.near(lat, lon, radius_m):
            bearing = geo.bearing_deg(lat, lon, poi.lat, poi.lon)
            relative = geo.relative_bearing(heading, bearing)
            if sees(side, relative):
                seen.append(Sighting(poi, distance, bearing, relative, side_of(relative)))
        return sorted(seen, key=lambda s: (s.distance_m * (PASSED_FACTOR if abs(s.relative) > 90.0 else 1.0),
                                           s.poi.name))
