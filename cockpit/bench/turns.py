"""`cockpit bench turns`: when does each endpointer decide the driver's turn is over — and does it cut
them off mid-sentence?

The pause set (tools/make_pause_set.py: fluent sentences, the same with a 0.5 or 1 s pause or an
"uh" at their hesitation point; espeak-ng and piper joe; clean, 20 and 10 dB of cabin noise) runs
through cockpit's own listener — Silero VAD, the endpointer, Smart Turn on its thread, Whisper's
pause decodes, the fast path's "whole command" — once per endpointer setting:

- ``smart-turn``: the default (Smart Turn + the words' second opinion);
- ``smart-turn, open words 0.8 / 0.9``: while the words are open (no whole command, no finished sentence, no
  dangling end) Smart Turn ends the pause at once only from that bar; from 0.5 up to it, 600 ms of silence;
- ``smart-turn, audio only``: Smart Turn without the words' "stops mid-sentence" (words: false);
- ``fixed 600/300``: the hangovers before Smart Turn (300 ms once the partial is a whole command);
- ``fixed 800``: a plain silence timer, as a simple VAD script waits.

Frames go in as fast as the recogniser keeps up (after each frame the bench waits until Whisper has
worked through it, as it does at real-time pace on this machine, so every partial transcript is as
fresh as it would be live), and the listener waits for each pause's verdict and words: every decision
falls at the same audio time as at real-time pace, in a fraction of the time. The latency reported is
that audio time after the last word, plus — for a turn ended by a verdict — the time the verdict
took beyond its frame: the longer of Smart Turn's inference and Whisper's pause decode, which run in
parallel (what a real-time run adds; a fast feed would also count the recogniser's backlog). A turn that
ends before the last word is a premature cut. Fluent clips give the latency; the clips with a pause give
the cut rate.
"""
from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from pathlib import Path
from typing import Callable

import numpy as np

from cockpit.bench.stats import summarize

REPO = Path(__file__).resolve().parents[2]
MODES: dict[str, dict] = {
    "smart-turn": {"endpoint": {"mode": "smart-turn"}},
    "smart-turn, bar 0.8": {"endpoint": {"mode": "smart-turn", "smart_turn": {"complete_threshold": 0.8}}},
    "smart-turn, bar 0.9": {"endpoint": {"mode": "smart-turn", "smart_turn": {"complete_threshold": 0.9}}},
    "smart-turn, open words 0.8": {"endpoint": {"mode": "smart-turn", "smart_turn": {"open_threshold": 0.8}}},
    "smart-turn, open words 0.9": {"endpoint": {"mode": "smart-turn", "smart_turn": {"open_threshold": 0.9}}},
    "smart-turn, audio only": {"endpoint": {"mode": "smart-turn", "smart_turn": {"words": False}}},
    "fixed 600/300": {"endpoint": {"mode": "fixed", "hangover_ms": 600, "hangover_complete_ms": 300}},
    "fixed 800": {"endpoint": {"mode": "fixed", "hangover_ms": 800, "hangover_complete_ms": 800}},
}
CUT_TOLERANCE_S = 0.05
"""A decision this close before the last word's end is not a cut (the VAD's frame granularity)."""


def _tool(name: str):
    import importlib
    tools = str(REPO / "tools")
    if tools not in sys.path:
        sys.path.insert(0, tools)
    return importlib.import_module(name)


def _assistant(overrides: dict, asr_model: str):
    from cockpit.config import parse_config
    from cockpit.pipeline import Assistant
    cfg = {"wake": {"mode": "none"}, "brain": {"mode": "fastpath-only"}, "tts": {"engine": "espeak"},
           "asr": {"engine": "whisper", "whisper": {"model": asr_model}},
           "audio": {"output": {"sink": "none"}},
           "session": {"audit_log": tempfile.mkdtemp(prefix="cockpit-turns-") + "/audit.jsonl"}}
    for key, value in overrides.items():
        cfg[key] = {**cfg.get(key, {}), **value}
    return Assistant(parse_config(cfg, "<cockpit bench turns>"))


async def _decisions(assistant, audio: np.ndarray) -> list[tuple[float, float]]:
    """(decision audio time, end of the utterance's last speech frame) of every utterance in ``audio``."""
    from cockpit.asr.heard import Utterance
    listener = assistant.listener
    n = listener.vad.frame_samples
    fed = [0]

    async def frames():
        for i in range(0, len(audio), n):
            fed[0] = min(i + n, len(audio))
            yield audio[i:i + n]
            await listener.threads.settled()
    out = []
    async for heard in listener.hear(frames()):
        if isinstance(heard, Utterance):
            out.append((fed[0] / 16000, heard.audio_time))
    return out


def judge_clip(decisions: list[tuple[float, float]], verdicts: list, speech_end: float) -> dict:
    """A clip's outcome: cut (a turn ended before the last word), and the latency after the last word of the
    decision that ended the last turn (audio time, plus the verdict's wait when a verdict ended it then)."""
    if not decisions:
        return {"heard": False}
    cut = any(end < speech_end - CUT_TOLERANCE_S for end, _ in decisions)
    decided, last_speech = decisions[-1]
    wait = 0.0
    for v in verdicts:  # the verdict on the final pause: in real time the decision waits for it
        if abs(v.audio_time - last_speech) < 1e-6:
            wait = max(0.0, v.at + v.work_ms / 1000 - decided)
    return {"heard": True, "cut": cut, "utterances": len(decisions),
            "latency_ms": round((decided + wait - speech_end) * 1000, 1)}


async def _run_mode(name: str, overrides: dict, clips, asr_model: str, progress) -> list[dict]:
    a = _assistant(overrides, asr_model)
    await a.prepare()
    rows = []
    try:
        for k, clip in enumerate(clips):
            a.listener.verdicts.clear()
            decisions = await _decisions(a, clip.audio)
            row = {"mode": name, "clip": clip.name, "speaker": clip.speaker, "kind": clip.kind,
                   "snr": "clean" if clip.snr_db is None else f"{clip.snr_db:g} dB", "pause_s": clip.pause_s,
                   **judge_clip(decisions, a.listener.verdicts, clip.speech_end_s)}
            rows.append(row)
            if k % 24 == 0:
                progress(f"  {name}: {k + 1}/{len(clips)} {clip.name}: {row}")
    finally:
        await a.close()
    return rows


def summary(rows: list[dict]) -> list[dict]:
    """Per mode (and per mode and SNR): latency p50/p95 on fluent clips; cut rate on clips with a pause."""
    out = []
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault((r["mode"], "all"), []).append(r)
        groups.setdefault((r["mode"], r["snr"]), []).append(r)
        groups.setdefault((r["mode"], r["speaker"]), []).append(r)
    for (mode, part), rs in groups.items():
        fluent = [r["latency_ms"] for r in rs if r["kind"] == "fluent" and r.get("heard") and not r["cut"]]
        paused = [r for r in rs if r["kind"] != "fluent" and r.get("heard")]
        lat = summarize(fluent)
        out.append({"mode": mode, "part": part, "fluent": len(fluent), "latency_p50_ms": lat["p50"],
                    "latency_p95_ms": lat["p95"], "with_pause": len(paused),
                    "cuts": sum(r["cut"] for r in paused),
                    "cut_rate": round(sum(r["cut"] for r in paused) / len(paused), 4) if paused else None,
                    "fluent_cut": sum(1 for r in rs if r["kind"] == "fluent" and r.get("cut")),
                    "unheard": sum(1 for r in rs if not r.get("heard"))})
    return out


def table(result: dict) -> str:
    lines = ["| endpointer | clips | end of turn after the last word, p50 / p95 (fluent) | premature cuts (with a pause) |",
             "|---|---|---|---|"]
    for s in result["summary"]:
        if s["part"] != "all":
            continue
        lines.append(f"| {s['mode']} | {s['fluent']} + {s['with_pause']} | {s['latency_p50_ms']:.0f} / "
                     f"{s['latency_p95_ms']:.0f} ms | {s['cuts']}/{s['with_pause']} ({100 * (s['cut_rate'] or 0):.1f}%) |")
    lines += ["", "| endpointer | part | p50 / p95 | cuts |", "|---|---|---|---|"]
    for s in result["summary"]:
        if s["part"] == "all":
            continue
        lines.append(f"| {s['mode']} | {s['part']} | {s['latency_p50_ms'] or 0:.0f} / {s['latency_p95_ms'] or 0:.0f} ms "
                     f"| {s['cuts']}/{s['with_pause']} |")
    return "\n".join(lines)


def run(out_dir: Path, *, modes: list[str] | None = None, speakers=("espeak", "piper"), snrs=(None, 20.0, 10.0),
        asr_model: str = "whisper-base", progress: Callable[[str], None] = print) -> dict:
    clips = _tool("make_pause_set").pause_set(speakers, snrs)
    progress(f"{len(clips)} clips in the pause set")
    rows: list[dict] = []
    for name in modes or list(MODES):
        progress(f"endpointer {name}…")
        rows += asyncio.run(_run_mode(name, MODES[name], clips, asr_model, progress))
    result = {"asr": asr_model, "clips": len(clips), "summary": summary(rows), "rows": rows}
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "turns.json").write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":  # pragma: no cover - `cockpit bench turns` is the entry point
    print(table(run(Path("out/bench"))))
