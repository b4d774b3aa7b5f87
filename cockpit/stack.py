"""Which engines run: the real design-card stack when its models are on disk, else the offline one.

``asr.engine``, ``tts.engine``, ``brain.mode`` and the model names may say ``auto``. ``choose``
turns those into concrete settings, as a pure function of the settings and of which catalog
models are present (``present`` is injected: tests pass a set, the Assistant asks the disk)::

    asr    auto -> whisper with the first present of ASR_CANDIDATES[language]
                   else sphinx (PocketSphinx + the command grammar; English only)
    tts    auto -> piper when the English voice is present, else espeak (espeak-ng)
    brain  auto -> local-only with the first present of LLM_CANDIDATES, else fastpath-only
    turn   endpoint.mode smart-turn -> fixed (hangovers) when the Smart Turn model is absent

Every part gets a ``Choice`` saying what was chosen and why, so `cockpit doctor`, the demo and
the daemon's health can announce a fallback ("whisper-tiny-en is not downloaded: cockpit models
pull whisper-tiny-en"). A choice the settings made explicitly is kept as it is.
"""
from __future__ import annotations

import time

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from cockpit.config import ConfigError, Settings

AUTO = "auto"
ASR_CANDIDATES = {
    "en": ("whisper-base", "whisper-tiny-en", "whisper-tiny"),
    "zh": ("whisper-base", "whisper-small", "whisper-tiny"),
    "auto": ("whisper-base", "whisper-small", "whisper-tiny"),
}
"""base first for English: with the short encoder window (asr.whisper.window) one decode costs ~130 ms
on 2 cores, less than tiny.en's full 30 s window (~450 ms), at a lower command WER; tiny.en does not
end its text reliably in a short window (README, 'Speech in'). Mandarin needs a multilingual one."""
LLM_CANDIDATES = ("qwen2.5-1.5b", "qwen2.5-0.5b", "smollm2-135m")
"""The local brain: the design card's Qwen when pulled, else the small real SmolLM2 (registry)."""


@dataclass(frozen=True)
class Choice:
    part: str
    """asr | tts | llm"""
    engine: str
    """what runs: whisper, sphinx, piper, espeak, local, none"""
    model: str | None
    """catalog name or path of its model; None for engines without one"""
    why: str
    """one line: chosen by the config, or why auto picked it"""
    fallback: bool = False
    """True when auto wanted a real model and fell back to the offline engine"""

    def line(self) -> str:
        return f"{self.part}: {self.engine}{f' ({self.model})' if self.model else ''} — {self.why}"


def on_disk(models_dir: Callable[[], Path] | None = None) -> Callable[[str], bool]:
    """present(name_or_path): a catalog model with all its files under the models dir, or a path."""
    from cockpit import models

    def present(name: str) -> bool:
        if "/" not in name:  # a catalog name ('qwen2.5-0.5b' and 'smart-turn-v3.2' have dots: not file suffixes)
            try:
                return models.is_present(models.Catalog.load().get(name))
            except Exception:  # noqa: BLE001 - unknown name or unreadable catalog: maybe a file here
                pass
        return Path(name).expanduser().exists()
    return present


def _first(candidates: tuple[str, ...], present: Callable[[str], bool]) -> str | None:
    return next((c for c in candidates if present(c)), None)


def model_name(name: str, candidates: tuple[str, ...]) -> str:
    """``name``, or for 'auto' the first of ``candidates`` on disk (else the first, whose pull a
    missing-model error then names): for an engine built from settings that ``choose`` never saw."""
    return name if name != AUTO else (_first(candidates, on_disk()) or candidates[0])


def choose(settings: Settings, present: Callable[[str], bool]) -> tuple[Settings, tuple[Choice, ...]]:
    """Concrete settings (no ``auto`` left) and one Choice per part."""
    asr, asr_choice = _asr(settings, present)
    tts, tts_choice = _tts(settings, present)
    brain, llm_choice = _brain(settings, present)
    endpoint, turn_choice = _endpoint(settings, present)
    concrete = settings.model_copy(update={"asr": asr, "tts": tts, "brain": brain, "endpoint": endpoint})
    return concrete, (asr_choice, tts_choice, llm_choice, turn_choice)


def _endpoint(settings: Settings, present):
    e = settings.endpoint
    model = e.smart_turn.model
    if e.mode != "smart-turn":
        return e, Choice("turn", "fixed", None, "set by the config: fixed hangovers")
    if present(model):
        return e, Choice("turn", "smart-turn", model, "Smart Turn judges each pause, found on disk")
    why = f"offline fallback: fixed hangovers, {model} is not downloaded (cockpit models pull {model})"
    return e.model_copy(update={"mode": "fixed"}), Choice("turn", "fixed", None, why, True)


def _asr(settings: Settings, present):
    a = settings.asr
    model = a.whisper.model
    if model == AUTO:
        model = _first(ASR_CANDIDATES[a.language], present) or ASR_CANDIDATES[a.language][0]
    whisper = a.whisper.model_copy(update={"model": model})
    engine = a.engine
    if engine == AUTO:
        if present(model):
            engine, why, fell = "whisper", "real Whisper, found on disk", False
        elif a.language != "en":
            raise ConfigError("<settings>", [("asr.language", f"{a.language!r} needs a Whisper model and none is "
                                              "downloaded", "cockpit models pull whisper-base")])
        else:
            engine, why, fell = "sphinx", (f"offline fallback: {model} is not downloaded "
                                           f"(cockpit models pull {model})"), True
    else:
        why, fell = "set by the config", False
    choice = Choice("asr", engine, model if engine == "whisper" else None, why, fell)
    return a.model_copy(update={"engine": engine, "whisper": whisper}), choice


def _tts(settings: Settings, present):
    t = settings.tts
    voice = t.piper.voices.get("en")
    engine = t.engine
    if engine == AUTO:
        if voice and present(voice):
            engine, why, fell = "piper", "real piper voice, found on disk", False
        else:
            engine, why, fell = "espeak", (f"offline fallback: {voice} is not downloaded "
                                           f"(cockpit models pull {voice})"), True
    else:
        why, fell = "set by the config", False
    choice = Choice("tts", engine, voice if engine == "piper" else None, why, fell)
    return t.model_copy(update={"engine": engine}), choice


def _brain(settings: Settings, present):
    b = settings.brain
    model = b.local.model
    if model == AUTO:
        model = _first(LLM_CANDIDATES, present) or LLM_CANDIDATES[0]
    local = b.local.model_copy(update={"model": model})
    mode = b.mode
    if mode == AUTO:
        if present(model):
            mode, why, fell = "local-only", "fast path first, then the local model found on disk", False
        else:
            mode, why, fell = "fastpath-only", (f"offline fallback: the command grammar only; no local model "
                                                f"(cockpit models pull {LLM_CANDIDATES[-1]})"), True
    else:
        why, fell = "set by the config", False
    uses_local = mode in ("local-only", "local-first", "cloud-first")
    engine = "local" if uses_local else "none"
    choice = Choice("llm", engine if mode != "cloud-first" else "cloud+local", model if uses_local else None,
                    f"{mode}: {why}", fell)
    return b.model_copy(update={"mode": mode, "local": local}), choice


def stack_ready(settings: Settings, stack: tuple[Choice, ...], listener, tiers: dict, voices) -> "StackReady":
    """What runs, as loaded: each part's engine and model, and which are random-weight fixtures."""
    from pathlib import Path

    from cockpit.events import StackReady
    parts: dict[str, str] = {}
    fixtures: list[str] = []

    def put(part: str, label: str, engine: object = None) -> None:
        parts[part] = label
        if getattr(engine, "is_fixture", False):
            fixtures.append(part)
    s = settings
    wake = {"phrase": f"phrase '{s.wake.keyphrase}' (PocketSphinx)", "ptt": "push-to-talk", "none": "none",
            "model": "openWakeWord " + ", ".join(Path(m).stem for m in s.wake.openwakeword.models)}
    put("wake", wake[s.wake.mode], listener.spotter)
    put("vad", s.vad.engine)
    put("turn", f"smart-turn ({Path(str(s.endpoint.smart_turn.model)).name})" if s.endpoint.mode == "smart-turn"
        else "fixed hangovers")
    put("asr", f"whisper ({Path(str(s.asr.whisper.model)).name})" if s.asr.engine == "whisper"
        else "sphinx (command grammar)", listener.asr)
    for name, tier in tiers.items():
        model = getattr(tier.llm, "path", None) or getattr(tier.llm.settings, "model", "")
        put(f"llm-{name}", f"{name} ({Path(str(model)).name})", tier.llm)
    if not tiers:
        put("llm", "none (fast path only)")
    for language, voice in voices.piper.items():
        put(f"tts-{language}", f"piper ({Path(str(getattr(voice, 'model_path', '') or '')).name or language})", voice)
    put("tts", "espeak-ng" if not voices.piper else "piper, espeak-ng fallback")
    fallbacks = tuple(c.line() for c in stack if c.fallback)
    return StackReady(t=time.monotonic(), parts=parts, fixtures=tuple(fixtures), fallbacks=fallbacks)
