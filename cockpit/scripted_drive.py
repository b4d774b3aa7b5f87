"""A scripted long drive: the driver's lines at moments of the drive, their spoken answers to what cockpit
asks first, and the car's signals along the way — as microphone frames into the real pipeline.

The drive follows the microphone: one second of audio is ``speedup`` seconds of the route (the drive
feed's own setting), so three hours pass in under two minutes of audio, and the drive stands still while
cockpit thinks and talks (the microphone is not read then). The co-pilot's cabin clock is that audio
time too, so "quiet for two seconds" means two seconds of the driver's audio, and a run is the same
every time: :meth:`ScriptedCabin.frames` ticks the co-pilot itself between chunks
(:meth:`CoPilot.step`), and when it asks, waits for the question to be spoken before the driver
answers. ``realtime`` paces the audio at the wall clock (the demo); a test runs it as fast as it goes.
"""
from __future__ import annotations

import asyncio
import bisect
import time
from collections import deque
from datetime import datetime
from pathlib import Path
from typing import Any, AsyncIterator, Callable

import numpy as np
from pydantic import Field

from cockpit.audio.simmic import with_floor
from cockpit.config import ConfigError, Section, Settings
from cockpit.scenario import DRIVER_VOICE

CHUNK_S = 0.1
"""Audio per chunk handed to the listener (the co-pilot ticks between chunks)."""
GAP_S = 1.0
"""Silence after each thing the driver says (so two lines are never one utterance)."""
SOURCE = "scenario"
"""The ``source`` of the signals the script writes."""


class DriveLine(Section):
    at_s: float = Field(ge=0)
    """Said when the drive gets this many seconds in (no seeking: the drive runs on)."""
    say: str = Field(min_length=1)
    rate_wpm: int = Field(160, ge=80, le=400)


class DriveAnswer(Section):
    kind: str
    """The kind of prompt this answers (fatigue, range, timer, reminder, arrival); another kind is not answered."""
    say: str = Field(min_length=1)
    rate_wpm: int = Field(160, ge=80, le=400)


class SignalKey(Section):
    at_s: float = Field(ge=0)
    set: dict[str, float | int | bool]
    """VSS path -> value at this moment; numbers in between two keyframes are interpolated linearly."""


class DriveScenario(Section):
    """A scenario whose driver speaks at moments of one long simulated drive (configs/scenarios/long-drive.yaml)."""

    name: str
    description: str = ""
    config: str
    """The config (relative to the repo) with the drive feed whose route and speedup the script runs on."""
    clock: datetime
    """Local time the drive starts at."""
    driver_voice: str = DRIVER_VOICE
    """As in a plain scenario: espeak-ng voice, 'piper:NAME', or 'auto'."""
    answer_after_s: float = Field(1.0, ge=0.0, le=30.0)
    """Seconds of audio between cockpit's question and the driver's answer."""
    turns: list[DriveLine] = Field(min_length=1)
    answers: list[DriveAnswer] = []
    """The driver's answers: each prompt gets the next one given for its kind (none left: no answer)."""
    signals: list[SignalKey] = []
    end_s: float = Field(gt=0)
    """The run ends when the drive gets this far."""


def is_drive_scenario(path: str | Path) -> bool:
    """Does this scenario file script a long drive (it has ``answers`` or ``signals``)?"""
    import yaml
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(data, dict) and ("answers" in data or "signals" in data or "end_s" in data)


def anchored(settings: Settings, root: Path, state_dir: Path | None = None) -> Settings:
    """``settings`` with relative route and POI files read from ``root`` (the repo), and (optionally) a
    fresh state dir for the run: its audit log and agenda live there."""
    v = settings.vehicle
    feeds = [f.model_copy(update={"route": str(root / f.route)}) if getattr(f, "route", None) and
             not Path(f.route).is_absolute() else f for f in v.feeds]
    sources = None if v.poi.sources is None else [s if Path(s).is_absolute() else str(root / s) for s in v.poi.sources]
    vehicle = v.model_copy(update={"feeds": feeds, "poi": v.poi.model_copy(update={"sources": sources})})
    update: dict[str, Any] = {"vehicle": vehicle}
    if state_dir is not None:
        session = settings.session.model_copy(update={"state_dir": str(state_dir),
                                                      "audit_log": str(state_dir / "audit.jsonl")})
        update["session"] = session
    return settings.model_copy(update=update)


class Keyframes:
    """Signal values along the drive: linear between keyframes (booleans step)."""

    def __init__(self, keys: list[SignalKey]) -> None:
        self.keys = sorted(keys, key=lambda k: k.at_s)
        self.times = [k.at_s for k in self.keys]

    def at(self, t: float) -> dict[str, Any]:
        if not self.keys:
            return {}
        i = bisect.bisect_right(self.times, t)
        if i == 0:
            return dict(self.keys[0].set)
        if i == len(self.keys):
            return dict(self.keys[-1].set)
        a, b = self.keys[i - 1], self.keys[i]
        f = (t - a.at_s) / (b.at_s - a.at_s) if b.at_s > a.at_s else 1.0
        out = {}
        for path, va in a.set.items():
            vb = b.set.get(path, va)
            out[path] = va + (vb - va) * f if isinstance(va, (int, float)) and not isinstance(va, bool) \
                and isinstance(vb, (int, float)) else va
        return out


class ScriptedCabin:
    """The scripted driver and microphone for one :class:`DriveScenario` run on ``assistant``."""

    def __init__(self, assistant: Any, scenario: DriveScenario, speech: Callable[[str, int], np.ndarray], *,
                 realtime: bool = False) -> None:
        self.assistant, self.scenario, self.realtime = assistant, scenario, realtime
        said = lambda text, wpm, i: with_floor(speech(text, wpm), lead_s=0.2, tail_s=GAP_S, seed=i)  # noqa: E731
        self.lines = [(t, said(t.say, t.rate_wpm, i)) for i, t in enumerate(sorted(scenario.turns, key=lambda t: t.at_s))]
        self.answers = [(a, said(a.say, a.rate_wpm, 100 + i)) for i, a in enumerate(scenario.answers)]
        self._floor = with_floor(np.zeros(16000, np.float32), lead_s=0.0, tail_s=0.0, seed=999)
        """A second of a microphone's noise floor (a real one is never digital zero), looped for silence."""
        self.keyframes = Keyframes(scenario.signals)
        self.samples = 0
        self.log: list[tuple[float, str, str]] = []
        """(drive seconds, who, what) — the driver's lines and answers as they were started."""

    def audio_time(self) -> float:
        """Seconds of audio handed to the listener so far: the cabin clock of the run."""
        return self.samples / 16000.0

    async def frames(self) -> AsyncIterator[np.ndarray]:
        a = self.assistant
        drive = a.car.drive
        if drive is None:
            raise ConfigError(self.scenario.config, [("vehicle.feeds", "a drive scenario needs a 'drive' feed",
                                                      "add - kind: drive with the route")])
        drive.follow(self.audio_time)
        drive.seek(drive.settings.start_s)  # from the start, whatever ran while the engines loaded
        # the co-pilot judges quiet by what the listener has heard so far, not by the audio the microphone has
        # produced: on a loaded machine the listener runs behind, and speech it has not yet heard is no quiet
        a.copilot.cabin_clock = lambda: a.listener.audio_time
        lines, answers, answered, queue = deque(self.lines), list(self.answers), 0, deque()
        chunk = int(CHUNK_S * 16000)
        started = time.monotonic()
        while drive.route_time() < self.scenario.end_s:
            await self._tick()
            while answered < len(a.copilot.asked):  # cockpit asked: the driver answers after a short pause
                kind = a.copilot.asked[answered].kind
                answered += 1
                answer = next((x for x in answers if x[0].kind == kind), None)  # the next answer for this kind
                if answer is not None:
                    answers.remove(answer)
                    queue.append((self.audio_time() + self.scenario.answer_after_s, answer))
            now = drive.route_time()
            if queue and self.audio_time() >= queue[0][0]:
                said, clip = queue.popleft()[1]
                self.log.append((now, "driver", said.say))
                audio = clip
            elif lines and now >= lines[0][0].at_s and not a.copilot.awaiting and not queue:
                line, audio = lines.popleft()
                self.log.append((now, "driver", line.say))
            else:
                at = self.samples % (len(self._floor) - chunk)
                audio = self._floor[at:at + chunk]
            for i in range(0, len(audio), chunk):
                if i:
                    await self._tick()  # the co-pilot looks while the driver talks too (and must wait)
                piece = audio[i:i + chunk]
                self.samples += len(piece)
                yield piece
                if self.realtime:
                    await asyncio.sleep(max(0.0, started + self.audio_time() - time.monotonic()))
                else:
                    await asyncio.sleep(0)

    async def _tick(self) -> None:
        """The car's signals at this moment of the drive, then one look by the co-pilot."""
        a = self.assistant
        a.car.drive.publish()  # the feed's own thread writes on the wall clock: this is the audio's moment
        for path, value in self.keyframes.at(a.car.drive.route_time()).items():
            a.vehicle.signals.set(path, value, source=SOURCE)
        await a.copilot.step()


__all__ = ["DriveAnswer", "DriveLine", "DriveScenario", "Keyframes", "ScriptedCabin", "SignalKey", "anchored",
           "is_drive_scenario"]
