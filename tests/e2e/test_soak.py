"""The short soak (CI): turns of every kind through a real `cockpit run`, and nothing grows.

The full run (`cockpit bench soak`, 2,000 turns) is in the README; this one checks the same
machinery on fewer turns: every turn answered, no descriptor or thread left behind by clients
that vanish, memory reported with its slope.
"""
from __future__ import annotations

import json

import pytest

from cockpit.bench import soak


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_short_soak_answers_every_turn_and_leaks_no_descriptor_or_thread(tmp_path):
    result = soak.run(120, tmp_path, sample_every=10, warmup=0.25, progress=lambda m: None)
    assert result["failures"] == [] and result["exit_code"] == 0  # no error, no hang, no other command
    # a request PocketSphinx rejects is answered "didn't catch that" (a turn like any other; its accuracy is
    # measured in tests/real): 1 of the 24 espeak-ng requests at 4x speed in the runs here, up to 3 of 16
    # back to back (their phone-loop ratios sit near MIN_LLR at that speed)
    assert result["not_understood"] <= 6, result
    assert result["health_turns"] == 120  # every turn, the vanished clients' included, was answered
    assert result["dropped"] == {"audio_frames": 0, "client_messages": 0}
    # one descriptor or thread left per vanished client would add 9 between the first sample after the
    # warm-up (turn 30) and the last (a client vanishes every tenth turn)
    vanished = sum(1 for n in range(result["warmup_turns"], 120) if n % 10 == 9)
    assert vanished == 9
    assert result["fds"]["last"] - result["fds"]["first"] <= 1, result["fds"]  # exact: nothing left behind
    # asyncio's worker pool starts its threads lazily, up to min(32, cpus + 4) = 6 here, and keeps them: seen
    # 8 -> 10 -> 8 and 8 -> 11 -> 11 on 2 cores; a leak grows past that with every client
    assert result["threads"]["last"] - result["threads"]["first"] <= 4 < vanished, result["threads"]
    assert result["threads"]["max"] - result["threads"]["first"] <= 5, result["threads"]
    rss = result["rss_kib"]
    assert rss["first"] > 50_000 and isinstance(rss["slope_per_1000_turns"], float)
    assert json.loads((tmp_path / "soak.json").read_text())["turns"] == 120
    assert "slope per 1,000 turns" in soak.table(result)
