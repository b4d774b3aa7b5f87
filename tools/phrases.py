"""What drivers say, for the measuring tools and tests.

``COMMANDS``: the grammar's commands as a driver says them, without a wake phrase: one list for the
recognition score (measure_recognition.py) and the wake-word corpus (wake_corpus.py).

The phrase set (tests/data/understanding/*.yaml): in-domain utterances with the tool call each must
become (or the argument it must ask back), and utterances that must NOT act. ``load_phrase_set()``
reads it into :class:`Phrase` rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "understanding"

COMMANDS = [
    "set the temperature to twenty two degrees", "set the passenger temperature to nineteen degrees",
    "make it warmer", "I'm cold", "it's too hot in here", "lower the temperature",
    "set the fan speed to three", "turn off the fan", "turn on the air conditioning", "switch off the a c",
    "open my window a bit", "open the passenger window halfway", "close all the windows", "close the window",
    "pause the music", "resume the music", "next track", "go back", "set the volume to five",
    "turn it down", "turn it up", "mute", "unmute the radio",
    "navigate to the airport", "take me home", "navigate to work",
    "find the nearest gas station", "is there a coffee shop nearby", "find a charging station",
    "what's my fuel level", "how far can I go", "check the tyre pressure", "what is the outside temperature",
]


@dataclass(frozen=True)
class Phrase:
    """One utterance of the phrase set and what the front end must make of it."""

    text: str
    lang: str
    """'en' or 'zh'."""
    kind: str
    """'act' (a complete command), 'ask' (a partial one: ask back) or 'none' (must not act)."""
    tool: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    """'act': the whole call's arguments; 'ask': the arguments already known."""
    asks: str | None = None
    """'ask': the argument asked for."""
    category: str = ""
    """The tool (in-domain) or the must-not-act category (chit_chat, negations, ...)."""


def load_phrase_set(folder: Path | str = DATA) -> list[Phrase]:
    """Every utterance of the phrase set, in file order: EN commands, ZH commands, must-not-act."""
    import yaml
    folder = Path(folder)
    rows: list[Phrase] = []
    for lang in ("en", "zh"):
        table = yaml.safe_load((folder / f"commands_{lang}.yaml").read_text(encoding="utf-8"))
        for tool, items in table.items():
            for text, want in items.items():
                if tool == "ask":
                    name, arg, known = want
                    rows.append(Phrase(text, lang, "ask", name, dict(known), arg, name))
                else:
                    rows.append(Phrase(text, lang, "act", tool, dict(want or {}), None, tool))
    table = yaml.safe_load((folder / "must_not_act.yaml").read_text(encoding="utf-8"))
    for category, items in table.items():
        for text in items:
            rows.append(Phrase(text, "zh" if category == "zh" else "en", "none", category=category))
    return rows


def with_wake(rows: list[Phrase], wake: str, every: int = 9, offset: int = 0) -> list[Phrase]:
    """Every ``every``-th in-domain English row said after ``wake`` ('hey cockpit'), in one breath."""
    chosen = [r for r in rows if r.lang == "en" and r.kind != "none"][offset::every]
    return [Phrase(f"{wake}, {r.text}", r.lang, r.kind, r.tool, r.args, r.asks, r.category) for r in chosen]
