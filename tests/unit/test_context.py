"""The vehicle context block: fresh signals only, 'unknown' for stale ones, precision by tier."""
from datetime import datetime

from cockpit.brain.context import ContextRenderer
from cockpit.brain.privacy import coarsen
from cockpit.vehicle import vss
from cockpit.vehicle.signals import SignalStore


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def _store(clock: Clock) -> SignalStore:
    store = SignalStore(clock=clock)
    store.update({vss.LATITUDE: 48.141397, vss.LONGITUDE: 11.57551, vss.HEADING: 271.4, vss.SPEED: 43.6},
                 source="gpsd", max_age_s=3.0)
    store.update({vss.FUEL_LEVEL: 61.6, vss.RANGE: 412_400, vss.DRIVER_TEMP: 21.5}, source="sim")
    return store


def test_exact_context_for_the_local_model():
    clock = Clock()
    text = ContextRenderer(_store(clock), clock=lambda: datetime(2026, 6, 12, 12, 31)).render("exact")
    assert text == ("Vehicle (12:31 Fri): at 48.14140, 11.57551, speed 44 km/h, heading west (271°), fuel 62%, "
                    "range 412 km, cabin set to 21.5°C.")


def test_coarse_context_for_the_cloud_snaps_position_speed_and_heading():
    clock = Clock()
    text = ContextRenderer(_store(clock), coarse_km=1.0).render("coarse")
    lat, lon = coarsen(48.141397, 11.57551, 1.0)
    assert f"near {lat:.4f}, {lon:.4f}" in text
    assert "48.14140" not in text and "11.57551" not in text
    assert "speed 40 km/h" in text and "heading west," in text and "271" not in text


def test_a_feed_that_stops_makes_its_signals_unknown_not_old():
    clock = Clock()
    store = _store(clock)
    renderer = ContextRenderer(store)
    assert "speed 44 km/h" in renderer.render()
    clock.t += 3.5  # the gpsd feed went quiet past its 3 s max age
    text = renderer.render()
    assert "position unknown" in text and "speed unknown" in text and "heading unknown" in text
    assert "44" not in text and "48.14" not in text
    assert "fuel 62%" in text  # the parked car's own values do not age
    assert store.get(vss.SPEED).value == 43.6  # the old reading is kept, just not trusted
    assert store.stale_paths() == sorted([vss.HEADING, vss.LATITUDE, vss.LONGITUDE, vss.SPEED])


def test_a_configured_rule_overrides_the_writer_and_prefixes_match():
    clock = Clock()
    store = SignalStore(clock=clock, rules={"Vehicle.CurrentLocation": 1.0, vss.SPEED: 10.0})
    store.update({vss.LATITUDE: 1.0, vss.SPEED: 5.0}, source="gpsd", max_age_s=3.0)
    assert store.get(vss.LATITUDE).max_age_s == 1.0 and store.get(vss.SPEED).max_age_s == 10.0
    clock.t += 2.0
    assert store.fresh(vss.LATITUDE) is None and store.fresh(vss.SPEED) is not None
    assert store.fresh_values() == {vss.SPEED: 5.0}


def test_empty_store_says_no_data():
    assert ContextRenderer(SignalStore()).render() == "Vehicle: no data."


def test_path_filtered_subscription_hears_only_its_signals():
    store, heard = SignalStore(), []
    store.subscribe(lambda old, new: heard.append(new.path), paths=["Vehicle.CurrentLocation"])
    store.set(vss.SPEED, 10, source="can")
    store.set(vss.LATITUDE, 48.0, source="gpsd")
    assert heard == [vss.LATITUDE]
