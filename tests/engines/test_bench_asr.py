"""`cockpit bench asr` runs for real (one small shape) and reports every figure it promises."""
from __future__ import annotations

import json

from cockpit.bench.asr import run, table


def test_bench_asr_reports_vad_and_wake_cpu_rtf_and_latency(tmp_path, whisper_tiny):
    result = run(["tiny"], tmp_path, progress=lambda m: None)
    saved = json.loads((tmp_path / "asr.json").read_text())
    assert saved == result
    assert set(result["vad"]) == {"webrtc", "silero"} and all(v > 0 for v in result["vad"].values())
    # the openWakeWord spotter's CPU (hermetic models dir: the fixture of the real shapes)
    assert result["wake"]["fixture"] is True and result["wake"]["cpu_ms_per_s"] > 0
    rows = {r["recogniser"]: r for r in result["asr"]}
    assert set(rows) == {"sphinx grammar", "whisper tiny"}
    assert rows["whisper tiny"]["fixture"] is True and rows["whisper tiny"]["rtf"] > 0
    for r in rows.values():
        assert r["eos_to_final_ms_p50"] is not None and r["eos_to_final_ms_max"] >= r["eos_to_final_ms_p50"]
    text = table(result)
    assert "fixture (random weights)" in text and "silero" in text and "openWakeWord loud_v0.1 (fixture)" in text
