// Per-turn latency waterfall, drawn as SVG from each `turn` event's timings_ms.
//
// timings_ms are milliseconds since the driver stopped speaking: `asr` and `route` are durations
// laid end to end from 0; `llm_first`, `tts_first`, `playback_first` and `total` are times since 0,
// each drawn as a segment from where the previous one ended. Missing keys are skipped.

const SVG = "http://www.w3.org/2000/svg";
const KEEP_TURNS = 6;

// [key, label, colour, is a duration rather than a time since the end of speech]
const STAGES = [
  ["asr", "ASR", "#4c8dff", true],
  ["route", "route", "#a07cff", true],
  ["llm_first", "first token", "#ff9d4d", false],
  ["tts_first", "first audio", "#3ecf8e", false],
  ["playback_first", "played", "#4fd1e8", false],
  ["total", "end of turn", "#8a94a6", false],
];

const W = 760, LEFT = 110, RIGHT = 60, ROW = 24, TOP = 22;
const HEIGHT = TOP + KEEP_TURNS * ROW + 4; // keep in step with .waterfall's aspect-ratio in style.css

function svg(tag, attrs, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

/** One turn's timings -> [{key, label, colour, from, to, ms}] in stage order. */
export function segments(timings) {
  const out = [];
  let at = 0;
  for (const [key, label, colour, duration] of STAGES) {
    const ms = timings[key];
    if (typeof ms !== "number" || !Number.isFinite(ms)) continue;
    const from = at;
    at = duration ? at + ms : Math.max(at, ms);
    out.push({ key, label, colour, from, to: at, ms });
  }
  return out;
}

function legend(el) {
  let x = LEFT;
  for (const [, label, colour] of STAGES) {
    el.append(svg("rect", { x, y: 5, width: 10, height: 10, rx: 2, fill: colour }));
    el.append(svg("text", { x: x + 14, y: 14, class: "legend" }, label));
    x += 24 + label.length * 6.5;
  }
}

function row(turn, segs, y, scale) {
  const g = svg("g", { "data-turn": turn.turn, class: turn.error || turn.interrupted ? "wf-row wf-bad" : "wf-row" });
  g.append(svg("title", {}, `turn ${turn.turn}: ${turn.transcript || "(no transcript)"}`));
  g.append(svg("text", { x: 4, y: y + 15, class: "wf-label" }, `#${turn.turn} ${turn.route || ""}`));
  for (const s of segs) {
    const x = LEFT + s.from * scale;
    const w = Math.max(1.5, (s.to - s.from) * scale);
    const bar = svg("rect", { x, y: y + 3, width: w, height: ROW - 8, rx: 2, fill: s.colour, "data-key": s.key });
    bar.append(svg("title", {}, `${s.label}: ${s.ms.toFixed(1)} ms`));
    g.append(bar);
    if (w > 34) g.append(svg("text", { x: x + w / 2, y: y + 15, class: "wf-ms", "text-anchor": "middle" }, s.ms.toFixed(0)));
  }
  const end = segs.length ? segs[segs.length - 1].to : 0;
  const total = typeof turn.timings_ms?.total === "number" ? turn.timings_ms.total : end;
  g.append(svg("text", { x: LEFT + end * scale + 4, y: y + 15, class: "wf-total" }, `${total.toFixed(0)} ms`));
  return g;
}

/** The waterfall of the last few turns, drawn into `box`; add(turnEvent) redraws it. */
export function waterfall(box) {
  const turns = [];
  return {
    add(turn) {
      turns.push(turn);
      while (turns.length > KEEP_TURNS) turns.shift();
      const rows = turns.map((t) => ({ turn: t, segs: segments(t.timings_ms || {}) }));
      const maxMs = Math.max(1, ...rows.flatMap((r) => r.segs.map((s) => s.to)));
      const scale = (W - LEFT - RIGHT) / maxMs; // one scale for all rows: turns compare at a glance
      const el = svg("svg", {
        viewBox: `0 0 ${W} ${HEIGHT}`, role: "img", // room for KEEP_TURNS rows: the layout never jumps
        "aria-label": "latency per turn", "data-testid": "waterfall-svg",
      });
      legend(el);
      rows.forEach((r, i) => el.append(row(r.turn, r.segs, TOP + i * ROW, scale)));
      box.replaceChildren(el);
    },
  };
}
