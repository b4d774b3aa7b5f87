"""The listening window after a bare wake phrase: pure state over audio time.

"Hey cockpit" alone opens the window; speech that starts within ``listen_s`` after it is a
command without the wake phrase. A reply that asks the driver something opens it too (the
follow-up: the answer needs no wake phrase). The window closes when a command is heard, or expires once
nothing has started by its end (reported once, so the owner can go back to idle).
"""
from __future__ import annotations


class WakeWindow:
    def __init__(self, listen_s: float):
        self.listen_s = listen_s
        self._until: float | None = None

    def open(self, audio_time: float, seconds: float | None = None) -> None:
        """Speech starting within ``seconds`` (default ``listen_s``) after ``audio_time`` needs no wake phrase."""
        self._until = audio_time + (self.listen_s if seconds is None else seconds)

    def close(self) -> None:
        self._until = None

    def covers(self, audio_time: float) -> bool:
        """Speech starting at ``audio_time`` needs no wake phrase."""
        return self._until is not None and audio_time <= self._until

    def expired(self, audio_time: float, in_speech: bool) -> bool:
        """True once, when the window passed with no speech under way."""
        if self._until is not None and not in_speech and audio_time > self._until:
            self._until = None
            return True
        return False
