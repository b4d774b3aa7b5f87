"""What the car keeps after a drive: the demo drive spoken into the real pipeline (configs/scenarios/demo.yaml
on its config, PocketSphinx and espeak-ng), a phone call and a message with a phone number and an e-mail
address in it, privacy mode on and off — then a scan of the state dir.

Done when (issue 22): no exact coordinate, no phone number and no e-mail address in clear; every file 0600
and every directory 0700; `cockpit audit verify` passes across rotated segments; and what the scan finds is
what the README's "What cockpit keeps" lists. The message is proposed at the gate as a model tier would
propose it (the fast path has no grammar for free-text messages); the driver confirms it by voice.
"""
from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import re
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from cockpit.audio.simmic import simulated_microphone
from cockpit.brain.privacy import _COORD_TEXT, _EMAIL, _PHONES, coarsen
from cockpit.cli import DEFAULT_SCENARIO, main
from cockpit.config import parse_config
from cockpit.events import Route, ToolCall
from cockpit.pipeline import Assistant
from cockpit.privacy.inventory import inventory, scan, unlisted
from cockpit.scenario import driver_speech, load_scenario
from cockpit.service.logs import setup_logging
from cockpit.skills.builtin.comms import ADDRESS_BOOK
from cockpit.trace import TurnTrace
from support.offline import GRAMMAR_ALONE

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "cockpit" / "vehicle" / "data"
MESSAGE = "I'm late, call me on +49 170 1234567 or write to anna.berg@example.org"
KM = 1.0


def exact_points(settings) -> list[tuple[float, float]]:
    """Every exact point the drive knows: the named places, the route, the places on the map."""
    points = [(p.latitude, p.longitude) for p in settings.vehicle.places.values()]
    points += [(float(t.get("lat")), float(t.get("lon"))) for t in ET.parse(DATA / "demo-route.gpx").iter()
               if t.tag.endswith("trkpt")]
    pois = json.loads((DATA / "demo-pois.geojson").read_text())["features"]
    points += [(f["geometry"]["coordinates"][1], f["geometry"]["coordinates"][0]) for f in pois]
    return points


def _numbers(value):
    """(key, number) for every number in decoded JSON, with the key it sits under."""
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                yield str(k), float(v)
            else:
                yield from _numbers(v)
    elif isinstance(value, list):
        for v in value:
            yield from _numbers(v)


HEX = re.compile(r"(?<![0-9A-Za-z])[0-9a-f]{32,64}(?![0-9A-Za-z])")
"""A chain hash or an hmac seal: its digit runs are no phone number (one in ~50 hashes holds 11 digits in a row)."""


def problems_in(path: Path, text: str, exact: list[tuple[float, float]]) -> list[str]:
    found = []
    text = HEX.sub("<hex>", text)
    for p in exact:  # an exact point written out as a number, in any precision it was known at
        for n in p:
            for form in {repr(n), f"{n:.4f}", f"{n:.5f}", f"{n:.7f}"}:
                if re.search(r"(?<![\d.])" + re.escape(form) + r"(?!\d)", text):
                    found.append(f"{path.name}: exact coordinate {form}")
    for m in _COORD_TEXT.finditer(text):  # "lat, lon" in text must sit on the grid
        lat, lon = float(m.group(1)), float(m.group(2))
        if coarsen(lat, lon, KM) != (round(lat, 6), round(lon, 6)):
            found.append(f"{path.name}: off-grid point {m.group(0)}")
    for pattern, lo, hi in _PHONES:
        for m in pattern.finditer(text):
            if lo <= sum(c.isdigit() for c in m.group(0)) <= hi:
                found.append(f"{path.name}: phone number {m.group(0)!r}")
    found += [f"{path.name}: e-mail address {m.group(0)!r}" for m in _EMAIL.finditer(text)]
    for number in [*ADDRESS_BOOK.values(), "+49 170 1234567"]:
        if "".join(c for c in number if c.isdigit())[-7:] in re.sub(r"\D", "", text):
            found.append(f"{path.name}: the digits of {number}")
    for secret in ("anna.berg", "example.org", "I'm late"):
        if secret in text:
            found.append(f"{path.name}: {secret!r} in clear")
    return found


@pytest.mark.timeout(900)
def test_after_the_demo_drive_and_a_message_the_state_dir_keeps_nothing_in_clear(tmp_path):
    scenario = load_scenario(DEFAULT_SCENARIO)
    data = yaml.safe_load((REPO / scenario.config).read_text())
    data["session"] = {**data.get("session", {}), "state_dir": str(tmp_path / "state"), "audit_segment_kb": 4}
    data["vehicle"]["clock"] = scenario.clock.isoformat()
    data["asr"]["sphinx"].update(GRAMMAR_ALONE["sphinx"])
    settings = parse_config(data)
    a = Assistant(settings)
    said = [t.say for t in scenario.turns] + ["hey cockpit, call anna", "yes", "hey cockpit, privacy mode on",
                                              "hey cockpit, privacy mode off"]
    at = [t.at_s for t in scenario.turns] + [None] * 4
    clips = [driver_speech(text, 160, scenario.driver_voice) for text in said]
    log_lines = io.StringIO()

    def drive_to_turn(i: int) -> None:
        if at[i] is not None:
            a.car.drive.seek(at[i])

    async def go():
        await a.prepare()
        try:
            turns = await a.listen(simulated_microphone(clips, realtime=True, gap_s=1.5, on_clip=drive_to_turn))
            ok, readback = await a.gate.execute(ToolCall("send_message", {"recipient": "Anna", "text": MESSAGE}),
                                                Route.LOCAL, TurnTrace(), a.turn_id + 1)
            a.turn_id += 1
            turns += await a.listen(simulated_microphone([driver_speech("yes", 160, scenario.driver_voice)],
                                                         realtime=True))
            return turns, readback
        finally:
            await a.close()

    setup_logging("json", "INFO", log_lines, precision_km=KM)
    try:
        turns, readback = asyncio.run(go())
    finally:
        logging.basicConfig(handlers=[logging.StreamHandler()], level=logging.WARNING, force=True)
    calls = [c.name for s in turns for c in s.tool_calls]
    print("\n".join(f"{s.transcript!r} -> {[c.name for c in s.tool_calls]}: {s.reply}" for s in turns))
    for needed in ("navigate_to", "find_nearby", "whats_around", "phone_call", "send_message", "privacy_mode"):
        assert needed in calls, (needed, calls)  # the drive did what makes it worth scanning
    assert "I'm late" in readback and turns[-1].reply == "Message sent to Anna."

    # -- the scan ----------------------------------------------------------------------------------
    root = tmp_path / "state"
    found = [root, *scan(settings)]
    for p in found:
        want = 0o700 if p.is_dir() else 0o600
        assert stat.S_IMODE(os.stat(p).st_mode) == want, (p, oct(os.stat(p).st_mode))
    exact = exact_points(settings)
    problems = []
    for p in found:
        if p.is_file() and p.suffix != ".wav":
            problems += problems_in(p, p.read_text(encoding="utf-8", errors="replace"), exact)
            if p.name.startswith("audit"):
                for line in p.read_text().splitlines():
                    entry = json.loads(line)
                    pairs = dict(_numbers(entry["data"]))
                    for key, n in _numbers(entry["data"]):
                        if key.lower().endswith(("latitude", "lat")):
                            lon_key = key[:-len("latitude")] + "Longitude" if key.endswith("Latitude") else "lon"
                            point = (n, pairs.get(lon_key, 0.0))
                            assert coarsen(*point, KM) == point, (p.name, key, point)
    assert problems == []
    sent = [e["data"] for p in found if p.name.startswith("audit") and p.suffix == ".jsonl"
            for e in map(json.loads, p.read_text().splitlines()) if e["data"].get("tool") == "send_message"]
    assert sent and all(re.fullmatch(r'\[text "I\'m… \(\d+ chars\)" hmac:[0-9a-f]{32}\]', d["arguments"]["text"])
                        for d in sent)  # the message, sealed in every entry about it
    # the logs the daemon would have sent to the journal: minimised, and no transcript at INFO
    logged = log_lines.getvalue()
    assert problems_in(root / "journal", logged, exact) == []
    for words in ("vegetarian", "navigate to work", "fuel level", "call anna"):
        assert words not in logged.lower()

    # -- the chain across rotated segments -----------------------------------------------------------
    segments = sorted(root.glob("audit.[0-9]*.jsonl"))
    assert len(segments) >= 2, "the drive should have rotated the 4 KB segments"
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump({"session": {"state_dir": str(root)}}))
    assert main(["audit", "verify", "--config", str(config)]) == 0

    # -- what the scan found is what the inventory (the README's table) lists -----------------------
    assert unlisted(settings) == []
    agenda = settings.proactive.agenda.database  # made by the first reminder or timer; this drive sets none
    kept_here = [k for k in inventory(settings) if k.files and not any(agenda in g for g in k.files)]
    for k in kept_here:  # every other kind of stored data the README lists in the state dir was made by this drive
        assert any(any(Path(f).match(g) for g in k.files) for f in (str(p.relative_to(root)) for p in found)), k.what
    assert main(["privacy", "show", "--config", str(config)]) == 0
