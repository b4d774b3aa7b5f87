"""The demo drive, spoken: the car moves along the bundled route and the driver asks about what
is around it. Real engines (PocketSphinx, espeak-ng), the simulated drive feed, the POI store."""
from __future__ import annotations

import asyncio

import pytest

from cockpit.audio.simmic import simulated_microphone
from cockpit.config import parse_config
from cockpit.events import Route
from cockpit.pipeline import Assistant
from cockpit.vehicle import vss
from support.offline import GRAMMAR_ALONE

pytestmark = pytest.mark.e2e


def test_spoken_questions_about_the_surroundings_on_the_demo_drive(tmp_path, speech):
    settings = parse_config({
        "session": {"audit_log": str(tmp_path / "audit.jsonl")},
        "audio": {"output": {"sink": "file", "reply_dir": str(tmp_path)}}, "asr": GRAMMAR_ALONE,
        "vehicle": {"feeds": [{"kind": "drive"}], "clock": "2026-06-12T12:30:00"},  # a Friday
    })
    a = Assistant(settings)
    asks = [("hey cockpit, what's on my right", 62.0), ("hey cockpit, what is that on my left", 62.0),
            ("hey cockpit, find a vegetarian place that's open now", 80.0)]
    clips = [speech(text, 160) for text, _ in asks]
    where: list[float] = []

    def seek(i: int) -> None:
        a.car.drive.seek(asks[i][1])
        where.append(a.vehicle.signals.value(vss.HEADING))

    async def go():
        await a.prepare()
        try:
            return await a.listen(simulated_microphone(clips, realtime=True, on_clip=seek))
        finally:
            await a.close()

    right, left, veggie = asyncio.run(go())
    assert where == [0.0, 0.0, 0.0]  # the first leg runs due north
    assert all(s.route is Route.FASTPATH and s.error is None for s in (right, left, veggie))
    assert [c.name for c in right.tool_calls] == ["whats_around"] and right.tool_calls[0].arguments["side"] == "right"
    assert "Lindenhof Museum, a museum" in right.reply and right.reply.startswith("On your right")
    assert "St. Anna Church, a church" in left.reply and left.reply.startswith("On your left")
    assert dict(veggie.tool_calls[0].arguments) == {"category": "restaurant", "diet": "vegetarian", "open_now": True}
    assert veggie.reply.startswith("The nearest vegetarian restaurant on your way is Tiffin Garden")
    assert "open until 14:30" in veggie.reply
    assert a.vehicle.actuations == []  # asking about the world never acts on the car
