"""Where replies go: the speaker (sounddevice), WAV files, or nowhere."""
from __future__ import annotations

import asyncio
import importlib.util
import time
from pathlib import Path

import numpy as np

from cockpit.audio.formats import write_wav
from cockpit.bus import EventBus
from cockpit.config import OutputSettings
from cockpit.errors import CockpitError
from cockpit.events import AudioOut, Stage
from cockpit.trace import TurnTrace
from cockpit.tts.espeak import Speech


class ReplySink:
    def __init__(self, settings: OutputSettings):
        self.settings = settings
        self.next_path: Path | None = None
        """When set, the next turn's reply is written exactly here (``cockpit sim --out``)."""
        self._sd = None

    def prepare(self) -> None:
        if self.settings.sink != "speaker":
            return
        if importlib.util.find_spec("sounddevice") is None:
            raise CockpitError("sounddevice is not installed", hint="pip install sounddevice", code="audio-output")
        try:
            import sounddevice as sd
            sd.check_output_settings(device=self.settings.device, samplerate=16000, channels=1, dtype="int16")
        except OSError as exc:  # PortAudio library missing
            raise CockpitError(f"audio output unavailable: {exc}", hint="sudo apt-get install libportaudio2",
                               code="audio-output") from None
        except Exception as exc:
            raise CockpitError(f"no usable speaker ({exc})",
                               hint="plug in a speaker, pick audio.output.device, or set audio.output.sink: file",
                               code="audio-output") from None
        self._sd = sd

    async def play(self, speech: Speech, trace: TurnTrace) -> None:
        if self._sd is None:
            return
        sd = self._sd
        trace.first(Stage.PLAYBACK)
        await asyncio.to_thread(lambda: (sd.play(speech.samples, speech.rate, device=self.settings.device), sd.wait()))
        trace.end(Stage.PLAYBACK)

    async def finish_turn(self, chunks: list[Speech], turn: int, bus: EventBus, trace: TurnTrace) -> str | None:
        if not chunks:
            return None
        rate = chunks[0].rate
        audio = np.concatenate([c.samples for c in chunks])
        path = self.next_path
        self.next_path = None
        if path is None and self.settings.sink == "file":
            path = Path(self.settings.reply_dir) / f"turn-{turn:03d}.wav"
        if path is not None:
            await asyncio.to_thread(write_wav, path, audio, rate)
        bus.emit(AudioOut(t=time.monotonic(), turn=turn, sample_rate=rate, duration=len(audio) / rate,
                          path=str(path) if path else None))
        return str(path) if path else None
