"""A place to stop on the route ahead, open when the car would get there: for a break or for fuel.

Ranked the way ``find_nearby`` ranks (cockpit/vehicle/ranking.py: distance along the route plus twice
the detour, the driver's preferences on a near tie); only places ON the route ahead count, and only
those whose opening hours say open at the predicted arrival — now plus the distance along the route at
the current speed (at least 30 km/h). Unknown hours are left out, as "open now" leaves them out.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Sequence

from cockpit.config.vehicle import PreferenceSettings
from cockpit.proactive.moment import Moment
from cockpit.vehicle.geo import spoken_distance
from cockpit.vehicle.poi import Hit, Poi, PoiStore

MIN_SPEED_KMH = 30.0
NOUNS = {"fuel": "gas station", "charging": "charging station", "cafe": "cafe", "restaurant": "restaurant",
         "parking": "car park", "hotel": "hotel", "toilets": "public toilet"}


@dataclass(frozen=True)
class Stop:
    poi: Poi
    category: str
    along_m: float
    """How far along the route."""
    arrive: datetime
    """Predicted local arrival time."""
    closes: datetime | None
    """When it closes after arriving; None = it does not (24/7)."""

    @property
    def noun(self) -> str:
        return NOUNS.get(self.category, self.poi.kind)

    def described(self) -> str:
        """'a cafe, Café Nachtfalter, 8.2 kilometres ahead, open until 03:00'."""
        noun = self.noun
        article = "an" if noun[:1] in "aeiou" else "a"
        hours = f"open until {self.closes:%H:%M}" if self.closes is not None else "open around the clock"
        return f"{article} {noun}, {self.poi.name}, {spoken_distance(self.along_m)} ahead, {hours}"


def stop_ahead(pois: PoiStore, moment: Moment, categories: Sequence[str], search_m: float,
               preferences: PreferenceSettings | None = None) -> Stop | None:
    """The best open place of ``categories`` on the route ahead within ``search_m``, or None."""
    if moment.position is None or not moment.route:
        return None
    speed = max(MIN_SPEED_KMH, moment.speed_kmh or 0.0) / 3.6
    best: tuple[float, int, Stop] | None = None
    for rank, category in enumerate(categories):
        hits: list[Hit] = pois.find(*moment.position, category=category, route=moment.route,
                                    preferences=preferences, radius_m=search_m, limit=50)
        for hit in hits:
            if hit.along_m is None or hit.along_m > search_m:
                continue
            arrive = moment.local + timedelta(seconds=hit.along_m / speed)
            if pois.is_open(hit.poi, arrive) is not True:
                continue
            stop = Stop(hit.poi, category, hit.along_m, arrive, pois.closes_at(hit.poi, arrive))
            if best is None or (hit.cost_m, rank) < best[:2]:
                best = (hit.cost_m, rank, stop)
            break  # hits come ranked: the first open one is this category's best
    return best[2] if best is not None else None


__all__ = ["NOUNS", "Stop", "stop_ahead"]
