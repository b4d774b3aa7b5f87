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

CONTEXT_ECHO = "llm-context-echo"
TOOL_TEXT = "llm-tool-text"
REPETITION = "llm-repetition"
UNBACKED_CLAIM = "llm-unbacked-claim"

# -- the car's verbs -------------------------------------------------------------------------------
_VERBS = ("turn switch set open close shut raise lower roll crank increase decrease reduce adjust change "
          "start stop pause play resume skip mute unmute call dial phone ring text message send navigate "
          "route order buy pay book heat warm cool defrost demist enable disable activate deactivate put "
          "bump boost lock unlock cancel find locate search take drive blow dim brighten lift drop "
          "reroute direct guide charge park").split()
_IRREGULAR = {"set": ("set", "setting"), "shut": ("shut", "shutting"), "put": ("put", "putting"),
              "pay": ("paid", "paying"), "buy": ("bought", "buying"), "send": ("sent", "sending"),
              "find": ("found", "finding"), "ring": ("rang", "ringing"), "take": ("took", "taking"),
              "drive": ("drove", "driving"), "blow": ("blew", "blowing"), "stop": ("stopped", "stopping"),
              "drop": ("dropped", "dropping"), "dim": ("dimmed", "dimming"), "cancel": ("cancelled", "cancelling"),
              "dial": ("dialled", "dialling"), "skip": ("skipped", "skipping"), "begin": ("began", "beginning")}
_EXTRA_FORMS = {"canceled", "canceling", "dialed", "dialing", "started", "turned"}


def _forms(verb: str) -> tuple[str, str]:
    """(past participle, -ing form) of a regular or listed verb."""
    if verb in _IRREGULAR:
        return _IRREGULAR[verb]
    if verb.endswith("e"):
        return verb + "d", verb[:-1] + "ing"
    return verb + "ed", verb + "ing"


_PAST = sorted({_forms(v)[0] for v in _VERBS} | {f for f in _EXTRA_FORMS if f.endswith("ed")})
_ING = sorted({_forms(v)[1] for v in _VERBS} | {f for f in _EXTRA_FORMS if f.endswith("ing")})


def _alt(words) -> str:
    """A regex alternation of ``words``, longest first."""
    return "(?:" + "|".join(sorted(set(words), key=len, reverse=True)) + ")"


_BASE_RE, _PAST_RE, _ING_RE = _alt(_VERBS), _alt(_PAST), _alt(_ING)
_STATE = _alt(["on", "off", "up", "down", "open", "closed", "set", "playing", "paused", "muted", "unmuted",
               "running", "locked", "unlocked", "heating", "cooling", "active", "enabled", "disabled"])
_FILLER = r"(?:(?:ok|okay|sure|alright|all right|got it|right|yes|certainly|of course|no problem|absolutely)[,.!]?\s+)*"
_CLAIMS = [
    # I've turned / I'm turning / I'll turn / I just set / I have now opened
    re.compile(rf"\bi(?:'ve|'m|'ll|'d| have| am| will| had)?\s+(?:just\s+|now\s+|already\s+|successfully\s+)*"
               rf"(?:been\s+)?(?:{_PAST_RE}|{_ING_RE}|{_BASE_RE})\b"),
    # "Turning up the volume." / "Sure, setting it to 20."
    re.compile(rf"^{_FILLER}(?:{_ING_RE})\b"),
    # "The window is opened", "the volume has been turned up", "the AC is now on", "the car is turning..."
    re.compile(rf"\b(?:is|are|'s|'re|has been|have been|was|were)\s+(?:now\s+)?(?:being\s+)?(?:{_PAST_RE}|{_ING_RE})\b"),
    re.compile(rf"\b(?:is|are|'s|'re)\s+now\s+{_STATE}\b|\b(?:is|are|'s|'re)\s+{_STATE}\s+now\b"),
    # "Let me turn that up", "I'm going to open it"
    re.compile(rf"\b(?:let me|allow me to|i'm going to|i am going to|i'm gonna)\s+(?:just\s+|now\s+)?{_BASE_RE}\b"),
    # "Done." / "All set." / "There you go."
    re.compile(rf"^{_FILLER}(?:done|all set|all done|there you go|here you go|consider it done)\W*$"),
]
_NOT_A_CLAIM = re.compile(r"\b(?:can't|cannot|can not|couldn't|could not|won't|wasn't able|unable|not able|"
                          r"don't|do not|didn't|did not|haven't|have not|isn't|is not|aren't|are not|no way)\b")


def is_claim(sentence: str) -> bool:
    """Does ``sentence`` say that an action on the car was (or is being, or will be) taken?

    Questions and negations never are ("Shall I open the window?", "I can't open it")."""
    s = _plain(sentence)
    if not s or s.rstrip().endswith("?"):
        return False
    clauses = re.split(r"[,;:]\s+|\s+(?:but|and|so|although|though)\s+", s)
    return any(not _NOT_A_CLAIM.search(c) and any(p.search(c) for p in _CLAIMS) for c in clauses)


def _plain(text: str) -> str:
    """Lower case, typographic apostrophes made plain, white space collapsed."""
    return re.sub(r"\s+", " ", text.replace("\u2019", "'").replace("\u2018", "'").lower()).strip()


# -- command-like utterances -------------------------------------------------------------------------
_LEAD = re.compile(r"^(?:(?:hey|hi|ok|okay|so|and|uh|um|er|please|now|then|cockpit|jarvis|car)\b[,.!]?\s*)+")
_NEGATED = re.compile(r"^(?:don't|do not|dont|never|no need to|stop asking|you don't need to|no,? don't)\b")
_ASK = re.compile(rf"^(?:(?:can|could|would|will) you|would you mind|can i get you to|i'd like you to|i want you to|"
                  rf"i need you to)\s+(?:please\s+|just\s+|kindly\s+)?(?:{_BASE_RE}|go|get|make|give)\b")
_WANT = re.compile(r"^(?:i want to|i'd like to|i would like to|i need to|let's|lets|i wanna)\s+"
                   rf"(?:{_BASE_RE}|go|get|listen|hear)\b")
_IMPERATIVE = re.compile(rf"^(?:{_BASE_RE}|go|get|make|give|bring|let in)\b")
_FEELING = _alt(["cold", "hot", "freezing", "boiling", "warm", "chilly", "stuffy", "roasting", "sweating",
                 "fogged", "foggy", "misted", "misty", "steamed", "loud", "quiet", "dark", "bright", "cool"])
_COMPLAINT = re.compile(
    r"^(?:i'm|im|i am|i feel|i'm feeling|i am feeling|i'm getting|i am getting|it's|its|it is|it's getting|"
    r"it is getting|it feels|this is|(?:my|the) [a-z]+(?: [a-z]+)? (?:is|are|feels?|gets?))\s+"
    rf"(?:(?:so|way|a bit|a little|really|too|very|kind of|pretty|quite|getting|all|super|rather|bloody)\s+)*"
    rf"{_FEELING}\b")
_WANT_THING = re.compile(r"^(?:i need|i want|i'd like|i would like|give me|let's have|get me)\s+(?:some\s+|a bit of\s+|"
                         r"more\s+|less\s+|a little\s+)?(?:fresh air|air|heat|warmth|music|quiet|silence|cool air|"
                         r"ac|air conditioning|a coffee|coffee|directions|the news)\b")
_MORE_LESS = re.compile(r"^(?:more|less|a bit more|a little more)\s+(?:air|heat|volume|cooling|music)\b|"
                        r"^(?:louder|quieter|warmer|cooler|colder|hotter|softer)\b")


def looks_like_command(text: str) -> bool:
    """Is the driver asking the car to do something? (imperatives of the car's verbs, "can you /
    could you / please" + verb, "I want to" + verb, complaints such as "I'm cold", "it's way too hot
    in here", "my seat is cold", "louder"). Questions, negations ("don't open the window") and chat
    are not. Used to send an utterance the fast path could not parse to the model with a tool call
    required (a grammar over the tools and "none")."""
    s = _plain(text)
    s = re.sub(r"[^\w' ]+", " ", s).strip()
    s = _LEAD.sub("", s).strip()
    if not s or _NEGATED.match(s):
        return False
    return bool(_ASK.match(s) or _WANT.match(s) or _IMPERATIVE.match(s) or _COMPLAINT.match(s) or _MORE_LESS.match(s)
                or _WANT_THING.match(s))


_QUESTION = re.compile(r"^(?:what|what's|whats|where|where's|when|why|how|how's|who|who's|which|whose|is|are|am|was|"
                       r"were|do|does|did|have|has|can i|could i|should|shall|will it|would it|tell me|"
                       r"can you tell|could you tell|do you know)\b")


def is_question(text: str) -> bool:
    """Does the driver ask something (rather than ask for something to be done)?"""
    s = _LEAD.sub("", _plain(text)).strip()
    return s.endswith("?") and not looks_like_command(s) or bool(_QUESTION.match(s))


# -- the context line --------------------------------------------------------------------------------
_HEADER = re.compile(r"\bvehicle\s*(?:\(|:)", re.I)
_COORD = re.compile(r"(?<![\d.])-?\d{1,3}\.\d{3,}(?![\d])")
_VALUE = re.compile(r"-?\d+(?:\.\d+)?\s*(?:%|°c|°|km/h|km|kwh)", re.I)
_CLOCK = re.compile(r"\b\d{1,2}:\d{2}\s+(?:mon|tue|wed|thu|fri|sat|sun)\b", re.I)


@dataclass(frozen=True)
class ContextFacts:
    """What in a sentence gives the context line away: its raw items ("fuel 62%", "speed 0 km/h"),
    its values (62%, 450 km), its coordinates and its clock stamp."""

    items: frozenset[str]
    values: frozenset[str]
    coords: tuple[str, ...]

    @classmethod
    def of(cls, context: str) -> "ContextFacts":
        """From a context line (or several, one a line: the real one and the prompt's example)."""
        items: set[str] = set()
        for line in context.splitlines():
            body = re.sub(r"^\s*vehicle\s*(?:\([^)]*\))?\s*:\s*", "", line, flags=re.I).strip().rstrip(".")
            items |= {_plain(part) for part in re.split(r",\s+", body) if len(part.strip()) > 3}
        values = {_norm_value(v) for v in _VALUE.findall(context)}
        coords = tuple(c for c in _COORD.findall(context))
        return cls(frozenset(items), frozenset(values), coords)

    def echoed(self, sentence: str, *, min_items: int = 2, min_values: int = 2) -> bool:
        """Does ``sentence`` repeat the context line: its header ("Vehicle (08:30 Thu):"), a
        coordinate, a run of ``min_items`` raw items ("fuel 62%, battery 80%") or ``min_values``
        of its values in one sentence ("The fuel is at 62%, the battery at 80%")? One fact in
        words ("You have 62% fuel left.") is an answer."""
        s = _plain(sentence)
        if _HEADER.search(s):
            return True
        if any(c[:c.index(".") + 3] in s for c in self.coords):  # the position, shortened
            return True
        items = sum(1 for item in self.items if item in s)
        if items >= min_items or (items and _CLOCK.search(s)):
            return True
        values = {_norm_value(v) for v in _VALUE.findall(s)} & self.values
        return len(values) >= min_values


_SPEED = re.compile(r"\bspeed (-?\d+(?:\.\d+)?) km/h", re.I)


def moving(context: str, above_kmh: float = 3.0) -> bool:
    """Does the context line say the car moves? Its speed above ``above_kmh``, or no speed at all
    ("speed unknown", a stale or absent reading) — unknown counts as moving, as in the policy."""
    m = _SPEED.search(context)
    return m is None or abs(float(m.group(1))) > above_kmh


def _norm_value(v: str) -> str:
    return re.sub(r"\s+", "", v.lower()).replace("°c", "°")


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
                 tool_names: Iterable[str] = ()):
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
