"""Understanding a transcript before the router: the open-vocabulary front end.

``FrontEnd(fastpath, cockpit.wake.wake_phrases(settings.wake)).understand(text)`` -> Command | Clarify |
Decline | Open; ``strip_wake(text, phrases) -> (rest, stripped)``. See :mod:`.frontend`.
"""
from cockpit.brain.understand.frontend import Clarify, Command, Decline, FrontEnd, Open, Understanding
from cockpit.lang.wake_words import strip_wake

__all__ = ["FrontEnd", "Command", "Clarify", "Decline", "Open", "Understanding", "strip_wake"]
