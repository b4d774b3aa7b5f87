"""The front end between the recogniser and the router: a transcript -> what the driver meant.

    heard = FrontEnd(BilingualFastPath(), ["cockpit", "hey jarvis"]).understand(transcript)

One pure pass, in this order (each step is in :mod:`.text` or :mod:`.wake`):
1. the wake phrase at the start is removed however it was heard ("a cockpit", "hey cop it");
2. the words are cleaned (case, punctuation, numbers, fillers), in the script's language;
3. a request for later or on a condition ("... when we get home") is never a command now — unless it is
   a timer or a reminder (LATER_TOOLS), whose whole point is later;
4. a COMPLETE grammar match is a :class:`Command` — the only result that acts — unless a value
   came as free text (a destination outside the vocabulary: "navigate to the terrain station"),
   which is read back first ("Navigate to the terrain station?");
5. a negation ("don't open the window") is a :class:`Decline` when it names something the car
   can do, else open text that may not actuate;
6. "should I open the window?" asks back "Do you want me to open the window?" (:class:`Clarify`
   with nothing missing: only a yes runs it); a partial match ("turn on the seat heating") asks
   the grammar's question for the missing argument;
7. everything else is :class:`Open` text for the model tiers, with ``may_actuate`` False for
   questions, remarks about other people and negations.
The driver's next utterance after a :class:`Clarify` goes to :meth:`FrontEnd.answer`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Sequence, Union

from cockpit.brain.commands_en import LATER_TOOLS
from cockpit.brain.commands_zh import BilingualFastPath, is_mandarin
from cockpit.brain.fastpath import FastPath, Match, Partial
from cockpit.brain.understand import text as t
from cockpit.brain.understand.agree import decisive_words, supports
from cockpit.lang.wake_words import strip_wake
from cockpit.events import ToolCall


@dataclass(frozen=True)
class Command:
    """A complete command: run ``call``."""

    call: ToolCall
    rule: str
    text: str
    """The cleaned words it was parsed from."""


@dataclass(frozen=True)
class Clarify:
    """Ask ``question``; the next utterance answers it. With ``missing`` empty it is a yes/no
    question about ToolCall(tool, known); else the first missing argument is asked for."""

    question: str
    tool: str
    known: dict[str, Any]
    missing: tuple[str, ...]
    lang: str
    text: str

    @property
    def call(self) -> ToolCall:
        return ToolCall(self.tool, self.known)


@dataclass(frozen=True)
class Decline:
    """Words that name an action the driver does NOT want now: say ``reply``, do nothing."""

    reply: str
    reason: str
    """'negation' | 'cancelled' | 'unanswered'."""
    text: str


@dataclass(frozen=True)
class Open:
    """Not a fast-path command: for the model tiers (or 'not understood'), wake phrase removed."""

    text: str
    may_actuate: bool = True
    """False for questions, negations, requests for later and words about other people: any tool
    call that actuates is refused, whichever tier proposes it."""
    reason: str = ""


Understanding = Union[Command, Clarify, Decline, Open]

_YES = {"en": {"yes", "yeah", "yep", "yup", "sure", "please", "do it", "go ahead", "ok", "okay", "yes please",
               "please do", "correct", "right", "yes do it", "sure go ahead"},
        "zh": {"是", "是的", "好", "好的", "对", "可以", "行", "要", "嗯", "好啊", "要的", "对的", "确认"}}
_CANCEL = {"en": {"no", "nope", "never mind", "nevermind", "cancel", "forget it", "nothing", "stop", "no thanks",
                  "none", "neither", "no thank you"},
           "zh": {"不", "不要", "不用", "算了", "取消", "不用了", "没事", "没有", "都不要"}}
_REPLY = {"en": {"negation": "Okay, I won't.", "cancelled": "Okay, never mind.",
                 "unanswered": "Sorry, I didn't get that, so I left it.", "confirm": "Do you want me to {}?",
                 "unsure": 'I heard "{}". Shall I do that?',
                 "free": {"navigate_to": "Navigate to {destination}?"}},
          "zh": {"negation": "好的，不操作。", "cancelled": "好的，不用了。", "unanswered": "抱歉，没听明白，先不操作。",
                 "confirm": "要我{}吗？", "unsure": "我听到的是“{}”，要执行吗？",
                 "free": {"navigate_to": "导航到{destination}吗？"}}}
_ANSWER_LEAD = {"en": ("for ", "to ", "on ", "at ", "level ", "make it ", "set it to ", "it's ", "its ", "the ",
                       "just ", "number ", "go to ", "take me to ", "call "),
                "zh": ("给", "调到", "开到", "设为", "是", "要", "到", "去", "打给", "导航到")}
_ANSWER_TAIL = {"en": (" please", " degrees", " degree", " percent", " thanks", " one", " level", " side"),
                "zh": ("吧", "的", "度", "档", "级", "座椅", "车窗", "窗户", "加热")}


@dataclass
class FrontEnd:
    """The understanding step for one assistant: its grammar and its wake phrases."""

    fastpath: BilingualFastPath | FastPath = field(default_factory=BilingualFastPath)
    wake: Sequence[str] = ("cockpit",)

    def _grammar(self, lang: str) -> FastPath:
        fp = self.fastpath
        return getattr(fp, lang) if isinstance(fp, BilingualFastPath) else fp

    def understand(self, transcript: str) -> Understanding:
        """What ``transcript`` asks for (see the module docstring for the order of the checks)."""
        rest, _ = strip_wake(transcript, self.wake)
        lang = "zh" if is_mandarin(rest) else "en"
        norm = t.clean(rest, lang)
        if not norm:
            return Open(rest.strip(), may_actuate=False, reason="no words after the wake phrase")
        grammar = self._grammar(lang)
        found = grammar.match(norm)
        if t.deferred(norm, lang) and not (isinstance(found, Match) and found.call.name in LATER_TOOLS):
            return Open(rest.strip(), may_actuate=False, reason="a request for later")
        if isinstance(found, Match) and found.free:  # free text may be misheard: read it back first
            question = _REPLY[lang]["free"].get(found.call.name, _REPLY[lang]["confirm"].format(norm))
            return Clarify(question.format(**found.call.arguments), found.call.name, dict(found.call.arguments), (),
                           lang, norm)
        if isinstance(found, Match):
            return Command(found.call, found.rule, norm)
        negated = t.negation(norm, lang)
        if negated is not None:
            words, device = negated
            if device or grammar.match(words) is not None:
                return Decline(_REPLY[lang]["negation"], "negation", norm)
            return Open(rest.strip(), may_actuate=False, reason="a negation")
        inner = t.question_frame(norm, lang)
        if inner is not None and isinstance(asked := grammar.match(inner), Match):
            question = _REPLY[lang]["confirm"].format(t.second_person(inner, lang))
            return Clarify(question, asked.call.name, dict(asked.call.arguments), (), lang, norm)
        if isinstance(found, Partial):
            return self._ask(found.tool, found.known, found.missing, lang, norm)
        if t.is_question(rest, norm, lang) or t.third_party(norm, lang):
            return Open(rest.strip(), may_actuate=False, reason="a question or words about someone else")
        return Open(rest.strip())

    def cross_check(self, heard: Understanding, reading: str) -> Understanding:
        """``heard`` (from a closed grammar's transcript) as it may run: a Command stands only when the
        open-vocabulary ``reading`` of the same audio supports it (:mod:`.agree`); else it is read back."""
        if not isinstance(heard, Command):
            return heard
        other = self.understand(reading)
        if isinstance(other, Command) and other.call == heard.call:
            return heard
        elsewhere = (isinstance(other, (Command, Decline)) or (isinstance(other, Open) and not other.may_actuate)
                     or (isinstance(other, Clarify) and other.tool != heard.call.name))
        lang = "zh" if is_mandarin(heard.text) else "en"
        if not elsewhere:
            decisive = decisive_words(heard.text, heard.call, self._call_of)
            if decisive and supports(t.clean(strip_wake(reading, self.wake)[0], lang), heard.text, decisive):
                return heard
        return Clarify(_REPLY[lang]["unsure"].format(heard.text), heard.call.name, dict(heard.call.arguments), (), lang,
                       heard.text)

    def _call_of(self, words: str) -> ToolCall | None:
        heard = self.understand(words)
        return heard.call if isinstance(heard, Command) else None

    def parse(self, transcript: str) -> Match | None:
        """The complete command in ``transcript`` as a fast-path Match (the listener's partials)."""
        heard = self.understand(transcript)
        return Match(heard.call, heard.rule) if isinstance(heard, Command) else None

    def is_complete_command(self, transcript: str) -> bool:
        """Do these words already form a command the fast path would act on? (The endpointer may
        then end the utterance sooner.)"""
        return isinstance(self.understand(transcript), Command)

    def answer(self, pending: Clarify, transcript: str) -> Understanding:
        """The driver's words after ``pending`` was asked: its answer, a new command, or a cancel."""
        rest, _ = strip_wake(transcript, self.wake)
        lang = "zh" if is_mandarin(rest) else pending.lang
        norm = t.clean(rest, lang)
        grammar = self._grammar(pending.lang)
        if not pending.missing:
            if norm in _YES[lang] or norm in _YES[pending.lang]:
                return Command(pending.call, "yes to: " + pending.question, norm)
        elif norm not in _CANCEL[lang] and t.negation(norm, lang) is None:
            value = _slot_answer(grammar, pending.tool, pending.missing[0], norm, pending.lang)
            if value is not None:
                known = {**pending.known, pending.missing[0]: value}
                if len(pending.missing) > 1:
                    return self._ask(pending.tool, known, pending.missing[1:], pending.lang, norm)
                return Command(ToolCall(pending.tool, known), "answer to: " + pending.question, norm)
        fresh = self.understand(transcript)
        if isinstance(fresh, (Command, Clarify)):
            return fresh
        reason = "cancelled" if norm in _CANCEL[lang] or t.negation(norm, lang) is not None else "unanswered"
        return Decline(_REPLY[lang][reason], reason, norm)

    def _ask(self, tool: str, known: dict[str, Any], missing: tuple[str, ...], lang: str, norm: str) -> Understanding:
        asked = self._grammar(lang).answer_slot(tool, missing[0])
        if asked is None:  # the grammar cannot ask for it: not a command the fast path can finish
            return Open(norm, may_actuate=True, reason=f"{tool} without {missing[0]}")
        return Clarify(asked[0], tool, dict(known), tuple(missing), lang, norm)


def _slot_answer(grammar: FastPath, tool: str, arg: str, norm: str, lang: str) -> Any | None:
    """The value of ``arg`` in a short answer ('for the passenger', 'level three', 'twenty two degrees')."""
    asked = grammar.answer_slot(tool, arg)
    if asked is None:
        return None
    slot = asked[1]
    candidates = [norm]
    words = norm
    for _ in range(3):
        for lead in _ANSWER_LEAD[lang]:
            words = words.removeprefix(lead)
        for tail in _ANSWER_TAIL[lang]:
            words = words.removesuffix(tail)
        candidates.append(words)
    for c in candidates:  # a phrase of the slot's vocabulary first, then its open form, most stripped first
        if c in slot.values:
            return slot.values[c]
    for c in reversed(candidates):
        if c and slot.extra_regex and slot.convert is not None and re.fullmatch(slot.extra_regex, c):
            try:
                return slot.convert(c)
            except ValueError:
                continue
    return None
