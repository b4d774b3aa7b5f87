"""Shared fixtures: real engines, speech made by espeak-ng (cached per session)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from cockpit.scenario import driver_speech


def pytest_report_header(config):
    return [f"espeak-ng: {shutil.which('espeak-ng') or 'MISSING (apt-get install espeak-ng)'}"]


sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/support


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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory, qwen_tiny):
    """(host, port) of a real `python -m llama_cpp.server` on the tiny fixture; always killed."""
    model = qwen_tiny
    port = _free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
             "--port", str(port), "--n_ctx", "512", "--n_threads", "2"],
            stdout=out, stderr=subprocess.STDOUT)
    try:
        from support.ready import wait_until_ready
        wait_until_ready(f"http://127.0.0.1:{port}/v1/models", proc, lambda: log.read_text()[-3000:],
                         what="llama_cpp.server")
        yield ("127.0.0.1", port)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def fault_proxy(llama_server):
    """A FaultProxy (tests/support) in front of the llama_cpp.server; reset to pass-through by each user."""
    from support.fault_proxy import FaultProxy
    p = FaultProxy(llama_server, max_requests=1000).start()
    yield p
    p.stop()


@pytest.fixture
def proxy(fault_proxy):
    """The session's fault proxy, in pass-through before and after each test."""
    from support.fault_proxy import Fault
    fault_proxy.set_mode(Fault.PASS)
    yield fault_proxy
    fault_proxy.set_mode(Fault.PASS)


@pytest.fixture
def server(llama_server):
    return llama_server


@pytest.fixture(scope="session")
def piper_voice() -> Path:
    """The .onnx of a piper voice made by code (real piper I/O, random weights, en-us, 22050 Hz)."""
    return _tool("make_piper_fixture").make_piper_fixture(FIXTURES / "piper-en", language="en")


import support.realmodels  # noqa: E402,F401  (reads the real models dir before it is hidden)


def pytest_configure(config):
    """Hermetic by default: the engine choice 'auto' looks at $COCKPIT_MODELS, so every test outside
    tests/real sees an empty models dir (the offline stack) unless it names a model path itself.
    Subprocesses inherit it. tests/real point it back at the real models (fixture real_models)."""
    empty = Path(__file__).resolve().parents[1] / ".cache" / "no-models"
    empty.mkdir(parents=True, exist_ok=True)
    os.environ["COCKPIT_MODELS"] = str(empty)
