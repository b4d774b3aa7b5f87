"""Scripted drives (configs/scenarios/*.yaml) and the simulated driver's voice."""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml
from pydantic import Field, ValidationError

from cockpit.audio.formats import SAMPLE_RATE, resample
from cockpit.config import ConfigError, EspeakSettings, Section
from cockpit.tts.espeak import EspeakVoice

DRIVER_VOICE = "en-us+klatt4"
"""espeak-ng voice used for the simulated driver. Its Klatt synthesiser is the variant the
bundled PocketSphinx model recognises best (see README, 'Recognition score')."""


PIPER_DRIVER = "piper:piper-en-joe"
"""The real piper voice as the driver: Whisper hears it far better than espeak-ng (README, 'Real models')."""


@lru_cache(maxsize=4)
def piper_voice(voice: str = "piper-en-joe"):
    """A prepared cockpit PiperVoice (catalog name or .onnx path) for the simulated driver, loaded once per
    voice. Its noise scales are 0: piper then says a line the same way every time (with its defaults it samples
    the durations and the timbre anew, and one run's pause after "hey cockpit," or inside "turn it down" is
    another's end of turn), so a scripted drive is the same drive on every run and every machine. cockpit's
    own voice keeps the configured scales (tts.piper)."""
    from cockpit.config.voice import PiperSettings
    from cockpit.tts.piper import PiperVoice

    v = PiperVoice(PiperSettings(voices={"en": voice}, noise_scale=0.0, noise_w=0.0), "en")
    v.prepare()
    return v


def piper_speech(text: str, voice: str = "piper-en-joe") -> np.ndarray:
    """``text`` said by a piper voice, resampled to 16 kHz mono int16."""
    said = piper_voice(voice).synthesize(text)
    return resample(said.samples, said.rate, SAMPLE_RATE)


def resolve_driver_voice(voice: str) -> str:
    """'auto': the real piper voice when it is on disk, else espeak-ng's DRIVER_VOICE."""
    if voice != "auto":
        return voice
    from cockpit.stack import on_disk
    return PIPER_DRIVER if on_disk()(PIPER_DRIVER.removeprefix("piper:")) else DRIVER_VOICE


def driver_speech(text: str, rate_wpm: int = 160, voice: str = DRIVER_VOICE) -> np.ndarray:
    """What the driver says, as 16 kHz mono int16: espeak-ng ``voice``, or 'piper:NAME' for a piper
    voice (rate_wpm is then ignored), or 'auto' (see resolve_driver_voice)."""
    voice = resolve_driver_voice(voice)
    if voice.startswith("piper:"):
        return piper_speech(text, voice.removeprefix("piper:"))
    return EspeakVoice(EspeakSettings(voice=voice, rate_wpm=rate_wpm)).synthesize(text).samples


class ScenarioTurn(Section):
    say: str = Field(min_length=1)
    """What the driver says, spoken by espeak-ng into the simulated microphone."""
    rate_wpm: int = Field(160, ge=80, le=400)
    """How fast the driver speaks."""
    at_s: float | None = Field(None, ge=0)
    """Move the simulated drive to this many seconds into its route as the driver starts speaking
    (needs a 'drive' feed in the scenario's config); null = the drive just goes on."""


class Scenario(Section):
    name: str
    """A title for the drive."""
    description: str = ""
    config: str | None = None
    """A config file (relative to the repo root) to run the scenario with; null = built-in defaults."""
    driver_voice: str = DRIVER_VOICE
    """espeak-ng voice for the driver; 'piper:NAME' a piper voice; 'auto' the real piper voice
    when downloaded, else espeak-ng."""
    clock: datetime | None = None
    """Local time the drive happens at ('open now' is judged on it); null = the config's clock."""
    turns: list[ScenarioTurn] = Field(min_length=1)


def load_scenario(path: str | Path, model: type[Scenario] = Scenario) -> Scenario:
    """Read and validate a scenario file (``model``: a Scenario subclass with richer turns)."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(str(p), [("<file>", "no such scenario file", "see configs/scenarios/ for examples")])
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
        return model.model_validate(data)
    except yaml.YAMLError as exc:
        raise ConfigError(str(p), [("<file>", f"YAML syntax error: {exc}", "fix the YAML")]) from None
    except ValidationError as exc:
        raise ConfigError(str(p), [(".".join(map(str, e["loc"])) or "<root>", e["msg"], "") for e in exc.errors()]) from None


def in_cabin(settings, cabin) -> tuple[list, list, "object"]:
    """Run an assistant whose speaker and microphone are a :class:`SimulatedCabin`'s, until the cabin
    falls quiet; returns (turn summaries, every bus event, the assistant)."""
    import asyncio

    from cockpit.audio.output import ReplySink
    from cockpit.audio.playback import Player
    from cockpit.pipeline import Assistant

    player = Player(settings.audio.output, settings.playback, stream_factory=cabin.output_stream)
    assistant = Assistant(settings, sink=ReplySink(settings.audio.output, settings.playback, player=player))
    events: list = []
    assistant.bus.subscribe(events.append)

    async def go():
        await assistant.prepare()
        try:
            return await assistant.listen(cabin.microphone())
        finally:
            await assistant.close()

    return asyncio.run(go()), events, assistant
