"""Does a partial transcript stop where no sentence ends? ("navigate to the", "set it to, uh") Or where
one does ("How far is the next charging station?")

A second opinion for the endpointer next to Smart Turn, which hears a pause after "navigate to
the" said with a full stop's tune (as synthetic voices say it, and some drivers) as the end of a
turn. Text cannot be fooled by the tune: a turn does not end on an article, a possessive, a
preposition that needs its object, a conjunction or a filler, nor on the comma, dash or ellipsis
Whisper writes where speech broke off. Particles that do end commands ("turn it on", "volume
up", "switch it off") are not in the lists. Pure; English and Mandarin.
"""
from __future__ import annotations

import re

DANGLING_EN = frozenset("""
    the a an my your our their its
    to of for with at from into onto about than
    and or but because if
    is are was were be am
    um uh er erm uhm
""".split())
"""English words a driver's turn does not end on."""

DANGLING_ZH = ("的", "把", "给", "到", "去", "和", "跟", "还有", "然后", "那个", "这个", "就是", "嗯", "呃", "额")
"""Mandarin endings a driver's turn does not end on (particles, conjunctions, fillers)."""

_BROKEN_OFF = re.compile(r"(,|，|、|-|—|\.\.\.|…)\s*$")
_WORD = re.compile(r"[a-z']+$")


def unfinished(text: str) -> bool:
    """True when ``text`` stops where no sentence ends (empty text is not unfinished: nothing to judge)."""
    t = text.strip()
    if not t:
        return False
    if _BROKEN_OFF.search(t):
        return True
    t = t.rstrip(".!?。！？ ")
    if t.endswith(DANGLING_ZH):
        return True
    last = _WORD.search(t.lower())
    return last is not None and last.group(0) in DANGLING_EN


_FINISHED = re.compile(r"[.!?。！？]\s*$")


def finished(text: str) -> bool:
    """True when ``text`` ends a sentence as the recogniser wrote it (Whisper punctuates what it heard
    end) and does not stop on a dangling word: mode smart-turn then needs Smart Turn's lower bar only."""
    t = text.strip()
    return bool(t) and _FINISHED.search(t) is not None and not t.endswith("...") and not unfinished(t)
