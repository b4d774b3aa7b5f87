"""`cockpit bench`: a spoken scenario through the real pipeline, with its baselines, in one run.

Each turn of the scenario (configs/scenarios/bench.yaml) is said by the driver's voice (espeak-ng,
or the real piper voice) into the simulated microphone at real-time pace and runs through the
whole assistant: VAD, endpointer (Smart Turn), wake phrase, recogniser, fast path or local model,
tools, speakable text, chunker, TTS. Every latency is measured from the driver's LAST speech sample
(``timeline``: known exactly in the simulated microphone's stream), with the endpointer's decision
as the first stage of it; the old figures, from that decision (end of speech, EOS), are kept
beside them. After each turn, in the same process and on the same models and inputs:
the naive pipeline (see ``naive``), a bare llama.cpp decode loop, and, the first time each
model turn is measured, the cold time to first token. Barge-in turns run through the simulated
cabin (speaker -> echo -> microphone). Then a quiet minute measures idle-listening CPU.

Warm-up turns run first and are not counted. Results: ``results.assemble``.
"""
from __future__ import annotations

import asyncio
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Literal

import numpy as np
from pydantic import Field

from cockpit.bench import results
from cockpit.bench.naive import NaivePipeline, bare_decode, cold_first_token_ms
from cockpit.bench.probes import AsrProbe, LlmProbe
from cockpit.bench.stats import ProcessSampler
from cockpit.bench.timeline import PacedMic, naive_end_of_turn_ms
from cockpit.config import load_config, parse_config
from cockpit.events import Route
from cockpit.scenario import PIPER_DRIVER, Scenario, ScenarioTurn, driver_speech, load_scenario

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / ".cache" / "fixtures"
SCENARIOS = REPO / "configs" / "scenarios"
Kind = Literal["fastpath", "llm", "tool", "barge-in"]
EXPECTED_ROUTE = {"fastpath": Route.FASTPATH, "llm": Route.LOCAL, "tool": Route.LOCAL}


class BenchTurn(ScenarioTurn):
    kind: Kind
    """What the turn exercises (see configs/scenarios/bench.yaml)."""
    fixture_says: list[str] = []
    """Only for fixture models: what a real model would say, one text per model call."""
    interrupt: str | None = Field(None, min_length=1)
    """barge-in: what the driver says over the reply."""


class BenchScenario(Scenario):
    turns: list[BenchTurn] = Field(min_length=1)


@dataclass
class Options:
    scenario: Path = SCENARIOS / "bench.yaml"
    llm: str = "qwen2.5-0.5b"
    asr: str = "whisper-base"
    voice: Literal["espeak", "piper"] = "espeak"
    """cockpit's voice, and the driver's (espeak-ng's Klatt voice or the real piper joe)."""
    config: Path | None = None
    overrides: tuple[str, ...] = ()
    """``key.path=value`` settings (the value read as YAML) applied over the config."""
    warmup: int = 2
    reps: int = 3
    idle_s: float = 60.0
    echo_db: float = -6.0
    cold: int | None = None
    """How many measured model turns also get a cold first-token measurement (None: each scenario
    model turn once); each costs a whole-prompt evaluation, and as much again to re-warm."""
    out: Path = Path("out/bench")
    name: str = "bench"


def _models(o: Options) -> dict:
    """Each model: a real one from models/ when pulled, else a fixture of the same shape."""
    from cockpit.bench.asr import whisper_model
    from cockpit.bench.llm import llm_model
    from cockpit.bench.speech import _tool
    gguf, fixture = llm_model(o.llm)
    made = {"llm": {"name": o.llm, "file": gguf, "fixture": fixture}}
    if o.asr.startswith("whisper-"):
        path, fx = whisper_model(o.asr.removeprefix("whisper-"), FIXTURES)
        made["asr"] = {"name": o.asr, "file": path, "fixture": fx}
    else:
        made["asr"] = {"name": "pocketsphinx grammar", "file": None, "fixture": False}
    if o.voice == "piper":
        from cockpit import models
        try:
            onnx, fx = str(next(models.require("piper-en-joe").glob("*.onnx"))), False
        except Exception:  # not pulled: the fixture voice of the same format stands in
            onnx, fx = str(_tool("make_piper_fixture").make_piper_fixture(FIXTURES / "piper-en")), True
        made["tts"] = {"name": "piper", "file": onnx, "fixture": fx}
    else:
        made["tts"] = {"name": "espeak-ng", "file": None, "fixture": False}
    return made


def _settings(o: Options, scenario: Scenario, m: dict):
    base = load_config(o.config or REPO / (scenario.config or "configs/default.yaml")).model_dump()
    base["audio"]["output"]["sink"] = "none"
    base["session"]["audit_log"] = tempfile.mkdtemp(prefix="cockpit-bench-") + "/audit.jsonl"
    base["brain"]["mode"] = "local-only"
    base["brain"]["local"]["model"] = m["llm"]["file"]
    if m["asr"]["file"]:
        base["asr"]["engine"] = "whisper"
        base["asr"]["whisper"]["model"] = m["asr"]["file"]
    else:
        base["asr"]["engine"] = "sphinx"
    base["tts"]["engine"] = o.voice
    if m["tts"]["file"]:
        base["tts"]["piper"]["voices"] = {"en": m["tts"]["file"]}
    if scenario.clock is not None:
        base["vehicle"]["clock"] = scenario.clock.isoformat()
    for item in o.overrides:
        _override(base, item)
    return parse_config(base, "<cockpit bench>")


def _override(tree: dict, item: str) -> None:
    import yaml

    from cockpit.errors import CockpitError
    key, sep, value = item.partition("=")
    parts = key.strip().split(".")
    node = tree
    for part in parts[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            break
    if not sep or not isinstance(node, dict) or parts[-1] not in node:
        raise CockpitError(f"--set {item!r}: not a setting (key.path=value)", code="config-bench",
                           hint="keys as in configs/default.yaml, e.g. --set endpoint.mode=fixed")
    node[parts[-1]] = yaml.safe_load(value)


def from_speech(stages: dict, endpoint_ms: float) -> dict:
    """A turn's stages measured from the driver's last speech sample: the endpointer's decision first
    (``endpoint``), durations kept, every 'ms since EOS' milestone moved by it."""
    out = {"endpoint": round(endpoint_ms, 2)}
    for key, v in stages.items():
        if key == "endpoint":
            continue  # the listener's own figure in audio time; the bench's is from the microphone's timeline
        out[key] = v if key in ("asr", "route", "tool", "tts", "llm", "llm_ttft", "playback") else round(v + endpoint_ms, 2)
    return out


async def _quiet(seconds: float, chunk_ms: int = 20):
    """The microphone with nobody speaking: its noise floor, at real-time pace."""
    from cockpit.audio.simmic import with_floor
    audio, n = with_floor(np.zeros(0, np.int16), lead_s=0, tail_s=seconds, seed=7), 16 * chunk_ms
    start = time.perf_counter()
    for i in range(0, len(audio), n):
        await asyncio.sleep(max(0.0, start + i / 16000 - time.perf_counter()))
        yield audio[i:i + n]


class Bench:
    def __init__(self, o: Options):
        from cockpit.pipeline import Assistant
        self.o = o
        self.scenario = load_scenario(o.scenario, BenchScenario)
        self.models = _models(o)
        self.settings = _settings(o, self.scenario, self.models)
        self.assistant = Assistant(self.settings)
        self.naive = NaivePipeline(self.settings, self.assistant.voices)
        self.cold_done: set[int] = set()
        self.driver_voice = PIPER_DRIVER if o.voice == "piper" else self.scenario.driver_voice
        self.decisions: list[float] = []
        self._watch_decisions()

    def _watch_decisions(self) -> None:
        """Note the moment the endpointer decided each utterance ended (its trace's origin)."""
        from cockpit.asr.heard import Utterance
        listener = self.assistant.listener
        hear = listener.hear

        async def watched(frames):
            async for heard in hear(frames):
                if isinstance(heard, Utterance):
                    self.decisions.append(heard.trace.origin)
                yield heard
        listener.hear = watched

    async def prepare(self) -> None:
        a = self.assistant
        a.listener.asr = self.asr = AsrProbe(a.listener.asr)
        await a.prepare()
        self.tier = a.brain.tiers["local"]
        self.llm = LlmProbe(self.tier.llm)
        whisper = self.asr.inner.model if hasattr(self.asr.inner, "model") else None
        self.tokenizer = getattr(whisper, "hf_tokenizer", None)
        await asyncio.to_thread(self.naive.prepare, self.models["asr"]["file"], self.models["llm"]["file"])

    async def close(self) -> None:
        self.naive.close()
        await self.assistant.close()

    async def turn(self, index: int, measured: bool) -> dict:
        from cockpit.audio.simmic import with_floor
        t: BenchTurn = self.scenario.turns[index]  # type: ignore[assignment]
        if t.kind == "barge-in":
            from cockpit.bench.speech import barge_in_once
            got = await asyncio.to_thread(barge_in_once, 3 + index, self.o.echo_db, t.say, t.interrupt or "stop")
            return {"index": index, "name": t.say, "kind": t.kind, "ok": got.get("detected", False), "barge_in": got}
        clip = driver_speech(t.say, t.rate_wpm, self.driver_voice)
        cap = len(self.tokenizer.encode(t.say, add_special_tokens=False).ids) + 1 if self.tokenizer else None
        self.asr.next_turn(t.say, cap)
        self.llm.next_turn(t.fixture_says)
        mic, verdicts = PacedMic(clip, seed=index), len(self.assistant.listener.verdicts)
        self.decisions.clear()
        with ProcessSampler(0.1) as sampler:
            heard = await self.assistant.listen(mic.frames())
        rec: dict = {"index": index, "name": t.say, "kind": t.kind, "process": sampler.result}
        if not heard or not self.decisions:
            return {**rec, "ok": False, "problem": "no turn was heard (wake phrase missed?)"}
        s = heard[-1]
        endpoint_ms = (self.decisions[-1] - mic.speech_end_wall) * 1000
        if endpoint_ms < 0:  # the turn ended at a pause before the driver's last word: a premature cut, not a latency
            return {**rec, "ok": False, "transcript": s.transcript, "cut_early_ms": round(-endpoint_ms, 1),
                    "verdicts": [round(v.probability, 3) for v in self.assistant.listener.verdicts[verdicts:]],
                    "problem": f"premature cut: the endpointer ended the turn {-endpoint_ms:.0f} ms before the driver's "
                               f"last word (heard {s.transcript!r})"}
        rec.update(transcript=s.transcript, route=s.route.value, reply=s.reply, stages_ms=dict(s.timings_ms),
                   speech_ms=from_speech(s.timings_ms, endpoint_ms), tools=[c.name for c in s.tool_calls],
                   error=s.error, verdicts=[round(v.probability, 3) for v in self.assistant.listener.verdicts[verdicts:]],
                   ok=s.route is EXPECTED_ROUTE[t.kind] and (t.kind != "tool" or bool(s.tool_calls)))
        # warm-up turns run the baselines too (the naive pipeline's first call is cold as well)
        await asyncio.to_thread(self._baselines, rec, with_floor(clip, lead_s=0.3, tail_s=0.6), cap, s.reply, measured)
        naive_end = await asyncio.to_thread(naive_end_of_turn_ms, mic.audio, mic.speech_end)
        if naive_end is not None:
            rec["naive_ms"]["endpoint"] = naive_end
            rec["naive_ms"]["ttfa_from_speech"] = round(naive_end + rec["naive_ms"]["ttfa"], 2)
        return rec

    def _baselines(self, rec: dict, audio: np.ndarray, cap: int | None, reply: str, measured: bool) -> None:
        """Naive pipeline, raw decode and (once per measured model turn) cold first token, after the turn."""
        tools = self.tier.registry.schemas()
        local, rounds = self.tier.llm, self.llm.rounds
        first = rounds[0].messages if rounds else self.tier.prompt.build(
            self.tier.history, self.assistant.vehicle_context.render("exact"), rec["name"])
        script = self.scenario.turns[rec["index"]].fixture_says  # type: ignore[attr-defined]
        max_tokens = (len(self.llm.pieces(script[0])) if self.llm.scripted and script
                      else self.settings.brain.max_reply_tokens)
        rec["naive_ms"] = self.naive.turn(audio, first, tools, max_tokens, reply, cap)
        if self.models["asr"]["file"] is not None:
            rec["raw_asr_ms"] = rec["naive_ms"]["asr"]
            rec["asr_audio_s"] = round(len(audio) / 16000, 3)
        if not rounds:
            return
        self.llm.count()
        r = max(rounds, key=lambda x: x.tokens)
        prompt = local._tokens(local.render(r.messages, r.tools))
        rec["llm"] = {"rounds": len(rounds), "tokens": [x.tokens for x in rounds],
                      "ttft_ms": rec["stages_ms"].get("llm_ttft"), "decode_tok_s": r.decode_tok_s(),
                      "raw_decode_tok_s": bare_decode(local.llm, prompt, r.tokens)}
        if measured and rec["index"] not in self.cold_done and (self.o.cold is None or len(self.cold_done) < self.o.cold):
            self.cold_done.add(rec["index"])
            rec["llm"]["cold_ttft_ms"] = cold_first_token_ms(local.llm, self.llm.real_stream, rounds[0].messages, tools)
            local.warm(self.tier.prompt.static_prefix(), tools)  # back to the state cockpit starts a drive in

    async def idle(self) -> dict:
        with ProcessSampler(0.5) as sampler:
            await self.assistant.listen(_quiet(self.o.idle_s))
        return {"seconds": self.o.idle_s, **(sampler.result or {})}


async def _run(o: Options, progress: Callable[[str], None]) -> dict:
    bench = Bench(o)
    fixtures = [f"{k} {v['name']}" for k, v in bench.models.items() if v["fixture"]]
    progress(f"loading models{' (FIXTURES, random weights: ' + ', '.join(fixtures) + ')' if fixtures else ''}…")
    await bench.prepare()
    n = len(bench.scenario.turns)
    plan = [(i % n, False) for i in range(o.warmup)] + [(i, True) for _ in range(o.reps) for i in range(n)]
    records = []
    try:
        for step, (index, measured) in enumerate(plan, 1):
            t = bench.scenario.turns[index]
            progress(f"[{step}/{len(plan)}] {'' if measured else 'warm-up '}{t.kind}: {t.say!r}…")
            try:
                rec = await bench.turn(index, measured)
            except Exception as exc:  # noqa: BLE001 - one broken turn is reported, the run goes on
                import traceback
                traceback.print_exc()
                rec = {"index": index, "name": t.say, "kind": t.kind, "ok": False,
                       "problem": f"{type(exc).__name__}: {exc}"}
            progress("    " + results.one_line(rec))
            if measured:
                records.append(rec)
        idle = None
        if o.idle_s > 0:
            progress(f"idle listening: {o.idle_s:.0f} s of a quiet cabin…")
            idle = await bench.idle()
        label = results.label(bench.models, bench.tier.llm, bench.settings, o)
    finally:
        await bench.close()
    return results.assemble(records, idle, label)


def run(o: Options, progress: Callable[[str], None] = print) -> dict:
    """Run the harness; write ``<out>/<name>.json``, ``.md``, ``-waterfall.png``, ``-comparison.png``."""
    result = asyncio.run(_run(o, progress))
    return results.write(result, o.out, o.name)
