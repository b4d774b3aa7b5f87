"""A real `cockpit run` daemon and a real headless Chromium for the simulator page's tests.

Chromium is Debian's (/usr/bin/chromium) driven by Playwright; its fake capture device plays a WAV
of the driver (espeak-ng) into getUserMedia. Without Chromium or Playwright the tests are skipped
on a desk and fail under CI (the CI environment variable is set). The shared pieces are in
browsing.py.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from browsing import CHROMIUM, CHROMIUM_ARGS, close_page, missing_browser, open_page, running_daemon
from cockpit.audio.formats import SAMPLE_RATE, write_wav

SPOKEN = "set the temperature to twenty two degrees"


@pytest.fixture(scope="session")
def browser_available():
    why = missing_browser()
    if why is not None:
        if os.environ.get("CI"):
            pytest.fail(f"browser test cannot run under CI: {why}")
        print(f"skipping the browser tests: {why}")
        pytest.skip(why)


@pytest.fixture(scope="module")
def daemon(tmp_path_factory, browser_available):
    """The daemon with the defaults the spoken test needs (no simulated drive)."""
    with running_daemon(tmp_path_factory.mktemp("daemon")) as d:
        yield d


@pytest.fixture(scope="module")
def driver_wav(tmp_path_factory, speech) -> tuple[Path, float]:
    """(WAV path, seconds) of the driver saying SPOKEN, with 0.5 s of silence before, 1.5 s after."""
    voice = speech(SPOKEN, 160)
    audio = np.concatenate([np.zeros(SAMPLE_RATE // 2, np.int16), voice,
                            np.zeros(SAMPLE_RATE * 3 // 2, np.int16)])
    path = write_wav(tmp_path_factory.mktemp("driver") / "driver.wav", audio)
    return path, len(audio) / SAMPLE_RATE


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
    """A fresh page on the simulator at 1280x800 (see close_page for what fails it)."""
    tab = open_page(browser, daemon)
    yield tab.page
    close_page(tab, daemon, getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)
