"""The simulator page loads nothing from outside the daemon (the car may be offline): no CDN, no web
font, no tile server — checked on the files themselves here, and on every request a real page makes in
tests/browser (browsing.close_page)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[2] / "cockpit" / "service" / "web"
NAMESPACES = {"http://www.w3.org/2000/svg"}
"""URLs that are names, never fetched (the SVG namespace)."""
FILES = sorted(p for p in WEB.iterdir() if p.suffix in (".html", ".js", ".css"))


def test_the_page_has_its_files():
    names = {p.name for p in FILES}
    assert {"index.html", "app.js", "map.js", "cards.js", "stack.js", "drive.js", "waterfall.js", "style.css"} <= names


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_file_points_anywhere_but_the_daemon(path):
    text = path.read_text(encoding="utf-8")
    urls = set(re.findall(r"""(?:https?:|wss?:)?//[\w.-]+\.[a-z]{2,}[^\s"'`)]*""", text)) - NAMESPACES
    assert urls == set(), f"{path.name} refers to {sorted(urls)}"
    assert not re.search(r"@import|@font-face|url\(\s*['\"]?(?!data:)", text), f"{path.name} loads a stylesheet or font"


def test_the_page_refers_only_to_its_own_files():
    html = (WEB / "index.html").read_text(encoding="utf-8")
    refs = re.findall(r"""(?:src|href)=["']([^"'#]+)["']""", html)
    assert refs and all(r.startswith("/static/") or r.startswith("data:") for r in refs), refs
    for ref in refs:
        if ref.startswith("/static/"):
            assert (WEB / ref.removeprefix("/static/")).is_file(), ref
    for js in WEB.glob("*.js"):
        for module in re.findall(r"""from\s+["'](\.[^"']+)["']""", js.read_text(encoding="utf-8")):
            assert (WEB / module).resolve().is_file(), f"{js.name} imports {module}"
