// The live stack: which engine answers each part of a turn — wake, VAD, endpointer, recogniser, LLM,
// voice — with its model, marked real or FIXTURE (random weights: its output is gibberish), from the
// daemon's /health ("stack": the StackReady of the assistant that runs; the endpointer is its "turn"
// part: Smart Turn, or fixed hangovers when the model is absent). A banner
// warns while any fixture answers; the fallbacks the daemon took are listed with their fix.

const ROLES = [
  ["wake", "wake", /^wake/],
  ["vad", "VAD", /^vad/],
  ["endpoint", "endpointer", /^(endpoint|turn|smart)/],
  ["asr", "recogniser", /^asr/],
  ["llm", "LLM", /^llm/],
  ["tts", "voice", /^tts/],
];
const NO_MODEL = /^(none|push-to-talk)/;

/** [{role, part, label, kind: real | fixture | none}] in the order a turn runs through them. */
export function stackRows(health) {
  const parts = health?.stack?.parts || {};
  const fixtures = new Set(health?.stack?.fixtures || []);
  const rows = [];
  for (const [role, name, match] of ROLES) {
    const mine = Object.entries(parts).filter(([part]) => match.test(part));
    for (const [part, label] of mine) {
      const kind = fixtures.has(part) ? "fixture" : NO_MODEL.test(String(label)) ? "none" : "real";
      rows.push({ role: name, part, label: String(label), kind });
    }
  }
  return rows;
}

export function stackPanel({ rows, notes, chip, banner }) {
  return function show(health) {
    const list = stackRows(health);
    rows.replaceChildren(...list.map((r) => {
      const tr = document.createElement("tr");
      tr.dataset.part = r.part;
      tr.dataset.kind = r.kind;
      const role = document.createElement("th");
      role.scope = "row";
      role.textContent = r.part.includes("-") ? `${r.role} (${r.part.split("-").slice(1).join("-")})` : r.role;
      const what = document.createElement("td");
      what.textContent = r.label;
      const kind = document.createElement("td");
      const tag = document.createElement("span");
      tag.className = `kind ${r.kind}`;
      tag.textContent = r.kind === "fixture" ? "FIXTURE" : r.kind === "none" ? "no model" : "real";
      kind.append(tag);
      tr.append(role, what, kind);
      return tr;
    }));
    const fallbacks = health?.stack?.fallbacks || [];
    notes.replaceChildren(...fallbacks.map((line) => {
      const li = document.createElement("li");
      li.textContent = line;
      return li;
    }));
    const fixtures = list.filter((r) => r.kind === "fixture");
    chip.dataset.state = !health?.stack ? "unknown" : fixtures.length ? "fixture" : "real";
    chip.textContent = !health?.stack ? "stack: loading"
      : fixtures.length ? `stack: ${fixtures.length} FIXTURE`
        : fallbacks.length ? "stack: real (offline fallback)" : "stack: real";
    banner.hidden = fixtures.length === 0;
    banner.textContent = fixtures.length
      ? `FIXTURE answering: ${fixtures.map((r) => `${r.role} ${r.label}`).join("; ")} — random weights, `
        + "its words are gibberish."
      : "";
  };
}
