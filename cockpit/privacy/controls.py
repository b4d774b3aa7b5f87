"""The driver's privacy controls on a running assistant: privacy mode, and "forget what I said today".

:class:`DriverPrivacy` is made by the Assistant with the parts it switches — the router (cloud tier),
the conversation history the model tiers share, the reply sink — and handed to the skills through
``SkillContext.privacy`` (the tools in cockpit/skills/builtin/privacy.py call it).

Privacy mode on: the history is cleared and keeps nothing, the router skips the cloud tier, the sink
keeps no reply audio; ``PrivacyModeChanged`` goes on the bus (the HMI shows it; so does /health). The
audit log still records side effects — it is the proof that a payment was asked and confirmed, and it
holds no transcript. The setting is kept in ``<state_dir>/privacy.json`` (0600), so a restart does
not quietly switch it off; with no such file, ``privacy.start_in_privacy_mode`` decides.

Forget today: the history made since local midnight and the reply WAVs written since then are
deleted; the tool is a transaction, so the gate reads it back and only the driver's spoken yes (or an
HMI Confirm) runs it.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterable

from cockpit.audio.output import remove_replies
from cockpit.events import PrivacyModeChanged
from cockpit.state import StateDir, write_private

log = logging.getLogger(__name__)
MODE_FILE = "privacy.json"


@dataclass(frozen=True)
class Forgotten:
    exchanges: int
    """Conversation turns dropped from the history."""
    replies: int
    """Reply WAVs deleted."""


def local_midnight(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


class DriverPrivacy:
    def __init__(self, settings: Any, emit: Callable[[Any], None], *, router: Any, histories: Iterable[Any],
                 sink: Any, now: Callable[[], datetime] = datetime.now, monotonic: Callable[[], float] = time.monotonic):
        """``router``: has ``private``; ``histories``: each has ``paused`` and ``forget_since``; ``sink``: has
        ``private`` and ``settings.reply_dir``; ``now``: local wall-clock time ('today')."""
        self.state, self.emit = StateDir.of(settings), emit
        self.router, self.histories, self.sink = router, list({id(h): h for h in histories}.values()), sink
        self.now, self.monotonic = now, monotonic
        self.on = self._remembered(settings.privacy.start_in_privacy_mode)
        self._apply()

    def _remembered(self, default: bool) -> bool:
        path = self.state.path(MODE_FILE)
        try:
            value = json.loads(path.read_text(encoding="utf-8")).get("privacy_mode")
        except (OSError, ValueError, AttributeError):
            return default
        return value if isinstance(value, bool) else default

    def _apply(self) -> None:
        self.router.private = self.on
        self.sink.private = self.on
        for history in self.histories:
            history.paused = self.on
            if self.on:
                history.forget_since(float("-inf"))

    def set_mode(self, on: bool) -> bool:
        """Privacy mode on or off, remembered across restarts; returns whether it changed."""
        if on == self.on:
            return False
        write_private(self.state.make() / MODE_FILE, json.dumps({"privacy_mode": on}) + "\n")
        self.on = on
        self._apply()
        self.emit(PrivacyModeChanged(t=time.monotonic(), on=on))
        return True

    def forget_today(self) -> Forgotten:
        """Drop today's conversation history and delete today's reply WAVs."""
        now = self.now()
        midnight = local_midnight(now)
        since_midnight = (now - midnight).total_seconds()
        at = self.monotonic() - since_midnight
        exchanges = sum(history.forget_since(at) for history in self.histories)
        replies = remove_replies(self.sink.settings.reply_dir, since=midnight.timestamp())
        self.sink.skip_once = True  # nor the reply that says it is done
        return Forgotten(exchanges, replies)

    def report(self) -> dict[str, Any]:
        """For /health and the HMI: is privacy mode on, and what it stops."""
        return {"mode": self.on, "history": not self.on and bool(self.histories), "cloud_allowed": not self.on,
                "reply_audio": self.sink.keeps_replies}


__all__ = ["DriverPrivacy", "Forgotten", "MODE_FILE", "local_midnight"]
