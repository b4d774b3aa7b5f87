"""The long night drive (configs/scenarios/long-drive.yaml) through the real pipeline on the offline
stack: espeak-ng speaks the driver into the simulated microphone, PocketSphinx hears, the fast path and
the gate act, the co-pilot asks first. The drive follows the microphone's audio (100x), so the run is
the same every time and every 'when' below is on the drive's clock or the audio's, never the wall's.

What it must show: each prompt once, at the right moment, in order (a fuel warning, a timer held back
while the driver talks, a break declined and then taken, a reminder at that stop, a second fuel warning
taken, the reminder on arrival), each answered by voice, none while anyone talks, all in the audit log."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from cockpit.config import load_config
from cockpit.events import (ProactivePrompt, ProactiveSettled, SpeechEnded, SpeechStarted, StateChanged,
                            TurnSummary, VoiceActivity)
from cockpit.pipeline import Assistant
from cockpit.proactive.moment import route_length
from cockpit.scenario import DRIVER_VOICE, driver_speech, load_scenario
from cockpit.scripted_drive import DriveScenario, Keyframes, ScriptedCabin, anchored
from cockpit.vehicle.geo import distance_m
from cockpit.vehicle.route import load_route
from support.offline import GRAMMAR_ALONE

REPO = Path(__file__).resolve().parents[2]
SCENARIO = REPO / "configs" / "scenarios" / "long-drive.yaml"


@dataclass
class Seen:
    event: object
    drive_s: float
    audio_s: float


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    scenario = load_scenario(SCENARIO, DriveScenario)
    state = tmp_path_factory.mktemp("long-drive") / "state"
    s = anchored(load_config(REPO / scenario.config), REPO, state)
    s = s.model_copy(update={  # the offline stack: what every machine has
        "vehicle": s.vehicle.model_copy(update={"clock": scenario.clock}),
        "asr": s.asr.model_copy(update={"engine": "sphinx", "sphinx": s.asr.sphinx.model_copy(
            update=GRAMMAR_ALONE["sphinx"])}), "tts": s.tts.model_copy(update={"engine": "espeak"}),
        "brain": s.brain.model_copy(update={"mode": "fastpath-only"}),
        "audio": s.audio.model_copy(update={"output": s.audio.output.model_copy(update={"sink": "none"})})})
    a = Assistant(s)
    seen: list[Seen] = []
    cabin_box: list[ScriptedCabin] = []
    a.bus.subscribe(lambda e: seen.append(Seen(e, a.car.drive.route_time(),
                                               cabin_box[0].audio_time() if cabin_box else 0.0)))

    async def go():
        await a.prepare()
        cabin = ScriptedCabin(a, scenario, lambda text, wpm: driver_speech(text, wpm, DRIVER_VOICE))
        cabin_box.append(cabin)
        try:
            return await a.listen(cabin.frames())
        finally:
            await a.close()

    summaries = asyncio.run(go())
    return a, scenario, seen, summaries


def _prompts(seen):
    return [x for x in seen if isinstance(x.event, ProactivePrompt)]


def test_each_prompt_once_in_order_answered_by_voice(run):
    a, scenario, seen, _ = run
    prompts = _prompts(seen)
    assert [p.event.kind for p in prompts] == ["range", "timer", "fatigue", "fatigue", "reminder", "range", "reminder"]
    assert len({p.event.key for p in prompts}) == len(prompts)
    settled = [x.event for x in seen if isinstance(x.event, ProactiveSettled) and x.event.outcome != "dropped"]
    assert [(e.kind, e.outcome) for e in settled] == [
        ("range", "no"), ("timer", "no"), ("fatigue", "no"), ("fatigue", "yes"), ("reminder", "no"), ("range", "yes"),
        ("reminder", "no")]
    answers = {x.event.turn: x.event for x in seen if isinstance(x.event, TurnSummary) and x.event.transcript in
               ("yes please", "no thanks")}
    assert len(answers) == 7  # every one answered by voice, heard by the recogniser


def test_the_yes_answers_ran_through_the_gate_and_the_car_went_there(run):
    a, _, seen, _ = run
    calls = [c for x in seen if isinstance(x.event, TurnSummary) and x.event.transcript == "yes please"
             for c in x.event.tool_calls]
    assert [dict(c.arguments) for c in calls] == [{"destination": "Raststätte Talblick"},
                                                  {"destination": "Autohof Seeblick"}]
    entries = list(a.audit.entries())
    assert [e["data"]["tool"] for e in entries if e["kind"] == "policy-confirmed"] == ["navigate_to", "navigate_to"]
    assert all(e["data"]["channel"] == "voice" for e in entries if e["kind"] == "policy-confirmed")
    route = a.car.drive.route
    stops = [t for t, (p, q) in zip(route.times, zip(route.points, route.points[1:])) if p == q]
    for name, when in zip(("Raststätte Talblick", "Autohof Seeblick"), stops):
        poi = a.car.pois.by_name(name)
        here = route.state_at(when + 1)
        assert here.speed_kmh == 0 and distance_m(here.lat, here.lon, poi.lat, poi.lon) < 300


def test_every_prompt_is_in_the_audit_log_and_the_chain_verifies(run):
    a, _, seen, _ = run
    entries = list(a.audit.entries())
    asked = [e["data"] for e in entries if e["kind"] == "proactive-prompt"]
    assert [d["prompt"] for d in asked] == [p.event.kind for p in _prompts(seen)]
    # (the audit log's privacy rules coarsen a place in a key and mask a reminder's own words at rest)
    assert [d["key"].split("@")[0] for d in asked] == [p.event.key.split("@")[0] for p in _prompts(seen)]
    assert [d["question"] for d in asked if d["prompt"] != "reminder"] == \
        [p.event.question for p in _prompts(seen) if p.event.kind != "reminder"]
    settled = [(e["data"]["prompt"], e["data"]["outcome"]) for e in entries if e["kind"] == "proactive-settled"
               and e["data"]["outcome"] != "dropped"]
    assert settled == [(x.event.kind, x.event.outcome) for x in seen if isinstance(x.event, ProactiveSettled)
                       and x.event.outcome != "dropped"]
    assert a.audit.verify().ok


def test_when_fuel_warnings_come_as_the_spare_range_crosses_each_margin(run):
    a, scenario, seen, _ = run
    route, keys = a.car.drive.route, Keyframes(scenario.signals)
    first = {}
    def spare(t: float) -> float:  # spare range to the airport along the route
        return keys.at(t)["Vehicle.Powertrain.Range"] - route_length(route.ahead_of(t))
    for t in range(0, int(route.duration_s), 10):  # every 10 s, then the crossing to a tenth of a second
        for margin in (50, 20):
            if spare(t) < margin * 1000 and margin not in first:
                first[margin] = next(u / 10 for u in range(10 * (t - 10), 10 * t + 1) if spare(u / 10) < margin * 1000)
    fuel = [p for p in _prompts(seen) if p.event.kind == "range"]
    assert fuel[0].event.key.startswith("range:50@") and fuel[1].event.key.startswith("range:20@")
    assert first[50] <= fuel[0].drive_s <= first[50] + 300  # at the crossing (a quiet moment after it at most)
    assert first[20] <= fuel[1].drive_s <= first[20] + 600
    assert "Autohof Donaublick" in fuel[0].event.question  # the nearer Tankhof Ost is shut at night
    assert "Autohof Seeblick" in fuel[1].event.question  # the nearer Tankstelle Kreuzweg too


def test_the_timer_waits_while_the_driver_talks(run):
    a, scenario, seen, _ = run
    set_at = next(x.drive_s for x in seen if isinstance(x.event, TurnSummary) and x.event.tool_calls
                  and x.event.tool_calls[0].name == "set_timer")
    due = set_at + 40 * 60
    [timer] = [p for p in _prompts(seen) if p.event.kind == "timer"]
    starts = [x for x in seen if isinstance(x.event, SpeechStarted)]
    ends = [x for x in seen if isinstance(x.event, SpeechEnded)]
    talking = [(s.drive_s, e.drive_s) for s, e in zip(starts, ends) if s.drive_s <= due <= e.drive_s]
    assert talking, "the scenario has the driver talking when the timer falls due"
    assert timer.drive_s > talking[0][1]  # asked only after the driver finished (and the reply, and quiet_s)


def test_no_prompt_while_anyone_talks(run):
    a, _, seen, _ = run
    quiet = a.settings.proactive.quiet_s
    starts = [x.audio_s for x in seen if isinstance(x.event, SpeechStarted)]
    ends = [x.audio_s for x in seen if isinstance(x.event, SpeechEnded)]
    voiced = [x.audio_s for x in seen if isinstance(x.event, VoiceActivity) and x.event.speech]
    for p in _prompts(seen):
        began = next(x.audio_s for x in seen if isinstance(x.event, StateChanged) and x.event.turn == p.event.turn
                     and x.event.state == "thinking")
        # quiet means quiet_s of it: a prompt exactly quiet_s after the end (on the cabin's 10 ms clock) is allowed
        assert not any(s <= began < e + quiet - 1e-6 for s, e in zip(starts, ends)), p.event.kind
        assert not any(began - quiet < v <= began for v in voiced), p.event.kind
        replies = [x for x in seen if isinstance(x.event, TurnSummary) and x.event.turn < p.event.turn]
        assert began - replies[-1].audio_s >= quiet  # the last reply was over a quiet while ago


def test_the_break_is_offered_in_the_circadian_low_declined_then_taken_after_the_back_off(run):
    a, scenario, seen, _ = run
    breaks = [p for p in _prompts(seen) if p.event.kind == "fatigue"]
    two_am = (scenario.clock.replace(hour=2, minute=0) - scenario.clock).total_seconds()
    assert two_am <= breaks[0].drive_s <= two_am + 120  # 1.5 h on task is not enough by day; at 02:00 it is
    assert "Nachtcafé Eule" in breaks[0].event.question and "open until 04:00" in breaks[0].event.question
    no = next(x.drive_s for x in seen if isinstance(x.event, ProactiveSettled) and x.event.key == breaks[0].event.key)
    assert breaks[1].drive_s >= no + a.settings.proactive.fatigue.backoff_s
    assert "without a break" in breaks[1].event.question and "Raststätte Talblick" in breaks[1].event.question


def test_reminders_fire_at_the_next_stop_and_on_arrival_and_nothing_of_them_is_kept(run):
    a, scenario, seen, _ = run
    stop, arrival = [p for p in _prompts(seen) if p.event.kind == "reminder"]
    route = a.car.drive.route
    assert route.state_at(stop.drive_s).speed_kmh == 0 and "at your next stop: check the tire pressure" in \
        stop.event.question
    end = route.points[-1]
    here = route.state_at(arrival.drive_s)
    assert here.speed_kmh == 0 and distance_m(here.lat, here.lon, *end) < 300
    assert "when you arrive: call Anna" in arrival.event.question
    assert a.skills.agenda.items() == []  # asked, so deleted; the answers were 'no thanks' (no snooze)
    assert a.skills.agenda._run("SELECT count(*) FROM agenda") == [(0,)]
    local = scenario.clock + timedelta(seconds=arrival.drive_s)
    assert local.hour == 3  # a night drive: 00:30 to after three
