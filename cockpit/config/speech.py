"""Settings of the speech-in stages: microphone, VAD, endpointer, wake, recognisers."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from cockpit.config.base import Section


class InputSettings(Section):
    """Microphone capture (``cockpit sim --mic``; the daemon). Also the options of
    :class:`cockpit.audio.capture.Microphone`."""

    device: str | int | None = None
    """Input device: a unique part of its name, a PortAudio index, or null for the system default."""
    samplerate: int | None = Field(None, gt=0)
    """Capture rate in Hz; null uses the device's own default rate (resampled to 16 kHz)."""
    channels: int = Field(1, ge=1, le=32)
    """Channels to open; more than one is averaged to mono."""
    block_ms: int = Field(20, ge=5, le=200)
    """PortAudio block length in milliseconds."""
    buffer_s: float = Field(2.0, gt=0, le=30)
    """Ring buffer length; the oldest audio is overwritten when the consumer falls behind (counted)."""
    stall_s: float = Field(2.0, gt=0, le=60)
    """No audio for this long while the stream is open counts as a lost device."""
    retry_initial_s: float = Field(0.5, gt=0, le=60)
    """First wait before reopening a lost device; doubles after each failure."""
    retry_max_s: float = Field(8.0, gt=0, le=600)
    """Cap on the reopen back-off."""
    rescan: bool = True
    """Re-initialise PortAudio before each reopen so a re-plugged USB microphone is found."""


class OutputSettings(Section):
    sink: Literal["speaker", "file", "none"] = "file"
    """Where replies go: the sound card, WAV files only, or nowhere."""
    device: str | int | None = None
    """Output device name (substring) or index; null picks the system default."""
    reply_dir: str = "replies"
    """Folder for reply WAVs when sink is 'file'; a relative path is inside session.state_dir."""
    keep_replies: int = Field(50, ge=1, le=100000)
    """At most this many reply WAVs are kept in reply_dir: the oldest go first."""
    keep_replies_hours: float = Field(24.0, gt=0.0, le=8760.0)
    """Reply WAVs older than this are deleted (checked as each new one is written)."""
    keep_served_replies: bool = False
    """When replies go to the HMI as they are made (`cockpit run`), no WAV is kept unless this is true;
    `cockpit sim` and `cockpit demo` write theirs as before."""


class AudioSettings(Section):
    frame_ms: Literal[10, 20, 30] = 30
    """VAD frame length in milliseconds (the WebRTC-style VAD accepts 10, 20 or 30)."""
    input: InputSettings = InputSettings()
    output: OutputSettings = OutputSettings()


class VadSettings(Section):
    engine: Literal["webrtc", "silero"] = "silero"
    """'webrtc': the C VAD inside the pocketsphinx wheel (30 ms frames, microseconds each);
    'silero': the Silero ONNX model inside the faster-whisper wheel (32 ms frames, ~6 ms CPU
    per second of audio), far more robust to cabin noise."""
    threshold: float = Field(0.5, gt=0.0, lt=1.0)
    """Silero: speech probability above which a frame is speech."""
    aggressiveness: int = Field(3, ge=0, le=3)
    """0 lets most sound through as speech, 3 is strictest. Below 3 this detector calls
    steady broadband noise (fans, road) speech, so 3 is the default."""
    min_level_dbfs: float = Field(-50.0, ge=-90.0, le=-10.0)
    """Energy gate: frames quieter than this are never speech, whatever the VAD says."""


class SmartTurnSettings(Section):
    model: str = "smart-turn-v3.2"
    """A catalog name (models/<name>/, `cockpit models pull smart-turn-v3.2`) or a path to the .onnx."""
    complete_threshold: float = Field(0.5, gt=0.0, lt=1.0)
    """Smart Turn's probability that the turn is over at or above which the pause ends it at once."""
    command_threshold: float = Field(0.2, gt=0.0, lt=1.0)
    """The lower bar that ends it at once while the partial transcript is already a whole command
    (the fast path parses it)."""
    open_threshold: float = Field(0.9, gt=0.0, lt=1.0)
    """While the words so far are open — no whole command, no finished sentence, no dangling end ("turn it",
    "find a vegetarian") — the bar at which Smart Turn alone ends the pause at once; a verdict from
    ``complete_threshold`` up to it waits ``endpoint.hangover_ms`` (a driver's pause inside a sentence is
    bridged). At or below ``complete_threshold``: no difference. Measured on the pause set (README): 0.9
    cuts 141/288 hesitations instead of 169, fluent p50 286 ms instead of 272, p95 659 instead of 372."""
    incomplete_max_ms: int = Field(2000, ge=200, le=10000)
    """Smart Turn said the driver is not done ("navigate to ... uh ..."): the longest silence
    waited before the utterance ends anyway."""
    words: bool = True
    """The words' second opinion: while the partial transcript stops where no sentence ends ("navigate to
    the", "uh,") the pause may last ``incomplete_max_ms`` whatever Smart Turn hears (false: audio only)."""
    threads: int = Field(1, ge=1, le=8)
    """onnxruntime intra-op threads (one inference: about 90 ms on one core of this machine)."""
    timeout_ms: int = Field(1000, ge=50, le=10000)
    """A verdict later than this (a stalled board) is ignored: the fixed hangover ends the pause."""


class EndpointSettings(Section):
    mode: Literal["smart-turn", "fixed"] = "smart-turn"
    """'smart-turn': when the driver falls silent for ``pause_ms``, the Smart Turn model (audio in,
    ONNX) says whether the turn is over: yes ends it at once, no waits up to
    ``smart_turn.incomplete_max_ms``; without the model (not downloaded: announced at start) the
    endpointer is 'fixed': it ends after ``hangover_ms`` of silence (``hangover_complete_ms`` while the
    partial transcript is a whole command)."""
    start_ms: int = Field(90, ge=0, le=1000)
    """Continuous speech needed to declare that the driver started talking."""
    pause_ms: int = Field(100, ge=30, le=1000)
    """Silence after speech at which Smart Turn judges whether the turn is over (and Whisper decodes
    what was said, in parallel)."""
    hangover_ms: int = Field(600, ge=100, le=3000)
    """Silence after speech before the utterance is declared finished (mode fixed; in mode smart-turn
    only when no verdict came)."""
    hangover_complete_ms: int = Field(300, ge=100, le=3000)
    """Shorter hangover used while the partial transcript already parses as a complete
    command (the fast path matches it): the driver is most likely done."""
    smart_turn: SmartTurnSettings = SmartTurnSettings()
    min_speech_ms: int = Field(250, ge=0, le=5000)
    """Shorter bursts (a cough, a click) are discarded."""
    answer_min_speech_ms: int = Field(120, ge=0, le=5000)
    """The same while cockpit waits for the driver's answer (a read-back, a question, a co-pilot's offer):
    a clipped "no" is then not taken for a cough. Such a short burst only ever refuses: a clipped "yes" or
    any other words under min_speech_ms are dropped as before."""
    max_utterance_s: float = Field(12.0, gt=1.0, le=120.0)
    """An utterance is cut off (and marked truncated) after this long."""
    preroll_ms: int = Field(300, ge=0, le=2000)
    """Audio kept from before speech start so the first syllable is never clipped."""


class OpenWakeWordSettings(Section):
    models: list[str] = []
    """openWakeWord wake-model .onnx files (e.g. models/openwakeword/hey_jarvis_v0.1.onnx);
    each is spotted, and a hit is named by the file's stem. Supplied by the user."""
    melspec_model: str = "models/openwakeword/melspectrogram.onnx"
    """openWakeWord's shared melspectrogram feature model."""
    embedding_model: str = "models/openwakeword/embedding_model.onnx"
    """openWakeWord's shared speech-embedding feature model."""
    threshold: float = Field(0.5, gt=0.0, lt=1.0)
    """Score (0..1) a wake model must exceed; higher = fewer false wakes, more misses."""
    threads: int = Field(1, ge=1, le=8)
    """onnxruntime intra-op threads per model."""


class WakeSettings(Section):
    mode: Literal["phrase", "model", "ptt", "none"] = "phrase"
    """phrase: a spoken keyword (PocketSphinx) starts a turn; model: openWakeWord models;
    ptt: push-to-talk (speech while the button is held is a command); none: every utterance
    is a command (bench and tests)."""
    keyphrase: str = "cockpit"
    """Word(s) spotted by PocketSphinx; 'hey cockpit' works because 'cockpit' is spotted."""
    threshold: float = Field(1e-25, gt=0.0, le=1.0)
    """Detection threshold: smaller detects more (and false-wakes more). 1e-30 .. 1e-10."""
    listen_s: float = Field(6.0, gt=0.5, le=30.0)
    """After a bare wake phrase, how long to wait for the command."""
    openwakeword: OpenWakeWordSettings = OpenWakeWordSettings()


class SphinxSettings(Section):
    beam: float = Field(1e-48, gt=0.0, lt=1.0)
    """Main search beam; wider (smaller) is more accurate and slower."""
    wbeam: float = Field(7e-29, gt=0.0, lt=1.0)
    """Word-exit beam."""
    min_confidence: float = Field(0.0, ge=0.0, le=1.0)
    """Posterior below which a grammar hypothesis is rejected as 'not understood'."""
    cross_check: bool = True
    """Also read each command with PocketSphinx's open English language model (in the wheel); a
    command the two readings do not agree on is read back ("Do you want me to …?"), never run
    straight away. Off: the grammar's reading acts alone (measured wrong actions: README "Speech in")."""


class WhisperSettings(Section):
    model: str = "auto"
    """A catalog name (models/<name>/, fetched by `cockpit models pull`) or a model directory;
    'auto': the first downloaded of whisper-base, whisper-tiny-en (English) or whisper-base (zh/auto)."""
    device: Literal["cpu", "cuda", "auto"] = "cpu"
    """Where CTranslate2 runs: 'cuda' on a Jetson or a GPU box."""
    compute_type: Literal["int8", "int8_float16", "int8_float32", "float16", "float32", "default"] = "int8"
    """Weight/compute precision: int8 on CPU, float16 or int8_float16 on CUDA."""
    cpu_threads: int = Field(0, ge=0, le=64)
    """Intra-op threads; 0 lets CTranslate2 choose."""
    beam_size: int = Field(1, ge=1, le=10)
    """1 = greedy, lowest latency."""
    hotwords: str = "temperature window navigate volume fan air conditioning seat heating defrost"
    """Vehicle vocabulary biasing the decoder (faster-whisper hotwords)."""
    partial_interval_ms: int = Field(600, ge=100, le=5000)
    """How much new audio triggers a partial re-decode while the driver speaks."""
    window: Literal["auto", "short", "full"] = "auto"
    """What the encoder sees per decode. 'full': Whisper's 30 s window, the audio padded with silence
    (faster-whisper's way; the encoder's cost is that of 30 s however short the command); 'short': the
    audio plus ``window_pad_s`` (base: about 7x faster on 2 cores at the same command WER, README
    'Speech in'); 'auto': short for English with models larger than tiny (tiny does not end its text
    reliably in a short window: measured), full otherwise."""
    window_pad_s: float = Field(3.0, ge=0.5, le=30.0)
    """Silence after the audio in a short window (s): room for the model to end its text."""


class AsrSettings(Section):
    engine: Literal["auto", "sphinx", "whisper"] = "auto"
    """'auto': whisper when its model is downloaded, else sphinx (announced at start);
    'sphinx': PocketSphinx constrained by the command grammar (offline, no download);
    'whisper': faster-whisper, open vocabulary (needs a model: `cockpit models pull whisper-tiny-en`)."""
    language: Literal["en", "zh", "auto"] = "en"
    """Recognition language; 'auto' lets Whisper detect it. The grammar recogniser is English only."""
    sphinx: SphinxSettings = SphinxSettings()
    whisper: WhisperSettings = WhisperSettings()

    @model_validator(mode="after")
    def _language_supported(self) -> "AsrSettings":
        if self.engine == "sphinx" and self.language != "en":
            raise ValueError(f"asr.language {self.language!r} needs asr.engine: whisper "
                             "(the grammar recogniser is English only)")
        return self
