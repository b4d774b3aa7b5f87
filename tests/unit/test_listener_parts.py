"""The listener's pure pieces: framing, barge-in decisions, the wake window, wake phrases, factories."""
from __future__ import annotations

import numpy as np
import pytest

from cockpit.asr import Grammars, make_recognizer
from cockpit.audio.bargein import FREE_S, BargeInDecider
from cockpit.audio.framing import Reframer
from cockpit.audio.vad import make_vad
from cockpit.config import ConfigError, Settings
from cockpit.wake import make_spotter, wake_phrases, wake_stripper
from cockpit.wake.window import WakeWindow


def test_reframer_keeps_every_sample_in_order():
    r = Reframer(4)
    data = np.arange(23, dtype=np.int16)
    out = []
    for cut in ((0, 3), (3, 4), (4, 11), (11, 23)):
        out += r.push(data[cut[0]:cut[1]])
    assert [len(f) for f in out] == [4] * 5
    assert np.array_equal(np.concatenate(out), data[:20])
    assert np.array_equal(r.whole(np.arange(23, 24, dtype=np.int16)), np.arange(20, 24, dtype=np.int16))
    with pytest.raises(ValueError):
        Reframer(0)


def test_vad_mode_speech_interrupts_only_while_replying_and_after_min_speech():
    b = BargeInDecider("vad", min_speech_ms=300)
    assert b.speech_started(1.0, replying=True)
    assert b.speech_frame(1.2, replying=True) is None          # 200 ms: not yet
    assert b.speech_frame(1.35, replying=False) is None        # the reply ended meanwhile
    cut = b.speech_frame(1.31, replying=True)
    assert cut is not None and cut.trigger == "vad" and cut.speech_s == pytest.approx(0.31)
    assert b.speech_frame(1.5, replying=True) is None          # once per utterance
    assert b.free(1.31 + FREE_S) and not b.free(1.32 + FREE_S)  # the words after it need no wake phrase


def test_speech_that_began_before_the_reply_does_not_interrupt_it():
    b = BargeInDecider("vad", min_speech_ms=100)
    assert not b.speech_started(0.0, replying=False)
    assert b.speech_frame(2.0, replying=True) is None


def test_near_end_energy_interrupts_in_vad_mode_only():
    assert BargeInDecider("vad", 200).near_end(3.0, True, True, 0.25).speech_s == 0.25
    assert BargeInDecider("vad", 200).near_end(3.0, False, True, 0.25) is None
    assert BargeInDecider("wake", 200).near_end(3.0, True, True, 0.25) is None
    assert BargeInDecider("off", 200).near_end(3.0, True, True, 0.25) is None


def test_wake_mode_interrupts_on_the_wake_phrase():
    b = BargeInDecider("wake", 200)
    assert b.wake_heard(1.0, replying=True) is None            # no utterance under way
    b.speech_started(1.0, replying=True)
    cut = b.wake_heard(1.6, replying=True)
    assert cut.trigger == "wake" and cut.speech_s == pytest.approx(0.6)
    assert BargeInDecider("vad", 200).wake_heard(1.0, True) is None


def test_wake_window_opens_covers_and_expires_once():
    w = WakeWindow(4.0)
    assert not w.covers(0.0) and not w.expired(100.0, False)
    w.open(10.0)
    assert w.covers(13.9) and w.covers(14.0) and not w.covers(14.1)
    assert not w.expired(15.0, in_speech=True)                 # speech under way: not yet
    assert w.expired(15.0, in_speech=False)
    assert not w.expired(16.0, in_speech=False) and not w.covers(11.0)
    w.open(20.0)
    w.close()
    assert not w.covers(21.0)


def _wake(**kw) -> Settings:
    return Settings.model_validate({"wake": kw})


def test_wake_phrases_come_from_the_keyphrase_or_the_model_file_names():
    assert wake_phrases(_wake(mode="phrase", keyphrase="Cockpit").wake) == ["cockpit"]
    models = ["models/openwakeword/hey_jarvis_v0.1.onnx", "/x/alexa_v0.1.onnx", "hey_mycroft.onnx"]
    assert wake_phrases(_wake(mode="model", openwakeword={"models": models}).wake) == ["hey jarvis", "alexa", "hey mycroft"]
    assert wake_phrases(_wake(mode="ptt").wake) == [] and wake_phrases(_wake(mode="none").wake) == []


@pytest.mark.parametrize("heard, rest", [
    ("Hey Cockpit, turn on the AC.", "turn on the AC."),
    ("hey cockpit turn on the ac", "turn on the ac"),
    ("okay cockpit next track", "next track"),
    ("cockpit... mute", "mute"),
    ("turn on the AC", "turn on the AC"),
    ("open the cockpit window", "open the cockpit window"),   # only at the start
])
def test_the_wake_phrase_is_removed_from_the_start_only(heard, rest):
    assert wake_stripper(_wake(mode="phrase").wake)(heard) == rest


def test_the_model_wake_phrase_is_removed_too():
    strip = wake_stripper(_wake(mode="model", openwakeword={"models": ["hey_jarvis_v0.1.onnx"]}).wake)
    assert strip("Hey Jarvis, next track.") == "next track."
    assert wake_stripper(_wake(mode="none").wake)("hey cockpit mute") == "hey cockpit mute"


def test_factories_build_the_named_engine_and_name_the_allowed_values_otherwise():
    s = Settings.model_validate({"asr": {"engine": "sphinx"}, "vad": {"engine": "webrtc"}, "wake": {"mode": "ptt"}})
    assert type(make_recognizer(s.asr, Grammars("#JSGF V1.0;", ""))).__name__ == "SphinxCommands"
    assert type(make_vad(s.vad, s.audio)).__name__ == "WebRtcVad"
    assert type(make_spotter(s.wake)).__name__ == "PushToTalk"
    assert make_spotter(_wake(mode="none").wake) is None
    bad = s.asr.model_construct(**{**s.asr.model_dump(), "engine": "kaldi"})
    with pytest.raises(ConfigError) as err:
        make_recognizer(bad)
    assert "asr.engine" in str(err.value) and "sphinx, whisper" in str(err.value)
    with pytest.raises(ConfigError, match="vad.engine"):
        make_vad(s.vad.model_construct(**{**s.vad.model_dump(), "engine": "x"}), s.audio)


@pytest.mark.parametrize("raw, left, alone", [
    ("Hey, coffee.", "Hey, coffee.", True),         # the phrase misheard, removal found nothing: the phrase alone
    ("Hey cut", "Hey cut", True),
    ("Hey cockpit.", "", True),                     # removed: nothing left
    ("Hey cockpit, stop.", "stop.", False),         # a one-word command after the phrase is a command
    ("Hey coffee, next track", "Hey coffee, next track", False),  # more words than the phrase has
])
def test_a_transcript_of_the_wake_phrase_alone_is_known_however_it_was_spelled(raw, left, alone):
    from cockpit.asr.listener import Listener
    listener = Listener(Settings.model_validate({"asr": {"engine": "sphinx"}, "vad": {"engine": "webrtc"}}),
                        emit=lambda event: None, grammars=Grammars("#JSGF V1.0;", ""))
    assert wake_stripper(listener.settings.wake)(raw) == left
    listener.threads.heard = raw  # the recogniser's final, as written
    assert listener._only_wake(left) is alone


@pytest.mark.parametrize("heard, rest", [
    ("Hey, coffee open my window a bit.", "open my window a bit."),  # Whisper base's spellings in demo runs
    ("Hey cut, next track", "next track"),
    ("Hey car, turn it down", "turn it down"),
    ("Hey, call Anna", "Hey, call Anna"),            # "cockpit" dropped: the command's first word stays
    ("Hey, open my window", "Hey, open my window"),
    ("Hey, set the fan speed to 3", "Hey, set the fan speed to 3"),
    ("Hey, play some jazz", "Hey, play some jazz"),
])
def test_a_wake_phrase_the_spotter_heard_is_removed_however_whisper_spelled_it(heard, rest):
    strip = wake_stripper(_wake(mode="phrase").wake)
    assert strip(heard, heard=True) == rest
    assert strip(heard) == heard  # without the spotter's word for it, only a close spelling is removed


def test_the_open_reading_loses_its_spelling_of_the_wake_phrase_but_never_a_question_word():
    from cockpit.lang.wake_words import after_wake
    assert after_wake("to top it what is on my right", "what is on my right") == "what is on my right"
    assert after_wake("say jarvis next track", "next track") == "next track"
    assert after_wake("to top it who turn the music up", "turn the music up") == "to top it who turn the music up"
    assert after_wake("one two three four five next track", "next track") == "one two three four five next track"
    assert after_wake("they got it what saddam i ride", "what's on my right") == "what saddam i ride"  # "what's"
