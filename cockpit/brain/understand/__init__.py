"""Understanding a transcript before the router: the open-vocabulary front end.

``FrontEnd(fastpath, wake_phrases(settings.wake)).understand(text)`` -> Command | Clarify |
Decline | Open; ``strip_wake(text, phrases) -> (rest, stripped)``. See :mod:`.frontend`.
"""
from cockpit.brain.understand.frontend import Clarify, Command, Decline, FrontEnd, Open, Understanding
from cockpit.brain.understand.wake import model_phrase, strip_wake, wake_phrases

__all__ = ["FrontEnd", "Command", "Clarify", "Decline", "Open", "Understanding", "strip_wake", "wake_phrases",
           "model_phrase"]
