#!/usr/bin/env python3
"""Real recognisers on two synthetic speakers: word error rate, commands the fast path acts on,
real-time factor and decode time, for Whisper tiny.en and base (cockpit's WhisperStream) and
PocketSphinx (the grammar recogniser, cockpit's SphinxCommands) on espeak-ng and piper joe speech.

    python tools/measure_asr_real.py [--models whisper-tiny-en whisper-base] [--speakers espeak piper]
                                     [--sphinx] [--json out/real/asr.json]

Audio is fed as the listener feeds it: VAD-sized frames (the WebRTC detector says which are
voiced), then the endpointer's hangover of silence, then ``finish()``. ``final_ms`` is the time
from the last voiced frame to the transcript (what the driver waits for); ``rtf`` is all the
recogniser's compute for the utterance (partials included) over its audio duration.
A wrong action is a transcript the fast path turns into a DIFFERENT tool call than was spoken.
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from cockpit.brain.commands_en import normalize as grammar_normalize  # noqa: E402
from cockpit.brain.commands_zh import BilingualFastPath  # noqa: E402
from cockpit.config import AsrSettings, AudioSettings, VadSettings  # noqa: E402
from cockpit.tts.spoken_numbers import speak_numbers_en  # noqa: E402
from make_speech import speech  # noqa: E402

SPEECH_CACHE = ROOT / ".cache" / "speech"
HANGOVER_S = 0.4
"""Silence fed after the last word before ``finish()`` (the endpointer's hangover is of this order)."""

COMMANDS = [
    # climate
    "set the temperature to twenty one degrees", "set the passenger temperature to nineteen degrees",
    "make it warmer", "i'm cold", "it's too hot in here", "set the fan speed to three",
    "turn on the air conditioning",
    # windows
    "open my window a bit", "open the passenger window halfway", "close all the windows",
    "set the rear left window to forty percent",
    # media
    "pause the music", "skip this song", "go back", "set the volume to five", "turn it down", "mute the radio",
    # navigation
    "navigate to the airport", "take me home",
    # nearby
    "find the nearest gas station", "is there a coffee shop nearby", "find me a vegetarian restaurant nearby",
    # status
    "what's my fuel level", "how far can i go", "check the tire pressure", "what is the outside temperature",
]
"""26 distinct phrasings drawn from the grammar's table (cockpit/brain/commands_en.py): the tests' set."""

EXTRA_COMMANDS = [
    "lower the temperature", "turn off the fan", "resume the music", "navigate to the train station",
    "find a charging station", "how fast am i going",
]
"""Second phrasings of rules the tests' set already covers; the tool adds them (32 in all)."""

OFF_GRAMMAR = [
    "set the temperature to thirty eight degrees", "roll down the window a little", "play some jazz",
    "what's the weather like tomorrow", "call my wife", "how long until we get there",
    "turn on the seat heating", "tell me a joke",
]
"""Things a driver says that no rule covers (the first is out of the 10-35 degree range): the fast
path must act on none of them (they go to the LLM); a grammar recogniser forces each onto some rule."""

REPLIES = [
    "The temperature is set to twenty one degrees.",
    "Opening the driver's window a little.",
    "Navigating to the airport. It is twelve kilometres away.",
    "Your fuel tank is at forty percent, enough for about three hundred kilometres.",
    "The nearest charging station is two kilometres ahead on the right.",
]
"""Typical replies, for the piper round trip."""


def normalise(text: str) -> str:
    """The same form for reference and transcript: numbers as words, lower case, no punctuation."""
    t = speak_numbers_en(text.replace("-", " "))
    t = grammar_normalize(t).replace("'", "")  # lower case, 'a c', punctuation gone
    t = re.sub(r"\bkilometers?\b", lambda m: m[0].replace("meter", "metre"), t)
    t = re.sub(r"\btyres?\b", lambda m: m[0].replace("yre", "ire"), t)
    return re.sub(r"[.%°]", " ", t).strip()


def wer(references: list[str], hypotheses: list[str]) -> float:
    """Corpus word error rate (all errors / all reference words) after ``normalise``."""
    import jiwer
    refs = [normalise(r) for r in references]
    hyps = [normalise(h) for h in hypotheses]
    return float(jiwer.wer(refs, hyps))


def listener_vad():
    from cockpit.audio.vad import WebRtcVad
    return WebRtcVad(VadSettings(engine="webrtc"), AudioSettings())


def recognise(asr, samples: np.ndarray, vad, preroll_s: float = 0.0) -> tuple[str, float, float]:
    """Feed one utterance as the listener would; (transcript, final_ms, compute_s)."""
    heard, final_ms, compute_s = recognition(asr, samples, vad, preroll_s)
    return heard.text, final_ms, compute_s


def recognition(asr, samples: np.ndarray, vad, preroll_s: float = 0.0):
    """:func:`recognise` with the whole Recognition; ``preroll_s`` of silence first (the endpointer's
    pre-roll, audio.endpoint.preroll_ms, reaches the recogniser in the listener)."""
    n = vad.frame_samples
    audio = np.concatenate([np.zeros(int(preroll_s * 16000), np.int16), samples,
                            np.zeros(int(HANGOVER_S * 16000), np.int16)])
    audio = np.pad(audio, (0, -len(audio) % n))
    flags = [vad.is_speech(audio[i:i + n]) for i in range(0, len(audio), n)]
    last_voiced = max((i for i, f in enumerate(flags) if f), default=0)
    compute = 0.0
    after_speech = 0.0
    asr.start()
    for k, voiced in enumerate(flags):
        t0 = time.perf_counter()
        asr.feed(audio[k * n:(k + 1) * n], voiced=voiced)
        dt = time.perf_counter() - t0
        compute += dt
        after_speech += dt if k > last_voiced else 0.0
    t0 = time.perf_counter()
    heard = asr.finish()
    dt = time.perf_counter() - t0
    return heard, 1000 * (after_speech + dt), compute + dt


@dataclass
class Row:
    """One recogniser on one speaker."""

    model: str
    speaker: str
    utterances: int
    wer: float
    parsed: int
    """Transcripts the fast path turns into the tool call that was spoken."""
    wrong_actions: int
    """Transcripts the fast path turns into a DIFFERENT tool call."""
    rtf: float
    final_ms: float
    """Mean time from the last voiced frame to the transcript."""
    misses: list[tuple[str, str]] = field(default_factory=list)
    """(said, heard) where the command was not acted on correctly."""
    off_grammar: int = 0
    """Off-grammar utterances heard (0: not measured)."""
    off_grammar_acted: list[tuple[str, str, str]] = field(default_factory=list)
    """(said, heard, tool call) where the fast path acted on something no rule covers."""


def score(model: str, speaker: str, said: list[str], heard: list[str], audio_s: float, compute_s: float,
          final_ms: list[float]) -> Row:
    fp = BilingualFastPath()
    parsed = wrong = 0
    misses = []
    for ref, hyp in zip(said, heard):
        want, got = fp.parse(ref), fp.parse(hyp)
        if got is not None and want is not None and got.call == want.call:
            parsed += 1
            continue
        wrong += got is not None
        misses.append((ref, hyp))
    return Row(model, speaker, len(said), round(wer(said, heard), 4), parsed, wrong,
               round(compute_s / audio_s, 4), round(statistics.fmean(final_ms), 1), misses)


def whisper_stream(model_dir: Path | str, language: str = "en", threads: int = 2, window: str = "auto"):
    from cockpit.asr.whisper import WhisperStream
    asr = WhisperStream(AsrSettings(engine="whisper", language=language,
                                    whisper={"model": str(model_dir), "cpu_threads": threads, "window": window}))
    asr.prepare()
    return asr


def sphinx_commands():
    from cockpit.asr.sphinx import SphinxCommands
    fp = BilingualFastPath()
    asr = SphinxCommands(AsrSettings(engine="sphinx"), fp.jsgf(wake=None))
    asr.prepare()
    return asr


def hear(asr, texts: list[str], speaker: str, *, piper_voice: str | None = None, cache: Path = SPEECH_CACHE):
    """``texts`` said by ``speaker`` through ``asr`` (prepared): [(transcript, final_ms, compute_s, audio_s)]."""
    vad = listener_vad()
    out = []
    for text in texts:
        samples = speech(text, speaker, voice=piper_voice if speaker == "piper" else None, cache=cache)
        out.append((*recognise(asr, samples, vad), len(samples) / 16000))
    return out


def measure(asr, model: str, speaker: str, texts: list[str] = COMMANDS, *, off_grammar: list[str] = (),
            piper_voice: str | None = None, cache: Path = SPEECH_CACHE) -> Row:
    """``asr`` (prepared) on ``texts`` said by ``speaker``; ``off_grammar``: also count actions on those."""
    heard = hear(asr, texts, speaker, piper_voice=piper_voice, cache=cache)
    row = score(model, speaker, texts, [h[0] for h in heard], sum(h[3] for h in heard), sum(h[2] for h in heard),
                [h[1] for h in heard])
    fp = BilingualFastPath()
    for said, (hyp, *_rest) in zip(off_grammar, hear(asr, list(off_grammar), speaker, piper_voice=piper_voice,
                                                      cache=cache)):
        got = fp.parse(hyp)
        if got is not None:
            row.off_grammar_acted.append((said, hyp, f"{got.call.name}{dict(got.call.arguments)}"))
    row.off_grammar = len(off_grammar)
    return row


def table(rows: list[Row]) -> str:
    lines = [f"{'recogniser':<16} {'speaker':<7} {'n':>3} {'WER':>6} {'parsed':>7} {'wrong':>5} {'RTF':>6} "
             f"{'final ms':>9} {'off-grammar acted':>17}"]
    for r in rows:
        off = f"{len(r.off_grammar_acted)}/{r.off_grammar}" if r.off_grammar else "-"
        lines.append(f"{r.model:<16} {r.speaker:<7} {r.utterances:>3} {100 * r.wer:>5.1f}% "
                     f"{r.parsed:>3}/{r.utterances:<3} {r.wrong_actions:>5} {r.rtf:>6.3f} {r.final_ms:>9.0f} {off:>17}")
    return "\n".join(lines)


def write_json(rows: list[Row], path: Path | str, **extra) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps({"rows": [asdict(r) for r in rows], **extra}, indent=2, ensure_ascii=False) + "\n")
    return p


def main() -> None:
    from cockpit.models import models_dir
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", nargs="*", default=["whisper-tiny-en", "whisper-base"],
                   help="Whisper model folders under the models dir, or paths")
    p.add_argument("--speakers", nargs="+", choices=["espeak", "piper"], default=["espeak", "piper"])
    p.add_argument("--sphinx", action=argparse.BooleanOptionalAction, default=True,
                   help="also score PocketSphinx (the grammar recogniser)")
    p.add_argument("--quick", action="store_true", help="only the tests' 26 commands, no off-grammar speech")
    p.add_argument("--piper-voice", default=str(models_dir() / "piper-en-joe" / "en_US-joe-medium.onnx"))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--window", choices=["auto", "short", "full"], default="auto",
                   help="Whisper's encoder window (asr.whisper.window)")
    p.add_argument("--json", default=str(ROOT / "out" / "real" / "asr-tool.json"))
    a = p.parse_args()
    texts = COMMANDS if a.quick else COMMANDS + EXTRA_COMMANDS
    off = [] if a.quick else OFF_GRAMMAR
    rows = []
    recognisers = [(m, lambda m=m: whisper_stream(m if Path(m).is_dir() else models_dir() / m, threads=a.threads,
                                                              window=a.window))
                   for m in a.models]
    if a.sphinx:
        recognisers.append(("pocketsphinx", sphinx_commands))
    for name, make in recognisers:
        asr = make()
        for speaker in a.speakers:
            rows.append(measure(asr, Path(name).name, speaker, texts, off_grammar=off, piper_voice=a.piper_voice))
            r = rows[-1]
            print(f"{r.model} {r.speaker}: misses {r.misses}; off-grammar acted on {r.off_grammar_acted}",
                  file=sys.stderr)
    print(table(rows))
    print("wrote", write_json(rows, a.json, commands=len(texts), off_grammar=len(off)))


if __name__ == "__main__":
    main()
