"""The simulator page against a daemon that requires an API token (the car configs' service.require_token):
opened with ``?token=…`` it connects, shows privacy mode, and its Confirm pays exactly once; opened without
the token it is refused and can do nothing."""
from __future__ import annotations

import pytest

from browsing import close_page, open_page, running_daemon
from cockpit.skills.audit import AuditLog

pytestmark = [pytest.mark.slow]
TOKEN = "a-long-enough-test-token-0123"
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def daemon(tmp_path_factory, browser_available):
    with running_daemon(tmp_path_factory.mktemp("daemon-token"), token=TOKEN) as d:
        yield d


@pytest.fixture
def tab(browser, daemon):
    opened = []

    def open_(query: str):
        opened.append(open_page(browser, daemon, query=query))
        return opened[-1].page
    yield open_
    for t in opened:
        close_page(t, daemon, failed=False)


def say(page, text: str) -> None:
    page.locator("#text-input").fill(text)
    page.locator("#text-send").click()


def paid(daemon) -> int:
    return sum(1 for e in AuditLog(daemon.audit).entries()
               if e["kind"] == "tool-executed" and e["data"].get("tool") == "place_order")


def test_with_the_token_the_page_acts_and_shows_privacy_mode(tab, daemon):
    from playwright.sync_api import expect
    page = tab(f"?token={TOKEN}")
    expect(page.locator("#conn-status")).to_have_attribute("data-state", "connected", timeout=15_000)
    badge = page.locator('[data-testid="privacy-badge"]')
    expect(badge).to_be_hidden()
    say(page, "privacy mode on")
    expect(badge).to_be_visible(timeout=TIMEOUT_MS)
    say(page, "privacy mode off")
    expect(badge).to_be_hidden(timeout=TIMEOUT_MS)
    before = paid(daemon)
    say(page, "order a large latte from bean there")
    card = page.locator('[data-testid="confirm-card"]')
    expect(card).to_have_attribute("data-state", "pending", timeout=TIMEOUT_MS)
    card.locator('[data-testid="confirm-button"]').click()  # the HMI confirm carries the page's token
    expect(card).to_have_attribute("data-state", "confirmed", timeout=TIMEOUT_MS)
    expect(card).to_have_attribute("data-channel", "hmi-confirm")
    expect(page.locator('#conversation [data-testid="reply"]').filter(has_text="Ordered one large latte").last
           ).to_be_visible(timeout=TIMEOUT_MS)
    assert paid(daemon) == before + 1


def test_without_the_token_the_page_is_refused(tab, daemon):
    from playwright.sync_api import expect
    page = tab("")
    status = page.locator("#conn-status")
    expect(status).to_have_attribute("data-state", "disconnected", timeout=15_000)
    expect(status).to_contain_text("refused: the daemon needs its API token", timeout=15_000)
    assert page.locator("#conn-status").get_attribute("data-state") != "connected"
