"""The cabin simulator a team would demo, in a real browser against a real `cockpit run` with the
simulated drive on the bundled route (its clock all but stopped: the car moves only when the page's
drive control moves it, so where it is — and what is open — is known when the driver asks):

- the map draws the route, the car moves when the drive advances, the driven part grows;
- a typed "find a vegetarian place that's open now" rings the answered place with its opening state;
  "what's on my right" draws the sector it looked in;
- a typed purchase shows the confirmation card; Confirm executes it exactly once (the audit log says
  so, with the HMI channel), Cancel executes nothing, the driver's spoken "yes" updates the same card;
- the whole page works from the keyboard and is readable at 1280x720 and at a head unit's 1024x600;
- nothing is requested from anywhere but the daemon (checked for every page, conftest.close_page).

Screenshots are kept under out/browser/.
"""
from __future__ import annotations

import json
import re
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from cockpit.audio.formats import SAMPLE_RATE, write_wav
from cockpit.skills.audit import AuditLog
from cockpit.vehicle import geo
from cockpit.vehicle.route import load_route

from browsing import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, close_page, open_page, running_daemon

pytestmark = [pytest.mark.slow]

OUT = Path(__file__).resolve().parents[2] / "out" / "browser"
TIMEOUT_MS = 30_000
ROUTE = load_route(None)
CLOCK = datetime(2026, 6, 12, 12, 30)  # a Friday: Tiffin Garden open until 14:30, Green Fork opens at 17:00
ORDER = "order a large latte from bean there"
VEGETARIAN = "find a vegetarian place that's open now"


@pytest.fixture(scope="module")
def daemon(tmp_path_factory, browser_available):
    """`cockpit run` with the simulated drive (route clock at 1/1000 of real time) and a fixed local clock."""
    home, work = ROUTE.points[0], ROUTE.points[-1]
    extra = ("vehicle:\n"
             f"  clock: {CLOCK.isoformat()}\n"
             f"  places: {{home: {{latitude: {home[0]}, longitude: {home[1]}}}, "
             f"work: {{latitude: {work[0]}, longitude: {work[1]}}}}}\n"
             "  feeds: [{kind: drive, speedup: 0.001, rate_hz: 10}]\n")
    with running_daemon(tmp_path_factory.mktemp("cabin"), extra) as d:
        yield d


@pytest.fixture(scope="module")
def yes_wav(tmp_path_factory, speech) -> tuple[Path, float]:
    """The driver saying "yes" (espeak-ng), with silence around it."""
    audio = np.concatenate([np.zeros(SAMPLE_RATE // 2, np.int16), speech("yes", 140),
                            np.zeros(SAMPLE_RATE * 3 // 2, np.int16)])
    return write_wav(tmp_path_factory.mktemp("yes") / "yes.wav", audio), len(audio) / SAMPLE_RATE


@pytest.fixture(scope="module")
def browser(browser_available, yes_wav):
    """Headless Chromium whose fake microphone says "yes", from each getUserMedia."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                              args=[*CHROMIUM_ARGS, f"--use-file-for-fake-audio-capture={yes_wav[0]}%noloop"])
        try:
            yield b
        finally:
            b.close()


# ------------------------------------------------------------------ helpers


def expect(locator):
    from playwright.sync_api import expect as _expect
    return _expect(locator)


def connected(page) -> None:
    expect(page.locator("#conn-status")).to_have_attribute("data-state", "connected", timeout=15_000)
    expect(page.locator('[data-testid="map-route"]')).to_have_count(1, timeout=TIMEOUT_MS)


def wait_until(check, what: str, timeout_s: float = 30.0):
    """check() until it returns something truthy (a liveness bound, not a timing assumption)."""
    deadline = time.monotonic() + timeout_s
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.1)


def car(page) -> tuple[float, float, float]:
    c = page.locator('[data-testid="map-car"]')
    return float(c.get_attribute("data-lat")), float(c.get_attribute("data-lon")), float(c.get_attribute("data-heading"))


def car_near(page, t: float, within_m: float = 5.0) -> None:
    """The car arrow is drawn where the route puts the car ``t`` s into the drive."""
    here = ROUTE.state_at(t)

    def there():
        lat, lon, _ = car(page)
        return geo.distance_m(lat, lon, here.lat, here.lon) <= within_m
    wait_until(there, f"the car drawn within {within_m} m of the route at {t} s (now at {car(page)})")


def driven(page) -> float:
    return float(page.locator('[data-testid="map-driven"]').get_attribute("data-driven-m"))


def fmt(t: float) -> str:
    return f"{int(t // 60)}:{int(t % 60):02d}"


def seek(page, t: int) -> None:
    """Move the drive with the page's own slider, from the keyboard: Home, then 5 s per arrow key."""
    slider = page.locator("#drive-slider")
    slider.focus()
    page.keyboard.press("Home")
    for _ in range(t // 5):
        page.keyboard.press("ArrowRight")
    expect(page.locator("#drive-time")).to_contain_text(f"{fmt(t)} /", timeout=TIMEOUT_MS)
    car_near(page, t)


def say_typed(page, text: str) -> None:
    """Type what the driver says and press Enter (keyboard only)."""
    page.locator("#text-input").focus()
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def audit(daemon) -> list[dict]:
    return list(AuditLog(daemon.audit).entries())


def executed(daemon, tool: str = "place_order") -> int:
    return sum(1 for e in audit(daemon) if e["kind"] == "tool-executed" and e["data"].get("tool") == tool)


CONFIRMED, CANCELLED = ("policy-confirmed", None), ("policy-refused", "policy-cancelled")


def settled(daemon, request_id: str) -> list[tuple[str, str | None, str]]:
    """(kind, code, channel) of the audit lines that settled ``request_id``."""
    return [(e["kind"], e["data"].get("code"), e["data"].get("channel")) for e in audit(daemon)
            if e["data"].get("id") == request_id and e["kind"] != "policy-confirm-asked"]


def new_card(page):
    """Order the latte (typed) and wait for its confirmation card; returns (card, its request id)."""
    say_typed(page, ORDER)
    card = page.locator('[data-testid="confirm-card"]')
    expect(card).to_have_attribute("data-state", "pending", timeout=TIMEOUT_MS)
    return card, card.get_attribute("data-id")


def reply_turn_done(page, pattern: str) -> None:
    reply = page.locator('#conversation [data-testid="reply"]').filter(has_text=re.compile(pattern, re.I))
    expect(reply.last).to_be_visible(timeout=TIMEOUT_MS)


# ------------------------------------------------------------------ the map


def test_the_map_draws_the_route_and_the_car_moves_with_the_drive(page):
    connected(page)
    route = page.locator('[data-testid="map-route"]')
    expect(route).to_have_attribute("data-points", str(len(ROUTE.points)))
    assert float(route.get_attribute("data-length-m")) == pytest.approx(ROUTE.length_m(), abs=1.0)
    assert route.get_attribute("d").count("L") == len(ROUTE.points) - 1  # every vertex is drawn
    dest = page.locator('[data-testid="map-destination"]')
    expect(dest).to_have_attribute("data-name", "work")

    seek(page, 30)
    lat, lon, heading = car(page)
    assert heading == pytest.approx(ROUTE.state_at(30).heading, abs=0.2)
    assert driven(page) == pytest.approx(geo.project(ROUTE.points, lat, lon).along_m, abs=5.0)
    before = driven(page)

    page.locator("#drive-forward").click()  # +30 s: the drive advances, the car moves along the route
    expect(page.locator("#drive-time")).to_contain_text("1:00 /", timeout=TIMEOUT_MS)
    car_near(page, 60)
    wait_until(lambda: driven(page) > before + 100, "the driven part growing with the car")
    lat, lon, heading = car(page)
    assert driven(page) == pytest.approx(geo.project(ROUTE.points, lat, lon).along_m, abs=5.0)
    assert heading == pytest.approx(ROUTE.state_at(60).heading, abs=0.2)
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / "map-drive.png"))


def test_the_map_pans_and_zooms_with_the_mouse_and_the_keyboard(page):
    connected(page)
    svg, box = page.locator("#map-svg"), page.locator("#map").bounding_box()
    scale = lambda: float(svg.get_attribute("data-scale"))  # noqa: E731
    follow = page.locator("#map-follow")
    start = scale()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -400)  # wheel up: closer
    wait_until(lambda: scale() > start * 1.2, "the wheel zooming in")
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 120, box["y"] + box["height"] / 2 + 60, steps=6)
    page.mouse.up()
    expect(follow).to_have_attribute("aria-pressed", "false")  # dragged away: the map stops following
    arrow = page.locator('[data-testid="map-car"]').bounding_box()
    assert arrow["x"] > box["x"] + box["width"] / 2 + 60  # the car went right with the map

    page.locator("#map").focus()  # the keyboard: F follows again, minus zooms out, arrows pan
    page.keyboard.press("f")
    expect(follow).to_have_attribute("aria-pressed", "true")
    centre = page.locator('[data-testid="map-car"]').bounding_box()
    assert abs(centre["x"] + centre["width"] / 2 - (box["x"] + box["width"] / 2)) < 30
    zoomed = scale()
    page.keyboard.press("-")
    wait_until(lambda: scale() < zoomed, "minus zooming out")
    page.keyboard.press("ArrowLeft")
    expect(follow).to_have_attribute("aria-pressed", "false")
    page.locator("#map-follow").click()
    expect(follow).to_have_attribute("aria-pressed", "true")


def test_a_typed_vegetarian_question_rings_the_answered_place(page):
    connected(page)
    seek(page, 80)
    say_typed(page, VEGETARIAN)
    answered = page.locator('#map [data-testid="map-answer"]')
    expect(answered).to_have_count(1, timeout=TIMEOUT_MS)
    expect(answered).to_have_attribute("data-name", "Tiffin Garden")
    expect(answered).to_have_attribute("data-open", "true")
    expect(page.locator('[data-testid="map-answer-label"]')).to_have_text("Tiffin Garden · open until 14:30")
    expect(page.locator('[data-testid="map-answer-chip"]')).to_contain_text("Tiffin Garden (open until 14:30)")
    reply_turn_done(page, "Tiffin Garden")
    # the nearer vegetarian place, closed until 17:00, is drawn but not ringed
    expect(page.locator('[data-testid="map-poi"][data-name="Green Fork"]')).to_have_attribute("data-open", "false")
    ring = wait_until(answered.bounding_box, "the ring laid out")  # drawn in view
    mapbox = page.locator("#map").bounding_box()
    assert mapbox["x"] <= ring["x"] and ring["x"] + ring["width"] <= mapbox["x"] + mapbox["width"]
    assert mapbox["y"] <= ring["y"] and ring["y"] + ring["height"] <= mapbox["y"] + mapbox["height"]
    page.screenshot(path=str(OUT / "map-answer.png"))

    seek(page, 65)
    say_typed(page, "what's on my right")
    sector = page.locator('[data-testid="map-sector"]')
    expect(sector).to_have_attribute("data-side", "right", timeout=TIMEOUT_MS)
    expect(answered).to_have_attribute("data-name", "Lindenhof Museum")
    expect(page.locator('[data-testid="map-answer-label"]')).to_have_text("Lindenhof Museum · open until 18:00")
    heading = car(page)[2]
    start = float(sector.get_attribute("data-from"))
    assert (start - heading) % 360 == pytest.approx(10, abs=0.2)  # from 10° right of the heading ...
    assert float(sector.get_attribute("data-to")) - start == pytest.approx(140, abs=0.2)  # ... to 150°
    page.locator('[data-testid="map-answer-chip"] button').click()
    expect(answered).to_have_count(0)
    expect(sector).to_have_count(0)


# ------------------------------------------------------------------ the confirmation card


def test_confirm_on_the_card_pays_exactly_once(page, daemon):
    connected(page)
    paid = executed(daemon)
    card, request_id = new_card(page)
    expect(card.locator('[data-testid="confirm-item"]')).to_have_text("1 × large latte")
    expect(card.locator('[data-testid="confirm-amount"]')).to_have_text("4.30 EUR")
    expect(card.locator('[data-testid="confirm-payee"]')).to_have_text("Bean There")
    expect(card.locator('[data-testid="confirm-method"]')).to_have_text("car wallet")
    left = card.locator('[data-testid="confirm-countdown"]')
    expect(left).to_have_text(re.compile(r"^\d+ s$"))
    assert 0 < int(left.inner_text().split()[0]) <= 20  # the confirmation window (session.confirm_window_s)
    page.screenshot(path=str(OUT / "confirm-card.png"))

    card.locator('[data-testid="confirm-button"]').dblclick()  # a double press pays once
    expect(card).to_have_attribute("data-state", "confirmed", timeout=TIMEOUT_MS)
    expect(card).to_have_attribute("data-channel", "hmi-confirm")
    status = card.locator('[data-testid="confirm-status"]')
    expect(status).to_contain_text("Confirmed on screen.")
    expect(status).to_contain_text("Ordered one large latte from Bean There, 4.30 euros", timeout=TIMEOUT_MS)
    reply_turn_done(page, "Ordered one large latte")
    assert executed(daemon) == paid + 1
    assert settled(daemon, request_id) == [(*CONFIRMED, "hmi-confirm")]
    expect(card.locator('[data-testid="confirm-button"]')).to_have_count(0)  # nothing left to press


def test_cancel_on_the_card_pays_nothing(page, daemon):
    connected(page)
    paid = executed(daemon)
    card, request_id = new_card(page)
    card.locator('[data-testid="cancel-button"]').click()
    expect(card).to_have_attribute("data-state", "cancelled", timeout=TIMEOUT_MS)
    expect(card.locator('[data-testid="confirm-status"]')).to_have_text("Cancelled on screen — nothing was paid.")
    reply_turn_done(page, "cancelled")
    assert executed(daemon) == paid
    assert settled(daemon, request_id) == [(*CANCELLED, "hmi-cancel")]


def test_the_card_works_from_the_keyboard_and_space_is_not_the_talk_key_there(page, daemon):
    connected(page)
    paid = executed(daemon)

    def tab_to(testid: str) -> None:
        for _ in range(60):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement?.dataset?.testid") == testid:
                return
        raise AssertionError(f"Tab never reached {testid}")

    card, first = new_card(page)
    tab_to("cancel-button")
    page.keyboard.press("Space")  # presses Cancel, never push-to-talk
    expect(card).to_have_attribute("data-state", "cancelled", timeout=TIMEOUT_MS)
    expect(page.locator("#ptt")).to_have_attribute("aria-pressed", "false")
    reply_turn_done(page, "cancelled")

    card, second = new_card(page)
    tab_to("confirm-button")
    page.keyboard.press("Enter")
    expect(card).to_have_attribute("data-state", "confirmed", timeout=TIMEOUT_MS)
    reply_turn_done(page, "Ordered one large latte")
    assert executed(daemon) == paid + 1
    assert settled(daemon, first) == [(*CANCELLED, "hmi-cancel")]
    assert settled(daemon, second) == [(*CONFIRMED, "hmi-confirm")]


def test_the_drivers_spoken_yes_updates_the_same_card(page, daemon, yes_wav):
    connected(page)
    paid = executed(daemon)
    card, request_id = new_card(page)
    reply_turn_done(page, "Shall I go ahead")
    ptt = page.locator("#ptt")
    box = ptt.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    expect(ptt).to_have_attribute("aria-pressed", "true")
    time.sleep(yes_wav[1] + 0.5)  # the fake microphone plays the WAV from getUserMedia on
    page.mouse.up()
    expect(card).to_have_attribute("data-state", "confirmed", timeout=TIMEOUT_MS)
    expect(card).to_have_attribute("data-channel", "voice")
    expect(card).to_have_attribute("data-id", request_id)  # the same card, not a new one
    expect(card.locator('[data-testid="confirm-status"]')).to_contain_text("Confirmed by voice.")
    reply_turn_done(page, "Ordered one large latte")
    assert executed(daemon) == paid + 1
    assert settled(daemon, request_id) == [(*CONFIRMED, "voice")]


# ------------------------------------------------------------------ the live stack, proactive cards, latency


def test_the_live_stack_says_what_answers(page, browser, daemon):
    connected(page)
    heads = page.locator('[data-testid="stack-rows"] th')
    expect(heads.first).to_be_visible(timeout=TIMEOUT_MS)
    roles = [t.split(" (")[0] for t in heads.all_inner_texts()]
    order = ["wake", "VAD", "endpointer", "recogniser", "LLM", "voice"]
    assert [r for r in order if r in roles] == order  # every part of a turn is named ...
    assert roles == sorted(roles, key=order.index)  # ... in the order a turn runs through them
    health = json.loads(page.request.get(f"{daemon.url}/health").text())
    for part, label in health["stack"]["parts"].items():  # each row is the daemon's own word for its part
        expect(page.locator(f'[data-testid="stack-rows"] tr[data-part="{part}"] td').first).to_have_text(label)
    expect(page.locator('[data-testid="stack-rows"] tr[data-part="asr"]')).to_have_attribute("data-kind", "real")
    expect(page.locator('[data-testid="stack-rows"] tr[data-part="wake"]')).to_have_attribute("data-kind", "none")
    expect(page.locator("#fixture-banner")).to_be_hidden()
    expect(page.locator("#stack-chip")).not_to_have_attribute("data-state", "fixture")

    # the same page when the daemon reports a fixture answering: the banner names it
    tab = open_page(browser, daemon)
    try:
        def with_fixture(route):
            health = json.loads(route.fetch().text())
            health["stack"]["parts"]["llm-local"] = "local (qwen2.5-0.5b-fixture.gguf)"
            health["stack"]["fixtures"] = ["llm-local"]
            route.fulfill(json=health)
        tab.page.route("**/health", with_fixture)
        tab.page.reload()
        banner = tab.page.locator("#fixture-banner")
        expect(banner).to_be_visible(timeout=TIMEOUT_MS)
        expect(banner).to_contain_text("FIXTURE answering: LLM local (qwen2.5-0.5b-fixture.gguf)")
        expect(tab.page.locator("#stack-chip")).to_have_attribute("data-state", "fixture")
        expect(tab.page.locator('tr[data-part="llm-local"] .kind')).to_have_text("FIXTURE")
    finally:
        close_page(tab, daemon, failed=False)


def test_proactive_prompts_reminders_and_the_last_word_in_the_waterfall(browser, daemon):
    """The co-pilot's prompts (events.ProactivePrompt / ProactiveSettled) and a turn timed from the driver's
    last word (an `endpoint` stage) are put on the page's own WebSocket beside the daemon's stream, as the
    daemon sends them; the timers and reminders come from GET /reminders (its shape is tested in
    tests/e2e/test_api_map.py)."""
    sockets = []

    def through(ws):
        ws.connect_to_server()  # everything else passes both ways untouched
        sockets.append(ws)

    agenda = [{"id": 2, "kind": "timer", "text": "parking meter", "minutes": 30, "place": None,
               "due": "2026-06-12T13:05"},
              {"id": 1, "kind": "reminder", "text": "call Anna", "minutes": None, "place": "home", "due": None}]
    ctx = browser.new_context(viewport=VIEWPORT)
    page = ctx.new_page()
    page.route_web_socket(re.compile(r"/ws$"), through)
    page.route("**/reminders", lambda route: route.fulfill(json={"reminders": agenda}))
    crashes = []
    page.on("pageerror", lambda e: crashes.append(str(e)))
    try:
        page.goto(f"{daemon.url}/")
        connected(page)
        items = page.locator('[data-testid="reminder"]')
        expect(items).to_have_count(2)
        expect(items.nth(0)).to_contain_text("parking meter")
        expect(items.nth(0)).to_contain_text("at 13:05")
        expect(items.nth(1)).to_contain_text("call Anna")
        expect(items.nth(1)).to_contain_text("when you get home")
        say_typed(page, "open my window a bit")  # a real typed turn: measured from the text's arrival
        row = page.locator('#waterfall .wf-row').last
        expect(row).to_have_attribute("data-origin", "typed", timeout=TIMEOUT_MS)
        expect(page.locator("#waterfall-origin")).to_have_text("(ms after the typed text arrived)")
        send = lambda msg: sockets[-1].send(json.dumps(msg))  # noqa: E731
        send({"type": "proactive-prompt", "t": 1.0, "turn": 0, "kind": "fatigue", "key": "fatigue:1",
              "reason": "two hours at the wheel since the last stop", "priority": 2,
              "question": "You've been driving for two hours. There's a café 8 km ahead, open until six — "
                          "shall I navigate there?", "options": ["yes", "no"],
              "offers": {"name": "navigate_to", "arguments": {"destination": "Bean There"}},
              "trip_s": 7200.0, "expires_in_s": 30.0})
        send({"type": "turn", "turn": 99, "transcript": "open the window", "route": "fastpath", "tool_calls": [],
              "reply": "", "timings_ms": {"endpoint": 310.0, "asr": 48.0, "route": 1.2, "tts_first": 110.0,
                                           "playback_first": 142.0, "total": 590.0}})
        prompt = page.locator('[data-testid="prompt-card"]')
        expect(prompt).to_have_attribute("data-kind", "fatigue", timeout=TIMEOUT_MS)
        expect(prompt.locator("h2")).to_have_text("Time for a break?")
        expect(prompt.locator('[data-testid="prompt-question"]')).to_contain_text("There's a café 8 km ahead")
        expect(prompt.locator('[data-testid="prompt-reason"]')).to_have_text(
            "why now: two hours at the wheel since the last stop")
        options = prompt.locator('[data-testid="prompt-options"]')
        expect(options).to_have_text("Say yes or no — yes runs navigate to")  # the spoken answers, each quoted
        assert options.locator("q").all_inner_texts() == ["yes", "no"]
        last = page.locator('#waterfall .wf-row[data-turn="99"]')
        expect(last).to_have_attribute("data-origin", "last-word")
        assert last.locator("rect").first.get_attribute("data-key") == "endpoint"  # the endpointer's wait first
        expect(page.locator("#waterfall-origin")).to_contain_text("after the driver's last word")
        page.screenshot(path=str(OUT / "proactive-card.png"))
        send({"type": "proactive-settled", "t": 2.0, "turn": 0, "kind": "fatigue", "key": "fatigue:1",
              "outcome": "no", "trip_s": 7210.0})
        expect(prompt).to_have_attribute("data-outcome", "no")
        expect(prompt.locator('[data-testid="prompt-outcome"]')).to_have_text("You said no.")
        page.locator('[data-testid="prompt-close"]').click()
        expect(prompt).to_have_count(0)
    finally:
        ctx.close()
    assert not crashes, crashes


# ------------------------------------------------------------------ readable at both sizes


@pytest.mark.parametrize("width, height", [(1280, 720), (1024, 600)])
def test_readable_at_a_desktop_and_a_head_unit_size(browser, daemon, width, height):
    tab = open_page(browser, daemon, {"width": width, "height": height})
    page, failed = tab.page, True
    try:
        connected(page)
        seek(page, 80)
        say_typed(page, VEGETARIAN)
        expect(page.locator('[data-testid="map-answer-label"]')).to_be_visible(timeout=TIMEOUT_MS)
        reply_turn_done(page, "Tiffin Garden")
        card, _ = new_card(page)
        fits = page.evaluate("""() => [document.documentElement.scrollWidth <= innerWidth,
                                        document.documentElement.scrollHeight <= innerHeight]""")
        assert fits == [True, True], "the page scrolls: something does not fit"
        # every control a demo needs is on screen and not covered by anything
        for sel in ("#ptt", "#text-input", "#text-send", "#conversation", "#map", "#drive-slider",
                    '[data-testid="confirm-button"]', '[data-testid="cancel-button"]',
                    '[data-testid="confirm-amount"]', '[data-testid="waterfall-svg"]'):
            shown = page.evaluate("""sel => { const e = document.querySelector(sel); const r = e.getBoundingClientRect();
                const x = r.left + r.width / 2, y = r.top + r.height / 2, top = document.elementFromPoint(x, y);
                return r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0 && r.right <= innerWidth + 0.5
                       && r.bottom <= innerHeight + 0.5 && !!top && (top === e || e.contains(top)); }""", sel)
            assert shown, f"{sel} is off screen or covered at {width}x{height}"
        small = page.evaluate("""() => [...document.querySelectorAll('body *')].filter(e =>
                [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()) && e.getClientRects().length
                && getComputedStyle(e).visibility !== 'hidden' && parseFloat(getComputedStyle(e).fontSize) < 12)
              .map(e => `${e.tagName}.${e.getAttribute('class')}: ${getComputedStyle(e).fontSize}`)""")
        assert small == [], f"text smaller than 12 px at {width}x{height}: {small}"
        page.screenshot(path=str(OUT / f"cabin-{width}x{height}.png"))
        card.locator('[data-testid="cancel-button"]').click()
        expect(card).to_have_attribute("data-state", "cancelled", timeout=TIMEOUT_MS)
        reply_turn_done(page, "cancelled")
        failed = False
    finally:
        close_page(tab, daemon, failed)
