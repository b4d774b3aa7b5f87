"""Timers and reminders: "set a timer for ten minutes", "remind me to call Anna when I arrive", 到家提醒我买牛奶.

The tools keep what the driver asked in the agenda (cockpit/proactive/agenda.py: SQLite in the state dir,
so it survives a restart); the co-pilot asks when an item falls due, as a proactive prompt. A reminder is
at a time ("in ten minutes", "at 5 pm"), on arrival ("when I arrive": the navigation destination as it is
now; "when I get home": vehicle.places' home) or at the next stop.

Policy, declared here: setting, listing and cancelling touch nothing in the car or outside it, so they run
while driving without a read-back. Setting and listing are declared ``read`` — their whole point is later,
so the words-for-later guard that keeps "open the window when we get home" from acting must not stop them
(a model may set one from "ping me about the dentist once we're home"); cancelling is ``actuate``: only a
plain request cancels ("don't cancel my reminders" does not).
"""
from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field, model_validator

from cockpit.proactive.agenda import Agenda, AgendaError, due_at, spoken_when, your
from cockpit.skills.phrases import Phrase
from cockpit.skills.registry import Outcome, SkillContext, Tool, ToolArgs
from cockpit.vehicle import vss

_MOVING = {"allowed_while_moving": True, "needs_confirmation": False}


class TimerArgs(ToolArgs):
    minutes: int = Field(ge=1, le=1440, description="How many minutes from now the timer goes off.")
    label: Optional[str] = Field(None, min_length=1, max_length=60, description="What the timer is for, if said.")


class ReminderArgs(ToolArgs):
    text: str = Field(min_length=1, max_length=120,
                      description="What to remind the driver of, in their words, e.g. 'call Anna'.")
    minutes: Optional[int] = Field(None, ge=1, le=1440, description="Remind this many minutes from now.")
    at: Optional[str] = Field(None, pattern=r"^([01]?\d|2[0-3]):[0-5]\d$",
                              description="Remind at this local time, 24 h 'HH:MM' (the next one to come).")
    place: Optional[Literal["destination", "home", "next_stop"]] = Field(
        None, description="Remind on arrival at the navigation destination, at home, or at the next stop.")

    @model_validator(mode="after")
    def _one_when(self) -> "ReminderArgs":
        if sum(x is not None for x in (self.minutes, self.at, self.place)) != 1:
            raise ValueError("give exactly one of minutes, at, or place")
        return self


class CancelArgs(ToolArgs):
    what: Literal["timers", "reminders", "all"] = Field("all", description="Which waiting items to cancel.")


def _sorry(exc: AgendaError) -> Outcome:
    return Outcome(False, "I can't keep timers or reminders right now.")


def timer_tools(agenda: Agenda) -> tuple[Tool, ...]:
    """The timer and reminder tools, keeping their items in ``agenda``."""

    def set_timer(args: TimerArgs, ctx: SkillContext) -> Outcome:
        now = ctx.now()
        try:
            agenda.add("timer", args.label or "", now, minutes=args.minutes, due=due_at(now, args.minutes))
        except AgendaError as exc:
            return _sorry(exc)
        what = f"{args.label} timer" if args.label else "timer"
        return Outcome(True, f"OK, a {args.minutes}-minute {what}.")

    def set_reminder(args: ReminderArgs, ctx: SkillContext) -> Outcome:
        now = ctx.now()
        where = None
        if args.place == "destination":
            lat, lon = ctx.vehicle.signals.value(vss.DEST_LAT), ctx.vehicle.signals.value(vss.DEST_LON)
            if lat is None or lon is None:
                return Outcome(False, "There's no destination set, so I can't tell when you arrive. "
                                      "Start navigation first, or ask me for a time.")
            where = (float(lat), float(lon))
        elif args.place == "home":
            where = next((p for name, p in ctx.places.items() if name.lower() == "home"), None)
            if where is None:
                return Outcome(False, "I don't know where home is.")
        due = None if args.place is not None else due_at(now, args.minutes, args.at)
        try:
            item = agenda.add("reminder", args.text, now, minutes=args.minutes, due=due, place=args.place, where=where)
        except AgendaError as exc:
            return _sorry(exc)
        return Outcome(True, f"I'll remind you to {your(args.text)} {spoken_when(item)}.")

    def cancel_reminders(args: CancelArgs, ctx: SkillContext) -> Outcome:
        kind = {"timers": "timer", "reminders": "reminder", "all": None}[args.what]
        try:
            gone = agenda.cancel(kind)
        except AgendaError as exc:
            return _sorry(exc)
        noun = {"timers": "timers", "reminders": "reminders", "all": "timers or reminders"}[args.what]
        if not gone:
            return Outcome(True, f"You have no {noun} set.")
        return Outcome(True, f"Cancelled {len(gone)} {noun if len(gone) > 1 else noun.split()[0].rstrip('s')}.")

    def list_reminders(args: ToolArgs, ctx: SkillContext) -> Outcome:
        try:
            items = agenda.items()
        except AgendaError as exc:
            return _sorry(exc)
        if not items:
            return Outcome(True, "You have no timers or reminders.")
        said = [f"a timer for {i.due:%H:%M}" if i.kind == "timer" and i.due else
                f"{your(i.text)} {'at ' + format(i.due, '%H:%M') if i.due else spoken_when(i)}" for i in items[:5]]
        return Outcome(True, f"You have {len(items)}: " + "; ".join(said) + ".")

    return (
        Tool("set_timer", "Set a countdown timer for a number of minutes; cockpit says when it is up.",
             TimerArgs, "read", set_timer, **_MOVING, phrases=(
                 Phrase("(set | start) [a | an] [timer for] {minutes:minutes} [timer]"),
                 Phrase("(set | start) [a | an] timer for {minutes:minutes}"),
                 Phrase("timer for {minutes:minutes}"),
                 Phrase("(设 | 设置 | 定 | 设定) [一个] {minutes:minutes} [的] (计时器 | 定时器 | 倒计时)", language="zh"),
                 Phrase("(计时 | 定时 | 倒计时) {minutes:minutes}", language="zh"))),
        Tool("set_reminder", "Remind the driver of something later: in some minutes, at a local time, on "
             "arrival at the destination or at home, or at the next stop.", ReminderArgs, "read", set_reminder,
             **_MOVING, phrases=(
                 Phrase("remind me [to] {text:reminder_text} in {minutes:minutes}"),
                 Phrase("remind me in {minutes:minutes} to {text:reminder_text}"),
                 Phrase("remind me [to] {text:reminder_text} at {at:clock_time}"),
                 Phrase("remind me at {at:clock_time} to {text:reminder_text}"),
                 Phrase("remind me [to] {text:reminder_text} {place:reminder_place}"),
                 Phrase("{place:reminder_place} remind me to {text:reminder_text}"),
                 Phrase("{minutes:minutes} (后 | 以后 | 之后) 提醒我 {text:reminder_text}", language="zh"),
                 Phrase("{at:clock_time} 提醒我 {text:reminder_text}", language="zh"),
                 Phrase("{place:reminder_place} 提醒我 {text:reminder_text}", language="zh"),
                 Phrase("提醒我 {place:reminder_place} {text:reminder_text}", language="zh"))),
        Tool("cancel_reminders", "Cancel the waiting timers, reminders, or both.", CancelArgs, "actuate",
             cancel_reminders, **_MOVING, phrases=(
                 Phrase("(cancel | delete | clear | stop) [all] [my | the] (timer | timers)", {"what": "timers"}),
                 Phrase("(cancel | delete | clear) [all] [my | the] (reminder | reminders)", {"what": "reminders"}),
                 Phrase("(cancel | delete | clear) all my (timers and reminders | reminders and timers)",
                        {"what": "all"}),
                 Phrase("(取消 | 删除) [所有 | 全部] [的] (计时器 | 定时器 | 倒计时)", {"what": "timers"}, "zh"),
                 Phrase("(取消 | 删除) [所有 | 全部] [的] 提醒", {"what": "reminders"}, "zh"))),
        Tool("list_reminders", "Say which timers and reminders are waiting.", ToolArgs, "read", list_reminders,
             **_MOVING, phrases=(
                 Phrase("what (timers | reminders) do i have | (list | read) my (timers | reminders) | "
                        "(do i have | are there) any (timers | reminders)"),
                 Phrase("(我 有 | 有) (哪些 | 什么) 提醒", language="zh"))),
    )


__all__ = ["CancelArgs", "ReminderArgs", "TimerArgs", "timer_tools"]
