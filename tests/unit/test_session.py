import pytest

from cockpit.session import InvalidTransition, Trigger, TurnState, advance

I, L, T, S = TurnState.IDLE, TurnState.LISTENING, TurnState.THINKING, TurnState.SPEAKING


def test_a_spoken_turn_goes_round():
    state = I
    for trigger, expected in [(Trigger.WAKE, L), (Trigger.UTTERANCE, T), (Trigger.REPLY, S), (Trigger.SPOKEN, I)]:
        state = advance(state, trigger)
        assert state is expected


def test_typed_turn_skips_listening():
    assert advance(I, Trigger.UTTERANCE) is T


def test_listening_times_out_to_idle():
    assert advance(L, Trigger.TIMEOUT) is I


@pytest.mark.parametrize("state", list(TurnState))
def test_error_always_speaks_the_fallback_and_cancel_always_idles(state):
    assert advance(state, Trigger.ERROR) is S
    assert advance(advance(state, Trigger.ERROR), Trigger.SPOKEN) is I
    assert advance(state, Trigger.CANCEL) is I


@pytest.mark.parametrize("state, trigger", [(I, Trigger.REPLY), (I, Trigger.SPOKEN), (I, Trigger.BARGE_IN),
                                            (L, Trigger.BARGE_IN), (S, Trigger.UTTERANCE)])
def test_impossible_transitions_are_bugs(state, trigger):
    with pytest.raises(InvalidTransition):
        advance(state, trigger)


def test_barge_in_stops_talking_and_listens():
    assert advance(S, Trigger.BARGE_IN) is L   # the driver spoke over the reply
    assert advance(T, Trigger.BARGE_IN) is L
    assert advance(L, Trigger.UTTERANCE) is T   # the interrupting words are the next turn


def test_a_wake_heard_while_busy_keeps_the_turn_going():
    assert advance(T, Trigger.WAKE) is T and advance(S, Trigger.WAKE) is S
