"""The simulator page in a real browser against a real `cockpit run`.

The spoken case goes the whole way: Chromium's fake microphone (espeak-ng's driver) -> getUserMedia
-> the page's AudioWorklet (16 kHz int16) -> WebSocket -> daemon (PocketSphinx, fast path, vehicle)
-> events back -> conversation pane and vehicle panel.
"""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow]

SCREENSHOT = Path(__file__).resolve().parents[2] / "out" / "browser" / "simulator.png"
TIMEOUT_MS = 30_000


def connected(page) -> None:
    from playwright.sync_api import expect
    expect(page.locator("#conn-status")).to_have_attribute("data-state", "connected", timeout=15_000)


def test_spoken_command_sets_the_temperature(page, driver_wav, tmp_path):
    from playwright.sync_api import expect
    _, seconds = driver_wav
    connected(page)

    ptt = page.locator("#ptt")
    box = ptt.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    expect(ptt).to_have_attribute("aria-pressed", "true")
    time.sleep(seconds + 0.5)  # the fake microphone plays the WAV from getUserMedia on
    page.mouse.up()
    expect(ptt).to_have_attribute("aria-pressed", "false")

    heard = page.locator('#conversation [data-testid="transcript-final"]')
    expect(heard.filter(has_text=re.compile(r"temperature.*(twenty two|22)", re.I)).first).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("#hvac-temp")).to_have_text("22", timeout=TIMEOUT_MS)
    reply = page.locator('#conversation [data-testid="reply"]').filter(has_text=re.compile(r"22|temperature", re.I))
    expect(reply.first).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator('#waterfall [data-testid="waterfall-svg"] .wf-row')).not_to_have_count(0, timeout=TIMEOUT_MS)

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    page.screenshot(path=str(tmp_path / "simulator.png"))
    print(f"screenshot: {SCREENSHOT}")


def test_typed_command_opens_the_window(page):
    from playwright.sync_api import expect
    connected(page)
    page.locator("#text-input").fill("open my window a bit")
    page.locator("#text-send").click()
    expect(page.locator("#window-fl")).to_have_text("25", timeout=TIMEOUT_MS)
    expect(page.locator('#conversation [data-testid="reply"]').first).not_to_be_empty(timeout=TIMEOUT_MS)
