"""`cockpit bench speech`: when does the driver first hear the answer, and how fast does cockpit stop?

Time to first audio (TTFA), the same timed LLM stream both ways: a real llama.cpp run on the
local fixture model records when each token arrives; a real reply's tokens (the model's own
tokenizer) are replayed on those arrival times. CHUNKED: the sentence chunker hands the first
clause to TTS while the stream goes on (cockpit's path). WHOLE: wait for the last token, then
synthesise the whole reply in one call (what a simple script does). TTFA = first token arrival
-> first audio chunk ready, per voice (espeak-ng, and the piper fixture voice).

Barge-in reaction, through the simulated cabin (speaker -> echo path -> microphone, WebRTC AEC3,
Silero + near-end energy): the driver speaks over a reply; reaction = audio time from the
driver's first sample to the barge-in decision; then to the speaker's silence.
"""
from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from cockpit.config import PiperSettings, TtsSettings
from cockpit.tts.chunker import SentenceChunker
from cockpit.tts.text import speakable

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / ".cache" / "fixtures"
REPLY = ("Sure, the nearest vegetarian restaurant on your way is Tiffin Garden, about 1.7 km ahead on the right. "
         "It serves Indian food and is open until 14:30 today. Would you like me to start navigating there now, "
         "or shall I look for something closer to your office instead?")


def _tool(name: str):
    import importlib
    import sys
    if str(REPO / "tools") not in sys.path:
        sys.path.insert(0, str(REPO / "tools"))
    return importlib.import_module(name)


def timed_stream(tokens: int = 64) -> tuple[list[str], list[float], str]:
    """The reply's token strings, on the arrival times of a real fixture decode (s from the first)."""
    from llama_cpp import Llama
    shaped = FIXTURES / "qwen-qwen2.5-0.5b-Q4_K_M.gguf"  # the 0.5B shape when `cockpit bench llm` has made it
    gguf = shaped if shaped.is_file() else _tool("make_gguf_fixture").make_gguf_fixture(
        FIXTURES / "qwen-tiny-Q8_0.gguf", preset="tiny", quant="Q8_0")
    llm = Llama(str(gguf), n_ctx=512, n_threads=2, verbose=False)
    ids = llm.tokenize(REPLY.encode(), add_bos=False, special=False)
    arrivals: list[float] = []
    t0 = time.perf_counter()
    for _ in llm.create_completion("The car", max_tokens=len(ids), stream=True, temperature=0.0):
        arrivals.append(time.perf_counter() - t0)
    pieces = [llm.detokenize([i]).decode("utf-8", errors="ignore") for i in ids]
    n = min(len(pieces), len(arrivals))
    return pieces[:n], [a - arrivals[0] for a in arrivals[:n]], gguf.name


def ttfa(voice, pieces: list[str], arrivals: list[float], chunked: bool) -> float:
    """Seconds from the first token to the first audio, replaying the stream in real time."""
    start = time.perf_counter()
    chunker = SentenceChunker()
    text = ""
    for piece, at in zip(pieces, arrivals):
        delay = start + at - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        text += piece
        if chunked:
            ready = chunker.feed(piece)
            if ready:
                voice.synthesize(speakable(ready[0]))
                return time.perf_counter() - start
    voice.synthesize(speakable(text))
    return time.perf_counter() - start


def voices() -> dict[str, object]:
    from cockpit.tts.espeak import EspeakVoice
    from cockpit.tts.piper import PiperVoice
    made: dict[str, object] = {"espeak-ng": EspeakVoice(TtsSettings().espeak)}
    onnx = _tool("make_piper_fixture").make_piper_fixture(FIXTURES / "piper-en")
    made["piper (fixture voice)"] = PiperVoice(PiperSettings(voices={"en": str(onnx)}))
    for v in made.values():
        v.prepare()
    return made


def barge_in_once(seed: int, echo_gain_db: float, ask_text: str = "hey cockpit, what is on my right",
                  stop_text: str = "open my window a bit") -> dict:
    """The driver asks ``ask_text`` and, 2.2 s into the reply, says ``stop_text`` over it (offline
    stack: PocketSphinx grammar, espeak-ng, the simulated cabin's echo at ``echo_gain_db``)."""
    from cockpit.audio.simcabin import SimulatedCabin
    from cockpit.config import parse_config
    from cockpit.scenario import driver_speech, in_cabin
    ask, stop = driver_speech(ask_text), driver_speech(stop_text)
    onset = 0.5 + len(ask) / 16000 + 2.2
    settings = parse_config({"session": {"audit_log": tempfile.mkdtemp() + "/audit.jsonl"},
                             "audio": {"output": {"sink": "none"}},
                             "vehicle": {"feeds": [{"kind": "drive", "start_s": 62.0, "speedup": 0.001}]}})
    cabin = SimulatedCabin(realtime=True, seed=seed, tail_s=2.0, echo_gain_db=echo_gain_db)
    cabin.say(ask, 0.5)
    cabin.say(stop, onset)
    turns, events, assistant = in_cabin(settings, cabin)
    barge = [e for e in events if e.type == "barge-in"]
    if not barge:
        return {"seed": seed, "detected": False}
    decided = barge[0].audio_time
    after = np.abs(cabin.speaker_track[int(onset * 16000):].astype(np.int32)) > 100
    run = 1600  # the speaker counts as silent from the first 100 ms stretch with no sound after the decision
    silent_at = onset + len(after) / 16000
    for i in range(int((decided - onset) * 16000), len(after) - run, 80):
        if i >= 0 and not after[i:i + run].any():
            silent_at = onset + i / 16000
            break
    return {"seed": seed, "detected": True, "decided_ms": round((barge[0].audio_time - onset) * 1000, 1),
            "silent_ms": round((silent_at - onset) * 1000, 1),
            "dropped_s": round(assistant.sink.player.dropped_s, 3),  # held first, then cut by the words
            "next_command": _command_heard(assistant, turns[-1])}


def _command_heard(assistant, turn) -> str | None:
    """The tool the last turn's words name, run or read back first (PocketSphinx's cross-check)."""
    heard = assistant.brain.fast.frontend.understand(turn.transcript) if turn.transcript else None
    call = getattr(heard, "call", None)
    return call.name if call is not None else None


def run(reps: int, out_dir: Path, progress=print) -> dict:
    progress("recording a real llama.cpp token stream on the tiny fixture…")
    pieces, arrivals, model = timed_stream()
    result: dict = {"llm": model, "tokens": len(pieces), "stream_s": round(arrivals[-1], 3), "ttfa": {}, "barge_in": []}
    for name, voice in voices().items():
        progress(f"time to first audio, {name}: {reps} × chunked and whole…")
        chunked = [ttfa(voice, pieces, arrivals, True) for _ in range(reps)]
        whole = [ttfa(voice, pieces, arrivals, False) for _ in range(reps)]
        c, w = statistics.median(chunked), statistics.median(whole)
        result["ttfa"][name] = {"chunked_ms": round(c * 1000, 1), "whole_ms": round(w * 1000, 1),
                                "ratio": round(c / w, 3)}
    for gain in (-6.0, -12.0):
        for seed in range(3, 3 + max(1, reps // 2)):
            progress(f"barge-in through the simulated cabin, echo {gain:+.0f} dB, seed {seed}…")
            result["barge_in"].append({"echo_db": gain, **barge_in_once(seed, gain)})
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "speech.json").write_text(json.dumps(result, indent=2))
    return result


def table(result: dict) -> str:
    lines = [f"time to first audio on the same stream ({result['tokens']} tokens over {result['stream_s']:.2f} s, "
             f"{result['llm']}), p50:", f"{'voice':<24}{'chunked':>10}{'whole':>10}{'ratio':>8}"]
    for name, r in result["ttfa"].items():
        lines.append(f"{name:<24}{r['chunked_ms']:>8.0f} ms{r['whole_ms']:>7.0f} ms{r['ratio']:>8.2f}")
    lines.append("\nbarge-in (driver speaks over the reply; audio time from the driver's first sample):")
    for b in result["barge_in"]:
        if b["detected"]:
            lines.append(f"  echo {b['echo_db']:+.0f} dB seed {b['seed']}: decided {b['decided_ms']:.0f} ms, speaker "
                         f"silent {b['silent_ms']:.0f} ms, {b['dropped_s']:.1f} s dropped, next: {b['next_command']}")
        else:
            lines.append(f"  echo {b['echo_db']:+.0f} dB seed {b['seed']}: NOT detected")
    return "\n".join(lines)
