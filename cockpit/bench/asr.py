"""`cockpit bench asr`: the speech-in figures, measured in one run on this machine.

- VAD CPU: process time per second of audio for each detector, over a minute of speech in
  cabin noise; the same for the openWakeWord spotter (wake.mode model), which runs on every
  frame too: the real hey_jarvis model when pulled, else fixture models of the real shapes.
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


def wake_models(cache: Path) -> tuple[dict, bool]:
    """openWakeWord settings for the real hey_jarvis model when pulled, else for fixture models of
    the real shapes (tools/make_oww_fixture.py); and whether they are the fixture."""
    from cockpit import models
    real = models.models_dir() / "openwakeword"
    files = {"models": [str(real / "hey_jarvis_v0.1.onnx")], "melspec_model": str(real / "melspectrogram.onnx"),
             "embedding_model": str(real / "embedding_model.onnx")}
    if all(Path(f).is_file() for f in (*files["models"], files["melspec_model"], files["embedding_model"])):
        return files, False
    sys.path.insert(0, str(REPO / "tools"))
    from make_oww_fixture import make_oww_fixture
    fx = make_oww_fixture(cache / "oww")
    return {"models": [str(fx.classifier)], "melspec_model": str(fx.melspec), "embedding_model": str(fx.embedding)}, True


def wake_cpu_ms_per_s(files: dict, audio: np.ndarray) -> float:
    """Process time per second of audio of the openWakeWord spotter fed 30 ms frames; a detection
    restarts it, as the pipeline does (the fixture's classifier fires on any loud speech)."""
    from cockpit.config import OpenWakeWordSettings
    from cockpit.wake.openwakeword import ModelSpotter
    spotter = ModelSpotter(OpenWakeWordSettings(**files, threads=1))
    spotter.prepare()
    spotter.start()
    t0 = time.process_time()
    for i in range(0, len(audio), 480):
        if spotter.feed(audio[i:i + 480]) is not None:
            spotter.start()
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
    files, fixture = wake_models(REPO / ".cache" / "fixtures")
    result["wake"] = {"model": Path(files["models"][0]).stem, "fixture": fixture,
                      "cpu_ms_per_s": round(wake_cpu_ms_per_s(files, noisy), 2)}
    progress(f"wake {result['wake']['model']}: {result['wake']['cpu_ms_per_s']} ms CPU per second of audio")
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
    lines = ["| VAD / wake | CPU per second of audio |", "|---|---|"]
    lines += [f"| {k} | {v:.2f} ms |" for k, v in result["vad"].items()]
    if "wake" in result:
        w = result["wake"]
        lines.append(f"| wake: openWakeWord {w['model']}{' (fixture)' if w['fixture'] else ''} | {w['cpu_ms_per_s']:.2f} ms |")
    lines += ["", "| recogniser | model | end of speech -> final, p50 / max | real-time factor (final decode) |",
              "|---|---|---|---|"]
    for r in result["asr"]:
        model = "fixture (random weights)" if r["fixture"] else ("grammar" if r["rtf"] is None else "real")
        lat = f"{r['eos_to_final_ms_p50']:.0f} / {r['eos_to_final_ms_max']:.0f} ms" if r["eos_to_final_ms_p50"] is not None else "-"
        rtf_s = f"{r['rtf']:.3f}" if r["rtf"] is not None else "-"
        lines.append(f"| {r['recogniser']} | {model} | {lat} | {rtf_s} |")
    return "\n".join(lines)
