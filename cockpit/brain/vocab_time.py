"""Slots for timers and reminders, English and Mandarin: durations, clock times, places, what to remember.

Joined into :data:`cockpit.brain.vocab_en.SLOTS` and :data:`cockpit.brain.vocab_zh.SLOTS`, so the timer
skill's phrases (cockpit/skills/builtin/timers.py) use them like any built-in slot and the recogniser's
JSGF hears their closed phrases. Values are what the tools take: minutes (int), a local clock time
``"17:00"`` (24 h; ``"5:00"`` without a leading zero is "five o'clock", whichever of 5:00 and 17:00
comes next), a place (``destination`` | ``home`` | ``next_stop``) and the words to remember.

What to remember is open text for Whisper and typed requests (any words between "remind me to" and
"when I arrive"); the recogniser hears a short list of common ones. It is not read back: a misheard
word in a reminder does nothing but show up in the reminder.
"""
from __future__ import annotations

import re

from cockpit.brain.grammar import SlotType
from cockpit.lang.numbers_en import number_words
from cockpit.lang.numbers_zh import parse_zh_number, zh_number_words

_MINUTES = [*range(1, 61), 75, 90, 120, 150, 180, 240]


def _minutes_en() -> dict[str, int]:
    out: dict[str, int] = {"a minute": 1, "one minute": 1, "a quarter of an hour": 15, "quarter of an hour": 15,
                           "half an hour": 30, "half hour": 30, "an hour": 60, "one hour": 60,
                           "an hour and a half": 90, "one and a half hours": 90}
    for n in _MINUTES:
        out[f"{number_words(n)} minutes"] = n
        out[f"{number_words(n)} minute"] = n  # "a ten minute timer"
    for h in range(2, 5):
        out[f"{number_words(h)} hours"] = h * 60
    return out


def _minutes_digits(text: str) -> int:
    m = re.fullmatch(r"(\d{1,4}) (minutes?|mins?|hours?)", text)
    if m is None:
        raise ValueError(text)
    return int(m.group(1)) * (60 if m.group(2).startswith("hour") else 1)


def _clock_en() -> dict[str, str]:
    out = {"noon": "12:00", "midday": "12:00", "midnight": "00:00"}
    for h in range(1, 13):
        word = number_words(h)
        for half, suffix in (("am", 0), ("a m", 0), ("pm", 12), ("p m", 12)):
            hour = (h % 12) + suffix
            out[f"{word} {half}"] = f"{hour:02d}:00"
            out[f"{word} thirty {half}"] = f"{hour:02d}:30"
        out[f"{word} o'clock"] = f"{h}:00"
        out[f"{word} thirty"] = f"{h}:30"
    return out


def _clock_digits(text: str) -> str:
    m = re.fullmatch(r"(\d{1,2})(?:[ :.](\d{2}))? ?(am|pm|a m|p m)?", text)
    if m is None:
        raise ValueError(text)
    hour, minute, half = int(m.group(1)), int(m.group(2) or 0), (m.group(3) or "").replace(" ", "")
    if half:
        if not 1 <= hour <= 12:
            raise ValueError(text)
        hour = hour % 12 + (12 if half == "pm" else 0)
    elif not 0 <= hour <= 23:
        raise ValueError(text)
    if minute > 59:
        raise ValueError(text)
    return f"{hour:02d}:{minute:02d}" if half or hour > 12 or m.group(1).startswith("0") else f"{hour}:{minute:02d}"


_COMMON_EN = {"call anna": "call Anna", "call mom": "call Mom", "call my mom": "call my mom",
              "call the office": "call the office", "buy milk": "buy milk", "buy bread": "buy bread",
              "charge the car": "charge the car", "pick up the kids": "pick up the kids",
              "take my medicine": "take my medicine", "feed the dog": "feed the dog", "get gas": "get gas",
              "check the tire pressure": "check the tire pressure"}


def _words(text: str) -> str:
    return " ".join(text.split())


TIME_EN: dict[str, SlotType] = {
    "minutes": SlotType("minutes", _minutes_en(), r"\d{1,4} (?:minutes?|mins?|hours?)", _minutes_digits),
    "clock_time": SlotType("clock_time", _clock_en(), r"\d{1,2}(?:[ :.]\d{2})?(?: ?(?:am|pm|a m|p m))?",
                           _clock_digits),
    "reminder_place": SlotType("reminder_place", {
        "when i arrive": "destination", "when we arrive": "destination", "when i get there": "destination",
        "when we get there": "destination", "on arrival": "destination", "when i get to my destination":
        "destination", "when i get home": "home", "when we get home": "home", "when i'm home": "home",
        "when i am home": "home", "at the next stop": "next_stop", "when i stop": "next_stop",
        "when we stop": "next_stop", "next time i stop": "next_stop", "at my next stop": "next_stop"}),
    "reminder_text": SlotType("reminder_text", _COMMON_EN, r"\S[^\n]*?", _words),
}


def _minutes_zh() -> dict[str, int]:
    out: dict[str, int] = {"半个小时": 30, "半小时": 30, "一个小时": 60, "一小时": 60, "一个半小时": 90,
                           "两个小时": 120, "两小时": 120, "三个小时": 180, "一刻钟": 15}
    for n in _MINUTES:
        out[f"{zh_number_words(n)}分钟"] = n
    out["两分钟"] = 2
    return out


def _minutes_zh_convert(text: str) -> int:
    t = text.replace(" ", "")
    m = re.fullmatch(r"(\d+|[零〇一二两三四五六七八九十百]+)(分钟|个小时|小时)", t)
    if m is None:
        raise ValueError(text)
    n = int(m.group(1)) if m.group(1).isdigit() else int(parse_zh_number(m.group(1)))
    return n * (1 if m.group(2) == "分钟" else 60)


_DAYPART = {"凌晨": 0, "早上": 0, "上午": 0, "中午": 12, "下午": 12, "晚上": 12}


def _clock_zh_convert(text: str) -> str:
    t = text.replace(" ", "")
    m = re.fullmatch(r"(凌晨|早上|上午|中午|下午|晚上)?(\d{1,2}|[零一二两三四五六七八九十]+)点(半|(\d{1,2}|[零一二三四五六七八九十]+)分?)?",
                     t)
    if m is None:
        raise ValueError(text)
    hour = int(m.group(2)) if m.group(2).isdigit() else int(parse_zh_number(m.group(2)))
    minute = 30 if m.group(3) == "半" else (0 if m.group(4) is None else
                                             int(m.group(4)) if m.group(4).isdigit() else int(parse_zh_number(m.group(4))))
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ValueError(text)
    part = m.group(1)
    if part is None:
        return f"{hour:02d}:{minute:02d}" if hour > 12 else f"{hour}:{minute:02d}"
    if part in ("中午", "下午", "晚上") and hour < 12:
        hour += 12
    return f"{hour:02d}:{minute:02d}"


def _clock_zh() -> dict[str, str]:
    out = {}
    for part in ("", "早上", "上午", "下午", "晚上"):
        for h in range(1, 13):
            for tail, minute in (("点", 0), ("点半", 30)):
                said = f"{part}{zh_number_words(h)}{tail}"
                out[said] = _clock_zh_convert(said)
    out["两点"], out["下午两点"] = "2:00", "14:00"
    return out


TIME_ZH: dict[str, SlotType] = {
    "minutes": SlotType("minutes", _minutes_zh(), r"(?:\d+|[零〇一二两三四五六七八九十百]+)(?:分钟|个小时|小时)",
                        _minutes_zh_convert),
    "clock_time": SlotType("clock_time", _clock_zh(),
                           r"(?:凌晨|早上|上午|中午|下午|晚上)?(?:\d{1,2}|[零一二两三四五六七八九十]+)点(?:半|(?:\d{1,2}|[零一二三四五六七八九十]+)分?)?",
                           _clock_zh_convert),
    "reminder_place": SlotType("reminder_place", {
        "到了的时候": "destination", "到达的时候": "destination", "到了": "destination", "到达目的地的时候":
        "destination", "到目的地的时候": "destination", "到家的时候": "home", "到家了": "home", "到家": "home",
        "回到家的时候": "home", "下次停车的时候": "next_stop", "下一站": "next_stop", "停车的时候": "next_stop"}),
    "reminder_text": SlotType("reminder_text", {"给安娜打电话": "给安娜打电话", "给妈妈打电话": "给妈妈打电话",
                                                "买牛奶": "买牛奶", "加油": "加油", "充电": "充电"},
                              r"\S.*?", _words),
}

__all__ = ["TIME_EN", "TIME_ZH"]
