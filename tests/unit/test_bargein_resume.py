"""The barge-in decider's hold and resume, in audio time (pure): an interruption holds the reply; an
utterance that ends with words lets it be cut, one without words lets it resume once barge_in.resume_ms
has passed and the driver is silent."""
import pytest

from cockpit.asr.heard import Interruption, Resume
from cockpit.audio.bargein import BargeInDecider, has_words


def interrupted(resume_ms=1000) -> BargeInDecider:
    b = BargeInDecider("vad", 160, resume_ms)
    assert b.speech_started(10.0, replying=True)
    assert b.speech_frame(10.1, replying=True) is None
    cut = b.speech_frame(10.16, replying=True)
    assert isinstance(cut, Interruption) and b.holding
    return b


def test_no_words_resumes_at_the_interruption_plus_resume_ms_never_while_the_driver_speaks():
    b = interrupted()
    assert b.resume_due(10.5, in_speech=False) is None  # the sound has not ended yet
    b.segment_ended(words=False)
    assert b.resume_due(11.0, in_speech=False) is None  # 840 ms after the interruption
    assert b.resume_due(11.2, in_speech=True) is None  # the driver is talking again
    assert b.resume_due(11.2, in_speech=False) == Resume(11.2, pytest.approx(1.04))
    assert not b.holding and b.resume_due(12.0, in_speech=False) is None  # once


def test_a_new_utterance_while_held_is_waited_for_and_its_words_end_the_hold():
    b = interrupted()
    b.segment_ended(words=False)
    b.speech_started(10.9, replying=True)  # more sound before the reply resumed
    assert b.resume_due(11.5, in_speech=False) is None  # its end is not known yet
    b.segment_ended(words=True)
    assert not b.holding and b.resume_due(13.0, in_speech=False) is None  # words: the owner cuts the reply


def test_a_second_interruption_while_held_keeps_the_first_time():
    b = interrupted()
    b.speech_started(10.4, replying=True)
    b.speech_frame(10.6, replying=True)
    b.segment_ended(words=False)
    assert b.resume_due(11.16, in_speech=False) == Resume(11.16, pytest.approx(1.0))


def test_resume_off_never_holds():
    b = BargeInDecider("vad", 160, 0)
    b.speech_started(10.0, replying=True)
    assert isinstance(b.speech_frame(10.2, replying=True), Interruption)
    assert not b.holding
    b.segment_ended(words=False)
    assert b.resume_due(20.0, in_speech=False) is None


@pytest.mark.parametrize("text, words", [("", False), ("(coughs)", False), ("Mm-hmm.", False), ("uh-huh", False),
                                         ("[door closes]", False), ("*sigh*", False), ("hmm, stop", True),
                                         ("open my window a bit", True), ("no", True), ("yes", True)])
def test_what_takes_the_floor(text, words):
    assert has_words(text) is words
