"""Who has the floor while cockpit talks: the reply, held by a barge-in, then given to the driver or back.

An interruption (the listener's :class:`Interruption`) first only pauses the reply — faded out,
nothing dropped — when ``barge_in.resume_ms`` allows it. The driver's words then take the floor:
the Assistant cuts the reply and cancels its turn, as it always did. A sound that said nothing (a
cough, a door, "mm-hm": the listener's :class:`Resume`) gives it back: the reply plays on from the
paused sample. With ``resume_ms: 0`` every interruption cuts at once.

The Assistant owns the turn and its state; this holds only the reply's audio and says what happened
on the bus.
"""
from __future__ import annotations

import time
from typing import Callable

from cockpit.asr.heard import Interruption, Resume
from cockpit.audio.output import ReplySink
from cockpit.events import BargeIn, Event, ReplyResumed


class Floor:
    def __init__(self, sink: ReplySink, emit: Callable[[Event], None], resume_ms: int):
        self.sink, self.emit, self.resume = sink, emit, resume_ms > 0
        self.held: Interruption | None = None
        """The interruption holding the reply (paused), if any."""

    def hold(self, heard: Interruption, turn: int) -> bool:
        """The driver talked over the reply: pause it (True), or False when every interruption cuts."""
        if self.held is not None:
            return True
        if not self.resume or heard.trigger == "wake":  # the wake phrase is words: it always takes the floor
            return False
        self.held = heard
        self.sink.pause()
        self._barge_in(heard, turn, 0.0, held=True)
        return True

    def take(self) -> Interruption | None:
        """The driver's words came: the held interruption, which the owner now turns into a cut."""
        held, self.held = self.held, None
        return held

    def announce(self, heard: Interruption, turn: int, dropped: float) -> None:
        """A cut the bus has not heard of yet (one that was held was announced when it was held)."""
        self._barge_in(heard, turn, dropped)

    def give_back(self, heard: Resume, turn: int) -> bool:
        """No words came: the held reply plays on from where it paused."""
        if self.held is None:
            return False
        self.held = None
        self.sink.resume()
        self.emit(ReplyResumed(t=time.monotonic(), turn=turn, audio_time=heard.audio_time, held_s=round(heard.held_s, 3)))
        return True

    def _barge_in(self, heard: Interruption, turn: int, dropped: float, held: bool = False) -> None:
        self.emit(BargeIn(t=time.monotonic(), turn=turn, trigger=heard.trigger, audio_time=heard.audio_time,
                          speech_s=round(heard.speech_s, 3), dropped_s=round(dropped, 3), held=held))
