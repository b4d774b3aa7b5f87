"""Timers and reminders: the SQLite agenda survives a restart, its file is private, items fall due by time,
on arrival and at the next stop, a fired one is never asked again; the tools and their EN/ZH phrases."""
from __future__ import annotations

import os
import stat
from datetime import datetime

import pytest

from cockpit.brain.understand import Command, FrontEnd, Open
from cockpit.config.proactive import AgendaSettings
from cockpit.proactive.agenda import Agenda, AgendaWatch, due_at
from cockpit.proactive.moment import Moment
from cockpit.skills.builtin import default_registry
from cockpit.skills.builtin.timers import timer_tools
from cockpit.skills.phrases import check_phrases, fast_path
from cockpit.skills.registry import SkillContext
from cockpit.vehicle import vss
from cockpit.vehicle.sim import SimulatedVehicle

T0 = datetime(2026, 6, 13, 0, 30)
AIRPORT = (48.27197, 11.25224)


def test_the_agenda_is_made_by_the_first_item_private_and_survives_a_restart(tmp_path):
    path = tmp_path / "state" / "agenda.sqlite3"
    agenda = Agenda(path)
    assert agenda.items() == [] and not path.exists()  # nothing written until something is kept
    timer = agenda.add("timer", "", T0, minutes=40, due=due_at(T0, 40))
    agenda.add("reminder", "call Anna", T0, place="destination", where=AIRPORT)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600 and stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    agenda.close()
    again = Agenda(path)  # the daemon restarted (or the car was off)
    kept = again.items()
    assert [(i.kind, i.text, i.due, i.place, i.where) for i in kept] == [
        ("timer", "", datetime(2026, 6, 13, 1, 10), None, None), ("reminder", "call Anna", None, "destination", (48.272, 11.252))]
    # the place is kept to 3 decimals (~110 m: the arrival check's radius is at least 150 m), never the exact point
    assert b"48.27197" not in path.read_bytes() and b"11.25224" not in path.read_bytes()
    again.done(timer.id)  # asked: deleted
    assert [i.kind for i in Agenda(path).items()] == ["reminder"]


def test_clock_times_are_the_next_one_to_come():
    now = datetime(2026, 6, 13, 16, 0)
    assert due_at(now, at="17:00") == datetime(2026, 6, 13, 17, 0)
    assert due_at(now, at="09:00") == datetime(2026, 6, 14, 9, 0)
    assert due_at(now, at="5:00") == datetime(2026, 6, 13, 17, 0)  # "five o'clock": whichever comes first
    assert due_at(datetime(2026, 6, 13, 3, 0), at="5:00") == datetime(2026, 6, 13, 5, 0)
    assert due_at(now, minutes=90) == datetime(2026, 6, 13, 17, 30)


def _m(t: float, local: datetime, speed: float = 100.0, position=(48.0, 11.0), gear: int | None = None) -> Moment:
    return Moment(t, local, speed_kmh=speed, position=position, gear=gear)


def test_items_fall_due_by_time_on_arrival_and_at_the_next_stop_and_fire_once(tmp_path):
    path = tmp_path / "agenda.sqlite3"
    agenda = Agenda(path)
    agenda.add("timer", "parking", T0, minutes=40, due=due_at(T0, 40))
    agenda.add("reminder", "call my mom", T0, place="destination", where=AIRPORT)
    agenda.add("reminder", "check the tire pressure", T0, place="next_stop")
    watch = AgendaWatch(agenda, AgendaSettings())
    assert watch.due(_m(0, T0, speed=0.0)) == []  # standing at the start is not 'the next stop'
    assert watch.due(_m(60, T0.replace(minute=40))) == []
    [timer] = watch.due(_m(2400, datetime(2026, 6, 13, 1, 10)))
    assert timer.kind == "timer" and timer.question == ("Your parking timer is up. Shall I remind you again in 10 "
                                                         "minutes?")
    assert timer.offers.name == "set_timer" and dict(timer.offers.arguments) == {"minutes": 10, "label": "parking"}
    assert watch.due(_m(2410, datetime(2026, 6, 13, 1, 11))) == []  # out already
    watch.settled(timer, "asked", 2410)
    assert watch.due(_m(3000, datetime(2026, 6, 13, 1, 20), speed=0.0)) == []  # just stopped
    [stop] = watch.due(_m(3030, datetime(2026, 6, 13, 1, 21), speed=0.0, gear=126))
    assert stop.question.startswith("You asked me to remind you at your next stop: check the tire pressure.")
    assert watch.due(_m(9000, datetime(2026, 6, 13, 3, 0), position=AIRPORT)) == []  # there, but still rolling
    [there] = watch.due(_m(9060, datetime(2026, 6, 13, 3, 1), speed=0.0, position=AIRPORT))
    assert there.question == ("You asked me to remind you when you arrive: call your mom. Shall I remind you again "
                              "in 10 minutes?")
    assert dict(there.offers.arguments) == {"text": "call my mom", "minutes": 10}
    watch.settled(there, "asked", 9060)
    watch.settled(stop, "dropped", 9060)  # never asked: it stays waiting
    restarted = AgendaWatch(Agenda(path), AgendaSettings())
    assert [p.kind for p in restarted.due(_m(9100, datetime(2026, 6, 13, 3, 2), speed=0.0, position=AIRPORT))] == []
    assert [i.text for i in Agenda(path).items()] == ["check the tire pressure"]  # asked ones are gone for good


@pytest.fixture
def tools(tmp_path):
    return {t.name: t for t in timer_tools(Agenda(tmp_path / "agenda.sqlite3"))}


def test_the_phrases_join_the_grammar_in_english_and_mandarin(tools):
    assert all(check_phrases(t) == [] for t in tools.values())
    front = FrontEnd(fast_path(list(default_registry().tools()) + list(tools.values())), ["cockpit"])
    cases = {
        "hey cockpit, remind me to call anna when I arrive": ("set_reminder", {"text": "call Anna", "place": "destination"}),
        "remind me to buy milk when I get home": ("set_reminder", {"text": "buy milk", "place": "home"}),
        "remind me to check the tire pressure at the next stop": (
            "set_reminder", {"text": "check the tire pressure", "place": "next_stop"}),
        "remind me in 10 minutes to buy bread": ("set_reminder", {"text": "buy bread", "minutes": 10}),
        "remind me to pick up my jacket at 5 pm": ("set_reminder", {"text": "pick up my jacket", "at": "17:00"}),
        "set a timer for forty minutes": ("set_timer", {"minutes": 40}),
        "set a ten minute timer": ("set_timer", {"minutes": 10}),
        "cancel my timers": ("cancel_reminders", {"what": "timers"}),
        "what reminders do I have": ("list_reminders", {}),
        "十分钟后提醒我给安娜打电话": ("set_reminder", {"text": "给安娜打电话", "minutes": 10}),
        "到家的时候提醒我买牛奶": ("set_reminder", {"text": "买牛奶", "place": "home"}),
        "下午五点提醒我加油": ("set_reminder", {"text": "加油", "at": "17:00"}),
        "设一个二十分钟的计时器": ("set_timer", {"minutes": 20}),
        "取消所有提醒": ("cancel_reminders", {"what": "reminders"}),
    }
    for said, (tool, args) in cases.items():
        heard = front.understand(said)
        assert isinstance(heard, Command), said
        assert (heard.call.name, dict(heard.call.arguments)) == (tool, args), said
    # words for later that are not a timer or a reminder are still not a command now
    assert isinstance(front.understand("open the window when we get home"), Open)
    assert isinstance(front.understand("remind me to close the window later"), Open)


def _ctx(destination=None) -> SkillContext:
    car = SimulatedVehicle()
    if destination is not None:
        car.actuate(vss.DEST_LAT, destination[0])
        car.actuate(vss.DEST_LON, destination[1])
    return SkillContext(vehicle=car, places={"home": (48.1374, 11.5755)}, now=lambda: T0)


def test_the_tools_keep_what_was_asked_and_say_so(tools, tmp_path):
    run = lambda name, **a: tools[name].handler(tools[name].args(**a), ctx)  # noqa: E731
    ctx = _ctx()
    assert run("set_reminder", text="call Anna", place="destination").ok is False  # no destination to arrive at
    ctx = _ctx(AIRPORT)
    assert run("set_reminder", text="call my mom", place="destination").message == \
        "I'll remind you to call your mom when you arrive."
    assert run("set_reminder", text="buy milk", place="home").message == "I'll remind you to buy milk when you get home."
    assert run("set_reminder", text="buy bread", at="17:00").message == "I'll remind you to buy bread at 17:00."
    assert run("set_timer", minutes=40).message == "OK, a 40-minute timer."
    assert run("list_reminders").message.startswith("You have 4: call your mom when you arrive")
    assert run("cancel_reminders", what="timers").message == "Cancelled 1 timer."
    assert run("cancel_reminders", what="all").message == "Cancelled 3 timers or reminders."
    assert run("list_reminders").message == "You have no timers or reminders."
    with pytest.raises(ValueError):
        tools["set_reminder"].args(text="x", minutes=5, place="home")  # one 'when' only


def test_declared_policy_timers_run_while_driving_without_a_read_back(tools):
    for name, tool in tools.items():
        assert tool.policy.allowed_while_moving and not tool.policy.needs_confirmation, name
    assert tools["cancel_reminders"].side_effect == "actuate"  # "don't cancel my reminders" never cancels
