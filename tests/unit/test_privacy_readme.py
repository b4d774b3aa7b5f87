"""The README's "What cockpit keeps" is the inventory cockpit measures (cockpit/privacy/inventory.py)."""
from __future__ import annotations

from pathlib import Path

from cockpit.config import Settings
from cockpit.privacy.inventory import inventory, markdown

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_carries_the_generated_inventory():
    text = README.read_text(encoding="utf-8")
    begin, end = text.index("<!-- inventory:begin"), text.index("<!-- inventory:end -->")
    copy = text[text.index("\n", begin) + 1:end].strip()
    assert copy == markdown(Settings()), "run `cockpit privacy show --markdown` and paste it between the markers"


def test_every_row_says_what_where_how_long_and_who():
    rows = inventory(Settings())
    assert len(rows) >= 8
    for row in rows:
        assert row.what and row.where and row.how_long and row.who, row
    kinds = " ".join(r.what.lower() for r in rows)
    for kind in ("audit log", "reply audio", "conversation history", "logs", "preferences", "reminders and timers",
                 "bench and demo"):
        assert kind in kinds, kind  # the list of places driver data is stored
