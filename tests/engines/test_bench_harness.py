"""`cockpit bench` (the full harness) on tiny fixtures: the CI smoke scenario, two spoken turns.

It checks what the run produced and that it is self-consistent, never how fast it was."""
import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from cockpit.bench import report
from cockpit.bench.results import GOALS
from cockpit.tts.text import speakable

REPO = Path(__file__).resolve().parents[2]
SMOKE = REPO / "configs" / "scenarios" / "bench-smoke.yaml"
pytestmark = pytest.mark.timeout(900)  # the module fixture runs the whole smoke bench (its own limit: 600 s)


def _cockpit(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cockpit.cli", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def smoke(tmp_path_factory, whisper_tiny, qwen_tiny):
    out = tmp_path_factory.mktemp("bench")
    run = _cockpit("bench", "--scenario", str(SMOKE), "--llm", "tiny", "--asr", "whisper-tiny", "--warmup", "0",
                   "--reps", "1", "--idle-s", "1", "--out", str(out), "--name", "smoke")
    assert run.returncode == 0, run.stderr[-3000:]
    return out, run


def test_smoke_writes_json_markdown_and_charts(smoke):
    out, run = smoke
    result = report.load(out / "smoke.json")  # the report loader's own validation
    assert "[1/2] fastpath" in run.stderr and "[2/2] llm" in run.stderr  # progress while it runs
    label = result["label"]
    assert "logical CPUs" in label["hardware"] and "llama.cpp" in label["threads"]
    assert {m["fixture"] for m in label["models"].values()} == {True, False}  # fixture LLM + ASR, espeak-ng real
    for name in ("eos_to_first_audio_ms.fastpath", "eos_to_first_audio_ms.llm", "eos_to_transcript_ms",
                 "llm_ttft_warm_ms", "llm_ttft_cold_ms", "decode_tok_s", "asr_rtf", "tts_rtf", "cpu_percent_turn"):
        m = result["metrics"][name]
        assert m["n"] >= 1 and m["p50"] > 0 and m["p50"] <= m["p95"] <= m["max"], name
    for name in ("ttfa_cockpit_over_naive.fastpath", "ttfa_cockpit_over_naive.llm", "decode_cockpit_over_raw",
                 "ttft_warm_over_cold"):
        assert result["ratios"][name] > 0, name
    assert result["ratios"]["ttft_warm_over_cold"] == pytest.approx(
        result["metrics"]["llm_ttft_warm_ms"]["p50"] / result["baselines"]["llm_ttft_warm_ms"], rel=0.01)
    assert [g["goal"] for g in result["goals"]] == [g[0] for g in GOALS]  # every goal, measured
    assert all(g["met"] in (True, False) for g in result["goals"]), result["goals"]
    assert result["process"]["rss_peak_mb"] > 50 and result["process"]["idle"]["seconds"] == 1
    md = (out / "smoke.md").read_text()
    assert "| goal |" in md and "eos_to_first_audio_ms.llm" in md and "idle listening CPU" in md
    assert md in run.stdout
    for chart in ("smoke-waterfall.png", "smoke-comparison.png"):
        head = (out / chart).read_bytes()[:24]
        width, height = struct.unpack(">II", head[16:24])
        assert head[:8] == b"\x89PNG\r\n\x1a\n" and width > 300 and height > 150


def test_smoke_turns_ran_the_real_pipeline(smoke):
    out, _ = smoke
    result = json.loads((out / "smoke.json").read_text())
    fast, llm = result["all_turns"]
    assert fast["ok"] and fast["route"] == "fastpath" and fast["tools"] == ["climate_set_temperature"]
    assert "llm" not in fast  # no model call on the fast path
    assert llm["ok"] and llm["route"] == "local"
    # the fixture's gibberish was replaced by the scenario's words, token for token, and spoken
    assert llm["reply"] == "It means at least one tire is below its recommended pressure. Please check the pressures at the next stop."
    assert llm["llm"]["rounds"] == 1 and llm["llm"]["tokens"][0] >= 20
    assert llm["naive_ms"]["ttfa"] == pytest.approx(sum(llm["naive_ms"][k] for k in ("asr", "llm", "tts")), abs=0.1)
    assert llm["naive_ms"]["tokens"] == llm["llm"]["tokens"][0]  # the naive completion generated as much
    assert speakable(llm["reply"])
    rows = [(t["kind"], t["name"]) for t in result["turns"]]  # the waterfall: each turn, then its naive run
    assert [k for k, _ in rows] == ["fastpath", "naive", "llm", "naive"]


def test_compare_prints_the_change_per_metric(smoke):
    out, _ = smoke
    run = _cockpit("bench", "compare", str(out / "smoke.json"), str(out / "smoke.json"), timeout=60)
    assert run.returncode == 0, run.stderr
    assert "| eos_to_first_audio_ms.llm |" in run.stdout and "0.0% =" in run.stdout


@pytest.mark.parametrize("args, expect", [
    (["--reps", "0"], "reps >= 1"),
    (["--compare", "/nonexistent/old.json"], "/nonexistent/old.json"),
    (["--scenario", "/nonexistent/scenario.yaml"], "no such scenario file"),
])
def test_bad_bench_arguments_fail_before_running(args, expect):
    run = _cockpit("bench", "--idle-s", "0", *args, timeout=120)
    assert run.returncode == 2, run.stdout + run.stderr
    assert expect in run.stderr
