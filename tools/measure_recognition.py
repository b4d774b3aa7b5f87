#!/usr/bin/env python3
"""Recognition score of the offline default path: espeak-ng speech -> wake + PocketSphinx grammar
-> fast path, through the real pipeline. Prints accuracy per speaking rate, the misses, and
per-stage timings from the end of speech.

    python tools/measure_recognition.py [--rates 140 170 200] [--realtime] [--snr 20 10 5] [--wake phrase none]
"""
from __future__ import annotations

import argparse
import asyncio
import statistics

from cockpit.audio.simmic import simulated_microphone
from cockpit.brain.fastpath import FastPath
from cockpit.config import Settings
from cockpit.pipeline import Assistant
from cockpit.scenario import driver_speech

from phrases import COMMANDS  # noqa: E402  (tools/)


async def measure(rates: list[int], realtime: bool, snr: float | None = None, wake: str = "phrase") -> None:
    fp = FastPath()
    settings = Settings.model_validate({"audio": {"output": {"sink": "none"}}, "wake": {"mode": wake}})
    a = Assistant(settings)
    await a.prepare()
    prefix = "hey cockpit, " if wake == "phrase" else ""
    print(f"-- wake {wake}, vad {settings.vad.engine}, " + (f"cabin noise at {snr:g} dB SNR" if snr is not None else "no noise"))
    timings: dict[str, list[float]] = {}
    total_ok = total = 0
    for rate in rates:
        ok = 0
        for text in COMMANDS:
            want = fp.parse(text)
            clip = driver_speech(f"{prefix}{text}", rate)
            turns = await a.listen(simulated_microphone([clip], realtime=realtime, noise_snr_db=snr))
            got = turns[0].tool_calls[0] if turns and turns[0].tool_calls else None
            if got == want.call:
                ok += 1
                for k, v in turns[0].timings_ms.items():
                    timings.setdefault(k, []).append(v)
            else:
                heard = turns[0].transcript if turns else "(no wake / no turn)"
                print(f"  miss @{rate} wpm: {text!r} -> {heard!r}")
        print(f"{rate} wpm: {ok}/{len(COMMANDS)} = {100 * ok / len(COMMANDS):.0f}%")
        total_ok += ok
        total += len(COMMANDS)
    await a.close()
    print(f"overall: {total_ok}/{total} = {100 * total_ok / total:.1f}% commands acted on correctly")
    print("timings from the endpointer's decision (ms), p50 / max:")
    for k, v in timings.items():
        print(f"  {k:<10} {statistics.median(v):7.1f} / {max(v):7.1f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rates", type=int, nargs="+", default=[140, 170, 200])
    p.add_argument("--realtime", action="store_true", help="feed audio at real-time pace (slower; honest ASR latency)")
    p.add_argument("--snr", type=float, nargs="*", default=[None],
                   help="cabin-noise SNRs in dB to test (default: no noise)")
    p.add_argument("--wake", choices=["phrase", "none"], nargs="+", default=["phrase"],
                   help="'phrase' says 'hey cockpit, ...' (wake + command); 'none' scores the recogniser alone")
    a = p.parse_args()
    for snr in a.snr:
        for wake in a.wake:
            asyncio.run(measure(a.rates, a.realtime, snr, wake))


if __name__ == "__main__":
    main()
