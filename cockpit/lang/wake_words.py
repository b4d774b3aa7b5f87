"""Removing the wake phrase from the start of a transcript, however the recogniser spelled it.

Whisper writes what it heard: "Hey Cockpit, ...", "a cockpit ...", "hey cop it ...", "hey cock
they ...", "Hey Jarvis, ...". So the first words are compared with the wake phrase by SOUND: both
become ARPAbet phones (the CMU dictionary in the pocketsphinx wheel; a letter-to-sound guess for
other words) and a weighted edit distance — a vowel for a vowel or /p/ for /b/ costs less than
/p/ for /s/, a dropped /h/ almost nothing — divided by the phrase's length. The best window of
1 .. n+2 leading words wins (on a tie, the one removing fewer words) if it is within ``MAX_DISTANCE`` (``MAX_DISTANCE_BARE`` without a
greeting, as fewer phones then carry the evidence); a greeting ("hey", "okay", "hi",
"你好") may come first. Nothing after the start is ever removed.

The phrases: ``cockpit.wake.wake_phrases(settings.wake)`` — the keyphrase, or each openWakeWord
model's phrase read from its file name (hey_jarvis_v0.1.onnx -> "hey jarvis").
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Iterable, Sequence

MAX_DISTANCE = 0.34
"""Largest accepted distance (edit cost per phone of the phrase) when a greeting leads ("hey ...").
Measured on the phrase set: the README's wake table gives the strip and false-strip rates."""
MAX_DISTANCE_BARE = 0.2
"""The same for the phrase alone ("cop it, ..."): stricter, as fewer phones carry the evidence."""
MAX_DISTANCE_HEARD = 0.55
"""The greeted limit when the wake spotter HEARD a phrase at the start of this very audio (``heard=True``):
the words are known to be there, only their spelling is in doubt. Whisper base's spellings of "hey cockpit"
seen in demo runs: "Hey, coffee" 0.50, "Hey cut" 0.50, "Hey car" 0.53; a command's first word after a
dropped "cockpit" stays above: "call" 0.60, "open" 0.63, "set" 0.67, "turn" and "close" 0.70. Only the
greeting and as many words as the phrase has are compared, never a longer window."""
GREETINGS = ("hey", "okay", "hi", "ok")
_CJK_GREETING = re.compile(r"^\s*(?:你好|嘿|哈喽|嗨|喂)[\s,，、。!！]*")
_WORD = re.compile(r"[A-Za-z][A-Za-z']*")
_GAP = re.compile(r"[\s,.!?;:，。！？、-]*")
_VOWELS = {"AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"}
_CLASSES = [{"P", "B"}, {"T", "D"}, {"K", "G"}, {"P", "T", "K", "B", "D", "G", "DH", "TH"},
            {"F", "V", "TH", "DH", "S", "Z", "SH", "ZH"}, {"CH", "JH", "SH", "ZH", "T", "D"},
            {"M", "N", "NG"}, {"L", "R", "W", "Y", "ER"}]


def strip_wake(text: str, phrases: Sequence[str], heard: bool = False) -> tuple[str, bool]:
    """(the words after a wake phrase at the very start, whether one was there).

    ``strip_wake("Hey cop it, turn the volume up.", ["cockpit"]) == ("turn the volume up.", True)``;
    text that does not begin with something that sounds like a phrase comes back unchanged. ``heard``: the
    wake spotter fired on this audio (see MAX_DISTANCE_HEARD)."""
    rest = _CJK_GREETING.sub("", text, count=1)
    words = _leading_words(rest)
    if not words or not phrases:
        return text, False
    best: tuple[float, int] | None = None
    for phones, target, greeting in _targets(tuple(phrases)):
        limit = MAX_DISTANCE if greeting else MAX_DISTANCE_BARE
        for k in range(1, min(len(words), len(target) + 2) + 1):
            said = [w.group(0).lower() for w in words[:k]]
            d = distance(_phones(said), phones) / len(phones)
            near = d <= limit or (heard and greeting and k == len(target) and said[0] == target[0]
                                  and _core_distance(said[1:], target[1:]) <= MAX_DISTANCE_HEARD)
            if near and (best is None or d < best[0] - 1e-9 or (abs(d - best[0]) < 1e-9 and k < best[1])):
                best = (d, k)
    if best is None:
        return text, False
    cut = words[best[1] - 1].end()
    return rest[cut:].lstrip(" \t,.!?;:，。！？、"), True


def _core_distance(said: Sequence[str], phrase: Sequence[str]) -> float:
    """Edit cost per phone of the phrase's own words (the greeting left out: it would dilute the cost)."""
    target = _phones(phrase)
    return distance(_phones(said), target) / max(1, len(target))


def _leading_words(text: str, most: int = 8) -> list[re.Match[str]]:
    """The Latin words at the start of ``text`` with only spaces or punctuation between them."""
    words: list[re.Match[str]] = []
    pos = 0
    while len(words) < most:
        m = _WORD.match(text, _GAP.match(text, pos).end())
        if m is None:
            break
        words.append(m)
        pos = m.end()
    return words


@lru_cache(maxsize=64)
def _targets(phrases: Sequence[str]) -> list[tuple[tuple[str, ...], tuple[str, ...], bool]]:
    """(phones, words, greeted) of each phrase, alone and after each greeting."""
    out = []
    for phrase in phrases:
        words = tuple(phrase.lower().split())
        core = words[1:] if len(words) > 1 and words[0] in GREETINGS else words
        out.append((_phones(core), core, False))
        out.extend((_phones((g, *core)), (g, *core), True) for g in GREETINGS)
    return out


def distance(a: Sequence[str], b: Sequence[str]) -> float:
    """Weighted edit distance between two phone sequences."""
    prev = [0.0]
    for p in b:
        prev.append(prev[-1] + _indel(p))
    for x in a:
        row = [prev[0] + _indel(x)]
        for j, y in enumerate(b, 1):
            row.append(min(prev[j] + _indel(x), row[j - 1] + _indel(y), prev[j - 1] + _sub(x, y)))
        prev = row
    return prev[-1]


def _indel(p: str) -> float:
    return 0.3 if p == "HH" else 0.6 if p in ("AH", "IH", "T", "D") else 1.0


def _sub(x: str, y: str) -> float:
    if x == y:
        return 0.0
    if x in _VOWELS and y in _VOWELS:
        return 0.4
    if any(x in c and y in c for c in _CLASSES[:3]):
        return 0.3
    if any(x in c and y in c for c in _CLASSES[3:]):
        return 0.6
    return 1.0


@lru_cache(maxsize=4096)
def _word_phones(word: str) -> tuple[str, ...]:
    return _cmudict().get(word) or _guess(word)


def _phones(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(p for w in words for p in _word_phones(w.strip("'")))


@lru_cache(maxsize=1)
def _cmudict() -> dict[str, tuple[str, ...]]:
    """The CMU dictionary shipped in the pocketsphinx wheel (first pronunciation of each word)."""
    try:
        import pocketsphinx
        path = os.path.join(pocketsphinx.get_model_path(), "en-us", "cmudict-en-us.dict")
        out: dict[str, tuple[str, ...]] = {}
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                word, _, phones = line.partition(" ")
                if "(" not in word:
                    out[word] = tuple(phones.split())
        return out
    except (ImportError, OSError):
        return {}


_LETTERS = [("tch", "CH"), ("sch", "S K"), ("ch", "CH"), ("sh", "SH"), ("th", "TH"), ("ph", "F"), ("ck", "K"),
            ("ng", "NG"), ("qu", "K W"), ("ee", "IY"), ("oo", "UW"), ("ea", "IY"), ("ai", "EY"), ("ay", "EY"),
            ("ey", "EY"), ("ou", "AW"), ("ow", "OW"), ("oi", "OY"), ("a", "AE"), ("e", "EH"), ("i", "IH"),
            ("o", "AA"), ("u", "AH"), ("y", "IY"), ("b", "B"), ("c", "K"), ("d", "D"), ("f", "F"), ("g", "G"),
            ("h", "HH"), ("j", "JH"), ("k", "K"), ("l", "L"), ("m", "M"), ("n", "N"), ("p", "P"), ("q", "K"),
            ("r", "R"), ("s", "S"), ("t", "T"), ("v", "V"), ("w", "W"), ("x", "K S"), ("z", "Z")]


def _guess(word: str) -> tuple[str, ...]:
    """A rough letter-to-sound reading for a word the dictionary lacks (names, misspellings)."""
    out: list[str] = []
    i = 0
    w = word.lower()
    while i < len(w):
        for letters, phones in _LETTERS:
            if w.startswith(letters, i):
                out.extend(phones.split())
                i += len(letters)
                break
        else:
            i += 1  # digits and anything else: no sound we can guess
    return tuple(out)


WAKE_SLACK = 4
"""Most words the open reading may spend on the wake phrase ("a cockpit", "to top it", "they talked it")."""
MEANING_WORDS = frozenset("who what why how when where which whose don't doesn't didn't do does did not never no "
                          "is are was were can could should would will won't".split())
"""Words that, in front of a command, can make it a question or a negation: never dropped as a wake phrase."""


def after_wake(reading: str, command: str) -> str:
    """A second, open-vocabulary reading (PocketSphinx's cross-check) without its spelling of the wake
    phrase ("to top it what is on my right" for "hey cockpit, what is on my right"), when the grammar heard
    one before ``command`` (its words after the phrase): the words before the command's first word, at most
    WAKE_SLACK of them and none that could change the meaning."""
    words, first = reading.split(), (command.split() or [""])[0]
    for i, word in enumerate(words[:WAKE_SLACK + 1]):
        if word.removesuffix("'s") == first.removesuffix("'s"):
            return " ".join(words[i:]) if not MEANING_WORDS & set(words[:i]) else reading
    return reading
