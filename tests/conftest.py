"""Shared fixtures: real engines, speech made by espeak-ng (cached per session)."""
from __future__ import annotations

import shutil
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from cockpit.scenario import driver_speech


def pytest_report_header(config):
    return [f"espeak-ng: {shutil.which('espeak-ng') or 'MISSING (apt-get install espeak-ng)'}"]


@lru_cache(maxsize=None)
def _speech(text: str, rate: int) -> np.ndarray:
    return driver_speech(text, rate)


@pytest.fixture(scope="session")
def speech():
    """speech(text, rate_wpm) -> 16 kHz mono int16 of the simulated driver saying it."""
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is required for the speech tests: sudo apt-get install espeak-ng")
    return _speech


FIXTURES = Path(__file__).resolve().parents[1] / ".cache" / "fixtures"
"""Fixture models made by code (tools/), built once and cached here (git-ignored)."""


@pytest.fixture(scope="session")
def whisper_tiny() -> Path:
    """A CTranslate2 Whisper model of the real tiny shape with random weights."""
    return _tool("make_whisper_fixture").make_whisper_fixture(FIXTURES / "whisper-tiny", preset="tiny")


def _tool(name: str):
    import importlib
    import sys
    tools = str(Path(__file__).resolve().parents[1] / "tools")
    if tools not in sys.path:
        sys.path.insert(0, tools)
    return importlib.import_module(name)


@pytest.fixture(scope="session")
def qwen_tiny() -> Path:
    """A GGUF of the Qwen2 architecture (tiny shape, real tokenizer and chat template, random weights)."""
    return _tool("make_gguf_fixture").make_gguf_fixture(FIXTURES / "qwen-tiny-Q8_0.gguf", preset="tiny", quant="Q8_0")
