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
    # A descriptor left behind per vanished client (one every tenth turn) raises the FLOOR of the count: the least
    # over turns 40-60 against the least over turns 100-120, three vanished clients apart. A single sample is not
    # exact: it can land while a request's socket is open (seen 8 -> 11 -> 8 -> 11).
    def floor(key: str, lo: int, hi: int) -> int:
        return min(s[key] for s in result["samples"] if lo <= s["turn"] <= hi)
    assert floor("fds", 100, 120) - floor("fds", 40, 60) <= 1, result["samples"]
    # Threads: asyncio's worker pool starts them lazily, one per request overlapping the others, and keeps them
    # (seen 8 -> 11); a thread left per vanished client would add 9 after the warm-up (turn 30).
    vanished = sum(1 for n in range(result["warmup_turns"], 120) if n % 10 == 9)
    assert result["threads"]["last"] - result["threads"]["first"] <= 4 < vanished, result["threads"]
    for key in ("fds", "threads"):
        assert result[key]["max"] - result[key]["first"] <= 5, result[key]  # nothing runs away meanwhile
    rss = result["rss_kib"]
    assert rss["first"] > 50_000 and isinstance(rss["slope_per_1000_turns"], float)
    assert json.loads((tmp_path / "soak.json").read_text())["turns"] == 120
    assert "slope per 1,000 turns" in soak.table(result)
