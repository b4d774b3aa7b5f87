"""Removing cockpit's own voice from the microphone, chunk by chunk.

With a live speaker the microphone hears the reply. What the speaker played is pushed into a
:class:`FarEnd` by the player; this stage takes the same number of samples from it for every
microphone block and lets the echo canceller subtract it, in whole 10 ms blocks (a remainder
waits for the next chunk). Without a speaker, or with ``aec.enabled: false``, audio passes
through untouched.
"""
from __future__ import annotations

import numpy as np

from cockpit.audio.aec import EchoCanceller, FarEnd
from cockpit.audio.framing import Reframer
from cockpit.config import AecSettings

BLOCK = 160
"""10 ms at 16 kHz: the canceller's block."""


class EchoRemoval:
    def __init__(self, settings: AecSettings, player=None):
        self.canceller: EchoCanceller | None = None
        self.far: FarEnd | None = None
        if player is not None and settings.enabled:
            self.canceller, self.far = EchoCanceller(settings), FarEnd()
            player.on_played = self.far.push
        self._blocks = Reframer(BLOCK)

    def process(self, chunk: np.ndarray) -> np.ndarray:
        if self.canceller is None or self.far is None:
            return chunk
        near = self._blocks.whole(chunk)
        return self.canceller.process(near, self.far.take(len(near))) if len(near) else near
