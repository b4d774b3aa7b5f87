"""The driver's privacy controls in the real session: "privacy mode on/off" (no history, no cloud tier,
no reply audio while on; said and shown) and "forget what I said today" (read back; only the spoken yes
runs it). Real engines: PocketSphinx and espeak-ng for the spoken turns, the tiny Qwen fixture as the
local model, a real llama.cpp server behind the fault proxy as the cloud."""
from __future__ import annotations

import asyncio
import json
import os
import time

import pytest

from cockpit.audio.output import reply_files
from cockpit.audio.simmic import simulated_microphone
from cockpit.config import parse_config
from cockpit.events import CloudPayload, ConfirmationAsked, PrivacyModeChanged, Route
from cockpit.pipeline import Assistant
from cockpit.service.daemon import Daemon
from cockpit.skills.builtin import default_registry
from cockpit.skills.registry import Registry
from support.offline import GRAMMAR_ALONE

pytestmark = pytest.mark.e2e
KEY = "COCKPIT_TEST_PRIVACY_KEY"
OPEN = "tell me about the history of this town"


def settings(tmp_path, **brain):
    return parse_config({"session": {"state_dir": str(tmp_path / "state")}, "wake": {"mode": "none"},
                         "audio": {"output": {"sink": "file", "keep_replies_hours": 72}}, "tts": {"engine": "espeak"},
                         "asr": GRAMMAR_ALONE,
                         "brain": {"mode": "fastpath-only", **brain}})


def run(a: Assistant, *steps):
    """steps: str (the driver's words as the recogniser hands them on), ('typed', str), or a callable."""
    async def go():
        events: list = []
        a.bus.subscribe(events.append)
        await a.prepare()
        out = []
        try:
            for step in steps:
                if callable(step):
                    step()
                elif isinstance(step, tuple):
                    out.append(await a.text_turn(step[1], channel="typed"))
                else:
                    out.append(await a.text_turn(step, channel="voice"))
        finally:
            await a.close()
        return out, events
    return asyncio.run(go())


def test_privacy_mode_blocks_the_cloud_tier_history_and_reply_audio(qwen_tiny, tmp_path, proxy, monkeypatch):
    monkeypatch.setenv(KEY, "test-key")
    cfg = settings(tmp_path, mode="cloud-first", max_reply_tokens=16, max_tool_rounds=1,
                   local={"model": str(qwen_tiny), "n_ctx": 2048, "temperature": 0.0},
                   cloud={"base_url": proxy.url, "model": "fixture", "api_key_env": KEY, "temperature": 0.0,
                          "connect_timeout_s": 1.0, "first_token_timeout_s": 60.0, "total_timeout_s": 120.0})
    tools = default_registry()
    a = Assistant(cfg, registry=Registry([tools.get("media_control"), tools.get("privacy_mode")]))
    history = a.brain.tiers["local"].history
    seen: list = []
    (before, on, private, off, after), events = run(
        a, OPEN, "privacy mode on", OPEN, lambda: seen.append(history.messages()), "privacy mode off", OPEN)
    assert before.route is Route.CLOUD and after.route is Route.CLOUD
    assert private.route is Route.LOCAL and "privacy mode" in private.route_reason  # the cloud was not asked
    assert on.reply.startswith("Privacy mode is on.") and off.reply.startswith("Privacy mode is off.")
    changes = [e.on for e in events if isinstance(e, PrivacyModeChanged)]
    assert changes == [True, False]
    payloads = [e.turn for e in events if isinstance(e, CloudPayload)]
    assert private.turn not in payloads and before.turn in payloads and after.turn in payloads
    assert seen == [[]]  # the history was cleared when it went on, and the private turn added nothing
    assert before.audio_path and after.audio_path and on.audio_path is None and private.audio_path is None
    kinds = [e["data"].get("turn") for e in a.audit.entries() if e["kind"] == "cloud-payload"]
    assert private.turn not in kinds and len(kinds) == 2


def test_privacy_mode_is_remembered_and_shown_in_health(tmp_path):
    cfg = settings(tmp_path)
    (summary,), _ = run(Assistant(cfg), ("typed", "打开隐私模式"))  # Mandarin, typed: it changes what is kept
    assert [c.name for c in summary.tool_calls] == ["privacy_mode"] and summary.tool_calls[0].arguments["on"]
    state = tmp_path / "state" / "privacy.json"
    assert json.loads(state.read_text()) == {"privacy_mode": True} and oct(os.stat(state).st_mode)[-3:] == "600"
    again = Assistant(cfg)  # a restart: still on
    assert again.privacy.on and again.brain.router.private and again.sink.private
    daemon = Daemon(cfg)
    daemon.assistant = again
    assert daemon.health()["privacy"]["mode"] is True and daemon.hello()["privacy_mode"] is True
    (summary,), events = run(again, "关闭隐私模式")
    assert not again.privacy.on and [e.on for e in events if isinstance(e, PrivacyModeChanged)] == [False]


def _yesterday(path) -> None:
    t = time.time() - 86400 * 1.5
    os.utime(path, (t, t))


def test_forget_today_is_read_back_and_only_a_spoken_yes_runs_it(qwen_tiny, tmp_path):
    cfg = settings(tmp_path, mode="local-only", max_reply_tokens=16, max_tool_rounds=1,
                   local={"model": str(qwen_tiny), "n_ctx": 2048, "temperature": 0.0})
    tools = default_registry()  # few tools keep the fixture model's prompt inside its context
    a = Assistant(cfg, registry=Registry([tools.get("media_control"), tools.get("forget_today")]))
    history = a.brain.tiers["local"].history
    replies = cfg.audio.output.reply_dir
    counts: list = []
    note = lambda: counts.append((len(history.messages()), len(reply_files(replies))))  # noqa: E731
    old = []
    # the random-weight model's reply to OPEN is gibberish the reply guards may drop (it can hold "{}": tool
    # text), leaving nothing in the history; what a real model's answer leaves is then put there directly
    remembered = lambda: history.messages() or history.add(OPEN, "It was founded in 1158.")  # noqa: E731
    (story, asked, typed_yes, asked_again, yes), events = run(
        a, OPEN, remembered, lambda: old.append(reply_files(replies)[0]), lambda: _yesterday(old[0]), note,
        "forget what I said today", note, ("typed", "yes"), note, "hey cockpit, forget what i said today", "yes", note)
    assert story.route is Route.LOCAL
    assert asked.reply.startswith("Forget what you said today") and asked.reply.endswith("press Confirm.")
    assert [e.tool for e in events if isinstance(e, ConfirmationAsked)] == ["forget_today", "forget_today"]
    assert "typed text can't confirm" in typed_yes.reply
    before, while_asked, after_typed, after_yes = counts
    assert before[0] == 2 and while_asked == (2, 2) and after_typed[0] == 2  # nothing forgotten on a question or a typed yes
    assert yes.reply.startswith("Done. I've forgotten what you said today")
    assert after_yes == (0, 1) and reply_files(replies) == old  # yesterday's reply is kept, today's are gone
    kinds = [e["kind"] for e in a.audit.entries()]
    assert kinds.count("policy-confirm-asked") == 2 and "policy-confirmed" in kinds
    assert kinds[-1] == "tool-executed" and a.audit.verify().ok


def test_spoken_privacy_commands_through_the_recogniser(tmp_path, speech):
    cfg = settings(tmp_path)
    a = Assistant(cfg)
    said = ["turn on privacy mode", "forget what i said today", "yes", "privacy mode off"]

    async def go():
        events: list = []
        a.bus.subscribe(events.append)
        await a.prepare()
        try:
            mic = simulated_microphone([speech(t, 150) for t in said], realtime=False, gap_s=1.5)
            return await a.listen(mic), events
        finally:
            await a.close()
    summaries, events = asyncio.run(go())
    calls = [c.name for s in summaries for c in s.tool_calls]
    assert calls == ["privacy_mode", "forget_today", "forget_today", "privacy_mode"], [s.transcript for s in summaries]
    assert [e.on for e in events if isinstance(e, PrivacyModeChanged)] == [True, False]
    assert summaries[2].reply.startswith("Done. I've forgotten")
    confirmed = [e for e in a.audit.entries() if e["kind"] == "policy-confirmed"]
    assert len(confirmed) == 1 and confirmed[0]["data"]["channel"] == "voice"
    assert confirmed[0]["data"]["utterance"].startswith('[said "y')  # the driver's words are sealed too
