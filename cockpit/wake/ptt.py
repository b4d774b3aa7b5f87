"""Push-to-talk: a button (HMI API, steering-wheel key, keyboard) opens the microphone gate.

``press()`` and ``release()`` may come from any thread and know nothing about audio time.
The pipeline polls ``is_open(audio_time)`` once per frame on its own thread; the poll stamps
pending presses and releases with that frame's audio time, so the record is in the same
clock as the audio. A tap that presses and releases between two polls still opens the gate
for that one frame, so it is never lost. Pure state, no clock, no I/O.
"""
from __future__ import annotations

import threading
from collections import deque

import numpy as np

from cockpit.wake.phrase import WakeHit

PHRASE = "push-to-talk"
"""``WakeHit.phrase`` of a press."""
SAMPLE_RATE = 16000
KEEP = 64
"""Presses and releases remembered (for the record; a daemon's button is pressed for days)."""


class PushToTalk:
    """Thread-safe talk button, polled per frame.

    Also speaks the wake-backend interface (``prepare/start/feed/finish``) so the pipeline can
    use it wherever it uses a spotter: ``feed`` advances audio time by the samples it is given
    and returns a :class:`WakeHit` while the button is (or was, this turn) pressed.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: deque[bool] = deque()  # True = press, False = release, in order
        self._open = False
        self._hit: WakeHit | None = None
        self._time = 0.0
        self.presses: deque[float] = deque(maxlen=KEEP)
        """Audio time of the latest presses, as stamped by the poll that saw them."""
        self.releases: deque[float] = deque(maxlen=KEEP)
        """Audio time of the latest releases."""

    # -- any thread ----------------------------------------------------------------------

    def press(self) -> None:
        with self._lock:
            self._events.append(True)

    def release(self) -> None:
        with self._lock:
            self._events.append(False)

    # -- the pipeline's thread -------------------------------------------------------------

    def is_open(self, audio_time: float) -> bool:
        """Apply pending presses/releases at ``audio_time``; True while the gate is open.

        A press and release both pending (a tap) count as open for this one poll.
        """
        with self._lock:
            events = list(self._events)
            self._events.clear()
        opened = False
        for pressed in events:
            if pressed and not self._open:
                self._open = opened = True
                self.presses.append(audio_time)
                self._hit = WakeHit(PHRASE, audio_time, 1.0)
            elif not pressed and self._open:
                self._open = False
                self.releases.append(audio_time)
        return self._open or opened

    @property
    def hit(self) -> WakeHit | None:
        """The latest press as a wake event (``end_s`` = press time, score 1.0), until ``start()``."""
        return self._hit

    # -- wake-backend interface --------------------------------------------------------------

    def prepare(self) -> None:
        """Nothing to load."""

    def start(self) -> None:
        """New stream: audio time back to 0, hit cleared; the button state is kept."""
        self._time = 0.0
        self._hit = None
        if self._open:  # held across the restart: a press at time 0
            self._hit = WakeHit(PHRASE, 0.0, 1.0)

    def feed(self, samples: np.ndarray) -> WakeHit | None:
        self.is_open(self._time)
        self._time += len(samples) / SAMPLE_RATE
        return self._hit

    def finish(self) -> WakeHit | None:
        return self._hit
