// Push-to-talk: while held, the browser microphone streams as 16 kHz mono int16 LE chunks.
//
// The microphone is acquired on each press and released (tracks stopped) on each release. The
// AudioWorklet (mic-worklet.js) downsamples the context rate to 16 kHz and posts 20 ms chunks.
// Order on the wire: {"type":"ptt","down":true}, binary chunks..., {"type":"ptt","down":false}.

const MIC_RATE = 16000;
const CHUNK_SAMPLES = 320; // 20 ms at 16 kHz = 640 bytes

let audioCtx = null;
let workletReady = null;

function context() {
  if (!audioCtx) {
    audioCtx = new AudioContext();
    workletReady = audioCtx.audioWorklet.addModule("/static/mic-worklet.js");
  }
  return audioCtx;
}

async function openMic(press, send) {
  const ctx = context();
  await ctx.resume();
  await workletReady;
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: { channelCount: 1, echoCancellation: true, noiseSuppression: false },
  });
  press.stream = stream;
  if (!press.live) return; // released while the microphone was opening
  press.source = ctx.createMediaStreamSource(stream);
  press.node = new AudioWorkletNode(ctx, "mic-downsampler", {
    numberOfInputs: 1,
    numberOfOutputs: 1,
    channelCount: 1,
    channelCountMode: "explicit",
    processorOptions: { targetRate: MIC_RATE, chunkSamples: CHUNK_SAMPLES },
  });
  press.node.port.onmessage = (e) => {
    if (e.data instanceof ArrayBuffer) {
      if (press.sending) send(e.data);
    } else if (e.data && e.data.type === "flushed" && press.onFlushed) {
      press.onFlushed();
    }
  };
  press.sending = true;
  press.source.connect(press.node);
  press.node.connect(ctx.destination); // keeps the node pulled; it writes silence
}

async function closeMic(press) {
  await press.started;
  if (press.node) {
    press.source.disconnect();
    await new Promise((resolve) => {
      press.onFlushed = resolve;
      press.node.port.postMessage("flush"); // the partial last chunk, zero-padded
      setTimeout(resolve, 250); // the audio thread stopped: don't hang the release
    });
    press.sending = false;
    press.node.disconnect();
    press.node.port.close();
  }
  if (press.stream) press.stream.getTracks().forEach((t) => t.stop());
}

/**
 * Wire a push-to-talk button (mouse, touch, and the Space key where no other control has focus).
 * send(data): sends a JSON-able object or an ArrayBuffer, false when not connected.
 * canTalk(): whether a press may start. onPress(): called as a press starts. onError(msg).
 * Returns {release}: release() ends a press in progress (e.g. when the socket closes).
 */
export function pushToTalk(button, label, { send, canTalk, onPress, onError }) {
  let talk = null; // the press in progress

  function setPressed(on) {
    button.classList.toggle("active", on);
    button.setAttribute("aria-pressed", String(on));
    label.textContent = on ? "Listening…" : "Hold to talk";
  }

  function press() {
    if (talk || !canTalk()) return;
    onPress();
    const p = { live: true, sending: false };
    talk = p;
    setPressed(true);
    send({ type: "ptt", down: true });
    p.started = openMic(p, send).catch((err) => onError(`microphone unavailable: ${err.message || err}`));
  }

  async function release() {
    const p = talk;
    if (!p) return;
    talk = null;
    p.live = false;
    setPressed(false);
    await closeMic(p);
    send({ type: "ptt", down: false });
  }

  button.addEventListener("mousedown", (e) => {
    if (e.button === 0) press();
  });
  button.addEventListener("mouseup", release);
  button.addEventListener("mouseleave", release);
  button.addEventListener("touchstart", (e) => {
    e.preventDefault(); // no emulated mouse events
    press();
  }, { passive: false });
  button.addEventListener("touchend", release);
  button.addEventListener("touchcancel", release);
  button.addEventListener("contextmenu", (e) => e.preventDefault());

  // Space is the talk key only where it means nothing else: not in a text field, not on another
  // button, slider, checkbox or the map (Space presses a focused button: Confirm must stay Confirm)
  const typing = (e) => e.target !== button && e.target instanceof Element
    && e.target.closest("input, textarea, select, button, a[href], [tabindex], [contenteditable]") !== null;
  window.addEventListener("keydown", (e) => {
    if (e.code !== "Space" || typing(e)) return;
    e.preventDefault();
    if (!e.repeat) press();
  });
  window.addEventListener("keyup", (e) => {
    if (e.code !== "Space" || typing(e)) return;
    e.preventDefault();
    release();
  });
  window.addEventListener("blur", release);
  return { release };
}
