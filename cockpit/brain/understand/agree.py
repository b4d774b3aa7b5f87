"""Do two readings of the same audio ask for the same thing? PocketSphinx's cross-check.

A closed grammar turns any sound into one of its commands, so a command from the grammar runs
straight away only when an open-vocabulary reading of the same audio (PocketSphinx's general
English language model, :attr:`cockpit.asr.base.Recognition.reading`) supports it. The open
reading is noisy ("set the fan speed to three" is read "that the fans speak to three"), so it
need not parse by itself; it supports the command when:

- it is not itself something that must not act (a negation, a question, a request for later,
  words about someone else), nor a command or a question for anything else;
- nothing stands in it before the grammar's first word; and
- it contains every *decisive* word of the grammar's words: a word whose removal changes the
  call ("off" in "turn the air con off", "quieter", "three"; function words like "the", "set" and
  "turn" aside), a possessive aside ("driver's"); a plural is another word ("windows" is every
  window).

Anything else is read back to the driver (``FrontEnd.cross_check``). README "Speech in" measures
the rule on the phrase set said by two voices.

When the grammar heard the wake phrase in one breath with the command, the open reading spells the
phrase its own way ("to top it what is on my right"); the listener drops that spelling first
(:func:`cockpit.lang.wake_words.after_wake`).

The answer to a yes/no question is heard with a grammar of answers alone, which forces other words
into one ("open my window a bit" said over the read-back was heard "go ahead"), so a yes counts only
when the open reading holds an affirmative word too (:func:`affirmed`); a "no" always counts.
"""
from __future__ import annotations

from typing import Callable

from cockpit.events import ToolCall


def _stem(word: str) -> str:
    return word.removesuffix("'s").removesuffix("s'").replace("'", "")


FUNCTION_WORDS = frozenset("the a an to of for at in it its it's is i i'm am you could would can my your me us and "
                           "please here set make put turn".split())
"""Words the grammar needs but that carry no choice: the open reading often mishears them ("set" ->
"that", "turn" -> "from") and their absence never makes another command."""


def decisive_words(words: str, call: ToolCall, parse: Callable[[str], ToolCall | None]) -> list[str]:
    """The words of ``words`` (which parse to ``call``) without which the parse is another call or none,
    function words aside."""
    split = words.split()
    return [w for i, w in enumerate(split)
            if w not in FUNCTION_WORDS and parse(" ".join(split[:i] + split[i + 1:])) != call]


def _same(a: str, b: str) -> bool:
    """One word, a possessive aside ("driver's" / "driver"); a plural is another word ("windows" is
    every window, "window" the driver's)."""
    return _stem(a) == _stem(b)


def supports(reading_words: str, grammar_words: str, decisive: list[str]) -> bool:
    """Every decisive word is in the reading (endings aside), and the reading does not hold words
    before the grammar's first word ("you | turn the music up" for "who turned the music up": what
    the grammar left out in front may have made it a question or a negation)."""
    have, first = reading_words.split(), grammar_words.split()[0]
    if any(_same(first, h) for h in have[1:]) and not _same(first, have[0]):
        return False
    return all(any(_same(w, h) for h in have) for w in decisive)


AFFIRMATIVE = frozenset("yes yeah yep yup sure okay ok ahead confirm confirmed".split())
"""Words of a yes as PocketSphinx's open reading writes them (espeak-ng's "yes" at 140 wpm: "yeah")."""


def affirmed(reading: str) -> bool:
    """Does the open reading of an answer hold a yes?"""
    return any(w in AFFIRMATIVE for w in reading.casefold().replace(",", " ").split())

