"""From measured turns to a `cockpit bench` result: metrics, baselines, ratios, goals, labels.

Headline metrics, in ms from the driver's LAST speech sample (what the driver waits for):
``speech_to_first_audio_ms.<kind>`` first reply audio synthesised; ``speech_to_end_of_turn_ms``
the endpointer's decision; ``speech_to_transcript_ms`` the final transcript. Their baselines are
the naive script's, which waits for 800 ms of silence (``timeline.NAIVE_SILENCE_MS``).

The old metrics, kept beside them for one release (ms from the endpointer's end-of-speech
decision, EOS):
``eos_to_first_audio_ms.<kind>`` first reply audio synthesised; ``eos_to_transcript_ms`` final
transcript; ``eos_to_route_ms`` route decided; ``eos_to_first_token_ms`` first model token;
``turn_total_ms.<kind>`` end of the turn; ``llm_ttft_warm_ms`` / ``llm_ttft_cold_ms`` the model's
own time to first token with the static prefix cached / with an empty KV cache;
``decode_tok_s``; ``asr_rtf`` and ``tts_rtf`` (engine seconds per second of audio);
``cpu_percent_turn`` (process CPU during each turn, 100 = one core); ``barge_in_*_ms`` (audio
time from the driver's first interrupting sample). Only turns that took their intended route
count; the others are listed as missed.
"""
from __future__ import annotations

import json
import os
import platform
import statistics
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cockpit.bench import report
from cockpit.bench.stats import cpu_name, summarize

KINDS = ("fastpath", "llm", "tool")
GOALS = (  # (name, what, comparison, goal) — the targets; `what` is "metric:stat" or "ratio:name"
    ("P1: fast-path last word -> first audio p50 (ms)", "metric:speech_to_first_audio_ms.fastpath", "<=", 250.0),
    ("P2: question last word -> first audio p50 (ms)", "metric:speech_to_first_audio_ms.llm", "<=", 1000.0),
    ("P2: question first audio from the last word, cockpit / naive", "ratio:speech_ttfa_cockpit_over_naive.llm",
     "<=", 0.3),
    ("LLM turn first audio after EOS, cockpit / naive (old metric)", "ratio:ttfa_cockpit_over_naive.llm", "<=", 0.4),
    ("decode speed, cockpit / raw llama.cpp", "ratio:decode_cockpit_over_raw", ">=", 0.95),
    ("first token, warm / cold", "ratio:ttft_warm_over_cold", "<=", 0.1),
)


def one_line(rec: dict) -> str:
    """A turn's result for the progress display."""
    if "barge_in" in rec:
        b = rec["barge_in"]
        return (f"barge-in decided {b['decided_ms']:.0f} ms, speaker silent {b['silent_ms']:.0f} ms after the driver "
                f"began" if b.get("detected") else "barge-in NOT detected")
    if "stages_ms" not in rec:
        return f"MISSED: {rec.get('problem')}"
    st = rec["stages_ms"]
    sp = rec.get("speech_ms") or {}
    line = (f"{rec['route']}{'' if rec['ok'] else ' (NOT the intended route)'}: first audio "
            f"{sp.get('tts_first', float('nan')):.0f} ms after the last word (end of turn decided at "
            f"{sp.get('endpoint', float('nan')):.0f}; {st.get('tts_first', float('nan')):.0f} after it)")
    if "naive_ms" in rec:
        line += f"; naive {rec['naive_ms'].get('ttfa_from_speech', rec['naive_ms']['ttfa']):.0f} ms"
    if rec.get("llm", {}).get("decode_tok_s"):
        line += f"; decode {rec['llm']['decode_tok_s']:.1f} tok/s (raw {rec['llm']['raw_decode_tok_s'] or 0:.1f})"
    return line


def label(models: dict, local_llm: Any, settings: Any, o: Any) -> dict:
    import llama_cpp
    cp = local_llm.llm.context_params
    w = settings.asr.whisper
    gpu = settings.brain.local.n_gpu_layers
    return {
        "hardware": f"{cpu_name()}, {os.cpu_count()} logical CPUs"
                    + (f", GPU layers {gpu}, Whisper on {w.device}" if gpu or w.device != "cpu" else ", no GPU"),
        "threads": f"llama.cpp {cp.n_threads} (prompt {cp.n_threads_batch}), CTranslate2 "
                   f"{w.cpu_threads or 'auto'}",
        "models": {f"{role}: {m['name']}": {"fixture": m["fixture"], "file": m["file"] and Path(m["file"]).name}
                   for role, m in models.items()},
        "scenario": str(o.scenario), "warmup_turns": o.warmup, "repetitions": o.reps,
        "versions": {"python": platform.python_version(), "llama_cpp_python": llama_cpp.__version__},
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def _median(values: list) -> float | None:
    v = [x for x in values if x is not None]
    return statistics.median(v) if v else None


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 4) if a is not None and b else None


def _short(said: str) -> str:
    """A chart label: the words after the wake phrase, at most 36 characters."""
    words = said.split(",", 1)[1].strip() if said.lower().startswith(("hey cockpit,", "cockpit,")) else said
    return words if len(words) <= 36 else words[:35] + "…"


def _stages(r: dict) -> dict:
    """The turn's stages from the last speech sample (old runs: from EOS)."""
    return r.get("speech_ms") or r["stages_ms"]


def _representatives(good: list[dict]) -> list[dict]:
    """Per scenario turn, its median repetition by first audio; each with its naive row after it. Stages in
    ms from the driver's last speech sample, the endpointer's decision first."""
    rows = []
    for index in sorted({r["index"] for r in good}):
        reps = sorted((r for r in good if r["index"] == index), key=lambda r: _stages(r).get("tts_first", 0))
        r = reps[len(reps) // 2]
        name = _short(r["name"])
        rows.append({"name": name, "kind": r["kind"], "stages_ms": _stages(r)})
        if "naive_ms" in r:
            nv = r["naive_ms"]
            end = nv.get("endpoint", 0.0)
            first = end + nv["ttfa"]
            stages = {"endpoint": end} if "endpoint" in nv else {}
            stages.update(asr=nv["asr"], llm_first=end + nv["asr"] + nv["llm"], tts_first=first, total=first)
            rows.append({"name": name, "kind": "naive", "stages_ms": stages})
    return rows


def assemble(records: list[dict], idle: dict | None, lab: dict) -> dict:
    good = [r for r in records if r.get("ok") and "stages_ms" in r]
    kind = {k: [r for r in good if r["kind"] == k] for k in KINDS}
    models = [r for r in good if "llm" in r]
    st = lambda rs, key: [r["stages_ms"][key] for r in rs if key in r["stages_ms"]]  # noqa: E731
    values: dict[str, list] = {}
    baselines: dict[str, float | None] = {}
    sp = lambda rs, key: [r["speech_ms"][key] for r in rs if key in r.get("speech_ms", {})]  # noqa: E731
    for k in KINDS:
        values[f"speech_to_first_audio_ms.{k}"] = sp(kind[k], "tts_first")
        baselines[f"speech_to_first_audio_ms.{k}"] = _median([r["naive_ms"].get("ttfa_from_speech") for r in kind[k]
                                                             if "naive_ms" in r])
    values["speech_to_end_of_turn_ms"] = sp(good, "endpoint")
    baselines["speech_to_end_of_turn_ms"] = _median([r.get("naive_ms", {}).get("endpoint") for r in good])
    values["speech_to_transcript_ms"] = [r["speech_ms"]["endpoint"] + r["speech_ms"].get("asr", 0.0) for r in good
                                         if "speech_ms" in r]
    for k in KINDS:
        values[f"eos_to_first_audio_ms.{k}"] = st(kind[k], "tts_first")
        values[f"turn_total_ms.{k}"] = st(kind[k], "total")
        baselines[f"eos_to_first_audio_ms.{k}"] = _median([r["naive_ms"]["ttfa"] for r in kind[k] if "naive_ms" in r])
    values["eos_to_transcript_ms"] = st(good, "asr")
    values["eos_to_route_ms"] = [r["stages_ms"]["asr"] + r["stages_ms"].get("route", 0) for r in good
                                 if "asr" in r["stages_ms"]]
    values["eos_to_first_token_ms"] = st(kind["llm"] + kind["tool"], "llm_first")
    values["llm_ttft_warm_ms"] = [r["llm"]["ttft_ms"] for r in models if r["llm"]["ttft_ms"] is not None]
    values["llm_ttft_cold_ms"] = [r["llm"]["cold_ttft_ms"] for r in models if "cold_ttft_ms" in r["llm"]]
    values["decode_tok_s"] = [r["llm"]["decode_tok_s"] for r in models if r["llm"]["decode_tok_s"]]
    values["asr_rtf"] = [r["raw_asr_ms"] / 1000 / r["asr_audio_s"] for r in good if "raw_asr_ms" in r]
    values["tts_rtf"] = [r["naive_ms"]["tts"] / 1000 / r["naive_ms"]["audio_s"] for r in good
                         if r.get("naive_ms", {}).get("audio_s")]
    values["cpu_percent_turn"] = [r["process"]["cpu_percent_mean"] for r in good if r.get("process")]
    barge = [r["barge_in"] for r in records if r.get("ok") and "barge_in" in r]
    values["barge_in_decided_ms"] = [b["decided_ms"] for b in barge]
    values["barge_in_silent_ms"] = [b["silent_ms"] for b in barge]
    baselines["eos_to_transcript_ms"] = _median([r.get("raw_asr_ms") for r in good])
    baselines["decode_tok_s"] = _median([r["llm"]["raw_decode_tok_s"] for r in models])
    baselines["llm_ttft_warm_ms"] = _median(values["llm_ttft_cold_ms"])
    metrics = {name: {k: (round(v, 3) if isinstance(v, float) else v) for k, v in summarize(vs).items()}
               for name, vs in values.items() if vs}
    p50 = lambda name: (metrics.get(name) or {}).get("p50")  # noqa: E731
    ratios = {f"speech_ttfa_cockpit_over_naive.{k}": _ratio(p50(f"speech_to_first_audio_ms.{k}"),
                                                            baselines[f"speech_to_first_audio_ms.{k}"]) for k in KINDS}
    ratios.update({f"ttfa_cockpit_over_naive.{k}": _ratio(p50(f"eos_to_first_audio_ms.{k}"),
                                                          baselines[f"eos_to_first_audio_ms.{k}"]) for k in KINDS})
    ratios["decode_cockpit_over_raw"] = _ratio(_median(values["decode_tok_s"]), baselines["decode_tok_s"])
    ratios["ttft_warm_over_cold"] = _ratio(_median(values["llm_ttft_warm_ms"]), baselines["llm_ttft_warm_ms"])
    ratios["asr_cockpit_over_raw"] = _ratio(p50("eos_to_transcript_ms"), baselines["eos_to_transcript_ms"])
    ratios = {k: v for k, v in ratios.items() if v is not None}
    goals = []
    for title, what, op, goal in GOALS:
        src, name = what.split(":")
        value = p50(name) if src == "metric" else ratios.get(name)
        met = None if value is None else (value <= goal if op == "<=" else value >= goal)
        goals.append({"goal": title, "value": value, "target": f"{op} {goal:g}", "met": met})
    peak = max((r["process"]["rss_peak_mb"] for r in records if r.get("process")), default=None)
    pss = max((r["process"].get("pss_peak_mb") or 0.0 for r in records if r.get("process")), default=None) or None
    return {"label": lab, "turns": _representatives(good), "metrics": metrics,
            "baselines": {k: round(v, 3) for k, v in baselines.items() if v is not None}, "ratios": ratios,
            "goals": goals, "process": {"rss_peak_mb": peak, "pss_peak_mb": pss, "idle": idle},
            "missed": [{"name": r["name"], "kind": r["kind"], "why": r.get("problem") or
                        f"route {r.get('route')}, tools {r.get('tools')}"} for r in records if not r.get("ok")],
            "all_turns": records}


def write(result: dict, out: Path, name: str) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    files = {"json": out / f"{name}.json", "markdown": out / f"{name}.md",
             "waterfall": out / f"{name}-waterfall.png", "comparison": out / f"{name}-comparison.png"}
    result["files"] = {k: str(v) for k, v in files.items()}
    report.waterfall_png(result, files["waterfall"])
    report.comparison_png(result, files["comparison"])
    files["markdown"].write_text(report.markdown(result), encoding="utf-8")
    files["json"].write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    return result
