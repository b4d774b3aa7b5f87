// Microphone -> 16 kHz mono int16 little-endian, in ~20 ms chunks.
//
// Runs on the audio rendering thread. The AudioContext runs at the device rate (often 48 kHz or
// 44.1 kHz); each input sample goes through a windowed-sinc low-pass (cut-off just below the
// target Nyquist) and output samples are read off the filtered stream by linear interpolation at
// fractional positions, so any context rate works. Every chunk posted to the page is an
// ArrayBuffer of `chunkSamples` int16 samples (320 = 640 bytes at 16 kHz). On a "flush" message
// the partial chunk is zero-padded and posted, followed by {type: "flushed"}.

const TAPS = 31;

function lowpass(cutoff, taps) {
  // cutoff: fraction of the input sample rate (0 .. 0.5). Blackman-windowed sinc, unity DC gain.
  const h = new Float32Array(taps);
  const mid = (taps - 1) / 2;
  let sum = 0;
  for (let i = 0; i < taps; i++) {
    const n = i - mid;
    const sinc = n === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * n) / (Math.PI * n);
    const w = 0.42 - 0.5 * Math.cos((2 * Math.PI * i) / (taps - 1)) + 0.08 * Math.cos((4 * Math.PI * i) / (taps - 1));
    h[i] = sinc * w;
    sum += h[i];
  }
  for (let i = 0; i < taps; i++) h[i] /= sum;
  return h;
}

class MicDownsampler extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const opts = (options && options.processorOptions) || {};
    this.targetRate = opts.targetRate || 16000;
    this.chunkSamples = opts.chunkSamples || 320;
    this.step = sampleRate / this.targetRate; // input samples per output sample
    this.kernel = this.step > 1 ? lowpass((0.45 * this.targetRate) / sampleRate, TAPS) : Float32Array.of(1);
    this.history = new Float32Array(this.kernel.length); // ring buffer of recent input samples
    this.head = 0;
    this.prev = 0; // the last filtered sample
    this.t = 0; // position of the next output sample, in input samples after `prev`
    this.chunk = new Int16Array(this.chunkSamples);
    this.fill = 0;
    this.port.onmessage = (e) => {
      if (e.data === "flush") {
        if (this.fill > 0) {
          this.chunk.fill(0, this.fill);
          this.post();
        }
        this.port.postMessage({ type: "flushed" });
      }
    };
  }

  filter(x) {
    const k = this.kernel;
    const n = k.length;
    this.history[this.head] = x;
    let y = 0;
    let j = this.head;
    for (let i = 0; i < n; i++) {
      y += k[i] * this.history[j];
      j = j === 0 ? n - 1 : j - 1;
    }
    this.head = (this.head + 1) % n;
    return y;
  }

  emit(v) {
    const s = Math.max(-1, Math.min(1, v));
    this.chunk[this.fill++] = s < 0 ? Math.round(s * 32768) : Math.round(s * 32767);
    if (this.fill === this.chunkSamples) this.post();
  }

  post() {
    // Int16Array is little-endian on every platform browsers run on; the buffer is transferred.
    const out = this.chunk;
    this.chunk = new Int16Array(this.chunkSamples);
    this.fill = 0;
    this.port.postMessage(out.buffer, [out.buffer]);
  }

  process(inputs) {
    const input = inputs[0];
    if (!input || input.length === 0) return true;
    const frames = input[0].length;
    for (let i = 0; i < frames; i++) {
      let x = 0;
      for (let c = 0; c < input.length; c++) x += input[c][i];
      const y = this.filter(x / input.length);
      while (this.t <= 1) {
        this.emit(this.prev + (y - this.prev) * this.t);
        this.t += this.step;
      }
      this.t -= 1;
      this.prev = y;
    }
    return true;
  }
}

registerProcessor("mic-downsampler", MicDownsampler);
