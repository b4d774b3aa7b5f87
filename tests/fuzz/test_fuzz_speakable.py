"""Fuzzing speakable text (cockpit/tts/spoken_numbers.py, cockpit/tts/text.py), English and Mandarin.

Properties:
- round trip: integers up to 999,999,999 written as English or Chinese words read back (with a
  small reader written here) as the same number; decimals, signs, thousands separators and
  digit-by-digit readings (a leading zero, more than 999,999,999) too; no digit is left;
- any text made of numbers with units, money, times, temperatures, percentages, ordinals, ranges
  and years, between words, comes out with no ASCII digit left, in either language;
- any text at all: :func:`speakable` returns text (no markdown marks, no control characters) or
  raises :class:`UnspeakableText` with a reason — nothing else; the number functions never raise.
"""
from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import strategies as st

from cockpit.lang.numbers_zh import parse_zh_number
from cockpit.tts.spoken_numbers import (MAX_SPOKEN, en_decimal, en_integer, en_ordinal, speak_numbers_en,
                                        speak_numbers_zh, zh_decimal, zh_integer)
from cockpit.tts.text import UnspeakableText, speakable

_SMALL = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                                     "fourteen fifteen sixteen seventeen eighteen nineteen".split())}
_SMALL |= {w: 10 * i for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)}
_DIGIT_WORDS = dict(enumerate("zero one two three four five six seven eight nine".split()))
_DIGIT_WORDS = {str(i): w for i, w in _DIGIT_WORDS.items()}
_ZH_DIGITS = {str(i): c for i, c in enumerate("零一二三四五六七八九")}


def read_en(words: str) -> int:
    """English number words -> int (the inverse of en_integer, written independently)."""
    sign, parts = (-1, words.split()[1:]) if words.startswith("minus ") else (1, words.split())
    total = current = 0
    for w in parts:
        if w in _SMALL:
            current += _SMALL[w]
        elif w == "hundred":
            current *= 100
        else:
            total += current * {"thousand": 1000, "million": 1_000_000}[w]
            current = 0
    return sign * (total + current)


def read_zh(text: str) -> int:
    """Chinese numerals with 万 and 亿 -> int (sections read by the fast path's own reader)."""
    total = 0
    for unit, scale in (("亿", 10**8), ("万", 10**4)):
        if unit in text:
            head, text = text.split(unit)
            total += _zh_section(head) * scale
    return total + _zh_section(text)


def _zh_section(text: str) -> int:
    text = text.lstrip("零") if text.strip("零") else text[:1]
    return int(parse_zh_number(text)) if text else 0


integers = st.integers(-MAX_SPOKEN, MAX_SPOKEN)


@given(integers)
@example(0)
@example(MAX_SPOKEN)
@example(100_000_001)
def test_integers_as_words_read_back(n):
    en = en_integer(n)
    assert re.fullmatch(r"[a-z ]+", en) and read_en(en) == n
    zh = zh_integer(abs(n))
    assert not re.search(r"\d", zh) and read_zh(zh) == abs(n), zh
    ordinal = en_ordinal(abs(n))
    assert re.fullmatch(r"[a-z ]+", ordinal) and ordinal.split()[-1].endswith(("st", "nd", "rd", "th"))


@st.composite
def number_texts(draw) -> str:
    """A number as a reply writes it: sign, thousands separators, decimals, leading zeros, very long."""
    kind = draw(st.sampled_from(["int", "grouped", "decimal", "leading-zero", "long"]))
    sign = draw(st.sampled_from(["", "-"]))
    if kind == "int":
        return sign + str(draw(st.integers(0, MAX_SPOKEN)))
    if kind == "grouped":
        return sign + f"{draw(st.integers(1000, MAX_SPOKEN)):,}"
    if kind == "decimal":
        return sign + f"{draw(st.integers(0, 10**6))}.{draw(st.integers(0, 10**4)):0{draw(st.integers(1, 4))}d}"
    if kind == "leading-zero":
        return "0" + str(draw(st.integers(0, 10**8)))
    return str(draw(st.integers(MAX_SPOKEN + 1, 10**20)))


@given(number_texts())
@example("-0.5")
@example("1,000,000")
@example("0800123")
def test_decimals_read_back_in_both_languages(text):
    negative = text.startswith("-")
    whole, _, frac = text.lstrip("-").replace(",", "").partition(".")
    by_digit = (len(whole) > 1 and whole[0] == "0") or int(whole) > MAX_SPOKEN  # the module's promise
    en = en_decimal(text)
    assert not re.search(r"\d", en) and en.startswith("minus ") == negative
    en_whole, _, en_frac = en.removeprefix("minus ").partition(" point ")
    if by_digit:
        assert en_whole.split() == [_DIGIT_WORDS[d] for d in whole]
    else:
        assert read_en(en_whole) == int(whole)
    assert en_frac.split() == [_DIGIT_WORDS[d] for d in frac]
    zh = zh_decimal(text)
    assert not re.search(r"\d", zh) and zh.startswith("负") == negative
    zh_whole, _, zh_frac = zh.removeprefix("负").partition("点")
    if by_digit:
        assert zh_whole == "".join(_ZH_DIGITS[d] for d in whole)
    else:
        assert read_zh(zh_whole) == int(whole)
    assert zh_frac == "".join(_ZH_DIGITS[d] for d in frac)


WORDS_EN = ["the", "Turn", "left", "in", "about", "and", "to", "costs", "at", "It is", "Battery", "exit", "now"]
WORDS_ZH = ["前方", "还有", "现在", "温度", "电量", "一共", "出发", "右转", "点", "个"]
UNITS = ["km/h", "kph", "mph", "kWh", "kW", "km", "m", "mi", "cm", "mm", "kg", "L", "l", "min", "mins", "h", "hr",
         "hrs", "kPa", "bar", "psi", "%", "°C", "°F", "°", "度", "摄氏度", "公里", "米", "个", "小时", "分钟"]


@st.composite
def numeric_token(draw) -> str:
    """One number as a reply writes it, with what goes with it."""
    n = draw(number_texts())
    kind = draw(st.sampled_from(["plain", "unit", "money", "time", "range", "ordinal", "year"]))
    space = draw(st.sampled_from(["", " "]))
    if kind == "unit":
        return n + space + draw(st.sampled_from(UNITS))
    if kind == "money":
        whole = draw(st.integers(0, 10**10))
        cents = draw(st.sampled_from(["", f".{draw(st.integers(0, 99)):02d}", f".{draw(st.integers(0, 9))}"]))
        amount = draw(st.sampled_from([str(whole), f"{whole:,}"])) + cents
        symbol = draw(st.sampled_from("$€£¥"))
        return symbol + space + amount if draw(st.booleans()) or symbol != "€" else amount + space + "€"
    if kind == "time":
        hour, minute = draw(st.integers(0, 23)), draw(st.integers(0, 59))
        clock = draw(st.sampled_from([f"{hour}:{minute:02d}", f"{hour:02d}:{minute:02d}"]))
        return clock + draw(st.sampled_from(["", " am", " pm", "AM", " p.m."]))
    if kind == "range":
        return f"{draw(st.integers(0, 999))}{draw(st.sampled_from(['-', '–', '~', ' - ']))}{draw(st.integers(0, 999))}"
    if kind == "ordinal":
        return f"{draw(st.integers(0, 10**12))}{draw(st.sampled_from(['st', 'nd', 'rd', 'th']))}"
    if kind == "year":
        return f"{draw(st.integers(1000, 9999))}年"
    return n


@st.composite
def numeric_text(draw, words: list[str]) -> str:
    parts = draw(st.lists(numeric_token() | st.sampled_from(words), min_size=1, max_size=8))
    ends = st.sampled_from(["", "", ".", ",", "!", "?", "。", "，"])
    return " ".join(p + draw(ends) for p in parts)


@given(numeric_text(WORDS_EN))
@example("the 1234567890th visitor")  # found: an ordinal above 999,999,999 kept its digits
@example("at 24:00")
@example("0 0€ 0")  # found: "€ 0" was read as money before the 0, leaving "0zero euros"
def test_english_numbers_leave_no_digit(text):
    spoken = speak_numbers_en(text)
    assert not re.search(r"[0-9]", spoken), (text, spoken)


@given(numeric_text(WORDS_ZH))
@example("第 1234567890th")
def test_mandarin_numbers_leave_no_digit(text):
    spoken = speak_numbers_zh(text)
    assert not re.search(r"[0-9]", spoken), (text, spoken)


@given(st.text(max_size=60) | numeric_text(WORDS_EN) | numeric_text(WORDS_ZH), st.sampled_from([None, "en", "zh"]))
def test_any_text_is_spoken_or_refused_with_a_reason(text, language):
    try:
        spoken = speakable(text, language)
    except UnspeakableText as exc:
        assert str(exc)
        return
    assert spoken == spoken.strip() and spoken
    assert not re.search(r"[*#`|~_\x00-\x08\x0b-\x1f\x7f]", spoken), spoken


@given(numeric_text(WORDS_EN), st.sampled_from(["en", "zh"]))
@example("0 0 0° 0", "en")  # found (10x run): "0° " took the space, leaving "zero degrees0"
@example("0° 0", "zh")
def test_speakable_numbers_leave_no_digit(text, language):
    try:
        spoken = speakable(text, language)
    except UnspeakableText:
        return
    assert not re.search(r"[0-9]", spoken), (text, spoken)
