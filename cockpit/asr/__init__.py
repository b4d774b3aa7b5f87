"""Speech recognisers: faster-whisper (open vocabulary) and PocketSphinx with the command grammar.

Both speak the :class:`cockpit.asr.base.Recognizer` protocol; ``make_recognizer`` builds the one
``asr.engine`` names. The grammar recogniser listens with JSGF the owner hands in (compiled from
the fast path's command table), so this package never imports the brain.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from cockpit.config import AsrSettings
from cockpit.factory import pick


@dataclass(frozen=True)
class Grammars:
    """JSGF for the grammar recogniser: commands (with the wake phrase), and the dialog answers
    (yes / no / cancel) heard while the driver is being asked something."""

    command: str = ""
    dialog: str = ""


def _whisper(asr: AsrSettings, grammars: Grammars):
    from cockpit.asr.whisper import WhisperStream
    return WhisperStream(asr)


def _sphinx(asr: AsrSettings, grammars: Grammars):
    from cockpit.asr.sphinx import SphinxCommands
    return SphinxCommands(asr, grammars.command, grammars.dialog)


RECOGNIZERS: dict[str, Callable] = {"whisper": _whisper, "sphinx": _sphinx}


def make_recognizer(asr: AsrSettings, grammars: Grammars = Grammars()):
    """The recogniser ``asr.engine`` names ('auto' is resolved before, by cockpit.stack)."""
    return pick("asr.engine", asr.engine, RECOGNIZERS)(asr, grammars)
