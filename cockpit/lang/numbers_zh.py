"""Chinese numerals, both ways: what the driver says ('二十二点五' -> 22.5) and what cockpit
writes or says (22 -> '二十二'). The fast path parses with the first; slot vocabularies and
speakable text use the second."""
from __future__ import annotations

import re


_DIGITS: dict[str, int] = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
                           "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS: dict[str, int] = {"十": 10, "百": 100, "千": 1000}
_WORDS = "零一二三四五六七八九"
_ASCII_NUM = re.compile(r"\d+(?:\.\d+)?", re.ASCII)


def _as_number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _zh_int(text: str) -> int:
    if not text:
        raise ValueError("empty number")
    if re.fullmatch(r"\d+", text, re.ASCII):
        return int(text)
    total = 0
    digit: int | None = None
    last_unit: int | None = None
    zero_seen = False
    for ch in text:
        if ch in _DIGITS:
            d = _DIGITS[ch]
            if d == 0:
                if digit is not None:
                    raise ValueError(f"not a Chinese number: {text!r}")
                zero_seen = True
                continue
            if digit is not None:  # 二二: digit by digit is not a cardinal
                raise ValueError(f"not a Chinese number: {text!r}")
            digit = d
        elif ch in _UNITS:
            unit = _UNITS[ch]
            if last_unit is not None and unit >= last_unit:
                raise ValueError(f"not a Chinese number: {text!r}")
            if digit is None:
                if unit == 10 and last_unit is None:  # 十五 = 一十五
                    digit = 1
                else:
                    raise ValueError(f"not a Chinese number: {text!r}")
            total += digit * unit
            digit, last_unit, zero_seen = None, unit, False
        else:
            raise ValueError(f"not a Chinese number: {text!r}")
    if digit is not None:
        if last_unit is not None and last_unit >= 100 and not zero_seen:
            total += digit * (last_unit // 10)  # 一百二 = 120, 两千五 = 2500
        else:
            total += digit
    elif last_unit is None and not zero_seen:
        raise ValueError(f"not a Chinese number: {text!r}")
    return total


def parse_zh_number(text: str) -> float | int:
    """'二十二' -> 22, '二十二点五' -> 22.5, '两' -> 2, '一百零五' -> 105, '22.5' -> 22.5.

    Raises ValueError for anything else (including digit-by-digit '二二')."""
    t = "".join(text.split())
    if _ASCII_NUM.fullmatch(t):
        return _as_number(float(t))
    whole, point, frac = t.partition("点")
    value = _zh_int(whole)
    if not point:
        return value
    if not frac or any(ch not in _DIGITS for ch in frac):
        raise ValueError(f"not a Chinese number: {text!r}")
    return _as_number(float(f"{value}." + "".join(str(_DIGITS[ch]) for ch in frac)))


def zh_integer(n: int) -> str:
    """0..999,999,999 in Chinese: 10003 -> '一万零三', 100000 -> '十万', 22 -> '二十二'."""
    if n < 0:
        return "负" + zh_integer(-n)
    if n > 999_999_999:
        raise ValueError(f"number out of range for speech: {n}")
    if n == 0:
        return "零"
    yi, rest = divmod(n, 10**8)
    out, gap = "", False
    for value, unit in ((yi, "亿"), (rest // 10**4, "万"), (rest % 10**4, "")):
        if value == 0:
            gap = bool(out)
            continue
        if out and (gap or value < 1000):
            out += "零"
        out, gap = out + _zh_under_10000(value) + unit, False
    return out[1:] if out.startswith("一十") else out


def _zh_under_10000(value: int) -> str:
    out, gap = "", False
    for digit, unit in zip(f"{value:04d}", ("千", "百", "十", "")):
        if digit == "0":
            gap = bool(out)
            continue
        out += ("零" if gap else "") + _WORDS[int(digit)] + unit
        gap = False
    return out


def zh_number_words(n: int) -> str:
    """0..999 as written Chinese: 22 -> '二十二', 10 -> '十', 105 -> '一百零五'."""
    if not 0 <= n < 1000:
        raise ValueError(f"number out of range: {n}")
    return zh_integer(n)
