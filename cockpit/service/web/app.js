// The cabin simulator: talks to `cockpit run` over one WebSocket (/ws) and a few HTTP routes.
//
// Server -> page: JSON text frames with a `type` (hello, vehicle, transcript, state, route,
// tool-result, places, confirmation-asked, confirmation-settled, stack, reply, error, turn,
// reply-audio, privacy-mode, and from the proactive co-pilot proactive-prompt and proactive-settled); a
// `reply-audio` frame is followed by one binary frame holding the reply as a WAV file. Page ->
// server: JSON text frames (ptt, text, vehicle.set, cloud, confirm, cancel) and, while push-to-talk
// is held, binary frames of 16 kHz mono int16 LE PCM (mic.js). HTTP: GET /health (the live stack),
// GET /map (the offline map), GET/POST /drive (the simulated drive), GET /reminders. Nothing is loaded from anywhere
// but this daemon.

import { confirmations, prompts, reminders } from "./cards.js";
import { conversationPane } from "./conversation.js";
import { driveControl } from "./drive.js";
import { offlineMap } from "./map.js";
import { pushToTalk } from "./mic.js";
import { stackPanel } from "./stack.js";
import { showSignals } from "./vehicle.js";
import { waterfall } from "./waterfall.js";

const $ = (id) => document.getElementById(id);
const TOKEN = new URLSearchParams(location.search).get("token");

// ---------------------------------------------------------------- connection

let ws = null;
let retryMs = 500;
let pendingAudio = null; // the reply-audio header waiting for its binary frame

function wsUrl() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const query = TOKEN ? `?token=${encodeURIComponent(TOKEN)}` : "";
  return `${scheme}//${location.host}/ws${query}`;
}

/** fetch() with the page's token as a bearer credential, for the daemon's HTTP endpoints. */
export function apiFetch(path, init = {}) {
  const headers = new Headers(init.headers || {});
  if (TOKEN) headers.set("Authorization", `Bearer ${TOKEN}`);
  return fetch(path, { ...init, headers });
}

/** GET or POST JSON to the daemon; a refusal throws with the daemon's own message. */
async function apiJson(path, body) {
  const init = body === undefined ? {} : { method: "POST", body: JSON.stringify(body),
    headers: { "Content-Type": "application/json" } };
  const r = await apiFetch(path, init);
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(`${data.code || r.status}: ${data.message || r.statusText}`);
  return data;
}

function setConn(state, text) {
  const el = $("conn-status");
  el.dataset.state = state;
  el.textContent = text;
}

function connect() {
  setConn("connecting", "connecting…");
  const sock = new WebSocket(wsUrl());
  sock.binaryType = "arraybuffer";
  ws = sock;
  sock.onopen = () => {
    retryMs = 500;
    pendingAudio = null;
    setConn("connected", "connected");
    map.load();
    drive.load();
    loadHealth();
    loadReminders();
  };
  sock.onmessage = (e) => {
    if (typeof e.data !== "string") return onBinary(e.data);
    let msg;
    try {
      msg = JSON.parse(e.data);
    } catch {
      return showError("page-bad-message", `not JSON: ${e.data.slice(0, 120)}`);
    }
    onMessage(msg);
  };
  let opened = false;
  sock.addEventListener("open", () => { opened = true; });
  sock.onclose = async (e) => {
    if (ws !== sock) return;
    ws = null;
    ptt.release(); // nothing more can be streamed
    const wait = retryMs;
    retryMs = Math.min(retryMs * 2, 10000); // 0.5, 1, 2, 4, 8, 10, 10 ... s
    let why = e.code === 1008 ? `refused (${e.reason || "policy"})` : "disconnected";
    if (!opened) why = (await refusal()) || why; // a refused handshake shows only as 1006: ask the daemon why
    setConn("disconnected", `${why} — retrying in ${(wait / 1000).toFixed(1)} s`);
    setTimeout(connect, wait);
  };
}

/** Why the daemon refuses this page, in words (its own refusal code), or "" when it does not. */
async function refusal() {
  try {
    const r = await apiFetch("/health");
    if (r.status !== 401 && r.status !== 403) return "";
    const data = await r.json().catch(() => ({}));
    return data.code === "api-unauthorized"
      ? "refused: the daemon needs its API token — open this page with ?token=…"
      : `refused (${data.code || r.status})`;
  } catch {
    return "";
  }
}

const isOpen = () => ws !== null && ws.readyState === WebSocket.OPEN;

/** Send a JSON-able object (text frame) or an ArrayBuffer (binary frame); false when offline. */
function send(data) {
  if (!isOpen()) return false;
  ws.send(data instanceof ArrayBuffer ? data : JSON.stringify(data));
  return true;
}

// ---------------------------------------------------------------- server messages

const turns = waterfall($("waterfall"), $("waterfall-legend"), $("waterfall-origin"));
const map = offlineMap($("map"), {
  fetchMap: (radius) => apiJson(`/map?radius_m=${radius}`),
  onFollow: (on) => $("map-follow").setAttribute("aria-pressed", String(on)),
});
const confirm = confirmations($("confirm-slot"), $("confirm-template"), { send: (m) => send(m) });
const proactive = prompts($("prompts"));
const showReminders = reminders($("reminders"));
const showStack = stackPanel({ rows: $("stack-rows"), notes: $("stack-notes"), chip: $("stack-chip"),
  banner: $("fixture-banner") });
const drive = driveControl(
  { box: $("drive-control"), slider: $("drive-slider"), time: $("drive-time"), back: $("drive-back"),
    forward: $("drive-forward") },
  { getDrive: async () => (await apiJson("/drive")).drive, seekDrive: async (t) => (await apiJson("/drive", { t_s: t })).drive,
    onSeek: () => map.load(), onError: (m) => showError("page-drive", m) });

async function loadReminders() {
  try {
    showReminders((await apiJson("/reminders")).reminders);
  } catch (err) {
    showError("page-reminders", `cannot read the timers and reminders: ${err.message || err}`);
  }
}

async function loadHealth() {
  try {
    showStack(await apiJson("/health"));
  } catch (err) {
    showError("page-health", `cannot read the live stack: ${err.message || err}`);
  }
}

$("map-zoom-in").addEventListener("click", () => map.zoom(1.5));
$("map-zoom-out").addEventListener("click", () => map.zoom(1 / 1.5));
$("map-follow").addEventListener("click", () => map.setFollow(!map.follow));
$("map-answer-clear").addEventListener("click", () => map.clearPlaces());

/** The privacy-mode badge: shown while the driver's privacy mode is on (nothing of the talk is kept). */
function setPrivacy(on) {
  $("privacy-badge").hidden = !on;
}

function onMessage(msg) {
  switch (msg.type) {
    case "hello":
      $("version").textContent = `v${msg.version ?? "?"} · wake: ${msg.wake_mode ?? "?"}`;
      setState(msg.state || "idle");
      setCloud(msg.cloud || {});
      setPrivacy(msg.privacy_mode === true);
      break;
    case "privacy-mode":
      setPrivacy(msg.on === true);
      break;
    case "vehicle":
      showSignals(msg.signals || {});
      followSpeed(msg.signals || {});
      map.vehicle(msg.signals || {});
      break;
    case "state":
      setState(msg.state);
      break;
    case "transcript":
      showTranscript(msg);
      break;
    case "route":
      addLine("route", `route: ${msg.route}${msg.reason ? ` — ${msg.reason}` : ""}`, msg.turn);
      break;
    case "tool-result":
      addLine(msg.ok ? "tool" : "tool-failed",
        `${msg.ok ? "✓" : "✗"} ${callText(msg.call)}${msg.message ? ` — ${msg.message}` : ""}`, msg.turn);
      confirm.toolResult(msg);
      break;
    case "places": // the places an answer named: ringed on the map
      map.places(msg);
      break;
    case "confirmation-asked":
      confirm.ask(msg);
      break;
    case "confirmation-settled":
      confirm.settled(msg);
      break;
    case "stack": // a new assistant runs (start-up, SIGHUP): its engines
      loadHealth();
      break;
    case "proactive-prompt":
      proactive.show(msg);
      loadReminders(); // a due timer or reminder is being asked
      break;
    case "proactive-settled":
      proactive.settled(msg);
      loadReminders();
      break;
    case "reply":
      showReply(msg);
      break;
    case "error":
      confirm.error(msg);
      showError(msg.code, msg.message, msg.turn);
      break;
    case "turn":
      turns.add(msg);
      if ((msg.tool_calls || []).some((c) => /timer|remind/.test(c.name))) loadReminders();
      break;
    case "reply-audio":
      pendingAudio = msg;
      break;
    case "connectivity": // the daemon's answer to {"type":"cloud"}
      setCloud({ online: msg.online });
      break;
    default:
      break; // speech-started, speech-ended, wake, barge-in, ...: not shown
  }
}

function onBinary(buf) {
  if (!pendingAudio) return; // a binary frame only ever follows a reply-audio header
  pendingAudio = null;
  playReply(buf);
}

function callText(call) {
  if (!call) return "";
  const args = Object.entries(call.arguments || {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return `${call.name}(${args.join(", ")})`;
}

// ---------------------------------------------------------------- conversation

const { addLine, showTranscript, showReply, showError } = conversationPane($("conversation"));

function setState(state) {
  const el = $("state-badge");
  el.dataset.state = state;
  el.textContent = state;
}

// ---------------------------------------------------------------- controls

const slider = $("speed-slider");
let speedDragging = false;

slider.addEventListener("input", () => {
  speedDragging = true;
  $("speed-slider-value").textContent = slider.value;
});
slider.addEventListener("change", () => {
  speedDragging = false;
  setSignal("Vehicle.Speed", Number(slider.value));
});

function followSpeed(signals) {
  const v = signals["Vehicle.Speed"];
  if (speedDragging || typeof v !== "number") return;
  slider.value = v;
  $("speed-slider-value").textContent = String(Math.round(v));
}

function setSignal(path, value) {
  send({ type: "vehicle.set", path, value });
}

const GEAR = "Vehicle.Powertrain.Transmission.SelectedGear";
$("park").addEventListener("click", () => {
  setSignal("Vehicle.Speed", 0);
  setSignal(GEAR, 126); // VSS: Park
});
$("drive").addEventListener("click", () => {
  setSignal(GEAR, 127); // VSS: Drive
  setSignal("Vehicle.Speed", 50);
});

const cloudToggle = $("cloud-toggle");
cloudToggle.addEventListener("change", () => {
  send({ type: "cloud", online: cloudToggle.checked });
  $("cloud-status").textContent = cloudToggle.checked ? "online" : "offline";
});

function setCloud(cloud) {
  if ("online" in cloud) {
    cloudToggle.checked = Boolean(cloud.online);
    $("cloud-status").textContent = cloud.online ? "online" : "offline";
  }
  if ("configured" in cloud) $("cloud-configured").textContent = cloud.configured ? "" : "(not configured)";
}

$("text-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const input = $("text-input");
  const text = input.value.trim();
  if (!text) return;
  if (send({ type: "text", text })) input.value = "";
  else showError("page-offline", "not connected to cockpit; the text was not sent");
});

const ptt = pushToTalk($("ptt"), $("ptt-label"), {
  send,
  canTalk: isOpen,
  onPress: stopReply, // the driver talks over cockpit
  onError: (message) => showError("page-mic", message),
});

// ---------------------------------------------------------------- reply playback

const player = $("reply-audio");
let replyUrl = null;

function playReply(wav) {
  stopReply();
  replyUrl = URL.createObjectURL(new Blob([wav], { type: "audio/wav" }));
  player.src = replyUrl;
  player.play().catch((err) => showError("page-playback", `cannot play the reply: ${err.message || err}`));
}

function stopReply() {
  if (!player.paused) player.pause();
  $("speaking").hidden = true;
  if (replyUrl) {
    player.removeAttribute("src");
    URL.revokeObjectURL(replyUrl);
    replyUrl = null;
  }
}

player.addEventListener("playing", () => ($("speaking").hidden = false));
for (const ev of ["ended", "pause", "error", "emptied"]) player.addEventListener(ev, () => ($("speaking").hidden = true));

connect();
