"""One turn's parts that hold no state of the Assistant: what a turn answers (:class:`Request`), the
deadline a decision runs under, how any failure becomes one error code, and the summary a turn ends with.

The Assistant (cockpit/pipeline.py) owns the turn state and runs each turn linearly with these:
utterance -> ``Request`` -> ``decide_in_time`` -> speak -> ``summarise``.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Awaitable, Callable

from cockpit.brain.brain import Decision
from cockpit.bus import EventBus
from cockpit.errors import CockpitError
from cockpit.events import ErrorRaised, ReplyText, Stage, ToolCall, TurnSummary
from cockpit.trace import TurnTrace

log = logging.getLogger(__name__)
BARGE_IN = "barge-in"
"""The cancellation message of a turn the driver talked over (it ends cut short, not failed)."""
DEADLINE = "turn-deadline"
"""The cancellation message of a turn past session.turn_timeout_s (it ends with llm-timeout)."""


@dataclass(frozen=True)
class Request:
    """What one turn answers: the driver's words and where they came from."""

    text: str
    trace: TurnTrace
    turn: int
    channel: str = "voice"
    """``voice`` (a recogniser heard it) or ``typed`` (text from the CLI or the HMI API)."""
    error: str | None = None
    """The recogniser failed on the utterance (its error code): the turn speaks that fallback."""
    offer: ToolCall | None = None
    """cockpit speaks first: this call goes to the gate and its read-back is the reply (Assistant.offer)."""
    ask: str | None = None
    """The question cockpit asks about ``offer`` (the gate holds it for the driver's yes)."""
    reading: str | None = None
    """The recogniser's open-vocabulary cross-check of ``text`` (None: none was made)."""


def check_heard(request: Request) -> None:
    """A voice request with no words, or one the recogniser failed on, ends with that error's fallback."""
    if not request.text.strip() and not request.error:
        raise CockpitError("nothing was recognised in the utterance", code="asr-no-text",
                           hint="speak one of the commands in `cockpit sim --help`")
    if request.error:
        raise CockpitError(f"the recogniser failed on this utterance ({request.error})", code=request.error)


async def decide_in_time(decide: Callable[[], Awaitable[Decision]], limit_s: float) -> Decision:
    """``decide()`` within ``limit_s`` (session.turn_timeout_s), else ``llm-timeout``. The deadline cancels
    the current task with its own message: asyncio.wait_for could swallow a barge-in's cancellation."""
    deadline = asyncio.get_running_loop().call_later(limit_s, asyncio.current_task().cancel, DEADLINE)
    try:
        return await decide()
    except asyncio.CancelledError as cancel:
        if cancel.args[:1] != (DEADLINE,):
            raise
        raise CockpitError(f"the turn took longer than session.turn_timeout_s ({limit_s:g} s); its work was "
                           "cancelled", code="llm-timeout") from None
    finally:
        deadline.cancel()


def failure(exc: Exception, turn: int) -> tuple[str, str]:
    """Any failure of a turn as (error code, one-line message); a bug ("internal") is logged with its traceback."""
    code = exc.code if isinstance(exc, CockpitError) else "internal"
    if code == "internal":
        log.error("turn %s failed", turn, exc_info=exc)
    return code, str(exc).split("\n")[0]


def summarise(bus: EventBus, request: Request, decision: Decision, reply: str, error: str | None,
              audio_path: str | None, interrupted: bool = False) -> TurnSummary:
    """The turn's last events: the reply's text, then its summary."""
    bus.emit(ReplyText(t=time.monotonic(), turn=request.turn, text=reply))
    summary = TurnSummary(t=time.monotonic(), turn=request.turn, transcript=request.text, route=decision.route,
                          tool_calls=tuple(decision.calls), reply=reply, timings_ms=request.trace.timings_ms(),
                          error=error, audio_path=audio_path, route_reason=decision.reason, interrupted=interrupted)
    bus.emit(summary)
    return summary


def report(bus: EventBus, turn: int, code: str, message: str, stage: Stage | None = None) -> None:
    """One error of a turn, as its one event (the registry's code; the spoken fallback is the caller's)."""
    bus.emit(ErrorRaised(t=time.monotonic(), turn=turn, code=code, message=message, stage=stage))


async def play_out(sink, bus: EventBus, request: Request, chunks: list) -> tuple[str | None, str | None]:
    """Play (or keep) a synthesised reply: (its WAV path, the error code of a speaker that went away while it
    played — the reply is kept, the turn still closes)."""
    path = await sink.finish_turn(chunks, request.turn, bus, request.trace)
    if (lost := sink.take_problem()) is not None:
        report(bus, request.turn, lost.code, str(lost).split("\n")[0], Stage.PLAYBACK)
        return path, lost.code
    return path, None
