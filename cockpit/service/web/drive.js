// The simulated drive's control under the map: where in the route the car is, and a slider (and
// ±30 s buttons) that move it there (POST /drive; simulation only). Between answers from the daemon
// the clock is carried forward at the drive's own speed-up, and set right again at each answer.

const fmt = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;

export function driveControl({ box, slider, time, back, forward }, { getDrive, seekDrive, onSeek, onError }) {
  let clock = null; // {t_s, duration_s, speedup, loop, at}
  let dragging = false;

  const now = () => {
    if (!clock) return 0;
    const t = clock.t_s + ((performance.now() - clock.at) / 1000) * clock.speedup;
    return clock.loop ? t % clock.duration_s : Math.min(t, clock.duration_s);
  };

  function show() {
    if (!clock) return;
    const t = now();
    if (!dragging) slider.value = String(Math.round(t));
    time.textContent = `${fmt(dragging ? Number(slider.value) : t)} / ${fmt(clock.duration_s)}`;
    slider.setAttribute("aria-valuetext", fmt(Number(slider.value)));
  }

  function take(drive) {
    box.hidden = !drive;
    if (!drive) return;
    clock = { ...drive, at: performance.now() };
    slider.max = String(Math.ceil(drive.duration_s));
    show();
  }

  async function seek(t) {
    try {
      take(await seekDrive(Math.max(0, t)));
      onSeek();
    } catch (err) {
      onError(err.message || String(err));
    }
  }

  slider.addEventListener("input", () => { dragging = true; show(); });
  let pending = 0; // keys held on the slider: one request when they stop, not one per step
  slider.addEventListener("change", () => {
    clearTimeout(pending);
    pending = setTimeout(() => { dragging = false; seek(Number(slider.value)); }, 150);
  });
  back.addEventListener("click", () => seek(now() - 30));
  forward.addEventListener("click", () => seek(now() + 30));
  setInterval(show, 500);

  return {
    async load() {
      try {
        take(await getDrive());
      } catch (err) {
        onError(err.message || String(err));
      }
    },
  };
}
