"""What one sentence of the driver's or a model's is: a claim of an action, a command, a question; and what
the vehicle context line says (its facts, whether the car moves). Pure text functions, no state; the reply
guards (guards.py) and the model tier (llm_turn.py) read them."""
from __future__ import annotations

import re
from dataclasses import dataclass


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
