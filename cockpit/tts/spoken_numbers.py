"""Numbers, units, times, money and temperatures written out as words, for English and Mandarin.

Engines differ in how they read digits, so every number a reply carries is spoken here, once:
integers up to 999,999,999 as words, decimals digit by digit after the point, and longer numbers
or numbers with a leading zero (phone numbers, codes) digit by digit. A number glued to a letter
("A12", "3D", "G4") is a name and stays as written.

Mandarin reads a bare 2 as 两 only before a measure word or a unit (两个, 两公里, 两点 for the
clock hour); everywhere else it is 二 (二十二度, 二度). Years of four digits before 年 are read
digit by digit (二零二六年).
"""
from __future__ import annotations

import re

from cockpit.lang.numbers_en import number_words
from cockpit.lang.numbers_zh import zh_integer

MAX_SPOKEN = 999_999_999
"""Integers above this are read digit by digit."""

_EN_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_EN_ORDINAL = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
               "nine": "ninth", "twelve": "twelfth"}
_ZH = "零一二三四五六七八九"

# symbol -> (English singular, English plural, Mandarin); per-hour speeds are said 每小时 N 公里
_KMH = ("kilometre per hour", "kilometres per hour", "公里")
_LITRE, _MINUTE, _HOUR = ("litre", "litres", "升"), ("minute", "minutes", "分钟"), ("hour", "hours", "小时")
_UNITS = {
    "km/h": _KMH, "kph": _KMH, "kmh": _KMH, "mph": ("mile per hour", "miles per hour", "英里"),
    "kWh": ("kilowatt hour", "kilowatt hours", "千瓦时"), "kW": ("kilowatt", "kilowatts", "千瓦"),
    "km": ("kilometre", "kilometres", "公里"), "m": ("metre", "metres", "米"), "mi": ("mile", "miles", "英里"),
    "cm": ("centimetre", "centimetres", "厘米"), "mm": ("millimetre", "millimetres", "毫米"),
    "kg": ("kilogram", "kilograms", "公斤"), "L": _LITRE, "l": _LITRE,
    "min": _MINUTE, "mins": _MINUTE, "h": _HOUR, "hr": _HOUR, "hrs": _HOUR,
    "kPa": ("kilopascal", "kilopascals", "千帕"), "bar": ("bar", "bar", "巴"), "psi": ("p s i", "p s i", "磅每平方英寸"),
}
_PER_HOUR = {"km/h", "kph", "kmh", "mph"}
_MONEY = {"$": ("dollar", "dollars", "cent", "cents", "美元"), "€": ("euro", "euros", "cent", "cents", "欧元"),
          "£": ("pound", "pounds", "penny", "pence", "英镑"), "¥": ("yen", "yen", "", "", "元")}
_MEASURES = ("个|位|家|辆|次|条|种|杯|台|件|张|本|只|把|道|天|周|小时|分钟|公里|千米|米"
             "|点(?![\\d零一二三四五六七八九十])")  # 点 as the clock hour, not a decimal point

_NUM = r"-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_PRE = r"(?<![A-Za-z\d.,])"  # a number starts here: not glued to a letter, digit or decimal point
_UNIT_RE = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
_RANGE = re.compile(r"(?<![A-Za-z\d.,:/-])(\d{1,3}(?:\.\d+)?)\s?[-–~]\s?(\d{1,3}(?:\.\d+)?)(?![\d:/-]|\.\d)")
# a currency sign right after a digit is that number's ("5€ 3"), never the next one's
_MONEY_BEFORE = re.compile(r"(?<!\d)([$€£¥])\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?(?!\d|\.\d)")
_MONEY_AFTER = re.compile(_PRE + r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?\s?([€])")
_TIME = re.compile(r"(?<![\d:.,])([01]?\d|2[0-3])(?::([0-5]\d))?(?:\s?([AaPp])\.?\s?[Mm](?![A-Za-z]))?(?![\d:])")
_TEMP = re.compile(_PRE + f"({_NUM})" + r"\s?(?:°(?:\s?([CF](?![A-Za-z])))?|(摄氏度|度))")  # "0° 0": the space stays
_PERCENT = re.compile(_PRE + f"({_NUM})" + r"\s?%")
_UNIT = re.compile(_PRE + f"({_NUM})" + rf"\s?({_UNIT_RE})(?![A-Za-z\d/])")
_BARE_UNIT = re.compile(r"(?<![A-Za-z])(kWh|km/h|kW|kph|mph)(?![A-Za-z])")
_ORDINAL = re.compile(_PRE + r"(\d+)(?:st|nd|rd|th)(?![A-Za-z\d])")
_YEAR = re.compile(_PRE + r"(\d{4})\s?年")
_TWO = re.compile(_PRE + rf"2(?=\s?(?:{_MEASURES}))")
_NUMBER = re.compile(_PRE + f"({_NUM})" + r"(?![A-Za-z\d]|[.,]\d)")


def en_integer(n: int) -> str:
    """0..999,999,999 in words: 1_200_005 -> 'one million two hundred thousand five'."""
    if n < 0:
        return "minus " + en_integer(-n)
    if n > MAX_SPOKEN:
        raise ValueError(f"number out of range for speech: {n}")
    parts = []
    for size, name in ((1_000_000, "million"), (1000, "thousand")):
        if n >= size:
            head, n = divmod(n, size)
            parts.append(f"{number_words(head)} {name}")
    if n or not parts:
        parts.append(number_words(n))
    return " ".join(parts)


def en_ordinal(n: int) -> str:
    """1 -> 'first', 22 -> 'twenty second', 40 -> 'fortieth'; above 999,999,999 digit by digit
    ('one ... nine zeroth')."""
    *head, last = (en_integer(n) if n <= MAX_SPOKEN else " ".join(_EN_DIGITS[int(d)] for d in str(n))).split()
    last = _EN_ORDINAL.get(last) or (last[:-1] + "ieth" if last.endswith("y") else last + "th")
    return " ".join([*head, last])


def en_decimal(text: str) -> str:
    """'21.5' -> 'twenty one point five', '-3' -> 'minus three', '1,200' -> 'one thousand two hundred'."""
    sign, whole, frac = _split(text)
    words = " ".join(_EN_DIGITS[int(d)] for d in whole) if _by_digit(whole) else en_integer(int(whole))
    if frac:
        words += " point " + " ".join(_EN_DIGITS[int(d)] for d in frac)
    return ("minus " if sign else "") + words


def zh_digits(text: str) -> str:
    """Digit by digit: '2026' -> '二零二六'."""
    return "".join(_ZH[int(d)] for d in text if d.isdigit())


def zh_decimal(text: str) -> str:
    """'21.5' -> '二十一点五', '-3' -> '负三', '0.5' -> '零点五'."""
    sign, whole, frac = _split(text)
    words = zh_digits(whole) if _by_digit(whole) else zh_integer(int(whole))
    return ("负" if sign else "") + words + ("点" + zh_digits(frac) if frac else "")


def _split(text: str) -> tuple[bool, str, str]:
    sign = text.startswith("-")
    whole, _, frac = text.lstrip("-").replace(",", "").partition(".")
    return sign, whole, frac


def _by_digit(whole: str) -> bool:
    return (len(whole) > 1 and whole.startswith("0")) or int(whole) > MAX_SPOKEN


def _plural(num: str, singular: str, plural: str) -> str:
    return singular if num.lstrip("-") == "1" else plural


def speak_numbers_en(text: str) -> str:
    """Every number in English text as words, with its unit, currency, time or temperature."""
    text = _RANGE.sub(r"\1 to \2", text)
    text = _MONEY_BEFORE.sub(lambda m: _en_money(m[1], m[2], m[3]), text)
    text = _MONEY_AFTER.sub(lambda m: _en_money(m[3], m[1], m[2]), text)
    text = _TIME.sub(_en_time, text)
    text = _TEMP.sub(lambda m: f"{en_decimal(m[1])} {_plural(m[1], 'degree', 'degrees')}"
                     + {"C": " Celsius", "F": " Fahrenheit"}.get(m[2] or "", ""), text)
    text = re.sub(r"°\s?C(?![A-Za-z])", " degrees Celsius", text).replace("°", " degrees ")
    text = _PERCENT.sub(lambda m: en_decimal(m[1]) + " percent", text).replace("%", " percent")
    text = _UNIT.sub(lambda m: f"{en_decimal(m[1])} {_plural(m[1], *_UNITS[m[2]][:2])}", text)
    text = _BARE_UNIT.sub(lambda m: _UNITS[m[1]][1], text)
    text = _ORDINAL.sub(lambda m: en_ordinal(int(m[1])), text)
    return _NUMBER.sub(lambda m: en_decimal(m[1]), text)


def _en_money(symbol: str, whole: str, cents: str | None) -> str:
    one, many, cent, cents_word, _ = _MONEY[symbol]
    units = int(whole.replace(",", ""))
    small = int(cents.ljust(2, "0")) if cents and cent else 0
    if units == 0 and small:
        return f"{en_integer(small)} {cent if small == 1 else cents_word}"
    spoken = f"{en_decimal(whole)} {one if units == 1 else many}"
    return spoken + (f" {en_integer(small)}" if small else "")


def _en_time(m: re.Match) -> str:
    hour, minutes, half = int(m[1]), m[2], m[3]
    if minutes is None and half is None:
        return m[0]
    words = en_integer(hour)
    if minutes and minutes != "00":
        words += " " + (f"oh {_EN_DIGITS[int(minutes)]}" if minutes[0] == "0" else en_integer(int(minutes)))
    elif not half:
        words = "midnight" if hour == 0 else words + (" hundred" if hour > 12 else " o'clock")
    return words + (f" {half.lower()} m" if half else "")


def speak_numbers_zh(text: str) -> str:
    """Every number in Mandarin text in Chinese characters, with its unit, money, time or temperature."""
    text = _RANGE.sub(r"\1到\2", text)
    text = _MONEY_BEFORE.sub(lambda m: _zh_money(m[1], m[2], m[3]), text)
    text = _MONEY_AFTER.sub(lambda m: _zh_money(m[3], m[1], m[2]), text)
    text = _TIME.sub(_zh_time, text)
    text = _TEMP.sub(_zh_temp, text)
    text = re.sub(r"°\s?C(?![A-Za-z])", "摄氏度", text).replace("°", "度")
    text = _PERCENT.sub(lambda m: ("负" if m[1][0] == "-" else "") + "百分之" + zh_decimal(m[1].lstrip("-")), text)
    text = _UNIT.sub(_zh_unit, text)
    text = _BARE_UNIT.sub(lambda m: "公里每小时" if m[1] in _PER_HOUR else _UNITS[m[1]][2], text)
    text = _YEAR.sub(lambda m: zh_digits(m[1]) + "年", text)
    text = _ORDINAL.sub(lambda m: "第" + zh_decimal(m[1]), text)
    text = _TWO.sub("两", text)
    return _NUMBER.sub(lambda m: zh_decimal(m[1]), text)


def _zh_count(num: str) -> str:
    return "两" if num == "2" else zh_decimal(num)


def _zh_money(symbol: str, whole: str, cents: str | None) -> str:
    amount = whole + ("." + cents.rstrip("0") if cents and cents.rstrip("0") else "")
    return zh_decimal(amount) + _MONEY[symbol][4]


def _zh_time(m: re.Match) -> str:
    hour, minutes, half = int(m[1]), m[2], m[3]
    if minutes is None and half is None:
        return m[0]
    prefix = {"a": "上午", "p": "下午"}.get((half or "").lower(), "")
    words = prefix + ("两" if hour == 2 else zh_integer(hour)) + "点"
    if minutes and minutes != "00":
        words += ("零" + _ZH[int(minutes)] if minutes[0] == "0" else zh_integer(int(minutes))) + "分"
    return words


def _zh_temp(m: re.Match) -> str:
    num, scale, word = m[1], m[2], m[3]
    value = ("零下" if num.startswith("-") else "") + zh_decimal(num.lstrip("-"))
    return ("华氏" if scale == "F" else "") + value + (word or "度")


def _zh_unit(m: re.Match) -> str:
    num, unit = m[1], m[2]
    if unit in _PER_HOUR:
        return "每小时" + _zh_count(num) + _UNITS[unit][2]
    return _zh_count(num) + _UNITS[unit][2]
