"""`cockpit bench` on the command line: the full harness, or one suite (asr, llm, speech, soak)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cockpit.bench.harness import SCENARIOS, Options

LLM_PRESETS = ["tiny", "qwen2.5-0.5b", "qwen2.5-1.5b", "smollm2-135m"]
"""Qwen shapes run real weights when pulled, else fixtures of the shape; smollm2-135m is real only."""
ASR_CHOICES = ["whisper-tiny-en", "whisper-tiny", "whisper-base", "whisper-small", "sphinx"]


def add_parser(sub) -> None:
    bench = sub.add_parser(
        "bench", help="measure latency and CPU on this machine",
        description="Without a SUITE: a spoken scenario through the real pipeline with the simulated microphone, "
                    "side by side with a naive pipeline and the raw engines; writes JSON, Markdown and charts. "
                    "Real models are used where `./run setup` pulled them into models/, else fixtures of the real "
                    "shapes (random weights); every row says which.")
    bench.add_argument("--scenario", type=Path, default=SCENARIOS / "bench.yaml", help="scenario YAML (default: %(default)s)")
    bench.add_argument("--llm", choices=LLM_PRESETS, default="qwen2.5-0.5b", help="local Qwen shape (default: %(default)s)")
    bench.add_argument("--asr", choices=ASR_CHOICES, default="whisper-base", help="recogniser (default: %(default)s)")
    bench.add_argument("--voice", choices=["espeak", "piper"], default="espeak",
                       help="cockpit's voice and the driver's (default: %(default)s)")
    bench.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                       help="a setting over the config, e.g. --set endpoint.mode=fixed (repeatable)")
    bench.add_argument("--config", type=Path, help="config to start from (default: the scenario's), e.g. configs/jetson-orin.yaml")
    bench.add_argument("--warmup", type=int, default=2, help="turns run first and not counted (default: %(default)s)")
    bench.add_argument("--reps", type=int, default=3, help="measured passes over the scenario (default: %(default)s)")
    bench.add_argument("--idle-s", type=float, default=60.0, help="seconds of quiet cabin for idle CPU; 0 skips (default: %(default)s)")
    bench.add_argument("--cold", type=int, metavar="N", help="cold first-token measurements (default: each model turn "
                       "of the scenario once; each costs two whole-prompt evaluations)")
    bench.add_argument("--name", default="bench", help="file name stem of the results (default: %(default)s)")
    bench.add_argument("--out", type=Path, default=Path("out/bench"), help="where results go (default: %(default)s)")
    bench.add_argument("--compare", type=Path, metavar="OLD.json", help="print the change per metric against an earlier run")
    b_sub = bench.add_subparsers(dest="bench_command", metavar="SUITE")
    b_asr = b_sub.add_parser("asr", help="VAD CPU, and per recogniser/Whisper shape: RTF and end of speech -> final")
    b_asr.add_argument("--shapes", nargs="*", default=["tiny-en", "base", "small"],
                       choices=["tiny-en", "tiny", "base", "small"],
                       help="Whisper shapes (fixtures unless real models are in models/)")
    b_asr.add_argument("--out", type=Path, default=Path("out/bench"), help="where asr.json goes")
    b_llm = b_sub.add_parser("llm", help="local LLM: first token with a ~1k-token prefix cold vs warm; decode vs bare llama.cpp")
    b_llm.add_argument("--presets", nargs="*", default=["qwen2.5-0.5b"], choices=LLM_PRESETS,
                       help="Qwen shapes (fixtures unless real models are in models/)")
    b_llm.add_argument("--out", type=Path, default=Path("out/bench"), help="where llm.json goes")
    b_sp = b_sub.add_parser("speech", help="time to first audio, chunked vs whole reply, on one LLM stream; barge-in reaction")
    b_sp.add_argument("--reps", type=int, default=5, help="repetitions per voice (and half as many barge-in runs per echo level)")
    b_sp.add_argument("--out", type=Path, default=Path("out/bench"), help="where speech.json goes")
    b_turns = b_sub.add_parser("turns", help="end-of-turn decisions on the pause set (tools/make_pause_set.py): latency "
                               "after the last word and premature cuts, Smart Turn against the fixed hangovers")
    from cockpit.bench.turns import MODES
    b_turns.add_argument("--modes", nargs="*", choices=list(MODES), help="endpointer settings (default: all)")
    b_turns.add_argument("--speakers", nargs="+", choices=["espeak", "piper"], default=["espeak", "piper"])
    b_turns.add_argument("--snr", nargs="+", default=["none", "20", "10"], help="SNRs in dB ('none' = clean)")
    b_turns.add_argument("--asr", default="whisper-base", help="Whisper model for the words (default: %(default)s)")
    b_turns.add_argument("--out", type=Path, default=Path("out/bench"), help="where turns.json goes")
    b_soak = b_sub.add_parser("soak", help="thousands of turns through a real `cockpit run` (typed, spoken over the "
                              "WebSocket, clients that vanish): RSS, open fds and threads sampled, slopes reported")
    b_soak.add_argument("--turns", type=int, default=2000, help="turns to run (default: %(default)s)")
    b_soak.add_argument("--sample-every", type=int, default=50, help="turns between samples (default: %(default)s)")
    b_soak.add_argument("--out", type=Path, default=Path("out/bench"), help="where soak.json goes")
    b_cmp = b_sub.add_parser("compare", help="the change per metric between two result files")
    b_cmp.add_argument("old", type=Path)
    b_cmp.add_argument("new", type=Path)


def main(args: argparse.Namespace) -> int:
    progress = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    suite = args.bench_command
    if suite == "llm":
        from cockpit.bench import llm
        print(llm.table(llm.run(args.presets, args.out, progress=progress)))
    elif suite == "speech":
        from cockpit.bench import speech
        print(speech.table(speech.run(args.reps, args.out, progress=progress)))
    elif suite == "asr":
        from cockpit.bench import asr
        print(asr.table(asr.run(args.shapes, args.out, progress=progress)))
    elif suite == "turns":
        from cockpit.bench import turns
        snrs = [None if x == "none" else float(x) for x in args.snr]
        print(turns.table(turns.run(args.out, modes=args.modes, speakers=tuple(args.speakers), snrs=tuple(snrs),
                                    asr_model=args.asr, progress=progress)))
    elif suite == "soak":
        from cockpit.bench import soak
        if args.turns < 10 or args.sample_every < 1:
            from cockpit.errors import CockpitError
            raise CockpitError(f"--turns {args.turns}, --sample-every {args.sample_every}: need at least 10 turns and "
                               "a sample every turn or more", code="config-bench")
        result = soak.run(args.turns, args.out, sample_every=args.sample_every, progress=progress)
        print(soak.table(result))
        return 0 if result["failed"] == 0 and result["exit_code"] == 0 else 1
    elif suite == "compare":
        from cockpit.bench import report
        print(report.compare(report.load(args.old), report.load(args.new)), end="")
    else:
        return _harness(args, progress)
    return 0


def _harness(args: argparse.Namespace, progress) -> int:
    from cockpit.bench import harness, report
    from cockpit.errors import CockpitError
    if args.warmup < 0 or args.reps < 1 or args.idle_s < 0:
        raise CockpitError(f"--warmup {args.warmup}, --reps {args.reps}, --idle-s {args.idle_s}: need warm-up >= 0, "
                           "reps >= 1 and idle >= 0", code="config-bench")
    old = report.load(args.compare) if args.compare else None  # a bad file fails now, not after the run
    o = Options(scenario=args.scenario, llm=args.llm, asr=args.asr, voice=args.voice, config=args.config,
                warmup=args.warmup, reps=args.reps, idle_s=args.idle_s, out=args.out, name=args.name, cold=args.cold,
                overrides=tuple(args.overrides))
    result = harness.run(o, progress)
    print(report.markdown(result), end="")
    print("\n" + "\n".join(f"{k}: {v}" for k, v in result["files"].items()))
    if old is not None:
        print("\n" + report.compare(old, report.load(result["files"]["json"])), end="")
    return 0
