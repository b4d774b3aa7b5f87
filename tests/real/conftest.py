"""Tests on REAL weights: the official files `./run setup` pulls (`cockpit models pull`) into models/.

Under CI (CI=true) a missing real model fails the test with the command that fetches it; elsewhere
the test is skipped with that command printed, so a machine without the models still runs the rest.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from support.realmodels import REAL_MODELS


def _missing(name: str, why: str):
    msg = f"real model {name!r} is not in {REAL_MODELS} ({why}); fetch it: cockpit models pull {name}"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(msg)
    pytest.skip(msg)


@pytest.fixture
def real_models(monkeypatch) -> Path:
    """The real models dir, made the one `auto` and catalog names resolve against for this test."""
    monkeypatch.setenv("COCKPIT_MODELS", str(REAL_MODELS))
    return REAL_MODELS


@pytest.fixture(scope="session")
def real_model():
    """real_model(name) -> the folder models/<name>/ with every catalog file present (else skip/fail)."""
    from cockpit import models

    catalog = models.Catalog.load()

    def get(name: str) -> Path:
        entry = catalog.get(name)
        folder = REAL_MODELS / entry.name
        absent = [f.local_name for f in entry.files if not (folder / f.local_name).is_file()]
        if absent:
            _missing(name, "missing: " + ", ".join(absent))
        return folder

    return get
