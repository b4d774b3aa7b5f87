"""From measured turns to metrics, baselines, ratios and goals (cockpit/bench/results.py)."""
import pytest

from cockpit.bench import report, results


def _turn(index, kind, tts_first, naive_ttfa, *, asr=10.0, llm=None, ok=True):
    rec = {"index": index, "name": f"turn {index}", "kind": kind, "ok": ok, "route": "local",
           "stages_ms": {"asr": asr, "route": 0.5, "tts_first": tts_first, "total": tts_first + 100},
           "speech_ms": {"endpoint": 200.0, "asr": asr, "route": 0.5, "tts_first": tts_first + 200,
                         "total": tts_first + 300},
           "naive_ms": {"asr": asr * 2, "llm": naive_ttfa - asr * 2 - 50, "tts": 50.0, "ttfa": naive_ttfa,
                        "tokens": 20, "audio_s": 2.0, "endpoint": 830.0, "ttfa_from_speech": naive_ttfa + 830},
           "raw_asr_ms": asr * 2, "asr_audio_s": 2.0, "process": {"cpu_percent_mean": 90.0, "rss_peak_mb": 700.0}}
    if llm is not None:
        rec["stages_ms"]["llm_first"] = tts_first - 50
        rec["speech_ms"]["llm_first"] = tts_first + 150
        rec["llm"] = llm
    return rec


LABEL = {"hardware": "test CPU", "threads": "1", "models": {"llm: x": {"fixture": True}}}


def test_ratios_goals_and_baselines_follow_the_turns():
    recs = [_turn(0, "fastpath", 30.0, 1000.0), _turn(0, "fastpath", 50.0, 1200.0),
            _turn(1, "llm", 1000.0, 4000.0, llm={"ttft_ms": 100.0, "decode_tok_s": 19.0, "raw_decode_tok_s": 20.0,
                                                "cold_ttft_ms": 2000.0}),
            _turn(1, "llm", 1400.0, 4000.0, llm={"ttft_ms": 140.0, "decode_tok_s": 19.4, "raw_decode_tok_s": 20.0}),
            {"index": 2, "name": "ask", "kind": "barge-in", "ok": True,
             "barge_in": {"detected": True, "decided_ms": 180.0, "silent_ms": 200.0}},
            {"index": 3, "name": "lost", "kind": "fastpath", "ok": False, "problem": "no turn was heard"}]
    r = results.assemble(recs, {"seconds": 60, "cpu_percent_mean": 3.2, "cpu_percent_max": 5.0}, LABEL)
    assert r["metrics"]["eos_to_first_audio_ms.fastpath"]["p50"] == 40.0
    assert r["baselines"]["eos_to_first_audio_ms.fastpath"] == 1100.0
    # the headline: from the driver's last speech sample, the endpointer's decision included, on both sides
    assert r["metrics"]["speech_to_first_audio_ms.fastpath"]["p50"] == 240.0
    assert r["baselines"]["speech_to_first_audio_ms.fastpath"] == 1930.0
    assert r["metrics"]["speech_to_end_of_turn_ms"]["p50"] == 200.0
    assert r["baselines"]["speech_to_end_of_turn_ms"] == 830.0
    assert r["ratios"]["speech_ttfa_cockpit_over_naive.llm"] == pytest.approx(1400 / 4830, abs=1e-4)
    assert r["ratios"]["ttfa_cockpit_over_naive.llm"] == pytest.approx(1200 / 4000)
    assert r["ratios"]["decode_cockpit_over_raw"] == pytest.approx(19.2 / 20.0)
    assert r["ratios"]["ttft_warm_over_cold"] == pytest.approx(120 / 2000)
    assert r["metrics"]["asr_rtf"]["p50"] == pytest.approx(0.01)
    assert r["metrics"]["barge_in_silent_ms"]["max"] == 200.0
    goals = {g["goal"]: g for g in r["goals"]}
    assert goals["P1: fast-path last word -> first audio p50 (ms)"]["met"] is True
    assert goals["P2: question last word -> first audio p50 (ms)"]["value"] == 1400.0
    assert goals["P2: question last word -> first audio p50 (ms)"]["met"] is False
    assert goals["P2: question first audio from the last word, cockpit / naive"]["met"] is True
    assert goals["LLM turn first audio after EOS, cockpit / naive (old metric)"]["met"] is True
    assert goals["decode speed, cockpit / raw llama.cpp"]["met"] is True
    assert r["missed"] == [{"name": "lost", "kind": "fastpath", "why": "no turn was heard"}]
    assert [t["kind"] for t in r["turns"]] == ["fastpath", "naive", "llm", "naive"]
    naive = r["turns"][1]["stages_ms"]  # the naive script's 800 ms of silence is its first stage too
    assert naive["endpoint"] == 830.0 and naive["tts_first"] == 830.0 + 1200.0  # the median repetition's naive run
    md = report.markdown(r)
    assert "| first token, warm / cold | 0.06 | <= 0.1 | yes |" in md and "missed (fastpath): 'lost'" in md
    assert "idle listening CPU over 60 s of quiet: 3.20% of one core" in md


def test_a_missed_goal_is_reported_as_missed_and_an_unmeasured_one_as_such():
    recs = [_turn(0, "llm", 3000.0, 4000.0, llm={"ttft_ms": 100.0, "decode_tok_s": 10.0, "raw_decode_tok_s": 20.0})]
    r = results.assemble(recs, None, LABEL)
    goals = {g["goal"]: g["met"] for g in r["goals"]}
    assert goals["LLM turn first audio after EOS, cockpit / naive (old metric)"] is False
    assert goals["decode speed, cockpit / raw llama.cpp"] is False
    assert goals["P1: fast-path last word -> first audio p50 (ms)"] is None  # no fast-path turn in this run
    assert "not measured" in report.markdown(r) and "**no**" in report.markdown(r)
