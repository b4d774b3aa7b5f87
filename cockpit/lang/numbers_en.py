"""Spoken English numbers, both directions, for slot vocabularies and speakable replies."""
from __future__ import annotations

_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
         "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def number_words(n: int) -> str:
    """0..999 as spoken words: 22 -> 'twenty two', 105 -> 'one hundred five'."""
    if not 0 <= n < 1000:
        raise ValueError(f"number out of range for speech: {n}")
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + ("" if ones == 0 else " " + _ONES[ones])
    hundreds, rest = divmod(n, 100)
    return _ONES[hundreds] + " hundred" + ("" if rest == 0 else " " + number_words(rest))


def number_vocab(lo: int, hi: int) -> dict[str, int]:
    """Spoken phrase -> value for every integer in [lo, hi]."""
    return {number_words(n): n for n in range(lo, hi + 1)}


def speak_number(value: float) -> str:
    """A number as a person would say it: 21.5 -> 'twenty one point five'."""
    if float(value).is_integer():
        n = int(value)
        return ("minus " if n < 0 else "") + number_words(abs(n)) if abs(n) < 1000 else str(n)
    whole, frac = f"{abs(value):.1f}".split(".")
    sign = "minus " if value < 0 else ""
    return f"{sign}{number_words(int(whole))} point {_ONES[int(frac)]}"
