"""The driver's privacy controls by voice: privacy mode on/off, and "forget what I said today".

``privacy_mode`` changes only what cockpit keeps and where it asks (no history, no cloud tier, no reply
audio while on), so it runs at once and says the new state. ``forget_today`` deletes, so it is a
transaction: the gate reads it back and only the driver's spoken yes (or an HMI Confirm) runs it.
Both call the running assistant's controls (cockpit/privacy/controls.py) through ``ctx.privacy``.
"""
from __future__ import annotations

from pydantic import Field

from cockpit.skills.phrases import Phrase
from cockpit.skills.registry import Outcome, SkillContext, Tool, ToolArgs

NOT_HERE = "I can't change privacy settings from here."
MODE = "privacy mode"


class PrivacyModeArgs(ToolArgs):
    on: bool = Field(description="true: privacy mode on (nothing kept, no cloud); false: off.")


class ForgetTodayArgs(ToolArgs):
    pass


def privacy_mode(args: PrivacyModeArgs, ctx: SkillContext) -> Outcome:
    """Switch privacy mode and say the state it is in now."""
    controls = ctx.privacy
    if controls is None:
        return Outcome(False, NOT_HERE)
    if not controls.set_mode(args.on):
        return Outcome(True, f"Privacy mode is already {'on' if args.on else 'off'}.")
    if args.on:
        return Outcome(True, "Privacy mode is on. I won't keep our conversation or my replies, and I won't use "
                             "the cloud until you turn it off.")
    return Outcome(True, "Privacy mode is off. I'll remember our conversation for a few minutes again.")


def forget_today(args: ForgetTodayArgs, ctx: SkillContext) -> Outcome:
    """Delete today's conversation history and reply audio (after the driver's yes)."""
    controls = ctx.privacy
    if controls is None:
        return Outcome(False, NOT_HERE)
    done = controls.forget_today()
    recordings = {0: "no recordings", 1: "one recording"}.get(done.replies, f"{done.replies} recordings")
    return Outcome(True, f"Done. I've forgotten what you said today, and deleted {recordings} of my replies.")


def _forget_readback(_arguments) -> str:
    return "Forget what you said today, our conversation and my recorded replies? This can't be undone."


ON, OFF = {"on": True}, {"on": False}
PHRASES_MODE = (
    Phrase("(turn | switch | put) (on privacy mode | privacy mode on) | privacy mode on", ON),
    Phrase("(enable | start | activate) privacy mode | go private", ON),
    Phrase("(turn | switch) (off privacy mode | privacy mode off) | privacy mode off", OFF),
    Phrase("(disable | stop | end | leave) privacy mode", OFF),
    Phrase("(打开 | 开启 | 开) 隐私模式 | 隐私模式 (打开 | 开启)", ON, "zh"),
    Phrase("(关闭 | 关掉 | 关) 隐私模式 | 隐私模式 (关闭 | 关掉)", OFF, "zh"),
)
PHRASES_FORGET = (
    Phrase("forget (what | everything) i said today | forget today's conversation"),
    Phrase("(delete | erase | clear) (what i said today | today's conversation)"),
    Phrase("(忘掉 | 忘记 | 删除 | 清除) 我 今天 说 的 话 | 删除 今天 的 对话", language="zh"),
)

TOOLS: tuple[Tool, ...] = (
    Tool("privacy_mode", "Turn privacy mode on or off. While on, the assistant keeps no conversation history and "
                         "no recorded replies, and never uses the cloud model.",
         PrivacyModeArgs, "actuate", privacy_mode,
         allowed_while_moving=True, needs_confirmation=False, phrases=PHRASES_MODE),
    Tool("forget_today", "Forget what the driver said today: delete today's conversation history and recorded "
                         "replies. The driver must confirm first.",
         ForgetTodayArgs, "transact", forget_today,
         allowed_while_moving=True, needs_confirmation=True, phrases=PHRASES_FORGET, readback=_forget_readback),
)
