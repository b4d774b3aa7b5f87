"""Every error code cockpit raises is declared once in cockpit/errors.py's registry."""
from __future__ import annotations

import re
from pathlib import Path

from cockpit.errors import REGISTRY, CockpitError, spec, spoken, table_markdown

ROOT = Path(__file__).resolve().parents[2] / "cockpit"
# the ways a code is written in the source: code="x", code = "x" (class attribute), "code": "x",
# and tuple assignment `code, spoken, reason = "x", ...`
PATTERNS = [re.compile(r"""\bcode\s*=\s*["']([a-z0-9-]+)["']"""),
            re.compile(r"""["']code["']\s*:\s*["']([a-z0-9-]+)["']"""),
            re.compile(r"""\bcode(?:\s*,\s*\w+)+\s*=\s*["']([a-z0-9-]+)["']""")]


def codes_in_source() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in ROOT.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for pattern in PATTERNS:
            for m in pattern.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                found.setdefault(m.group(1), []).append(f"{path.relative_to(ROOT.parent)}:{line}")
    return found


def test_the_scan_sees_the_codes_it_should():
    # a scan that found nothing would pass vacuously: it must see codes from several modules
    found = codes_in_source()
    for code in ("asr-no-text", "policy-moving", "policy-cancelled", "tool-call-unterminated", "cloud-timeout",
                 "config-invalid", "api-bad-message"):
        assert code in found, code
    assert len(found) >= 50


def test_nothing_raises_an_unregistered_code():
    unregistered = {code: where for code, where in codes_in_source().items() if code not in REGISTRY}
    assert not unregistered, f"declare these in cockpit/errors.py REGISTRY: {unregistered}"


def test_every_row_is_complete():
    for code, row in REGISTRY.items():
        assert row.code == code
        assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)*", code), code
        assert row.kind in ("fault", "refusal", "degraded"), code
        assert row.hint, code
        assert row.stage in ("setup", "service", "vehicle", "bench", "wake", "vad", "asr", "route", "llm", "tool",
                             "tts", "playback"), code


def test_spoken_fallbacks():
    assert spoken("asr-no-text") == "Sorry, I didn't catch that."
    assert spoken("policy-moving") == "I can only do that when the car is stopped."
    assert spoken("tts-failed", "fallback") == "fallback"  # no sentence of its own: the caller's default
    assert spoken("no-such-code", "fallback") == "fallback"
    assert spec("no-such-code").code == "internal"


def test_errors_keep_their_codes():
    assert CockpitError("x").code == "internal"
    assert CockpitError("x", code="llm-timeout").code == "llm-timeout"
    assert str(CockpitError("broke", hint="do this")) == "broke\n  fix: do this"


def test_markdown_table_lists_every_code():
    table = table_markdown()
    for code in REGISTRY:
        assert f"| `{code}` |" in table


def test_the_readme_carries_the_generated_table():
    readme = (ROOT.parent / "README.md").read_text(encoding="utf-8")
    begin, end = readme.index("<!-- errors:begin"), readme.index("<!-- errors:end -->")
    copy = readme[readme.index("\n", begin) + 1:end].strip()
    assert copy == table_markdown(), "run `cockpit errors --markdown` and paste it between the markers"
