"""`cockpit bench asr`: the speech-in figures, measured in one run on this machine.

- VAD CPU: process time per second of audio for each detector, over a minute of speech in
  cabin noise.
- Per recogniser (PocketSphinx grammar, and each Whisper shape): real-time factor of the
  final decode, and end of speech -> final transcript through the real pipeline with the
  simulated microphone at real-time pace (what a driver waits for after the endpointer).

Whisper shapes run on fixture models (random weights, real shapes) unless real models are
in models/. A fixture never emits end-of-text, so each decode runs to the token cap
(8 tokens per second of audio + 8): an upper bound on decode work for that shape.
"""
from __future__ import annotations

import asyncio
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from cockpit.audio.cabin import cabin_noise, mix_at_snr
from cockpit.audio.simmic import simulated_microphone, with_floor
from cockpit.audio.vad import make_vad
from cockpit.config import Settings, parse_config
from cockpit.scenario import driver_speech

REPO = Path(__file__).resolve().parents[2]
UTTERANCES = ["set the temperature to twenty two degrees", "open the passenger window halfway",
              "find the nearest gas station"]


def vad_cpu_ms_per_s(engine: str, audio: np.ndarray) -> float:
    s = parse_config({"vad": {"engine": engine}})
    vad = make_vad(s.vad, s.audio)
    n = vad.frame_samples
    t0 = time.process_time()
    for i in range(0, len(audio) - n + 1, n):
        vad.is_speech(audio[i:i + n])
    return 1000 * (time.process_time() - t0) / (len(audio) / 16000)


def whisper_model(shape: str, cache: Path) -> tuple[str, bool]:
    """A real model from models/ when pulled, else a fixture of the same shape (tiny-en: tiny's)."""
    from cockpit import models
    real = models.models_dir() / f"whisper-{shape}"
    if (real / "model.bin").exists() and not (real / "FIXTURE.json").exists():
        return str(real), False
    sys.path.insert(0, str(REPO / "tools"))
    from make_whisper_fixture import make_whisper_fixture
    preset = shape.removesuffix("-en")
    return str(make_whisper_fixture(cache / f"whisper-{preset}", preset=preset)), True


async def eos_to_final(settings: Settings, clips: list[np.ndarray]) -> list[float]:
    from cockpit.pipeline import Assistant
    a = Assistant(settings)
    await a.prepare()
    try:
        turns = await a.listen(simulated_microphone(clips, realtime=True))
    finally:
        await a.close()
    return [t.timings_ms["asr"] for t in turns if "asr" in t.timings_ms]


def rtf(settings: Settings, audio: np.ndarray) -> float:
    from cockpit.asr.whisper import WhisperStream
    w = WhisperStream(settings.asr)
    w.prepare()
    t0 = time.perf_counter()
    w._decode(audio.astype(np.float32) / 32768, prefix=None)
    return (time.perf_counter() - t0) / (len(audio) / 16000)


def run(shapes: list[str], out_dir: Path, progress=print) -> dict:
    clips = [driver_speech(u, 170) for u in UTTERANCES]
    minute = np.tile(with_floor(np.concatenate(clips)), 8)[: 60 * 16000]
    noisy = mix_at_snr(minute, cabin_noise(60, seed=1), 10)
    result: dict = {"machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                                "python": platform.python_version()}, "vad": {}, "asr": []}
    for engine in ("webrtc", "silero"):
        result["vad"][engine] = round(vad_cpu_ms_per_s(engine, noisy), 2)
        progress(f"vad {engine}: {result['vad'][engine]} ms CPU per second of audio")
    base = {"wake": {"mode": "none"}, "audio": {"output": {"sink": "none"}}, "tts": {"engine": "espeak"},
            "brain": {"mode": "fastpath-only"}}
    runs = [("sphinx grammar", parse_config({**base, "asr": {"engine": "sphinx"}}), False)]
    for shape in shapes:
        path, fixture = whisper_model(shape, REPO / ".cache" / "fixtures")
        runs.append((f"whisper {shape}", parse_config({**base, "asr": {"engine": "whisper", "whisper": {"model": path}}}),
                     fixture))
    for name, settings, fixture in runs:
        progress(f"{name}: streaming {len(clips)} utterances at real-time pace…")
        latencies = asyncio.run(eos_to_final(settings, clips))
        row = {"recogniser": name, "fixture": fixture,
               "eos_to_final_ms_p50": round(statistics.median(latencies), 1) if latencies else None,
               "eos_to_final_ms_max": round(max(latencies), 1) if latencies else None,
               "rtf": round(rtf(settings, clips[0]), 3) if settings.asr.engine == "whisper" else None}
        result["asr"].append(row)
        progress(f"  {row}")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "asr.json").write_text(json.dumps(result, indent=2))
    return result


def table(result: dict) -> str:
    lines = ["| VAD | CPU per second of audio |", "|---|---|"]
    lines += [f"| {k} | {v:.2f} ms |" for k, v in result["vad"].items()]
    lines += ["", "| recogniser | model | end of speech -> final, p50 / max | real-time factor (final decode) |",
              "|---|---|---|---|"]
    for r in result["asr"]:
        model = "fixture (random weights)" if r["fixture"] else ("grammar" if r["rtf"] is None else "real")
        lat = f"{r['eos_to_final_ms_p50']:.0f} / {r['eos_to_final_ms_max']:.0f} ms" if r["eos_to_final_ms_p50"] is not None else "-"
        rtf_s = f"{r['rtf']:.3f}" if r["rtf"] is not None else "-"
        lines.append(f"| {r['recogniser']} | {model} | {lat} | {rtf_s} |")
    return "\n".join(lines)
