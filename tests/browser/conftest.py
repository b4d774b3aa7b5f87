"""A real `cockpit run` daemon and a real headless Chromium for the simulator page's tests.

Chromium is Debian's (/usr/bin/chromium) driven by Playwright; its fake capture device plays a WAV
of the driver (espeak-ng) into getUserMedia. Without Chromium or Playwright the tests are skipped
on a desk and fail under CI (the CI environment variable is set).
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from cockpit.audio.formats import SAMPLE_RATE, write_wav

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
SPOKEN = "set the temperature to twenty two degrees"


def _missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (.venv/bin/pip install playwright)"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def browser_available():
    why = _missing_browser()
    if why is not None:
        if os.environ.get("CI"):
            pytest.fail(f"browser test cannot run under CI: {why}")
        print(f"skipping the browser tests: {why}")
        pytest.skip(why)


@dataclass
class Daemon:
    """A running `cockpit run`: its base URL and the file its stderr goes to."""

    url: str
    proc: subprocess.Popen
    log: Path

    def log_tail(self, chars: int = 6000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else "(no log)"


@pytest.fixture(scope="module")
def daemon(tmp_path_factory, browser_available):
    """`python -m cockpit.cli run` on a free loopback port with the API as its microphone."""
    tmp = tmp_path_factory.mktemp("daemon")
    port = _free_port()
    config = tmp / "cockpit.yaml"
    config.write_text(
        "wake: {mode: ptt}\n"
        "asr: {engine: sphinx}\n"
        "brain: {mode: fastpath-only}\n"
        "audio: {output: {sink: none}}\n"
        f"session: {{audit_log: {tmp / 'audit.jsonl'}}}\n"
        f"service: {{host: 127.0.0.1, port: {port}, audio_in: api}}\n")
    log = tmp / "daemon.log"
    with open(log, "wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "cockpit.cli", "run", "--config", str(config)],
                                cwd=REPO, stdout=subprocess.DEVNULL, stderr=err)
    d = Daemon(f"http://127.0.0.1:{port}", proc, log)
    try:
        from support.ready import wait_until_ready
        wait_until_ready(f"{d.url}/health", proc, d.log_tail, what="cockpit run", timeout_s=90)
        yield d
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            print(f"cockpit run ignored SIGTERM for 20 s (killed):\n{d.log_tail()}")


@pytest.fixture(scope="module")
def driver_wav(tmp_path_factory, speech) -> tuple[Path, float]:
    """(WAV path, seconds) of the driver saying SPOKEN, with 0.5 s of silence before, 1.5 s after."""
    voice = speech(SPOKEN, 160)
    audio = np.concatenate([np.zeros(SAMPLE_RATE // 2, np.int16), voice,
                            np.zeros(SAMPLE_RATE * 3 // 2, np.int16)])
    path = write_wav(tmp_path_factory.mktemp("driver") / "driver.wav", audio)
    return path, len(audio) / SAMPLE_RATE


CHROMIUM_ARGS = (
    "--no-sandbox",                          # root in a container: no user namespaces for the sandbox
    "--disable-dev-shm-usage",               # containers give /dev/shm 64 MB
    "--disable-gpu",
    "--use-fake-ui-for-media-stream",        # grant the microphone without a prompt
    "--use-fake-device-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
)


@pytest.fixture(scope="module")
def browser(browser_available, driver_wav):
    """Headless Chromium whose microphone plays the driver's WAV once, from each getUserMedia."""
    from playwright.sync_api import sync_playwright
    wav, _ = driver_wav
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                              args=[*CHROMIUM_ARGS, f"--use-file-for-fake-audio-capture={wav}%noloop"])
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser, daemon, request):
    """A fresh page on the simulator; JS exceptions fail the test, its console and the daemon's log
    are printed when it fails."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    pg = ctx.new_page()
    console: list[str] = []
    crashes: list[str] = []
    pg.on("console", lambda m: console.append(f"[{m.type}] {m.text}"))
    pg.on("pageerror", lambda e: crashes.append(str(e)))
    pg.goto(f"{daemon.url}/")
    yield pg
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    if failed:
        conversation = pg.locator("#conversation").inner_text() if not pg.is_closed() else "(closed)"
        print("--- page console ---", *console, "--- conversation ---", conversation,
              "--- cockpit run stderr (tail) ---", daemon.log_tail(), sep="\n")
    ctx.close()
    assert not crashes, f"uncaught JS errors on the page: {crashes}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)
