"""Where replies go: the speaker (sounddevice, through :class:`~cockpit.audio.playback.Player`), WAV files, or nowhere."""
from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

from cockpit.audio.formats import resample, write_wav
from cockpit.bus import EventBus
from cockpit.config import OutputSettings, PlaybackSettings
from cockpit.events import AudioOut, Stage
from cockpit.trace import TurnTrace
from cockpit.tts.espeak import Speech

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
        self.on_reply: Callable[[int, np.ndarray, int], None] | None = None
        """Called with (turn, samples, rate) for every reply's whole audio (the HMI API sends it on)."""

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
        """Queue a chunk for the speaker (waits while the bounded queue is full)."""
        if self.player is None:
            return
        trace.first(Stage.PLAYBACK)
        await self.player.play(speech)

    def stop(self) -> float:
        """Barge-in: silence now, drop what is queued; returns the seconds dropped."""
        return self.player.stop() if self.player is not None else 0.0

    async def finish_turn(self, chunks: list[Speech], turn: int, bus: EventBus, trace: TurnTrace) -> str | None:
        if self.player is not None and chunks:
            await self.player.drain()
            trace.end(Stage.PLAYBACK)
        if not chunks:
            return None
        rate = chunks[0].rate
        audio = np.concatenate([c.samples if c.rate == rate else resample(c.samples, c.rate, rate) for c in chunks])
        path = self.next_path
        self.next_path = None
        if path is None and self.settings.sink == "file":
            path = Path(self.settings.reply_dir) / f"turn-{turn:03d}.wav"
        if self.on_reply is not None:
            self.on_reply(turn, audio, rate)
        if path is not None:
            await asyncio.to_thread(write_wav, path, audio, rate)
        bus.emit(AudioOut(t=time.monotonic(), turn=turn, sample_rate=rate, duration=len(audio) / rate,
                          path=str(path) if path else None))
        return str(path) if path else None
