// Per-turn latency waterfall, drawn as SVG from each `turn` event's timings_ms (cockpit/trace.py).
//
// The keys: `endpoint` — the endpointer's wait from the driver's last speech sample to its decision
// (the daemon's spoken turns carry it), `asr` and `route` — durations laid end to end after it;
// `llm_first`, `tts_first`, `playback_first` and `total` — times since the endpointer's decision, each
// drawn from where the previous one ended and moved by `endpoint`, so a turn that carries it is drawn
// from the driver's last word (the bench's definition). A turn without `endpoint` is measured from the
// endpointer's decision (or a typed text's arrival), and the caption says so. Missing keys are skipped.
// The SVG is drawn at the box's own pixel width, so its text stays readable on a 1024-wide screen.

const SVG = "http://www.w3.org/2000/svg";
const KEEP_TURNS = 5;
const ENDPOINT_KEYS = ["endpoint", "endpointer"];

// [key, label, colour, is a duration rather than a time since the turn's origin]
const STAGES = [
  ["endpoint", "endpointer", "#c9a0ff", true],
  ["asr", "ASR", "#4c8dff", true],
  ["route", "route", "#a07cff", true],
  ["llm_first", "first token", "#ff9d4d", false],
  ["tts_first", "first audio", "#3ecf8e", false],
  ["playback_first", "played", "#4fd1e8", false],
  ["total", "end of turn", "#8a94a6", false],
];

const LEFT = 92, RIGHT = 62, ROW = 21, TOP = 4;

function svg(tag, attrs, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

/** The endpointer's wait in a turn's timings, whichever key carries it; undefined when absent. */
export function endpointMs(timings) {
  for (const k of ENDPOINT_KEYS) if (typeof timings?.[k] === "number") return timings[k];
  return undefined;
}

/** One turn's timings -> [{key, label, colour, from, to, ms}] in stage order. */
export function segments(timings) {
  const t = { ...timings, endpoint: endpointMs(timings) };
  const out = [];
  let at = 0;
  for (const [key, label, colour, duration] of STAGES) {
    const ms = t[key];
    if (typeof ms !== "number" || !Number.isFinite(ms)) continue;
    const from = at;
    at = duration ? at + ms : Math.max(at, ms + (key === "endpoint" ? 0 : t.endpoint ?? 0));
    out.push({ key, label, colour, from, to: at, ms });
  }
  return out;
}

/** What the times of these turns are measured from, in words. */
export function origin(turns) {
  const voice = turns.filter((t) => typeof t.timings_ms?.asr === "number");
  if (voice.some((t) => endpointMs(t.timings_ms) !== undefined)) {
    return "ms after the driver's last word (the endpointer's wait drawn first)";
  }
  if (voice.length) {
    return "ms after the endpointer decided the driver had stopped (its wait after the last word is not in these timings yet)";
  }
  return turns.length ? "ms after the typed text arrived" : "";
}

function row(turn, segs, y, scale, width) {
  const typed = typeof turn.timings_ms?.asr !== "number";
  const g = svg("g", { "data-turn": turn.turn, class: turn.error || turn.interrupted ? "wf-row wf-bad" : "wf-row",
    "data-origin": endpointMs(turn.timings_ms) !== undefined ? "last-word" : typed ? "typed" : "endpointer" });
  g.append(svg("title", {}, `turn ${turn.turn} (${typed ? "typed" : "spoken"}): ${turn.transcript || "(no transcript)"}`));
  g.append(svg("text", { x: 2, y: y + 14, class: "wf-label" }, `#${turn.turn} ${typed ? "typed" : turn.route || ""}`));
  for (const s of segs) {
    const x = LEFT + s.from * scale;
    const w = Math.max(1.5, (s.to - s.from) * scale);
    const bar = svg("rect", { x, y: y + 3, width: w, height: ROW - 7, rx: 2, fill: s.colour, "data-key": s.key });
    bar.append(svg("title", {}, `${s.label}: ${s.ms.toFixed(1)} ms`));
    g.append(bar);
    if (w > 34) g.append(svg("text", { x: x + w / 2, y: y + 14, class: "wf-ms", "text-anchor": "middle" }, s.ms.toFixed(0)));
  }
  const end = segs.length ? segs[segs.length - 1].to : 0;
  const total = typeof turn.timings_ms?.total === "number" ? turn.timings_ms.total : end;
  g.append(svg("text", { x: Math.min(LEFT + end * scale + 4, width - RIGHT + 4), y: y + 14, class: "wf-total" },
    `${total.toFixed(0)} ms`));
  return g;
}

/** The waterfall of the last few turns, drawn into `box` with its legend in `legendBox` and what the
 * times are measured from in `caption`; add(turnEvent) redraws it. */
export function waterfall(box, legendBox, caption) {
  const turns = [];
  legendBox.replaceChildren(...STAGES.map(([key, label, colour]) => {
    const item = document.createElement("span");
    item.dataset.key = key;
    const swatch = document.createElement("i");
    swatch.style.background = colour;
    item.append(swatch, label);
    return item;
  }));

  function draw() {
    if (!turns.length) return;
    const width = Math.max(260, Math.round(box.clientWidth || 600));
    const rows = turns.map((t) => ({ turn: t, segs: segments(t.timings_ms || {}) }));
    const maxMs = Math.max(1, ...rows.flatMap((r) => r.segs.map((s) => s.to)));
    const scale = (width - LEFT - RIGHT) / maxMs; // one scale for all rows: turns compare at a glance
    const height = TOP + KEEP_TURNS * ROW; // room for every row: the layout never jumps
    const el = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img",
      "aria-label": "latency per turn", "data-testid": "waterfall-svg" });
    rows.forEach((r, i) => el.append(row(r.turn, r.segs, TOP + i * ROW, scale, width)));
    box.replaceChildren(el);
    caption.textContent = `(${origin(turns)})`;
    const shown = new Set(rows.flatMap((r) => r.segs.map((s) => s.key)));
    for (const item of legendBox.children) item.hidden = !shown.has(item.dataset.key);
  }

  let width = 0;
  new ResizeObserver(() => {
    if (Math.abs((box.clientWidth || 0) - width) < 2) return;
    width = box.clientWidth;
    draw();
  }).observe(box);

  return {
    add(turn) {
      turns.push(turn);
      while (turns.length > KEEP_TURNS) turns.shift();
      draw();
    },
  };
}
