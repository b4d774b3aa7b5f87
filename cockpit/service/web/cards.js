// Cards over the map: the transaction waiting for the driver, proactive prompts, timers and reminders.
//
// Confirmation card: from `confirmation-asked` (id, tool, arguments, readback, expires_in_s and the
// daemon's `card`: item, amount, payee, payment method). Confirm / Cancel send the authenticated HMI
// message naming the pending request ({"type":"confirm"|"cancel","id":...} over the page's WebSocket,
// which carries the page's token); a typed "yes" never confirms. `confirmation-settled` for that id
// — whoever settled it, the driver's voice included — updates the same card, and the tool's result
// follows on it. The countdown is the confirmation window; when it runs out nothing can be confirmed.
//
// Proactive prompts (cockpit/proactive/, events.ProactivePrompt): `proactive-prompt` {kind: fatigue |
// range | timer | reminder | arrival, key, reason (why now, in words), question, options (the spoken
// answers it expects), offers (what a yes runs), expires_in_s} becomes a card; `proactive-settled`
// {key, outcome: yes | no | unanswered | refused | dropped} closes it. When the offer waits at the
// gate, its confirmation card (above) carries the Confirm / Cancel buttons.
// Timers and reminders: GET /reminders ({id, kind, text, due: local ISO time, place: destination |
// home | next_stop}), the whole list each time.

const TITLES = {
  place_order: "Confirm the order?", pay_charging: "Pay for charging?", pay_parking: "Pay for parking?",
  send_message: "Send this message?", phone_call: "Place this call?",
};
const SETTLED = {
  "confirmed/voice": "Confirmed by voice.", "confirmed/hmi-confirm": "Confirmed on screen.",
  "cancelled/hmi-cancel": "Cancelled on screen — nothing was paid.",
  "cancelled/voice": "Cancelled by voice — nothing was paid.",
  "cancelled/typed": "Cancelled: typed text never confirms — nothing was paid.",
  expired: "The window closed — nothing was paid.",
  refused: "Refused: it could not be recorded in the audit log — nothing was paid.",
};
const KEEP_SETTLED_MS = 20_000;

function button(text, cls, testid, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = cls;
  b.textContent = text;
  b.dataset.testid = testid;
  b.addEventListener("click", onClick);
  return b;
}

/** The confirmation card in `slot`, built from the page's <template id="confirm-template">. */
export function confirmations(slot, template, { send }) {
  let card = null; // {id, tool, el, deadline, timer, state}

  const q = (sel) => card.el.querySelector(sel);
  const say = (text) => { q(".confirm-status").textContent = text; };

  function setState(state) {
    card.state = state;
    card.el.dataset.state = state;
    const open = state === "pending";
    for (const b of card.el.querySelectorAll(".confirm-buttons button")) b.disabled = !open && !b.dataset.close;
  }

  function close() {
    if (!card) return;
    clearInterval(card.timer);
    clearTimeout(card.closing);
    card.el.remove();
    card = null;
  }

  function finish(state, text) {
    setState(state);
    say(text);
    clearInterval(card.timer);
    q(".confirm-left").textContent = "";
    const buttons = q(".confirm-buttons");
    const dismiss = button("Close", "confirm-close", "confirm-close", close);
    dismiss.dataset.close = "1";
    buttons.replaceChildren(dismiss);
    const mine = card;
    card.closing = setTimeout(() => { if (card === mine) close(); }, KEEP_SETTLED_MS);
  }

  function tick() {
    const left = Math.max(0, (card.deadline - performance.now()) / 1000);
    q(".confirm-left").textContent = `${Math.ceil(left)} s`;
    q(".confirm-bar i").style.width = `${(100 * left) / card.window}%`;
    if (left <= 0 && card.state === "pending") finish("expired", SETTLED.expired);
  }

  function press(confirm) {
    if (!card || card.state !== "pending") return;
    if (!send({ type: confirm ? "confirm" : "cancel", id: card.id })) {
      say("Not connected to cockpit — nothing was sent.");
      return;
    }
    setState("sent");
    card.pressed = confirm ? "confirm" : "cancel";
    say(confirm ? "Confirming…" : "Cancelling…");
  }

  /** A confirmation-asked message: show (or replace) the card. */
  function ask(msg) {
    close();
    const el = template.content.firstElementChild.cloneNode(true);
    card = { id: msg.id, tool: msg.tool, turn: msg.turn, el, window: Math.max(0.1, msg.expires_in_s || 0),
      deadline: performance.now() + (msg.expires_in_s || 0) * 1000 };
    el.dataset.id = msg.id;
    el.dataset.tool = msg.tool;
    const c = msg.card || {};
    q("h2").textContent = TITLES[msg.tool] || `Confirm ${String(msg.tool).replace(/_/g, " ")}?`;
    const pays = (c.side_effect ?? "transact") === "transact";
    el.dataset.sideEffect = c.side_effect ?? "transact";
    q(".confirm-icon").textContent = pays ? "€" : "?";
    for (const field of ["item", "amount", "payee", "method"]) {
      const dd = q(`[data-field="${field}"]`);
      dd.textContent = c[field] ?? "not stated";
      dd.classList.toggle("muted", c[field] == null);
      const shown = c[field] != null || (pays && field !== "method"); // a payment always names its amount
      dd.hidden = !shown;
      dd.previousElementSibling.hidden = !shown;
    }
    if (c.amount && c.quoted) q('[data-field="amount"]').title = "the merchant's price for this request";
    q(".confirm-readback").textContent = msg.readback || "";
    q(".confirm-yes").addEventListener("click", () => press(true));
    q(".confirm-no").addEventListener("click", () => press(false));
    slot.replaceChildren(el);
    setState("pending");
    say("Say “yes”, or press Confirm.");
    card.timer = setInterval(tick, 250);
    tick();
  }

  /** A confirmation-settled message: the same card says who settled it and how. */
  function settled(msg) {
    if (!card || msg.id !== card.id) return;
    card.el.dataset.channel = msg.channel;
    finish(msg.outcome, SETTLED[`${msg.outcome}/${msg.channel}`] || SETTLED[msg.outcome] || `${msg.outcome}.`);
  }

  /** A tool-result: after a confirmation, what the tool did goes on the card. */
  function toolResult(msg) {
    if (!card || card.state !== "confirmed" || msg.call?.name !== card.tool) return;
    card.el.dataset.result = msg.ok ? "ok" : "failed";
    q(".confirm-status").textContent += ` ${msg.message || ""}`;
  }

  /** An error: a press that named a request no longer waiting changed nothing. */
  function error(msg) {
    if (!card || card.state !== "sent" || msg.code !== "policy-confirm-unknown") return false;
    finish("stale", "This request is no longer waiting — nothing changed.");
    return true;
  }

  return { ask, settled, toolResult, error, get pending() { return card?.state === "pending" ? card.id : null; } };
}

// ---------------------------------------------------------------- proactive prompts

const KINDS = {
  fatigue: ["break", "Time for a break?"], range: ["range", "Range"], reminder: ["remind", "Reminder"],
  timer: ["timer", "Timer"], arrival: ["arrive", "Arriving"],
};
const OUTCOMES = { yes: "You said yes.", no: "You said no.", unanswered: "No answer: withdrawn.",
  refused: "Refused.", dropped: "Dropped: no quiet moment to ask." };

/** Proactive prompt cards stacked in `box`, one per prompt key. */
export function prompts(box) {
  const cards = new Map();

  function show(msg) {
    const id = String(msg.key ?? msg.id ?? `${msg.kind}-${msg.turn}`);
    cards.get(id)?.remove();
    const [badge, title] = KINDS[msg.kind] || [String(msg.kind || "note").slice(0, 6), "cockpit suggests"];
    const el = document.createElement("section");
    el.className = "prompt";
    el.dataset.testid = "prompt-card";
    el.dataset.kind = msg.kind || "";
    el.dataset.key = id;
    el.setAttribute("role", "status");
    const head = document.createElement("header");
    const b = document.createElement("span");
    b.className = `prompt-badge ${msg.kind || ""}`;
    b.textContent = badge;
    const h = document.createElement("h2");
    h.textContent = title;
    const x = button("×", "prompt-close", "prompt-close", () => { el.remove(); cards.delete(id); });
    x.setAttribute("aria-label", `Dismiss: ${title}`);
    head.append(b, h, x);
    const text = document.createElement("p");
    text.className = "prompt-text";
    text.dataset.testid = "prompt-question";
    text.textContent = msg.question || "";
    el.append(head, text);
    if (msg.reason) {
      const why = document.createElement("p");
      why.className = "prompt-reason muted";
      why.dataset.testid = "prompt-reason";
      why.textContent = `why now: ${msg.reason}`;
      el.append(why);
    }
    const options = (msg.options || []).map(String);
    if (options.length) {
      const say = document.createElement("p");
      say.className = "prompt-options";
      say.dataset.testid = "prompt-options";
      say.append("Say ");
      options.forEach((o, i) => {
        const q = document.createElement("q");
        q.textContent = o;
        say.append(i ? (i === options.length - 1 ? " or " : ", ") : "", q);
      });
      if (msg.offers?.name) say.append(` — yes runs ${msg.offers.name.replace(/_/g, " ")}`);
      el.append(say);
    }
    const outcome = document.createElement("p");
    outcome.className = "prompt-outcome";
    outcome.dataset.testid = "prompt-outcome";
    el.append(outcome);
    box.prepend(el);
    cards.set(id, el);
    while (cards.size > 3) { // the oldest goes: a prompt is a moment, not a backlog
      const [old] = cards.keys();
      cards.get(old).remove();
      cards.delete(old);
    }
  }

  function settled(msg) {
    const id = String(msg.key ?? msg.id);
    const el = cards.get(id);
    if (!el) return;
    el.dataset.outcome = msg.outcome || "";
    el.classList.add("settled");
    el.querySelector(".prompt-outcome").textContent = OUTCOMES[msg.outcome] || msg.outcome || "";
    setTimeout(() => { if (cards.get(id) === el) { el.remove(); cards.delete(id); } }, 8000);
  }

  return { show, settled };
}

// ---------------------------------------------------------------- timers and reminders

const PLACES = { destination: "when you arrive", home: "when you get home", next_stop: "at the next stop" };

function due(item) {
  if (item.place) return PLACES[item.place] || `at ${item.place}`;
  const m = /T(\d{2}:\d{2})/.exec(String(item.due || ""));
  return m ? `at ${m[1]}` : "";
}

/** The list of timers and reminders in `list`: show(items) replaces it; null = no agenda is kept. */
export function reminders(list) {
  return function show(items) {
    if (!items || !items.length) {
      const li = document.createElement("li");
      li.className = "muted";
      li.textContent = items ? "None set." : "Not kept by this daemon.";
      list.replaceChildren(li);
      return;
    }
    list.replaceChildren(...items.map((item) => {
      const li = document.createElement("li");
      li.dataset.testid = "reminder";
      li.dataset.kind = item.kind || "reminder";
      const kind = document.createElement("span");
      kind.className = "label";
      kind.textContent = item.kind || "reminder";
      const text = document.createElement("span");
      text.className = "reminder-text";
      text.textContent = item.text || (item.minutes ? `${item.minutes} min` : "");
      const when = document.createElement("span");
      when.className = "reminder-due";
      when.textContent = due(item);
      li.append(kind, text, when);
      return li;
    }));
  };
}
