"""Minimisation at rest: what an audit entry or a log line may hold about the driver."""
from __future__ import annotations

import ast
import io
import json
import logging
import os
import re
import stat
from pathlib import Path

import pytest

from cockpit.brain.privacy import coarsen
from cockpit.cli import main
from cockpit.config import parse_config
from cockpit.privacy.minimise import Minimiser, Salt, seal
from cockpit.service.logs import setup_logging
from cockpit.skills.audit import AuditLog

KEY = bytes(range(32))
BODY = "I'm late, call me on +49 170 1234567 or write to anna.berg@example.org"
DEST = "Vehicle.Cabin.Infotainment.Navigation.DestinationSet"


def minimise(data: dict, km: float = 1.0) -> dict:
    return Minimiser(km, ("text", "body", "message"), lambda: KEY)(data)


def test_a_message_body_is_sealed_wherever_the_entry_repeats_it():
    out = minimise({"tool": "send_message", "arguments": {"recipient": "Anna", "text": BODY},
                    "asked": f'Send the message "{BODY}" to Anna. Shall I go ahead?',
                    "findings": [f"argument text claims a confirmation: {BODY[:80]!r}"]})
    dumped = json.dumps(out)
    for secret in ("late", "1234567", "anna.berg", "example.org"):
        assert secret not in dumped, secret
    sealed = out["arguments"]["text"]
    assert re.fullmatch(r'\[text "I\'m… \(\d+ chars\)" hmac:[0-9a-f]{32}\]', sealed)
    assert sealed in out["asked"] and out["asked"].endswith("to Anna. Shall I go ahead?")
    assert out["arguments"]["recipient"] == "Anna"  # who it went to stays readable
    assert f"hmac:{seal(KEY, 'text', BODY)}" in sealed  # the driver revealing the text proves it was this


def test_phone_numbers_and_addresses_anywhere_are_sealed_with_a_preview_that_cannot_hold_them():
    out = minimise({"message": "Calling +49 170 1234567.", "note": "mail anna.berg@example.org",
                    "utterance": "no, send it to 0151 2223344 instead"})
    assert out["message"].startswith('Calling [phone "…67" hmac:') and "1234567" not in out["message"]
    assert '[email "a…@….org" hmac:' in out["note"]
    assert out["utterance"].startswith('[said "no,… (') and "2223344" not in out["utterance"]
    # the same number written another way seals the same
    assert seal(KEY, "phone", "+49 170 1234567") == seal(KEY, "phone", "0049-170-1234567")


def test_coordinates_are_snapped_in_fields_and_in_text():
    out = minimise({"changes": {f"{DEST}.Latitude": 48.1770, f"{DEST}.Longitude": 11.5560, "Vehicle.Speed": 48.1},
                    "where": {"lat": 48.1374, "lon": 11.5755}, "message": "parked at 48.13740, 11.57550 now"})
    assert (out["changes"][f"{DEST}.Latitude"], out["changes"][f"{DEST}.Longitude"]) == coarsen(48.1770, 11.5560, 1.0)
    assert (out["where"]["lat"], out["where"]["lon"]) == coarsen(48.1374, 11.5755, 1.0)
    assert out["changes"]["Vehicle.Speed"] == 48.1  # not a coordinate
    assert "48.1374" not in out["message"] and "%.5f, %.5f" % coarsen(48.1374, 11.5755, 1.0) in out["message"]
    exact = minimise({"where": {"lat": 48.1374, "lon": 11.5755}}, km=0.0)
    assert exact["where"] == {"lat": 48.1374, "lon": 11.5755}  # 0 keeps the point (the setting says so)


def test_nested_read_only_arguments_are_minimised_and_stored_as_objects(tmp_path):
    from cockpit.events import ToolCall
    call = ToolCall("place_order", {"items": [{"name": "latte", "note": "ring +49 170 1234567 at the door"}]})
    out = minimise({"arguments": dict(call.arguments)})  # the gate passes a call's read-only mappings
    assert out["arguments"]["items"][0]["name"] == "latte" and "1234567" not in json.dumps(out)
    log = AuditLog(tmp_path / "audit.jsonl")
    log.append("tool-executed", arguments=dict(call.arguments))
    stored = next(log.entries())["data"]["arguments"]
    assert stored == {"items": [{"name": "latte", "note": "ring +49 170 1234567 at the door"}]} and log.verify().ok


def test_identifiers_and_names_are_left_alone():
    data = {"id": "1381234567890abc", "tool": "phone_call", "code": "policy-cancelled", "source": "fastpath",
            "turn": 3, "driving": {"speed_kmh": 40.0, "gear": 127, "moving": True}}
    assert minimise(data) == data


def test_the_salt_is_made_once_0600_and_a_new_salt_seals_differently(tmp_path):
    salt = Salt(tmp_path / "state" / "salt")
    key = salt.key()
    assert len(key) == 32 and stat.S_IMODE(os.stat(salt.path).st_mode) == 0o600
    assert Salt(salt.path).key() == key  # read back, not remade
    salt.forget()
    assert Salt(salt.path).key() != key


def test_the_audit_log_of_a_car_stores_minimised_entries_and_prove_finds_the_message(tmp_path, capsys):
    settings = parse_config({"session": {"state_dir": str(tmp_path / "state")}})
    log = AuditLog.for_settings(settings)
    log.append("tool-executed", tool="send_message", arguments={"recipient": "Anna", "text": BODY},
               message="Message sent to Anna.", changes={})
    raw = log.path.read_text()
    assert "1234567" not in raw and "anna.berg" not in raw and "late" not in raw
    assert log.verify().ok  # the hash is over what is stored
    config = tmp_path / "c.yaml"
    config.write_text(f"session: {{state_dir: {tmp_path / 'state'}}}\n")
    assert main(["privacy", "prove", "--config", str(config), BODY]) == 0
    assert "tool-executed  send_message  sealed as text" in capsys.readouterr().out
    assert main(["privacy", "prove", "--config", str(config), BODY + "!"]) == 1  # one character off: not it


def test_log_lines_are_minimised_whatever_their_format():
    stream = io.StringIO()
    setup_logging("json", "INFO", stream, precision_km=1.0)
    try:
        log = logging.getLogger("cockpit.test")
        log.info("car at 48.13740, 11.57550", extra={"lat": 48.1374, "lon": 11.5755, "to": "+49 170 1234567"})
        log.warning("mail %s", "anna.berg@example.org")
        line = json.loads(stream.getvalue().splitlines()[0])
        assert (line["lat"], line["lon"]) == coarsen(48.1374, 11.5755, 1.0) and line["to"] == "[phone]"
        assert "48.13740" not in line["msg"]
        assert "anna.berg" not in stream.getvalue() and "[email]" in stream.getvalue()
        setup_logging("text", "INFO", stream)
        log.error("dial 0151 2223344")
        assert stream.getvalue().rstrip().endswith("dial [phone]")
    finally:
        logging.basicConfig(handlers=[logging.StreamHandler()], level=logging.WARNING, force=True)


# -- no transcript at INFO: every log call in the source, read as a syntax tree ------------------------
SPOKEN = {"text", "transcript", "utterance", "reply", "said", "words", "heard", "partial", "event", "summary",
          "request", "message_text", "body"}
"""Names whose value is (or holds) what the driver said or what was said back to them."""
LEVELS = {"info", "warning", "error", "exception", "critical"}


def _names(node: ast.AST) -> set[str]:
    """What a logged value is called: a bare name, or the last attribute (``event.type`` is 'type', not 'event')."""
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, ast.Attribute):
        return {node.attr}
    found: set[str] = set()
    for child in ast.iter_child_nodes(node):
        found |= _names(child)
    return found


def log_calls_with_spoken_words() -> list[str]:
    root = Path(__file__).resolve().parents[2] / "cockpit"
    bad = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in LEVELS
                    and isinstance(node.func.value, ast.Name) and node.func.value.id in {"log", "logger", "LOG"}):
                args = [*node.args[1:], *(k.value for k in node.keywords if k.arg == "extra")]
                hits = set().union(*(_names(a) for a in args)) & SPOKEN if args else set()
                if hits:
                    bad.append(f"{path.relative_to(root.parent)}:{node.lineno} logs {sorted(hits)}")
    return bad


def test_no_log_call_at_info_or_above_carries_the_drivers_words():
    assert log_calls_with_spoken_words() == []


def test_the_scan_sees_a_log_call_that_would():
    # a scan that found nothing could pass vacuously: it must flag a call logging a transcript
    assert _names(ast.parse("transcript.text", mode="eval").body) & SPOKEN == {"text"}
    assert _names(ast.parse("{'said': repr(utterance)}", mode="eval").body) & SPOKEN == {"utterance"}
    assert _names(ast.parse("event.type", mode="eval").body) & SPOKEN == set()
