"""Wake backends: a spoken phrase (PocketSphinx), openWakeWord models, push-to-talk, or none.

All speak ``prepare / start / feed / finish -> WakeHit | None``; ``make_spotter`` builds the one
``wake.mode`` names. ``wake_phrases`` says what the driver says to wake the car, so the words can
be removed from the transcript whichever backend heard them.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

from cockpit.config import WakeSettings
from cockpit.factory import pick


def _phrase(s: WakeSettings):
    from cockpit.wake.phrase import PhraseSpotter
    return PhraseSpotter(s)


def _model(s: WakeSettings):
    from cockpit.wake.openwakeword import ModelSpotter
    return ModelSpotter(s.openwakeword)


def _ptt(s: WakeSettings):
    from cockpit.wake.ptt import PushToTalk
    return PushToTalk()


SPOTTERS: dict[str, Callable] = {"phrase": _phrase, "model": _model, "ptt": _ptt, "none": lambda s: None}


def make_spotter(settings: WakeSettings):
    """The wake backend for ``wake.mode`` (None for 'none')."""
    return pick("wake.mode", settings.mode, SPOTTERS)(settings)


def wake_phrases(settings: WakeSettings) -> list[str]:
    """What the driver says to wake cockpit: the keyphrase, or each openWakeWord model's phrase
    (from its file name: ``hey_jarvis_v0.1.onnx`` -> "hey jarvis")."""
    if settings.mode == "phrase":
        return [settings.keyphrase.lower()]
    if settings.mode == "model":
        names = (re.sub(r"_v\d+(\.\d+)*$", "", Path(m).stem) for m in settings.openwakeword.models)
        return [n.replace("_", " ").lower() for n in names if n]
    return []


def wake_stripper(settings: WakeSettings) -> Callable[..., str]:
    """Removes a leading wake phrase from a transcript however the recogniser spelled it ("Hey Cockpit,
    ...", "a cockpit ...", "hey cop it ..."): compared by sound (cockpit/lang/wake_words.py)."""
    from cockpit.lang.wake_words import strip_wake
    phrases = wake_phrases(settings)
    if not phrases:
        return lambda text, heard=False: text
    return lambda text, heard=False: strip_wake(text, phrases, heard)[0]
