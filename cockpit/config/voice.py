"""Speech-out settings: voices, speakable text, playback, barge-in and echo cancellation."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from cockpit.config.base import Section


class EspeakSettings(Section):
    voice: str = "en-us"
    """espeak-ng voice for English replies (see `espeak-ng --voices`)."""
    voice_zh: str = "cmn"
    """espeak-ng voice for Mandarin replies."""
    rate_wpm: int = Field(175, ge=80, le=450)
    """Speaking rate in words per minute."""
    pitch: int = Field(50, ge=0, le=99)
    """Voice pitch, 0-99."""


class PiperSettings(Section):
    voices: dict[Literal["en", "zh"], str] = {"en": "piper-en-joe", "zh": "piper-zh-huayan"}
    """Reply language -> a catalog voice (`cockpit models pull NAME`) or a path to a voice .onnx
    (its .onnx.json beside it)."""
    length_scale: float = Field(1.0, ge=0.5, le=2.0)
    """Speaking pace: above 1 slower, below 1 faster."""
    noise_scale: float = Field(0.667, ge=0.0, le=1.5)
    """Voice variation (piper's default 0.667)."""
    noise_w: float = Field(0.8, ge=0.0, le=1.5)
    """Phoneme length variation (piper's default 0.8)."""
    speaker_id: int | None = Field(None, ge=0)
    """For multi-speaker voices; null = the voice's default speaker."""
    use_cuda: bool = False
    """Run the voice on the GPU (onnxruntime CUDA provider; Jetson)."""


class TtsSettings(Section):
    engine: Literal["auto", "espeak", "piper"] = "auto"
    """'auto': piper when the English voice is downloaded, else espeak (announced at start);
    'espeak': espeak-ng (Debian package), offline, no download; 'piper': neural voices
    (`cockpit models pull piper-en-joe`), with espeak-ng as the fallback."""
    fallback: bool = True
    """When piper fails to load or to speak, say it with espeak-ng instead of staying silent."""
    espeak: EspeakSettings = EspeakSettings()
    piper: PiperSettings = PiperSettings()
    first_chunk_min_chars: int = Field(24, ge=1, le=400)
    """The first spoken chunk leaves at the first clause or sentence break after this many
    characters, while the model is still generating."""
    chunk_max_chars: int = Field(240, ge=20, le=2000)
    """A chunk with no natural break is cut at a word boundary after this many characters."""


class PlaybackSettings(Section):
    queue_s: float = Field(8.0, ge=0.5, le=120.0)
    """At most this much synthesised audio waits for the speaker; synthesis waits when it is full."""
    duck_db: float = Field(-12.0, ge=-60.0, le=0.0)
    """Media volume change while cockpit speaks (the ducking hook); 0 = no ducking."""


class BargeInSettings(Section):
    mode: Literal["vad", "wake", "off"] = "vad"
    """What interrupts cockpit while it speaks: any speech from the driver ('vad'), only the wake
    phrase ('wake'), or nothing ('off')."""
    min_speech_ms: int = Field(160, ge=30, le=2000)
    """Speech must last this long (after echo cancellation) before it interrupts."""
    resume_ms: int = Field(1000, ge=0, le=10000)
    """An interruption first only pauses the reply; if the sound that caused it ends without words (a
    cough, a door, "mm-hm") and no words come within this long of the interruption, the reply plays on
    from where it paused; words cancel it as always. 0: every interruption cancels at once."""


class AecSettings(Section):
    enabled: bool = True
    """Cancel the speaker's echo from the microphone using the audio being played as reference."""
    noise_suppression: bool = True
    """Also suppress steady cabin noise (where the echo canceller's library offers it)."""
    stream_delay_ms: int = Field(40, ge=0, le=500)
    """Typical speaker-to-microphone delay in the cabin (a starting hint for the canceller)."""
