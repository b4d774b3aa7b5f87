"""`cockpit demo` as a user runs it (`./run demo`): the real executable in a subprocess, on the real
stack that `./run setup` pulls into models/ (as CI does), and its output checked line by line.

The demo speaks the eleven requests of configs/scenarios/demo.yaml into the simulated microphone
at real-time pace: each must end in the right tool call. Outside CI a missing real model skips
this test with the pull command printed; under CI=true it fails (tests/real/conftest.py's rule).
"""
from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from support.realmodels import REAL_MODELS

from cockpit.skills.builtin import default_registry

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
STACK = ("whisper-tiny-en", "piper-en-joe", "smollm2-135m")
"""The real models `auto` picks for the demo: recogniser, voice (the reply's and the driver's), local brain."""
EXPECTED = [
    ("climate_set_temperature", {"celsius": 21}),
    ("climate_set_temperature", {"delta": 2}),
    ("window_set", {"window": "driver", "position": 25}),
    ("climate_set_fan", {"level": 3}),
    ("media_control", {"action": "next"}),
    ("media_volume", {"delta": -2}),
    ("whats_around", {"side": "right"}),
    ("find_nearby", {"category": "restaurant", "diet": "vegetarian", "open_now": True}),
    ("navigate_to", {"destination": "work"}),
    ("vehicle_status", {"item": "fuel"}),
    ("window_set", {"window": "all", "position": 0}),
]
"""One action per request of configs/scenarios/demo.yaml, in order."""
ACTION = re.compile(r"^    action : (\w+)\((.*)\)$")


def _require_real_stack() -> None:
    from cockpit import models

    catalog = models.Catalog.load()
    missing = [name for name in STACK
               if not all((REAL_MODELS / name / f.local_name).is_file() for f in catalog.get(name).files)]
    if missing:
        msg = (f"the demo's real models {missing} are not in {REAL_MODELS}; fetch them: "
               + "; ".join(f"cockpit models pull {m}" for m in missing))
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(msg)
        pytest.skip(msg)


def _call(line: str) -> tuple[str, dict] | None:
    """'    action : window_set(position=25, window='driver')' -> ('window_set', {...})"""
    m = ACTION.match(line)
    if m is None:
        return None
    call = ast.parse(f"f({m.group(2)})", mode="eval").body
    return m.group(1), {k.arg: ast.literal_eval(k.value) for k in call.keywords}


@pytest.mark.timeout(1200)  # measured: 1.7-2.3 min on 2 busy cores
def test_demo_acts_on_all_eleven_requests_on_the_real_stack(tmp_path):
    _require_real_stack()
    exe = Path(sys.executable).with_name("cockpit")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "cockpit.cli"]
    replies = tmp_path / "replies"
    run = subprocess.run([*cmd, "demo", "--out-dir", str(replies)], cwd=REPO, capture_output=True, text=True,
                         timeout=900, env={**os.environ, "COCKPIT_MODELS": str(REAL_MODELS), "PYTHONUNBUFFERED": "1"})
    out = run.stdout
    print(out)
    assert run.returncode == 0, run.stderr[-3000:]

    stack = out[out.index("stack:"):out.index("  driver")]
    assert "FIXTURE" not in stack and "note:" not in stack, stack  # every part real, nothing fell back
    for part in ("whisper (whisper-base)", "piper (en_US-joe-medium", "local (SmolLM2-135M"):
        assert part in stack, (part, stack)
    assert "piper" in out[out.index("  driver"):].splitlines()[0]  # the driver speaks with the real voice too

    blocks = re.split(r"^(?=\[\d+\] driver : )", out, flags=re.M)[1:]  # one per request, as the driver said it
    numbers = [int(b[1:b.index("]")]) for b in blocks]  # a bare "hey cockpit" heard apart takes a number too
    assert len(blocks) == len(EXPECTED) and numbers == sorted(numbers), blocks
    heard = [(b.splitlines()[0], [c for c in map(_call, b.splitlines()) if c is not None]) for b in blocks]
    policy = default_registry().policy
    wrong = [(line, calls, want) for (line, calls), want in zip(heard, EXPECTED) if calls not in ([want], [])]
    acting = [w for w in wrong if any(policy(name).side_effect != "read" for name, _ in w[1])]
    assert not acting, "\n".join(f"{line} -> {calls}, expected {want}" for line, calls, want in acting)
    acted = sum(1 for _line, calls in heard if calls) - len(wrong)
    print(f"acted on {acted}/11 as said; not acted on: {[line for line, calls in heard if not calls]}; "
          f"a reading instead: {wrong}")
    # Measured on this stack: 11/11 as said, all on the fast path. The driver's piper voice says each line the
    # same way every run (scenario.piper_voice: noise scales 0); with sampled prosody runs ranged 7-11/11
    # (README, "cockpit demo"). The bar leaves room for another CPU's arithmetic flipping a close call.
    # Never a window, the climate or a payment other than the one said.
    assert acted >= 9 and len(wrong) <= 1
    assert "[error:" not in out
    assert len(list(replies.glob("*.wav"))) == 11  # every request got a spoken reply
