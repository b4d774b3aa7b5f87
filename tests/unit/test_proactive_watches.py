"""The co-pilot's watches, pure over hand-made moments: fatigue, range, attention, and where to stop."""
from __future__ import annotations

from datetime import datetime

import pytest

from cockpit.config.proactive import AttentionSettings, FatigueSettings, RangeSettings
from cockpit.proactive.attention import Attention
from cockpit.proactive.fatigue import FatigueWatch, circadian, estimate, spoken_duration
from cockpit.proactive.moment import Moment
from cockpit.proactive.reserve import RangeWatch
from cockpit.proactive.stops import Stop, stop_ahead
from cockpit.vehicle.geo import destination
from cockpit.vehicle.poi import Poi, PoiStore

NOON = datetime(2026, 6, 12, 11, 0)
NIGHT = datetime(2026, 6, 13, 3, 0)
S = FatigueSettings()


def test_time_on_task_counts_from_fifteen_minutes_and_is_full_at_two_hours():
    assert estimate(S, 14 * 60, NOON).parts["task"] == 0.0
    assert estimate(S, 7200, NOON).parts["task"] == 1.0
    mid = estimate(S, (900 + 7200) / 2, NOON).parts["task"]
    assert mid == pytest.approx(0.5)


def test_circadian_lows_are_the_configured_windows():
    assert circadian(datetime(2026, 1, 1, 2, 0), S.circadian_lows) == 1.0
    assert circadian(datetime(2026, 1, 1, 5, 59), S.circadian_lows) == 1.0
    assert circadian(datetime(2026, 1, 1, 6, 0), S.circadian_lows) == 0.0
    assert circadian(datetime(2026, 1, 1, 15, 0), S.circadian_lows) == 0.6
    assert circadian(datetime(2026, 1, 1, 22, 0), [("21:00", "01:00", 0.5)]) == 0.5  # across midnight


def test_the_estimate_is_the_weighted_mean_of_the_signals_present():
    day = estimate(S, 7200, NOON)  # task 1, circadian 0: (0.5 * 1 + 0.3 * 0) / 0.8
    assert day.score == pytest.approx(0.625)
    night = estimate(S, 7200, NIGHT)
    assert night.score == 1.0
    dms = estimate(S, 7200, NOON, dms_fatigue=20.0)  # a driver-monitoring feed says 'fresh': it weighs in
    assert dms.score == pytest.approx((0.5 + 0.6 * 0.2) / 1.4, abs=1e-4) and "dms_fatigue" in dms.parts
    attentive = estimate(S, 0, NOON, dms_attentive=10.0)  # 10 % attentive: 0.9 of its weight
    assert attentive.score == pytest.approx(0.4 * 0.9 / 1.2, abs=1e-4)


def test_voice_cues_never_count_alone_and_only_raise_a_little():
    assert estimate(S, 0, NOON, voice=1.0).score == 0.0  # nothing else says tired: voice alone is nothing
    base = estimate(S, 3600, NOON).score
    raised = estimate(S, 3600, NOON, voice=1.0).score
    assert base < raised <= base * (1 + S.voice_prior) + 1e-9


def test_spoken_durations():
    assert [spoken_duration(s) for s in (50 * 60, 3600, 5400, 7200, 8100)] == [
        "50 minutes", "an hour", "an hour and a half", "2 hours", "2 hours and a quarter"]


def _stop(name: str = "Café Nachtfalter", along: float = 8200.0) -> Stop:
    return Stop(Poi(name, "cafe", 48.05, 11.1, {"amenity": "cafe"}), "cafe", along, NIGHT, NIGHT.replace(hour=4))


def _moment(t: float, local: datetime = NIGHT, speed: float = 110.0, **kw) -> Moment:
    return Moment(t, local, speed_kmh=speed, position=(48.0, 11.0), **kw)


def test_a_break_is_offered_at_the_threshold_with_a_place_and_backs_off_after_no():
    watch = FatigueWatch(S, lambda m: _stop())
    assert watch.due(_moment(0.0)) == []  # setting off
    assert watch.due(_moment(3000.0)) == []  # 50 minutes at 03:00: (0.5 * 0.33 + 0.3) / 0.8 < 0.6
    [first] = watch.due(_moment(3300.0))  # 55 minutes in the circadian low: 0.6
    assert first.offers.name == "navigate_to" and first.offers.arguments["destination"] == "Café Nachtfalter"
    assert first.question == ("You've been driving for 55 minutes. There's a cafe, Café Nachtfalter, "
                              "8.2 kilometres ahead, open until 04:00. Shall I navigate there?")
    assert watch.due(_moment(3310.0)) == []  # one out at a time
    watch.settled(first, "asked", 2710.0)
    watch.settled(first, "no", 2720.0)
    assert watch.due(_moment(2720.0 + S.backoff_s - 1)) == []  # backing off
    [second] = watch.due(_moment(2720.0 + S.backoff_s))
    assert "without a break" in second.question and second.key != first.key
    watch.settled(second, "asked", 0)
    watch.settled(second, "no", 5000.0)
    assert watch.due(_moment(5000.0 + S.backoff_s * 1.5)) == []  # the back-off doubled after the second no
    assert watch.due(_moment(5000.0 + S.backoff_s * 2))


def test_at_most_max_asks_between_breaks_and_a_break_starts_again():
    watch = FatigueWatch(S.model_copy(update={"max_asks": 1}), lambda m: _stop())
    watch.due(_moment(0.0))
    [p] = watch.due(_moment(3300.0))
    watch.settled(p, "asked", 3300.0)
    watch.settled(p, "unanswered", 3000.0)
    assert watch.due(_moment(9000.0)) == []  # asked once: that was all
    for t in range(9000, 9000 + int(S.break_s) + 60, 30):
        watch.due(_moment(float(t), speed=0.0))  # a ten-minute stop is a break
    assert watch.asks == 0 and watch.task_s(_moment(10000.0)) == 0.0
    assert watch.due(_moment(10000.0)) == []  # back on the road: time on task from zero


def test_no_break_offered_without_an_open_place_ahead_or_while_standing():
    watch = FatigueWatch(S, lambda m: None)
    watch.due(_moment(0.0))
    assert watch.due(_moment(7000.0)) == []
    standing = FatigueWatch(S, lambda m: _stop())
    standing.due(_moment(0.0))
    assert standing.due(_moment(7000.0, speed=0.0)) == []


def test_range_is_asked_once_per_trip_per_margin_tightest_first():
    offered = _stop("Autohof 24", 12000.0)
    watch = RangeWatch(RangeSettings(), lambda m, c: offered)
    airport = (48.27, 11.25)
    far = _moment(0.0, destination=airport, remaining_m=100_000.0, range_m=200_000.0)
    assert watch.due(far) == []  # 100 km spare
    [p50] = watch.due(_moment(10.0, destination=airport, remaining_m=100_000.0, range_m=140_000.0))
    assert p50.key.startswith("range:50@") and "140 kilometres of range and 100 kilometres still to go" in p50.question
    watch.settled(p50, "asked", 10.0)
    assert watch.due(_moment(20.0, destination=airport, remaining_m=90_000.0, range_m=125_000.0)) == []
    [p20] = watch.due(_moment(30.0, destination=airport, remaining_m=80_000.0, range_m=90_000.0))
    assert p20.key.startswith("range:20@")
    watch.settled(p20, "asked", 30.0)
    short = _moment(40.0, destination=airport, remaining_m=80_000.0, range_m=60_000.0)
    assert watch.due(short) == []  # both asked on this trip
    detour = watch.due(_moment(50.0, destination=(48.5, 11.1), remaining_m=9_000.0, range_m=25_000.0))
    assert [p.key.split("@")[0] for p in detour] == ["range:20"]  # another destination is another trip
    assert watch.due(_moment(60.0, destination=airport, remaining_m=70_000.0, range_m=50_000.0)) == []  # back: same trip


def test_range_starts_afresh_after_arriving_and_not_on_the_way_to_the_station_offered():
    station = _stop("Autohof 24", 5000.0)
    watch = RangeWatch(RangeSettings(), lambda m, c: station)
    home = (48.0, 11.0)
    [p] = watch.due(_moment(0.0, destination=home, remaining_m=30_000.0, range_m=45_000.0))
    watch.settled(p, "asked", 0.0)
    watch.settled(p, "yes", 1.0)
    there = (station.poi.lat, station.poi.lon)
    assert watch.due(_moment(2.0, destination=there, remaining_m=5_000.0, range_m=10_000.0)) == []
    assert watch.due(Moment(3.0, NIGHT, speed_kmh=0.0, position=home, destination=home, remaining_m=0.0,
                            range_m=40_000.0)) == []  # arrived home: forgotten
    assert watch.due(_moment(4.0, destination=home, remaining_m=30_000.0, range_m=45_000.0))


def test_range_refresh_drops_a_warning_whose_trip_changed():
    watch = RangeWatch(RangeSettings(), lambda m, c: None)
    [p] = watch.due(_moment(0.0, destination=(48.0, 11.0), remaining_m=30_000.0, range_m=45_000.0))
    assert "I don't see an open gas station on your route" in p.question and p.offers.name == "find_nearby"
    assert watch.refresh(p, _moment(1.0, destination=(48.1, 11.0), remaining_m=30_000.0, range_m=45_000.0)) is None
    assert watch.refresh(p, _moment(1.0, destination=(48.0, 11.0), remaining_m=10_000.0, range_m=45_000.0)) is None
    assert watch.refresh(p, _moment(1.0, destination=(48.0, 11.0), remaining_m=31_000.0, range_m=45_000.0))


def test_charging_is_offered_for_an_electric_car():
    watch = RangeWatch(RangeSettings(), lambda m, c: None)
    assert watch.category(_moment(0.0, soc_pct=40.0)) == "charging"
    assert watch.category(_moment(0.0, soc_pct=40.0, fuel_pct=30.0)) == "fuel"


def test_attention_speed_bands_unknown_speed_and_harsh_braking():
    a = Attention(AttentionSettings())
    assert a.needed(_moment(0.0, speed=0.0)) is None
    assert a.needed(_moment(1.0, speed=110.0)) is None
    assert "speed bands" in a.needed(_moment(2.0, speed=12.0))
    assert "speed bands" in a.needed(_moment(3.0, speed=150.0))
    assert a.needed(Moment(4.0, NIGHT)) == "the speed is unknown"
    assert "harsh braking" in a.needed(_moment(5.0, accel_mps2=-6.0))
    assert "harsh braking" in a.needed(_moment(30.0))  # held for harsh_brake_hold_s
    assert a.needed(_moment(36.0)) is None
    a.braking(None, True, 100.0)  # ABS engaging counts too
    assert "harsh braking" in a.needed(_moment(101.0))


def _route_store(tmp_path):
    """A straight route east from (48, 11), and places along it (metres along, OSM hours)."""
    start = (48.0, 11.0)
    route = [start, destination(*start, 90.0, 60_000.0)]
    store = PoiStore(country="DE")
    for name, amenity, along, hours in [("Früh-Café", "cafe", 4000.0, "Mo-Su 06:00-18:00"),
                                         ("Nachtcafé", "cafe", 9000.0, "Mo-Su 18:00-04:00"),
                                         ("Sonnenaufgang", "cafe", 20000.0, "Mo-Su 03:10-12:00"),
                                         ("Ohnezeit", "cafe", 2000.0, "")]:
        lat, lon = destination(*start, 90.0, along)
        store.add(Poi(name, "cafe", lat, lon, {"amenity": amenity, **({"opening_hours": hours} if hours else {})}))
    return route, store


def test_a_stop_must_be_open_when_the_car_gets_there(tmp_path):
    route, store = _route_store(tmp_path)
    night = Moment(0.0, datetime(2026, 6, 13, 3, 0), speed_kmh=100.0, position=route[0], route=route)
    stop = stop_ahead(store, night, ["cafe"], 30_000.0)
    assert stop is not None and stop.poi.name == "Nachtcafé"  # the nearer one is closed, the unknown one skipped
    late = Moment(0.0, datetime(2026, 6, 13, 3, 59), speed_kmh=100.0, position=route[0], route=route)
    # Nachtcafé closes at 04:00 and is 5.4 minutes away: Sonnenaufgang, open by the time the car gets there
    assert stop_ahead(store, late, ["cafe"], 30_000.0).poi.name == "Sonnenaufgang"
    assert stop_ahead(store, Moment(0.0, NIGHT, speed_kmh=100.0, position=route[0]), ["cafe"], 30_000.0) is None


def test_voice_cues_compare_this_driver_with_their_own_first_turns():
    from cockpit.events import ProactivePrompt, SpeechEnded, SpeechStarted, Transcript
    from cockpit.proactive.voice import VoiceCues
    clock = [0.0]
    cues = VoiceCues(baseline_turns=3, clock=lambda: clock[0])
    turn = [0]

    def request(words: int, seconds: float) -> None:
        turn[0] += 1
        cues.observe(SpeechEnded(turn=turn[0], audio_time=0.0, duration=seconds))
        cues.observe(Transcript(turn=turn[0], text=" ".join(["word"] * words)))

    def answer(latency: float) -> None:
        cues.observe(ProactivePrompt(kind="timer", key="k", reason="r", priority=1, question="q?"))
        clock[0] += latency
        cues.observe(SpeechStarted(audio_time=0.0))
        request(2, 0.6)  # "no thanks": an answer, so only its latency counts

    for _ in range(3):
        request(6, 2.0)  # three words a second, six words a request
    assert cues.level() is None  # a baseline, nothing to compare yet
    answer(1.0)
    request(6, 2.0)
    assert cues.level() == 0.0  # as before (one answer is no latency baseline yet)
    request(3, 1.5)  # two words a second: a third slower, half the words
    assert cues.level() > 0.3
    assert all(t.words is None for t in cues.turns if t.latency is not None)
