"""`cockpit bench speech` runs end to end (one repetition) and reports what it measured."""
import json

import pytest

from cockpit.bench import speech


def test_speech_bench_smoke(tmp_path, monkeypatch):
    monkeypatch.setattr(speech, "REPLY", "Sure, the nearest cafe on your way is Bean There, about 400 metres ahead.")
    result = speech.run(1, tmp_path, progress=lambda m: None)
    saved = json.loads((tmp_path / "speech.json").read_text())
    assert saved == json.loads(json.dumps(result))
    assert set(result["ttfa"]) == {"espeak-ng", "piper (fixture voice)"}
    for r in result["ttfa"].values():
        assert r["chunked_ms"] > 0 and r["whole_ms"] > 0
        assert r["ratio"] == pytest.approx(r["chunked_ms"] / r["whole_ms"], abs=0.01)
    assert {b["echo_db"] for b in result["barge_in"]} == {-6.0, -12.0}
    for b in result["barge_in"]:  # the driver is heard over the reply, which stops
        assert b["detected"] and b["dropped_s"] > 0
        assert 0 < b["decided_ms"] <= b["silent_ms"]
        # the words over it become the next command (run, or read back by PocketSphinx's cross-check), or
        # (PocketSphinx rejecting them under the echo: seen once in a full-suite run on 2 busy cores, passing
        # alone) no new turn — the ask's own whats_around stays the last; never another command. The ask is
        # one the offline stack answers at once ("what is": its open reading of "what's on my right" is
        # read back, and the words over a read-back are an answer, not a command)
        assert b["next_command"] in ("window_set", "whats_around"), b
    assert any(b["next_command"] == "window_set" for b in result["barge_in"]), result["barge_in"]
    table = speech.table(result)
    assert "chunked" in table and "barge-in" in table
