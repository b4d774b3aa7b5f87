"""`cockpit bench llm`: the local brain's figures, measured in one run on this machine.

Per model (a real GGUF from models/ when pulled, else a fixture of the same shape: random
weights, the real Qwen2 tokenizer and chat template, the real compute graph):

- Time to first token behind the static prefix (system prompt + the built-in tools' schemas,
  rendered by the model's own chat template through ``LocalLLM``; padded with vehicle-manual
  text if it is under ~1000 tokens, counted with the model's tokenizer). COLD: the KV cache is
  reset, so the whole prefix is evaluated. WARM: the prefix was evaluated by ``LocalLLM.warm``
  and only the new user turn is. A "first token" is ``stream_chat(max_tokens=1)`` consumed fully:
  render + tokenise + evaluate what is not cached + sample one token. Goal: warm/cold <= 0.1.
- Decode tokens/s through cockpit's path (``LocalLLM.stream_chat`` consumed fully) against a
  bare llama.cpp token loop (``Llama.generate`` greedy, counting tokens: what a user would write
  without cockpit) on the same ``Llama`` object (so the same model, threads and batch), the same
  prompt and the same max_tokens, greedy, reps interleaved. Both start with the prompt already
  cached except its last token, so the rate is generated tokens / wall time of the call.
  Goal: cockpit/bare >= 0.95. A fixture never emits end-of-text, so both decode exactly max_tokens.
"""
from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from cockpit.bench.stats import cpu_name

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / ".cache" / "fixtures"
PREFIX_TARGET_TOKENS = 1000
GOAL_WARM_COLD = 0.1
GOAL_DECODE = 0.95

# Real driver turns; each warm/cold repetition uses a different one, so nothing past the static
# prefix is ever cached from the previous repetition.
TURNS = [
    "Vehicle: speed 92 km/h, cabin temperature setting 21°C, outside 7°C, fuel 48%.\nset the temperature to twenty two degrees",
    "Vehicle: speed 64 km/h, cabin temperature setting 22°C, outside 7°C, fuel 47%.\nopen the passenger window halfway",
    "Vehicle: speed 0 km/h, cabin temperature setting 22°C, outside 8°C, fuel 47%.\nfind the nearest gas station",
    "Vehicle: speed 110 km/h, cabin temperature setting 22°C, outside 8°C, fuel 45%.\nhow far can I drive on what is left",
    "Vehicle: speed 47 km/h, cabin temperature setting 20°C, outside 9°C, fuel 44%.\nplay some jazz and turn it up a bit",
    "Vehicle: speed 30 km/h, cabin temperature setting 20°C, outside 9°C, fuel 44%.\nwhat's the tire pressure on the front left",
    "Vehicle: speed 80 km/h, cabin temperature setting 21°C, outside 10°C, fuel 43%.\nclose all the windows please",
    "Vehicle: speed 95 km/h, cabin temperature setting 21°C, outside 10°C, fuel 42%.\nnavigate home avoiding tolls",
]

# Extra instructions and owner's-manual text of the kind a product puts in the system prompt;
# appended only as far as needed to reach PREFIX_TARGET_TOKENS.
MANUAL = [
    "Speak numbers the way a person says them: 'twenty two degrees', not '22°C'. Round distances to "
    "whole kilometres and times to whole minutes.",
    "If the driver asks for something you can only partly do, do that part with a tool and say what "
    "you could not do in a few words.",
    "Climate: the cabin temperature can be set per zone between 16 and 28 degrees Celsius in half-degree "
    "steps. Below 16 the system shows LO and heats no more; above 28 it shows HI. The fan has five levels. "
    "Recirculation closes the outside-air flap; use it in tunnels and heavy traffic, not for long, as the "
    "windows fog up.",
    "Windows: each window opens from 0 (closed) to 100 percent (fully open). Anti-pinch stops a window that "
    "meets resistance while closing. Above 130 km/h the rear windows open at most halfway to limit buffeting.",
    "Navigation: destinations can be addresses, saved places (home, work) or categories such as fuel, "
    "charging, parking and restaurants. Route options are fastest, shortest and avoid tolls, motorways or "
    "ferries. Traffic information updates every two minutes while a route is active.",
    "Fuel and range: the range estimate uses the last 50 km of consumption. The low-fuel warning comes on "
    "with about 60 km left. Tire pressures are shown in bar; the recommended cold pressure is 2.4 bar front "
    "and 2.3 bar rear, and 2.6 bar at full load.",
    "Media: sources are radio, the driver's phone over Bluetooth and USB. Volume runs from 0 to 30. "
    "Speed-dependent volume raises the level slightly as the car goes faster.",
    "Safety: never encourage the driver to look at a screen, read, or type while moving. Do not answer "
    "questions about disabling safety systems, airbags or seat-belt warnings; say that it is not possible "
    "while driving and suggest the owner's manual or a workshop.",
    "Warning lights: a red light means stop safely as soon as possible; an amber light means have the car "
    "checked soon. The engine-temperature light in red means stop and switch off the engine. The tire "
    "pressure light means check and correct the pressures at the next stop.",
    "Driver assistance: adaptive cruise control keeps a set distance in three steps; lane keeping steers "
    "gently back into the lane above 60 km/h. Both are switched on by the driver with the steering-wheel "
    "buttons, never by voice.",
]


def llm_model(preset: str) -> tuple[str, bool]:
    """A real GGUF from models/ when pulled, else a fixture of the same shape (Q8_0 tiny, Q4_K_M others)."""
    if preset != "tiny":
        from cockpit.brain.gguf import resolve_model_file
        try:
            path = resolve_model_file(preset)
            if not (path.parent / "FIXTURE.json").exists():
                return str(path), False
        except Exception:  # not pulled (or not in the catalog): the fixture stands in
            if not preset.startswith("qwen"):
                raise  # no fixture of that shape: the error names the pull command
    sys.path.insert(0, str(REPO / "tools"))
    from make_gguf_fixture import make_gguf_fixture
    quant = "Q8_0" if preset == "tiny" else "Q4_K_M"
    return str(make_gguf_fixture(FIXTURES / f"qwen-{preset}-{quant}.gguf", preset=preset, quant=quant)), True


def static_prefix(llm, tools: list[dict]) -> tuple[list[dict], int, int]:
    """The static prefix messages (system prompt padded to ~PREFIX_TARGET_TOKENS), its token count,
    and how many manual paragraphs were added."""
    from cockpit.brain.prompt import SYSTEM_PROMPT

    def count(system: str) -> int:
        return len(llm._tokens(llm.render([{"role": "system", "content": system}], tools,
                                          add_generation_prompt=False)))
    system, added = SYSTEM_PROMPT, 0
    while count(system) < PREFIX_TARGET_TOKENS:
        system += "\n\n" + MANUAL[added % len(MANUAL)]
        added += 1
    return [{"role": "system", "content": system}], count(system), added


def _first_token_s(llm, messages: list[dict], tools: list[dict]) -> float:
    t0 = time.perf_counter()
    for _ in llm.stream_chat(messages, tools, max_tokens=1):
        pass
    return time.perf_counter() - t0


def _cockpit_decode(llm, messages: list[dict], tools: list[dict], prompt_len: int, max_tokens: int) -> tuple[int, float]:
    t0 = time.perf_counter()
    for _ in llm.stream_chat(messages, tools, max_tokens=max_tokens):
        pass
    dt = time.perf_counter() - t0
    # llama.cpp evaluates every generated token but the last: n_tokens = prompt + generated - 1
    return llm.llm.n_tokens - prompt_len + 1, dt


def _bare_decode(llama, tokens: list[int], max_tokens: int) -> tuple[int, float]:
    n = 0
    t0 = time.perf_counter()
    for _tok in llama.generate(tokens, temp=0.0):
        n += 1
        if n >= max_tokens:
            break
    return n, time.perf_counter() - t0


def measure(preset: str, *, n_threads: int | None = None, n_ctx: int = 4096, cold_reps: int = 3,
            warm_reps: int = 5, decode_reps: int = 3, max_tokens: int = 64, progress=print) -> dict:
    from cockpit.brain.local import LocalLLM, LocalLLMSettings
    from cockpit.skills.builtin import default_registry

    path, fixture = llm_model(preset)
    llm = LocalLLM(LocalLLMSettings(model=path, n_ctx=n_ctx, n_threads=n_threads, temperature=0.0))
    t0 = time.perf_counter()
    llm.prepare()
    load_s = time.perf_counter() - t0
    try:
        tools = default_registry().schemas()
        prefix, prefix_tokens, added = static_prefix(llm, tools)
        progress(f"llm {preset}: {'fixture' if fixture else 'real'} {Path(path).name}, static prefix "
                 f"{prefix_tokens} tokens ({len(tools)} tools, {added} manual paragraphs added)")
        turns = [prefix + [{"role": "user", "content": TURNS[i % len(TURNS)]}]
                 for i in range(max(cold_reps, warm_reps) + 1)]

        # COLD: cache reset before each turn, so [static prefix + turn] is evaluated from scratch.
        llm.llm.reset()
        _first_token_s(llm, turns[-1], tools)  # untimed: first-run allocations, page faults
        cold = []
        for i in range(cold_reps):
            llm.llm.reset()
            cold.append(_first_token_s(llm, turns[i], tools))
        progress(f"  cold first token: {[round(c * 1000) for c in cold]} ms")

        # WARM: the static prefix evaluated by warm() (as at start-up), then a new user turn.
        llm.llm.reset()
        warm_s = llm.warm(prefix, tools)
        warm = []
        for i in range(warm_reps):
            llm.warm(prefix, tools)  # near zero: the prefix is cached; drops the previous turn
            warm.append(_first_token_s(llm, turns[i], tools))
        progress(f"  warm() of the prefix: {warm_s * 1000:.0f} ms; warm first token: {[round(w * 1000) for w in warm]} ms")

        # DECODE: same prompt, same Llama, greedy, interleaved; prompt cached but its last token.
        messages = turns[0]
        prompt_tokens = llm._tokens(llm.render(messages, tools))
        _bare_decode(llm.llm, prompt_tokens, 2)  # puts the prompt in the cache for both paths
        ours, bare = [], []
        for _ in range(decode_reps):
            n, dt = _cockpit_decode(llm, messages, tools, len(prompt_tokens), max_tokens)
            ours.append((n, dt))
            n, dt = _bare_decode(llm.llm, prompt_tokens, max_tokens)
            bare.append((n, dt))
        ours_tps = statistics.median(n / dt for n, dt in ours)
        bare_tps = statistics.median(n / dt for n, dt in bare)
        progress(f"  decode: cockpit {ours_tps:.1f} tok/s, bare {bare_tps:.1f} tok/s")

        render = []
        for i in range(5):  # the Python side of every turn: chat template + tokeniser
            t1 = time.perf_counter()
            llm._tokens(llm.render(turns[i % len(turns)], tools))
            render.append(time.perf_counter() - t1)
        cold_p50, warm_p50 = statistics.median(cold), statistics.median(warm)
        return {
            "preset": preset, "model": Path(path).name, "model_name": llm.llm.metadata.get("general.name", "?"),
            "fixture": fixture, "n_threads": llm.llm.context_params.n_threads,
            "n_threads_batch": llm.llm.context_params.n_threads_batch, "n_ctx": n_ctx,
            "load_s": round(load_s, 2),
            "prefix": {"tokens": prefix_tokens, "tools": len(tools), "manual_paragraphs_added": added,
                       "turn_tokens": len(prompt_tokens) - prefix_tokens},
            "first_token": {
                "cold_ms": [round(c * 1000, 1) for c in cold], "warm_ms": [round(w * 1000, 1) for w in warm],
                "cold_ms_p50": round(cold_p50 * 1000, 1), "warm_ms_p50": round(warm_p50 * 1000, 1),
                "warm_prefix_ms": round(warm_s * 1000, 1),
                "render_tokenize_ms_p50": round(statistics.median(render) * 1000, 1),
                "ratio_warm_cold": round(warm_p50 / cold_p50, 4), "goal_ratio_max": GOAL_WARM_COLD,
                "meets_goal": warm_p50 / cold_p50 <= GOAL_WARM_COLD},
            "decode": {
                "max_tokens": max_tokens, "greedy": True,
                "cockpit_tokens": [n for n, _ in ours], "bare_tokens": [n for n, _ in bare],
                "cockpit_tok_s": [round(n / dt, 2) for n, dt in ours], "bare_tok_s": [round(n / dt, 2) for n, dt in bare],
                "cockpit_tok_s_p50": round(ours_tps, 2), "bare_tok_s_p50": round(bare_tps, 2),
                "ratio_cockpit_bare": round(ours_tps / bare_tps, 4), "goal_ratio_min": GOAL_DECODE,
                "meets_goal": ours_tps / bare_tps >= GOAL_DECODE,
                "bare": "Llama.generate(prompt_tokens, temp=0.0), break at max_tokens (same Llama object)"},
        }
    finally:
        llm.close()


def run(presets: list[str], out_dir: Path, progress=print, **kwargs) -> dict:
    """Measure each preset (see ``measure`` for kwargs) and write ``out_dir/llm.json``."""
    import llama_cpp
    result: dict = {"machine": {"cpu": cpu_name(), "cores": os.cpu_count(), "python": platform.python_version(),
                                "llama_cpp_python": llama_cpp.__version__},
                    "goals": {"first_token_warm_over_cold_max": GOAL_WARM_COLD, "decode_cockpit_over_bare_min": GOAL_DECODE},
                    "llm": []}
    for preset in presets:
        result["llm"].append(measure(preset, progress=progress, **kwargs))
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "llm.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    return result


def table(result: dict) -> str:
    m = result["machine"]
    lines = [f"Machine: {m['cpu']}, {m['cores']} logical CPUs, llama-cpp-python {m['llama_cpp_python']}", "",
             f"| model | threads | static prefix | first token cold p50 | warm p50 | warm/cold (goal <= {GOAL_WARM_COLD}) | of which template+tokenise |",
             "|---|---|---|---|---|---|---|"]
    for r in result["llm"]:
        ft, kind = r["first_token"], "fixture (random weights)" if r["fixture"] else "real"
        lines.append(f"| {r['preset']} ({kind}) | {r['n_threads']} | {r['prefix']['tokens']} tokens | "
                     f"{ft['cold_ms_p50']:.0f} ms | {ft['warm_ms_p50']:.0f} ms | {ft['ratio_warm_cold']:.3f} "
                     f"{'ok' if ft['meets_goal'] else 'MISSED'} | {ft['render_tokenize_ms_p50']:.0f} ms |")
    lines += ["", f"| model | max tokens | cockpit decode p50 | bare llama.cpp p50 | cockpit/bare (goal >= {GOAL_DECODE}) |",
              "|---|---|---|---|---|"]
    for r in result["llm"]:
        d, kind = r["decode"], "fixture (random weights)" if r["fixture"] else "real"
        lines.append(f"| {r['preset']} ({kind}) | {d['max_tokens']} | {d['cockpit_tok_s_p50']:.1f} tok/s | "
                     f"{d['bare_tok_s_p50']:.1f} tok/s | {d['ratio_cockpit_bare']:.3f} {'ok' if d['meets_goal'] else 'MISSED'} |")
    return "\n".join(lines)
