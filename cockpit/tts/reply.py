"""One turn's spoken reply: text in as it is produced, audio out sentence by sentence.

The brain hands reply text to :meth:`SpokenReply.say` as it arrives — a whole fast-path answer
at once, or the local/cloud model's speech piece by piece while it is still generating. The
sentence chunker lets the first clause go as soon as it is long enough, so the driver hears
the start of the answer while the rest is being written. Each chunk is made speakable
(numbers, units, no markdown), synthesised on the TTS worker thread and queued to the sink in
order. Unspeakable (garbled) chunks are dropped, never spoken.
"""
from __future__ import annotations

import asyncio
import time
from typing import Callable

from cockpit.bus import EventBus
from cockpit.config.voice import TtsSettings
from cockpit.events import ErrorRaised, ReplyText, Stage
from cockpit.trace import TurnTrace
from cockpit.tts.chunker import SentenceChunker
from cockpit.tts.espeak import Speech
from cockpit.tts.text import UnspeakableText, language_of, speakable
from cockpit.tts.voices import Voices
from cockpit.worker import EngineThread


class SpokenReply:
    def __init__(self, voices: Voices, sink, trace: TurnTrace, settings: TtsSettings, thread: EngineThread,
                 bus: EventBus, turn: int, *, on_first_audio: Callable[[], None] | None = None) -> None:
        self.voices, self.sink, self.trace, self.thread, self.bus, self.turn = voices, sink, trace, thread, bus, turn
        self.chunker = SentenceChunker(settings.first_chunk_min_chars, settings.chunk_max_chars)
        self.on_first_audio = on_first_audio
        self.parts: list[str] = []
        self.chunks: list[Speech] = []
        self._fell_back = False
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def say(self, text: str) -> None:
        """More reply text (a model delta or a whole answer); complete chunks start speaking now."""
        if text:
            self.parts.append(text)
            for chunk in self.chunker.feed(text):
                self._queue.put_nowait(chunk)

    def close(self) -> None:
        """No more text: the rest is spoken."""
        for chunk in self.chunker.flush():
            self._queue.put_nowait(chunk)
        self._queue.put_nowait(None)

    async def run(self) -> list[Speech]:
        """Speak chunks as they come until :meth:`close`; returns the audio that was made."""
        while (chunk := await self._queue.get()) is not None:
            try:
                clean = speakable(chunk)
            except UnspeakableText:  # garbled model output is never spoken
                continue
            self.trace.start(Stage.TTS)
            before = self.voices.fallbacks
            speech = await self.thread.run(self.voices.synthesize, clean, language_of(clean))
            if self.voices.fallbacks > before and not self._fell_back:  # e.g. piper failed: espeak-ng said it
                self._fell_back = True
                problem = self.voices.problems[-1]
                self.bus.emit(ErrorRaised(t=time.monotonic(), turn=self.turn, code=problem.code, stage=Stage.TTS,
                                          kind="degraded", message=str(problem).split("\n")[0]
                                          + " (espeak-ng finished the reply)"))
            self.trace.first(Stage.TTS)
            if not self.chunks and self.on_first_audio is not None:
                self.on_first_audio()
            self.chunks.append(speech)
            self.bus.emit(ReplyText(t=time.monotonic(), turn=self.turn, text=chunk, final=False))
            await self.sink.play(speech, self.trace)
        if self.chunks:
            self.trace.end(Stage.TTS)
        return self.chunks
