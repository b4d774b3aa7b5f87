"""Guards on a model's spoken reply, judged sentence by sentence while it streams.

A small real model (SmolLM2-135M) reads the vehicle context line aloud, repeats one sentence until
its token cap, and says "The car is now turning up the volume" without calling a tool. Every
speech delta of a turn goes through one :class:`ReplyGuard`; a sentence reaches the driver only
once it has been judged::

    deltas ─▶ sentence ─▶ judge ─┬─▶ SPEAK                                  (released at once)
                                 ├─▶ DROP  context read aloud   llm-context-echo    go on
                                 ├─▶ DROP  tool names, JSON     llm-tool-text       go on
                                 ├─▶ DROP  repeated sentence    llm-repetition      STOP the model
                                 │         or word n-gram
                                 ├─▶ HOLD  claimed action ── end of round: a call succeeded? ─▶ SPEAK
                                 │         (and what follows)                          no ─▶ DROP llm-unbacked-claim
                                 └─▶ (sentence cap reached)                          STOP the model

A sentence ends at ``. ! ?`` followed by white space, at ``。！？``, or at a line break; one that
runs past ``max_chars`` without a break is judged at its last word boundary. A repetition is also
caught inside an unfinished sentence ("Paris, France Paris, France ..."), so a loop with no
punctuation stops within a few words. A claim is held rather than dropped outright because the
model may write the call after the words ("Turning up the volume. <tool_call>..."): the tier
executes the round's calls, then calls :meth:`ReplyGuard.end_round`.

Pure: text in, verdicts out; no clock, no I/O. :func:`looks_like_command` tells the tier which
utterances must go to the model with a tool call required.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from cockpit.brain.sentences import ContextFacts, is_claim, is_question, looks_like_command, moving  # noqa: F401
# (is_question, looks_like_command and moving are re-exported: the model tier reads them from here)

CONTEXT_ECHO = "llm-context-echo"
TOOL_TEXT = "llm-tool-text"
REPETITION = "llm-repetition"
UNBACKED_CLAIM = "llm-unbacked-claim"


# -- one reply -----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Spoken:
    """Judged: the driver may hear it (the original text with the white space that ended it)."""

    text: str


@dataclass(frozen=True, slots=True)
class Dropped:
    """Judged: never spoken. ``code`` is a registered error code; empty for text past the caps."""

    text: str
    code: str


Verdict = Spoken | Dropped

_ENDS = ".!?"
_WIDE_ENDS = "。！？"
_CLOSERS = "\"')]}”’"
_ABBREVIATIONS = {"dr", "mr", "mrs", "ms", "st", "jr", "sr", "prof", "vs", "approx", "ca", "e.g", "i.e", "etc", "no"}
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_TOOLISH = re.compile(r"<\s*/?\s*tool|\btool_call\b|\btools?\b|[{}]|\b[a-z]+_[a-z_]+\b|\"name\"\s*:")
"""Tags, JSON, snake_case names and the word "tool": the driver never hears about the machinery
(a small model echoes the repair prompt: "Your tool call was rejected")."""


def _sentence_end(buf: str, final: bool) -> int | None:
    """Index just past the first sentence in ``buf`` (and the white space after it), else None."""
    for i, c in enumerate(buf):
        if c in _WIDE_ENDS:
            j = i + 1
        elif c == "\n":
            if not buf[:i].strip():
                continue
            j = i + 1
        elif c in _ENDS:
            j = i + 1
            while j < len(buf) and (buf[j] in _ENDS or buf[j] in _CLOSERS):
                j += 1
            if j == len(buf):
                if final:
                    return j
                return None  # more may follow: "3." could be "3.5"
            if not buf[j].isspace():
                continue
            head = buf[:i]
            word = head.split()[-1].lower().lstrip("(\"'") if head.split() else ""
            line = head[head.rfind("\n") + 1:].strip()
            if c == "." and (word in _ABBREVIATIONS or (line.isdigit() and len(line) <= 2)):
                continue  # "Dr. Smith", "e.g. this", a list number "2." at the start of a line
        else:
            continue
        while j < len(buf) and buf[j].isspace():
            j += 1
        return j  # with the white space seen so far: more of it joins the next sentence
    return None


class ReplyGuard:
    """One turn's spoken reply, judged sentence by sentence. Feed speech deltas; send the
    :class:`Spoken` verdicts to the driver; stop the model when :attr:`stopped` is set."""

    def __init__(self, context: str = "", *, max_sentences: int = 2, ngram: int = 6, max_chars: int = 240,
                 tool_names: Iterable[str] = (), request: str = ""):
        self.facts = ContextFacts.of(context) if context else None
        self.max_sentences = max_sentences
        self.ngram = ngram
        self.max_chars = max_chars
        self.tool_names = tuple(n.lower() for n in tool_names)
        self.acted = False
        """A tool call succeeded in this turn: claims are then spoken as they come."""
        self.stopped = ""
        """Why the model should stop now: 'sentence-cap' or 'repetition' (empty while it may go on)."""
        self.spoken: list[str] = []
        self.dropped: list[Dropped] = []
        self._buf = ""
        self._held: list[tuple[str, bool]] = []  # (text, is a claim), in order, waiting for end_round
        self._seen: set[tuple[str, ...]] = set()  # word n-grams of the sentences let through
        self._sentences: set[str] = set()
        if key := " ".join(w.lower() for w in _WORD.findall(request)):
            self._sentences.add(key)  # the driver's own words said back ("The air in here feels stale.") repeat them

    @property
    def unbacked(self) -> bool:
        """An action was claimed and dropped because no call backed it."""
        return any(d.code == UNBACKED_CLAIM for d in self.dropped)

    def feed(self, delta: str) -> list[Verdict]:
        """More speech; returns the verdicts it made certain (often none)."""
        out: list[Verdict] = []
        if self.stopped:
            return out
        self._buf += delta
        if self._count() >= self.max_sentences and self._buf.strip():
            self.stopped = "sentence-cap"  # it talks on past the cap (a call after the cap would not be speech)
            self._drop(self._buf, "", out)
            self._buf = ""
            return out
        while not self.stopped and (end := _sentence_end(self._buf, final=False)) is not None:
            sentence, self._buf = self._buf[:end], self._buf[end:]
            self._judge(sentence, out)
        if not self.stopped:
            self._runaway(out)
        return out

    def end_round(self, acted: bool) -> list[Verdict]:
        """One model call is over and its tool calls were executed; ``acted``: one of them (in this
        turn) succeeded. The unfinished sentence is judged, and held claims are spoken or dropped."""
        out: list[Verdict] = []
        if not self.stopped:
            while self._buf.strip() and (end := _sentence_end(self._buf, final=True)) is not None:
                sentence, self._buf = self._buf[:end], self._buf[end:]
                self._judge(sentence, out)
                if self.stopped:
                    break
            if self._buf.strip() and not self.stopped:
                self._judge(self._buf, out)
        self._buf = ""
        self.acted = self.acted or acted
        held, self._held = self._held, []
        for text, claim in held:
            if self.acted:
                self._speak(text, out)
            else:
                self._drop(text, UNBACKED_CLAIM, out)
        return out

    # -- judging -------------------------------------------------------------------------------
    def _judge(self, sentence: str, out: list[Verdict]) -> None:
        if not sentence.strip():
            return
        if self._count() >= self.max_sentences:
            self.stopped = "sentence-cap"
            self._drop(sentence, "", out)
            return
        if self.facts is not None and self.facts.echoed(sentence):
            self._drop(sentence, CONTEXT_ECHO, out)
            return
        if self._toolish(sentence):
            self._drop(sentence, TOOL_TEXT, out)
            return
        if self._repeats(sentence):
            self.stopped = "repetition"
            self._drop(sentence, REPETITION, out)
            return
        self._remember(sentence)
        claim = not self.acted and is_claim(sentence)
        if claim or self._held:
            self._held.append((sentence, claim))
        else:
            self._speak(sentence, out)

    def _runaway(self, out: list[Verdict]) -> None:
        """An unfinished sentence that loops (its words repeat, or say a sentence already said) or
        that passed ``max_chars``: judge what is sound of it now, without waiting for a break."""
        words = [(m.start(), m.group().lower()) for m in _WORD.finditer(self._buf)]
        n = self.ngram
        seen: dict[tuple[str, ...], int] = {}
        for i in range(len(words) - n + 1):
            gram = tuple(w for _, w in words[i:i + n])
            if gram in self._seen:  # it goes back over what was already said
                self.stopped = "repetition"
                self._drop(self._buf, REPETITION, out)
                self._buf = ""
                return
            if gram in seen:  # the sentence loops on itself: what came before the loop may be fine
                head, rest = self._buf[:words[i][0]], self._buf[words[i][0]:]
                self._buf = ""
                if head.strip():
                    self._judge(head, out)
                self._drop(rest, REPETITION, out)
                self.stopped = "repetition"
                return
            seen.setdefault(gram, i)
        if len(self._buf) > self.max_chars:
            cut = self._buf.rfind(" ", 0, self.max_chars)
            cut = cut if cut > 0 else self.max_chars
            head, self._buf = self._buf[:cut + 1], self._buf[cut + 1:]
            self._judge(head, out)

    def _count(self) -> int:
        return len(self.spoken) + len(self._held)

    def _toolish(self, sentence: str) -> bool:
        s = sentence.lower()
        return bool(_TOOLISH.search(s)) or any(name in s for name in self.tool_names)

    def _repeats(self, sentence: str) -> bool:
        key = " ".join(w.lower() for w in _WORD.findall(sentence))
        if key and key in self._sentences:
            return True
        words = [w.lower() for w in _WORD.findall(sentence)]
        grams = [tuple(words[i:i + self.ngram]) for i in range(len(words) - self.ngram + 1)]
        return any(g in self._seen for g in grams) or len(grams) != len(set(grams))

    def _remember(self, sentence: str) -> None:
        words = [w.lower() for w in _WORD.findall(sentence)]
        self._sentences.add(" ".join(words))
        self._seen.update(tuple(words[i:i + self.ngram]) for i in range(len(words) - self.ngram + 1))

    def _speak(self, text: str, out: list[Verdict]) -> None:
        self.spoken.append(text)
        out.append(Spoken(text))

    def _drop(self, text: str, code: str, out: list[Verdict]) -> None:
        verdict = Dropped(text, code)
        self.dropped.append(verdict)
        out.append(verdict)


__all__ = ["CONTEXT_ECHO", "ContextFacts", "Dropped", "REPETITION", "ReplyGuard", "Spoken", "TOOL_TEXT",
           "UNBACKED_CLAIM", "Verdict", "is_claim", "is_question", "looks_like_command", "moving"]
