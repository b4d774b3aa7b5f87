"""`cockpit bench llm` runs for real (tiny fixture) and reports every figure it promises."""
from __future__ import annotations

import json

import pytest

import llama_cpp  # noqa: E402,F401  (a declared dependency: never skipped)

from cockpit.bench.llm import run, table  # noqa: E402


def test_bench_llm_reports_first_token_and_decode(tmp_path, qwen_tiny):
    result = run(["tiny"], tmp_path, progress=lambda m: None, cold_reps=2, warm_reps=2, decode_reps=2,
                 max_tokens=16)
    saved = json.loads((tmp_path / "llm.json").read_text())
    assert saved == result
    m = result["machine"]
    assert m["cores"] >= 1 and m["cpu"] and m["llama_cpp_python"]
    assert result["goals"] == {"first_token_warm_over_cold_max": 0.1, "decode_cockpit_over_bare_min": 0.95}
    [r] = result["llm"]
    assert r["preset"] == "tiny" and r["fixture"] is True and r["model"].endswith(".gguf")
    assert r["model_name"] == "cockpit-fixture-tiny" and r["n_threads"] >= 1
    assert r["prefix"]["tokens"] >= 1000 and r["prefix"]["tools"] > 0 and r["prefix"]["turn_tokens"] > 0
    ft = r["first_token"]
    assert len(ft["cold_ms"]) == 2 and len(ft["warm_ms"]) == 2
    assert ft["cold_ms_p50"] > 0 and ft["warm_ms_p50"] > 0 and ft["warm_prefix_ms"] > 0
    assert ft["render_tokenize_ms_p50"] > 0
    assert ft["ratio_warm_cold"] > 0 and isinstance(ft["meets_goal"], bool)
    d = r["decode"]
    # random weights never emit end-of-text: both paths decode exactly max_tokens
    assert d["cockpit_tokens"] == [16, 16] and d["bare_tokens"] == [16, 16]
    assert d["cockpit_tok_s_p50"] > 0 and d["bare_tok_s_p50"] > 0 and d["ratio_cockpit_bare"] > 0
    assert isinstance(d["meets_goal"], bool)
    text = table(result)
    assert "goal <= 0.1" in text and "goal >= 0.95" in text and "fixture (random weights)" in text
    assert "tiny" in text and str(r["prefix"]["tokens"]) in text
