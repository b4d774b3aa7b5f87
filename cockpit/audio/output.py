"""Where replies go: the speaker (sounddevice, through :class:`~cockpit.audio.playback.Player`), WAV files, or nowhere.

Reply WAVs kept in ``audio.output.reply_dir`` (inside the state dir) are the driver's data: each is
written 0600 (cockpit/state.py), and as each is written the folder is pruned to the newest
``keep_replies`` files younger than ``keep_replies_hours``. None is kept while privacy mode is on, nor
by the daemon (whose replies go to the HMI) unless ``keep_served_replies`` says so.
"""
from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

from cockpit.audio.formats import resample, wav_bytes
from cockpit.bus import EventBus
from cockpit.config import OutputSettings, PlaybackSettings
from cockpit.errors import CockpitError
from cockpit.events import AudioOut, Stage
from cockpit.state import write_private
from cockpit.trace import TurnTrace
from cockpit.tts.espeak import Speech

REPLY_GLOB = "turn-*.wav"
"""The names reply WAVs are kept under in reply_dir."""


def reply_files(folder: str | Path) -> list[Path]:
    """The reply WAVs in ``folder``, oldest first."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = []
    for p in folder.glob(REPLY_GLOB):
        try:
            found.append((p.stat().st_mtime, p))
        except OSError:  # removed meanwhile
            continue
    return [p for _, p in sorted(found)]


def remove_replies(folder: str | Path, since: float | None = None, before: float | None = None) -> int:
    """Delete the reply WAVs written at or after ``since`` and/or before ``before`` (wall-clock seconds;
    neither: all of them). Returns how many went."""
    gone = 0
    for p in reply_files(folder):
        try:
            mtime = p.stat().st_mtime
        except OSError:
            continue
        if (since is None or mtime >= since) and (before is None or mtime < before):
            p.unlink(missing_ok=True)
            gone += 1
    return gone


def prune_replies(folder: str | Path, keep: int, max_age_s: float, now: float) -> int:
    """Keep the newest ``keep`` reply WAVs younger than ``max_age_s``; returns how many were deleted."""
    files = reply_files(folder)
    gone = 0
    for i, p in enumerate(files):
        try:
            old = now - p.stat().st_mtime > max_age_s
        except OSError:
            continue
        if old or i < len(files) - keep:
            p.unlink(missing_ok=True)
            gone += 1
    return gone

if TYPE_CHECKING:
    from cockpit.audio.playback import Player


class ReplySink:
    """The reply's way out: a live speaker (a :class:`Player`, bounded queue, barge-in stop) and/or
    a WAV per turn (``sink: file``, or ``cockpit sim --out``)."""

    def __init__(self, settings: OutputSettings, playback: PlaybackSettings | None = None, *,
                 player: "Player | None" = None):
        self.settings = settings
        self.next_path: Path | None = None
        """When set, the next turn's reply is written exactly here (``cockpit sim --out``)."""
        if player is None and settings.sink == "speaker":
            from cockpit.audio.playback import Player
            player = Player(settings, playback or PlaybackSettings())
        self.player = player
        self.lost: CockpitError | None = None
        """Why the speaker stopped working (None while it works)."""
        self._reported: CockpitError | None = None
        self._retried = False
        self.on_reply: Callable[[int, np.ndarray, int], None] | None = None
        """Called with (turn, samples, rate) for every reply's whole audio (the HMI API sends it on)."""
        self.private = False
        """Privacy mode: no reply is kept in reply_dir (cockpit/privacy/controls.py)."""
        self.skip_once = False
        """Keep not even this turn's reply ("forget what I said today" ran in it)."""

    @property
    def keeps_replies(self) -> bool:
        """Each reply is written to reply_dir: sink 'file', not in privacy mode, and not served to the HMI
        unless keep_served_replies."""
        served = self.on_reply is not None and not self.settings.keep_served_replies
        return self.settings.sink == "file" and not self.private and not served

    @property
    def live(self) -> bool:
        """Replies are heard as they play (a speaker or the simulated cabin): barge-in applies."""
        return self.player is not None

    def prepare(self) -> None:
        if self.player is not None:
            self.player.prepare()

    def close(self) -> None:
        if self.player is not None:
            self.player.close()

    async def play(self, speech: Speech, trace: TurnTrace) -> None:
        """Queue a chunk for the speaker (waits while the bounded queue is full). A speaker that went
        away is reopened at the next reply; until then replies still go to WAVs and the HMI."""
        if self.player is None or not await self._speaker_ok():
            return
        trace.first(Stage.PLAYBACK)
        try:
            await self.player.play(speech)
        except CockpitError as exc:
            self._lost(exc)

    async def _speaker_ok(self) -> bool:
        if self.lost is None:
            return True
        if self._retried:
            return False
        self._retried = True  # once per reply: a missing device is not probed for every sentence
        try:
            await asyncio.to_thread(self._reopen)
        except CockpitError:
            return False
        self.lost = self._reported = None
        return True

    def _reopen(self) -> None:
        assert self.player is not None
        self.player.close()
        self.player.prepare()

    def _lost(self, exc: CockpitError) -> None:
        self.lost = exc
        self.player.stop()

    def stop(self) -> float:
        """Barge-in: silence now, drop what is queued; returns the seconds dropped."""
        return self.player.stop() if self.player is not None else 0.0

    def pause(self) -> float:
        """A barge-in that may prove false: silence now (fade), keep what is queued; returns the seconds held."""
        return self.player.pause() if self.player is not None else 0.0

    def resume(self) -> float:
        """Play on from where ``pause`` held; returns the seconds still queued."""
        return self.player.resume() if self.player is not None else 0.0

    async def finish_turn(self, chunks: list[Speech], turn: int, bus: EventBus, trace: TurnTrace) -> str | None:
        """Wait for the speaker, then hand the whole reply on (WAV, HMI): nothing is lost when the
        speaker went away meanwhile (``take_problem`` then reports it, once)."""
        self._retried = False
        if self.player is not None and chunks and self.lost is None:
            try:
                await self.player.drain()
                trace.end(Stage.PLAYBACK)
            except CockpitError as exc:
                self._lost(exc)
        return await self._keep(chunks, turn, bus)

    def take_problem(self) -> CockpitError | None:
        """The speaker failure to report, once per loss (None when there is nothing new)."""
        if self.lost is None or self._reported is not None:
            return None
        self._reported = self.lost
        return self.lost

    async def _keep(self, chunks: list[Speech], turn: int, bus: EventBus) -> str | None:
        if not chunks:
            return None
        rate = chunks[0].rate
        audio = np.concatenate([c.samples if c.rate == rate else resample(c.samples, c.rate, rate) for c in chunks])
        path, kept = self.next_path, False
        self.next_path = None
        if path is None and self.keeps_replies and not self.skip_once:
            path, kept = Path(self.settings.reply_dir) / f"turn-{turn:03d}.wav", True
        self.skip_once = False
        if self.on_reply is not None:
            self.on_reply(turn, audio, rate)
        if path is not None:
            await asyncio.to_thread(write_private, path, wav_bytes(audio, rate))
        if kept:
            out = self.settings
            await asyncio.to_thread(prune_replies, out.reply_dir, out.keep_replies, out.keep_replies_hours * 3600,
                                    time.time())
        bus.emit(AudioOut(t=time.monotonic(), turn=turn, sample_rate=rate, duration=len(audio) / rate,
                          path=str(path) if path else None))
        return str(path) if path else None
