"""Hypothesis profiles for the parser fuzzers.

``CI=true``: derandomized (the same examples every run, so CI is reproducible) with
:data:`CI_EXAMPLES` examples per property, sized so the whole folder runs in about a minute on
two slow cores. Elsewhere: random, the same count. ``COCKPIT_FUZZ_EXAMPLES=N`` sets the count
for a longer local hunt (e.g. 1000). Never a wall-clock deadline: a slow shared machine is not a
finding. Failing examples are kept in .cache/hypothesis (git-ignored) and replayed first.
"""
from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

CI_EXAMPLES = 100
"""Examples per property by default (CI and a plain local run)."""

_examples = int(os.environ.get("COCKPIT_FUZZ_EXAMPLES") or CI_EXAMPLES)
_common = dict(max_examples=_examples, deadline=None, print_blob=True,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("ci", derandomize=True, database=None, **_common)
settings.register_profile("local", database=DirectoryBasedExampleDatabase(
    str(Path(__file__).resolve().parents[2] / ".cache" / "hypothesis")), **_common)
settings.load_profile("ci" if os.environ.get("CI", "").lower() == "true" else "local")
