"""The turn state machine: idle -> listening -> thinking -> speaking -> idle.

Pure: ``advance(state, trigger)`` has no I/O and no clock, so its tests are plain asserts.
Every trigger not in the table is an error (a bug in the pipeline), except ERROR and
CANCEL, which are accepted in every state: an error always leads to the spoken fallback
(speaking) and cancel always returns to idle.
"""
from __future__ import annotations

import enum


class TurnState(str, enum.Enum):
    IDLE = "idle"
    LISTENING = "listening"
    THINKING = "thinking"
    SPEAKING = "speaking"


class Trigger(str, enum.Enum):
    WAKE = "wake"                  # wake phrase heard (or push-to-talk pressed)
    UTTERANCE = "utterance"        # a command utterance (audio ended, or typed text)
    TIMEOUT = "timeout"            # listening window passed with no command
    REPLY = "reply"                # the reply is ready to speak
    SPOKEN = "spoken"              # the reply finished playing
    ERROR = "error"                # any stage failed: speak the fallback
    CANCEL = "cancel"              # driver or system cancelled the turn
    BARGE_IN = "barge-in"          # the driver spoke over the reply: stop talking, listen


_TABLE: dict[tuple[TurnState, Trigger], TurnState] = {
    (TurnState.IDLE, Trigger.WAKE): TurnState.LISTENING,
    (TurnState.IDLE, Trigger.UTTERANCE): TurnState.THINKING,
    (TurnState.LISTENING, Trigger.UTTERANCE): TurnState.THINKING,
    (TurnState.LISTENING, Trigger.TIMEOUT): TurnState.IDLE,
    (TurnState.LISTENING, Trigger.WAKE): TurnState.LISTENING,
    (TurnState.THINKING, Trigger.REPLY): TurnState.SPEAKING,
    (TurnState.SPEAKING, Trigger.SPOKEN): TurnState.IDLE,
    (TurnState.SPEAKING, Trigger.BARGE_IN): TurnState.LISTENING,
    (TurnState.THINKING, Trigger.BARGE_IN): TurnState.LISTENING,
    (TurnState.THINKING, Trigger.WAKE): TurnState.THINKING,   # heard while busy (barge-in off): the
    (TurnState.SPEAKING, Trigger.WAKE): TurnState.SPEAKING,   # command waits for this turn to end
}


class InvalidTransition(RuntimeError):
    pass


def advance(state: TurnState, trigger: Trigger) -> TurnState:
    if trigger is Trigger.CANCEL:
        return TurnState.IDLE
    if trigger is Trigger.ERROR:
        return TurnState.SPEAKING
    try:
        return _TABLE[(state, trigger)]
    except KeyError:
        raise InvalidTransition(f"{trigger.value!r} is not allowed while {state.value}") from None
