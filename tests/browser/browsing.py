"""What the browser tests share: a real `cockpit run` in a subprocess, and pages of the simulator in
Debian's Chromium under Playwright, each watched for uncaught errors and for any request that leaves
the daemon's origin (the car may be offline: the page loads nothing from anywhere else)."""
from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]


def missing_browser() -> str | None:
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


@dataclass
class Daemon:
    """A running `cockpit run`: its base URL and the file its stderr goes to."""

    url: str
    proc: subprocess.Popen
    log: Path
    audit: Path

    def log_tail(self, chars: int = 6000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else "(no log)"


@contextlib.contextmanager
def running_daemon(tmp: Path, extra: str = "", token: str | None = None):
    """`python -m cockpit.cli run` on a free loopback port with the API as its microphone; ``extra`` is
    more YAML for the config (top-level keys not set here); ``token``: the API token it requires."""
    port = _free_port()
    config = tmp / "cockpit.yaml"
    config.write_text(
        "wake: {mode: ptt}\n"
        "asr: {engine: sphinx}\n"
        "brain: {mode: fastpath-only}\n"
        "audio: {output: {sink: none}}\n"
        f"session: {{audit_log: {tmp / 'audit.jsonl'}, state_dir: {tmp / 'state'}}}\n"
        f"service: {{host: 127.0.0.1, port: {port}, audio_in: api{f', token: {token}' if token else ''}}}\n" + extra)
    log = tmp / "daemon.log"
    with open(log, "wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "cockpit.cli", "run", "--config", str(config)],
                                cwd=REPO, stdout=subprocess.DEVNULL, stderr=err)
    d = Daemon(f"http://127.0.0.1:{port}", proc, log, tmp / "audit.jsonl")
    try:
        from support.ready import wait_until_ready
        wait_until_ready(f"{d.url}/health", proc, d.log_tail, what="cockpit run", timeout_s=90,
                         headers={"Authorization": f"Bearer {token}"} if token else None)
        yield d
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            print(f"cockpit run ignored SIGTERM for 20 s (killed):\n{d.log_tail()}")


CHROMIUM_ARGS = (
    "--no-sandbox",                          # root in a container: no user namespaces for the sandbox
    "--disable-dev-shm-usage",               # containers give /dev/shm 64 MB
    "--disable-gpu",
    "--use-fake-ui-for-media-stream",        # grant the microphone without a prompt
    "--use-fake-device-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
)


VIEWPORT = {"width": 1280, "height": 800}
LOCAL_SCHEMES = ("blob:", "data:")
"""Requests that never leave the page (the reply's WAV as a blob URL, the empty favicon)."""


def outside(daemon: Daemon, urls: list[str]) -> list[str]:
    """The requests that went anywhere but the daemon's own origin."""
    return [u for u in urls if not (u.startswith(f"{daemon.url}/") or u.startswith(LOCAL_SCHEMES))]


@dataclass
class Tab:
    """A page in its own browser context, with what it did: uncaught errors, console lines, requests."""

    ctx: object
    page: object
    crashes: list
    console: list
    requests: list


def open_page(browser, daemon: Daemon, viewport: dict | None = None, query: str = "") -> Tab:
    ctx = browser.new_context(viewport=viewport or VIEWPORT)
    pg = ctx.new_page()
    tab = Tab(ctx, pg, [], [], [])
    pg.on("console", lambda m: tab.console.append(f"[{m.type}] {m.text}"))
    pg.on("pageerror", lambda e: tab.crashes.append(str(e)))
    pg.on("request", lambda r: tab.requests.append(r.url))
    pg.goto(f"{daemon.url}/{query}")
    return tab


def close_page(tab: Tab, daemon: Daemon, failed: bool) -> None:
    """Close the tab; print what helps when the test failed; fail on JS errors and on any request that
    left the daemon's origin (the car may be offline: no CDN, no tiles)."""
    if failed:
        conversation = tab.page.locator("#conversation").inner_text() if not tab.page.is_closed() else "(closed)"
        print("--- page console ---", *tab.console, "--- conversation ---", conversation,
              "--- cockpit run stderr (tail) ---", daemon.log_tail(), sep="\n")
    tab.ctx.close()
    assert not tab.crashes, f"uncaught JS errors on the page: {tab.crashes}"
    off = outside(daemon, tab.requests)
    assert tab.requests and not off, f"requests off the daemon's origin: {off}"
