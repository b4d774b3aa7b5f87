"""Reports on a `cockpit bench` result: markdown tables, PNG/SVG charts, a run-to-run diff.

A result is a JSON object::

    {"label": {"hardware": str, "threads": int, "models": {name: {"fixture": bool, ...}}},
     "turns": [{"name": str, "kind": "fastpath"|"llm"|"tool"|"barge-in",
                "stages_ms": {"asr": .., "route": .., "llm_first": .., "tts_first": .., "total": ..}}],
     "metrics": {name: {"n": .., "p50": .., "p95": .., "max": ..}},
     "baselines": {name: value}, "ratios": {name: value}}

``stages_ms`` follows ``TurnTrace.timings_ms``: ``endpoint`` (the endpointer's decision after the
driver's last speech sample), ``asr`` and ``route`` are durations, the ``*_first`` keys and
``total`` are milliseconds since the driver's last speech sample (results of older runs: since
the endpointer's decision, and no ``endpoint``). Charts are
drawn with matplotlib's Agg renderer (no display); the file's suffix picks PNG or SVG.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from cockpit.errors import CockpitError

# Waterfall order: (key, legend label, key is a duration rather than a time since end of speech).
WATERFALL = (
    ("endpoint", "end of turn decided", True),
    ("asr", "ASR", True),
    ("route", "route", True),
    ("llm_first", "first token", False),
    ("tts_first", "first audio synthesised", False),
    ("playback_first", "first audio played", False),
    ("total", "end of turn", False),
)
COLOURS = ("#937860", "#4c72b0", "#8172b2", "#dd8452", "#55a868", "#64b5cd", "#c0c0c0")
CHART_FORMATS = (".png", ".svg")


def _error(path: Any, why: str) -> CockpitError:
    return CockpitError(f"{path}: not a cockpit bench result ({why})",
                        hint="pass the JSON that `cockpit bench` wrote under out/bench",
                        code="bench-report")


def load(path: str | Path) -> dict:
    """Read a bench result; a CockpitError (code ``bench-report``) naming the file otherwise."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise _error(path, e.strerror or type(e).__name__) from e
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise _error(path, f"invalid JSON: {e}") from e
    if not isinstance(data, dict):
        raise _error(path, f"top level is a JSON {type(data).__name__}, not an object")
    metrics = data.get("metrics")
    if not isinstance(metrics, dict) or not all(isinstance(m, dict) for m in metrics.values()):
        raise _error(path, "no 'metrics' object of {name: {n, p50, p95, max}}")
    for key, kind in (("label", dict), ("turns", list), ("baselines", dict), ("ratios", dict)):
        if not isinstance(data.setdefault(key, kind()), kind):
            raise _error(path, f"'{key}' is not a JSON {'object' if kind is dict else 'array'}")
    return data


def _num(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, int) and not isinstance(v, bool):
        return str(v)
    v = float(v)
    return f"{v:.0f}" if abs(v) >= 100 else f"{v:.1f}" if abs(v) >= 10 else f"{v:.2f}"


def _models(label: Mapping) -> str:
    models = label.get("models") or {}
    names = [f"{n} ({'fixture' if (m or {}).get('fixture') else 'real'})" for n, m in models.items()]
    return ", ".join(names) or "-"


def markdown(result: Mapping) -> str:
    """Labels, then one row per metric (n, p50, p95, max, baseline), then the ratios."""
    label = result.get("label") or {}
    baselines = result.get("baselines") or {}
    lines = ["# cockpit bench", "",
             f"- hardware: {label.get('hardware', '-')}",
             f"- threads: {label.get('threads', '-')}",
             f"- models: {_models(label)}", "",
             "| metric | n | p50 | p95 | max | baseline |", "|---|---|---|---|---|---|"]
    for name, m in (result.get("metrics") or {}).items():
        lines.append(f"| {name} | {_num(m.get('n'))} | {_num(m.get('p50'))} | {_num(m.get('p95'))} "
                     f"| {_num(m.get('max'))} | {_num(baselines.get(name))} |")
    ratios = result.get("ratios") or {}
    if ratios:
        lines += ["", "| ratio | value |", "|---|---|"]
        lines += [f"| {name} | {_num(v)} |" for name, v in ratios.items()]
    goals = result.get("goals") or []
    if goals:
        lines += ["", "| goal | value | target | met |", "|---|---|---|---|"]
        lines += [f"| {g.get('goal')} | {_num(g.get('value'))} | {g.get('target')} | "
                  f"{ {True: 'yes', False: '**no**'}.get(g.get('met'), 'not measured') } |" for g in goals]
    lines += _process_lines(result.get("process") or {})
    for m in result.get("missed") or []:
        lines.append(f"- missed ({m.get('kind')}): {m.get('name')!r} — {m.get('why')}")
    return "\n".join(lines) + "\n"


def _process_lines(process: Mapping) -> list[str]:
    lines = []
    if process.get("rss_peak_mb") is not None:
        pss = f"; peak PSS {_num(process['pss_peak_mb'])} MiB" if process.get("pss_peak_mb") else ""
        lines.append(f"- peak resident memory: {_num(process['rss_peak_mb'])} MiB{pss} (the bench process: cockpit "
                     f"plus its naive baseline's own Llama and Whisper)")
    idle = process.get("idle") or {}
    if idle.get("cpu_percent_mean") is not None:
        lines.append(f"- idle listening CPU over {_num(idle.get('seconds'))} s of quiet: "
                     f"{_num(idle['cpu_percent_mean'])}% of one core (max {_num(idle.get('cpu_percent_max'))}%)")
    return [""] + lines if lines else []


def _change(old: Any, new: Any) -> str:
    if old is None or new is None:
        return "-"
    if old == 0:
        return "=" if new == 0 else "n/a (old is 0)"
    pct = (new - old) / abs(old) * 100
    if round(pct, 1) == 0:
        return "0.0% ="
    return f"{pct:+.1f}% {'▲' if pct > 0 else '▼'}"


def _diff_rows(old: Mapping, new: Mapping) -> list[str]:
    rows = []
    for name in list(old) + [n for n in new if n not in old]:
        if name not in new:
            rows.append(f"| {name} | {_num(old[name])} | - | removed |")
        elif name not in old:
            rows.append(f"| {name} | - | {_num(new[name])} | added |")
        else:
            rows.append(f"| {name} | {_num(old[name])} | {_num(new[name])} | {_change(old[name], new[name])} |")
    return rows


def compare(old: Mapping, new: Mapping) -> str:
    """Per metric p50 and per ratio: old, new, change in % (▲ up, ▼ down); added/removed listed."""
    p50 = lambda r: {k: (m or {}).get("p50") for k, m in (r.get("metrics") or {}).items()}  # noqa: E731
    lines = []
    for side, r in (("old", old), ("new", new)):
        label = r.get("label") or {}
        lines.append(f"- {side}: {label.get('hardware', '-')}, {label.get('threads', '-')} threads, "
                     f"models {_models(label)}")
    lines += ["", "| metric (p50) | old | new | change |", "|---|---|---|---|"]
    lines += _diff_rows(p50(old), p50(new))
    old_r, new_r = old.get("ratios") or {}, new.get("ratios") or {}
    if old_r or new_r:
        lines += ["", "| ratio | old | new | change |", "|---|---|---|---|"]
        lines += _diff_rows(old_r, new_r)
    return "\n".join(lines) + "\n"


def _figure(width: float, height: float):
    from matplotlib.figure import Figure  # no pyplot: no global state, no display needed

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _save(fig, path: str | Path) -> Path:
    path = Path(path)
    if path.suffix.lower() not in CHART_FORMATS:
        raise CockpitError(f"{path}: charts are written as .png or .svg", code="bench-report")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format=path.suffix.lower()[1:])
    return path


def waterfall_segments(stages_ms: Mapping[str, float]) -> list[tuple[str, float, float]]:
    """``(key, start_ms, width_ms)`` per stage present, end of speech at 0, in WATERFALL order."""
    segments, cursor = [], 0.0
    for key, _, is_duration in WATERFALL:
        v = stages_ms.get(key)
        if v is None:
            continue
        end = cursor + v if is_duration else max(float(v), cursor)
        segments.append((key, cursor, end - cursor))
        cursor = end
    return segments


def waterfall_png(result: Mapping, path: str | Path) -> Path:
    """One row per turn: ASR, route, then up to first token, first audio and end of turn."""
    turns = result.get("turns") or []
    fig = _figure(9, 1.6 + 0.45 * max(len(turns), 1))
    ax = fig.add_subplot()
    colour = {key: c for (key, _, _), c in zip(WATERFALL, COLOURS)}
    legend = {key: name for key, name, _ in WATERFALL}
    handles: dict[str, Any] = {}
    for row, turn in enumerate(turns):
        segments = waterfall_segments(turn.get("stages_ms") or {})
        for key, start, width in segments:
            handles[key] = ax.barh(row, width, left=start, height=0.6, color=colour[key])
        if segments:
            end = segments[-1][1] + segments[-1][2]
            first = (turn.get("stages_ms") or {}).get("tts_first")
            note = f" first audio {first:.0f} ms" + (f", end {end:.0f} ms" if end > first + 1 else "") if first else f" {end:.0f} ms"
            ax.text(end, row, note, va="center", fontsize=8)
    ax.set_yticks(range(len(turns)), [f"{t.get('name', '?')} ({t.get('kind', '?')})" for t in turns])
    ax.invert_yaxis()
    ax.margins(x=0.12)
    ax.set_xlabel("ms since the driver's last speech sample" if any("endpoint" in (t.get("stages_ms") or {})
                                                                     for t in turns) else "ms since end of speech")
    ax.set_title("Turn waterfall")
    if handles:
        keys = [key for key, _, _ in WATERFALL if key in handles]  # legend in stage order
        fig.legend([handles[k] for k in keys], [legend[k] for k in keys], loc="outside lower center",
                   ncol=len(keys), fontsize=8, frameon=False)
    else:
        ax.text(0.5, 0.5, "no turns", ha="center", va="center", transform=ax.transAxes)
    return _save(fig, path)


def comparison_png(result: Mapping, path: str | Path) -> Path:
    """Cockpit's p50 next to the baseline's value for every millisecond metric that has both."""
    metrics, baselines = result.get("metrics") or {}, result.get("baselines") or {}
    names = [n for n in metrics if n in baselines and (metrics[n] or {}).get("p50") is not None
             and baselines[n] is not None and "_ms" in n]  # one axis: milliseconds
    fig = _figure(max(5, 1.4 * len(names) + 2), 4)
    ax = fig.add_subplot()
    xs = range(len(names))
    ours = ax.bar([x - 0.2 for x in xs], [metrics[n]["p50"] for n in names], 0.4, label="cockpit p50", color=COLOURS[1])
    base = ax.bar([x + 0.2 for x in xs], [baselines[n] for n in names], 0.4, label="baseline", color=COLOURS[6])
    for bars in (ours, base):
        ax.bar_label(bars, fmt="%.0f", fontsize=7, padding=1)
    ax.set_xticks(list(xs), names, rotation=20, ha="right")
    if names and max(baselines[n] for n in names) > 20 * max(min(metrics[n]["p50"] for n in names), 1e-9):
        ax.set_yscale("log")  # a cold first token next to a warm one: keep both readable
    ax.set_ylabel("ms")
    ax.set_title("cockpit vs baseline")
    if names:
        ax.legend(fontsize=8)
    else:
        ax.text(0.5, 0.5, "no metric has a baseline", ha="center", va="center", transform=ax.transAxes)
    return _save(fig, path)
