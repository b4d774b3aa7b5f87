"""One bus for every event of a turn; the CLI, traces, HMI API and benchmark all read it."""
from __future__ import annotations

import logging
from collections import deque
from typing import Callable

from cockpit.events import Event

log = logging.getLogger(__name__)
Listener = Callable[[Event], None]


class EventBus:
    def __init__(self, history: int = 2000) -> None:
        self._listeners: list[Listener] = []
        self.history: deque[Event] = deque(maxlen=history)
        """The latest events (bounded: a daemon runs for days)."""
        self.keep_history = True

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def emit(self, event: Event) -> Event:
        if self.keep_history:
            self.history.append(event)
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a broken listener must never break a turn
                log.exception("event listener failed on %s", event.type)
        return event
