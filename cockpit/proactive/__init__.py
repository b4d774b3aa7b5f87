"""cockpit speaking first: break suggestions, range warnings, timers and reminders, the arrival routine.

One mechanism (:mod:`.copilot`): watches say what is due (:mod:`.fatigue`, :mod:`.reserve`, :mod:`.agenda`,
cockpit/skills/home/arrival.py), the co-pilot asks when the cabin is quiet and the road allows
(:mod:`.attention`), and the policy gate holds what it offers for the driver's spoken yes.
"""
from cockpit.proactive.prompt import KINDS, Prompt, Watch

__all__ = ["KINDS", "Prompt", "Watch"]
