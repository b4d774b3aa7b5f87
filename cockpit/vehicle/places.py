"""The place model: :class:`Poi`, how OSM-style tags become a category and a spoken noun, name matching.

Pure data, no storage: :mod:`cockpit.vehicle.poi` keeps places, :mod:`cockpit.vehicle.ranking`
orders them, :mod:`cockpit.vehicle.poi_import` reads them from files.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

from cockpit.errors import CockpitError

__all__ = ["Poi", "PoiError", "category_of", "name_key"]

_AMENITY = {"fuel": "fuel", "charging_station": "charging", "cafe": "cafe", "parking": "parking",
            "restaurant": "restaurant", "fast_food": "restaurant", "hospital": "hospital",
            "pharmacy": "pharmacy", "toilets": "toilets"}
_MAIN_KEYS = ("amenity", "tourism", "shop", "historic", "leisure", "man_made", "natural", "building")
_NOUNS = {"fuel": "gas station", "charging": "charging station", "charging_station": "charging station",
          "parking": "car park", "fast_food": "fast food restaurant", "toilets": "public toilet",
          "place_of_worship": "place of worship", "attraction": "sight", "convenience": "convenience store"}
_WORSHIP = {"christian": "church", "muslim": "mosque", "jewish": "synagogue", "buddhist": "temple", "hindu": "temple"}


class PoiError(CockpitError):
    code = "poi-data"


def _main_tag(tags: Mapping[str, str]) -> tuple[str, str] | None:
    """The first main key with a value that says what the place is (not yes/no, not blank)."""
    return next(((k, tags[k]) for k in _MAIN_KEYS if tags.get(k, "no").strip() not in ("", "yes", "no")), None)


def category_of(tags: Mapping[str, str]) -> str:
    """The category key for OSM tags: an explicit ``category`` wins, else amenity/tourism/shop; never blank."""
    if tags.get("category", "").strip():
        return tags["category"].strip().lower()
    main = _main_tag(tags)
    if main is None:
        return "place"
    key, value = main
    if (key == "amenity" and value in _AMENITY) or (key, value) in (("tourism", "hotel"), ("tourism", "motel")):
        return _AMENITY.get(value, "hotel")
    if (key, value) == ("shop", "supermarket"):
        return "supermarket"
    return value.strip().lower()


def name_key(name: str) -> str:
    """How names are matched: case-insensitive, spaces collapsed, a leading 'the' ignored."""
    words = name.casefold().split()
    return " ".join(words[1:] if len(words) > 1 and words[0] == "the" else words)


@dataclass(frozen=True, slots=True)
class Poi:
    """A point of interest in the offline map."""

    name: str
    category: str
    """Category key, as the grammar produces it: ``cafe``, ``fuel``, ``charging``, or a landmark's tag value."""
    lat: float
    lon: float
    tags: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    """OpenStreetMap-style tags: cuisine, diet:vegetarian, opening_hours, amenity..."""
    id: int = 0
    """The store's row id; 0 until stored."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "tags", MappingProxyType({str(k): str(v) for k, v in self.tags.items()}))

    @classmethod
    def from_tags(cls, name: str, lat: float, lon: float, tags: Mapping[str, str]) -> Poi:
        """A place whose category is derived from its tags (an explicit ``category`` tag is consumed)."""
        rest = {k: v for k, v in tags.items() if k not in ("name", "category")}
        return cls(name.strip(), category_of(tags), lat, lon, MappingProxyType(rest))

    @property
    def cuisines(self) -> tuple[str, ...]:
        """OSM ``cuisine`` values, lowercased: 'pizza;italian' -> ('pizza', 'italian')."""
        return tuple(c.strip().lower() for c in self.tags.get("cuisine", "").split(";") if c.strip())

    def serves(self, diet: str) -> bool:
        """Whether ``diet:<diet>`` is yes/only; vegan food or a vegetarian/vegan cuisine counts as vegetarian."""
        if self.tags.get(f"diet:{diet}", "").lower() in ("yes", "only"):
            return True
        if diet == "vegetarian":
            return self.serves("vegan") or bool({"vegetarian", "vegan"} & set(self.cuisines))
        return diet == "vegan" and "vegan" in self.cuisines

    @property
    def opening_hours(self) -> str | None:
        return self.tags.get("opening_hours") or None

    @property
    def kind(self) -> str:
        """What it is, as a spoken noun: 'museum', 'church', 'gas station', 'car park'..."""
        main = _main_tag(self.tags)
        if main is None:
            return _NOUNS.get(self.category, self.category.replace("_", " "))
        key, value = main
        if value == "place_of_worship":
            return _WORSHIP.get(self.tags.get("religion", ""), "place of worship")
        if value in _NOUNS:
            return _NOUNS[value]
        noun = value.replace("_", " ")
        return f"{noun} shop" if key == "shop" and value not in ("supermarket", "bakery", "butcher", "kiosk") else noun
