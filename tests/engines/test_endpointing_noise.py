"""Silero VAD + the endpointer on espeak-ng speech, in silence and in cabin noise."""
from __future__ import annotations

import numpy as np
import pytest

from cockpit.audio.cabin import cabin_noise, mix_at_snr
from cockpit.audio.endpoint import Endpointer, Ended, Started
from cockpit.audio.silero import SileroVad
from cockpit.audio.simmic import with_floor
from cockpit.config import EndpointSettings

LEAD, TAIL = 1.0, 1.5
TOLERANCE_S = {None: 0.15, 20: 0.2, 10: 0.25, 5: 0.35}


def speech_bounds(clip: np.ndarray) -> tuple[float, float]:
    """True start/end of the speech: first/last 10 ms block above -45 dBFS."""
    blocks = clip[: len(clip) // 160 * 160].reshape(-1, 160).astype(np.float64)
    loud = np.flatnonzero(20 * np.log10(np.sqrt((blocks ** 2).mean(axis=1)) / 32768 + 1e-12) > -45)
    return loud[0] * 0.01, (loud[-1] + 1) * 0.01


def endpoint(audio: np.ndarray, settings: EndpointSettings = EndpointSettings(mode="fixed")):
    vad = SileroVad()
    ep = Endpointer(settings, vad.frame_samples)
    events = []
    n = vad.frame_samples
    for i in range(0, len(audio) - n + 1, n):
        frame = audio[i:i + n]
        events += ep.process(frame, vad.is_speech(frame))
    return events + ep.flush()


@pytest.mark.parametrize("snr", [None, 20, 10, 5])
def test_start_and_end_found_within_tolerance(speech, snr):
    clip = speech("hey cockpit, open the passenger window halfway", 160)
    start, end = speech_bounds(clip)
    audio = with_floor(clip, lead_s=LEAD, tail_s=TAIL)
    if snr is not None:
        audio = mix_at_snr(audio, cabin_noise(len(audio) / 16000, seed=3), snr)
    events = endpoint(audio)
    starts = [e for e in events if isinstance(e, Started)]
    ends = [e for e in events if isinstance(e, Ended)]
    assert len(starts) == 1 and len(ends) == 1, events
    tol = TOLERANCE_S[snr]
    assert abs(starts[0].audio_time - (LEAD + start)) <= tol
    assert abs(ends[0].audio_time - (LEAD + end)) <= tol
    # the endpointer decided within hangover + one frame of the true end: not at end of stream
    assert ends[0].audio_time + 0.6 + 0.1 < len(audio) / 16000


def test_preroll_keeps_the_first_syllable(speech):
    clip = speech("pause the music", 160)
    audio = with_floor(clip, lead_s=LEAD, tail_s=TAIL)
    [_, ended] = endpoint(audio)
    start, _ = speech_bounds(clip)
    first_speech = int((LEAD + start) * 16000)
    kept_from = int((ended.audio_time - ended.speech_s) * 16000) - int(0.3 * 16000)
    assert kept_from <= first_speech  # 300 ms pre-roll reaches back before the first sound
