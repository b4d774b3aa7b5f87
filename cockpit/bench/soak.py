"""`cockpit bench soak`: thousands of turns through a real `cockpit run`, its resources sampled.

The daemon runs in its own process with the offline stack (PocketSphinx, fast path, espeak-ng),
push-to-talk and the API as its microphone (PocketSphinx's cross-check off: see SoakDaemon). The
load repeats a cycle of ten turns: seven typed requests over HTTP, two spoken ones over a
long-lived WebSocket (the talk button, espeak-ng speech as PCM frames at several times real time,
release), and one WebSocket client that connects, asks
something and vanishes without closing. Every ``sample_every`` turns the daemon's resident memory,
open file descriptors and threads are read from /proc. After the warm-up the least-squares slope
of each, per 1,000 turns, says whether anything grows: a daemon that runs for days must stay flat.
"""
from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

TYPED = ["turn on the AC", "set the temperature to twenty one degrees", "next track", "open my window a bit",
         "turn the volume up", "what's the range", "pause the music"]
VANISHING_SAYS = "what's the range"
"""What a client that connects and vanishes asks (its turn may come in while a spoken one is awaited)."""
SPOKEN_TOOLS = {"next track": "media_control", "turn on the AC": "climate_set_ac", "pause the music": "media_control",
                "set the fan to three": "climate_set_fan"}
"""What the driver says over the WebSocket (talk button held), and the tool each must call."""
SPOKEN = list(SPOKEN_TOOLS)
PAUSE_S = 1.0
"""Between two spoken requests (an endpointer that waits for a hesitating driver must not join them)."""
SPEEDUP = 4.0
"""Spoken turns are sent this many times faster than real time (the recogniser keeps up)."""


@dataclass
class Sample:
    turn: int
    rss_kib: int
    fds: int
    threads: int


def _proc(pid: int) -> tuple[int, int, int]:
    status = Path(f"/proc/{pid}/status").read_text()
    field = {k: v.split()[0] for k, v in (line.split(":", 1) for line in status.splitlines() if ":" in line)
             if v.split()}
    return int(field["VmRSS"]), len(os.listdir(f"/proc/{pid}/fd")), int(field["Threads"])


def slope_per_1000(xs: list[int], ys: list[float]) -> tuple[float, float]:
    """Least-squares slope of ``ys`` over ``xs`` (per 1,000 turns) and the residuals' standard deviation."""
    if len(xs) < 3:
        return 0.0, 0.0
    x, y = np.asarray(xs, float), np.asarray(ys, float)
    a, b = np.polyfit(x, y, 1)
    return float(a * 1000), float(np.std(y - (a * x + b)))


class SoakDaemon:
    """`cockpit run` in a subprocess on a free loopback port, with a throwaway config and state."""

    def __init__(self, state: Path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        # the grammar's reading acts alone: the soak counts resources and answered turns, and its espeak-ng
        # commands would mostly be read back by the cross-check, leaving a yes/no question open between the
        # spoken requests of one cycle (README "Speech in")
        config = {"name": "soak", "wake": {"mode": "ptt"}, "tts": {"engine": "espeak"},
                  "asr": {"engine": "sphinx", "sphinx": {"cross_check": False}},
                  "brain": {"mode": "fastpath-only"}, "audio": {"output": {"sink": "none"}},
                  "session": {"audit_log": str(state / "audit.jsonl")},
                  "service": {"host": "127.0.0.1", "port": self.port, "audio_in": "api", "mic_queue_s": 20.0,
                              "rate_per_s": 1000.0, "rate_burst": 1000, "log_format": "json", "log_level": "WARNING"}}
        path = state / "soak.yaml"
        path.write_text(yaml.safe_dump(config))
        self.log = open(state / "daemon.log", "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "cockpit.cli", "run", "--config", str(path)],
                                     stdout=subprocess.DEVNULL, stderr=self.log)
        self.url = f"ws://127.0.0.1:{self.port}/ws"

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"cockpit run exited with {self.proc.returncode}; see {self.log.name}")
            try:
                if self.get("/health")["status"] in ("ok", "degraded"):
                    return
            except (OSError, ValueError, KeyError):
                time.sleep(0.2)
        raise RuntimeError("cockpit run did not become ready")

    def get(self, path: str) -> dict:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request("GET", path)
            return json.loads(conn.getresponse().read())
        finally:
            conn.close()

    def typed(self, text: str) -> dict:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request("POST", "/turns/text", json.dumps({"text": text}), {"Content-Type": "application/json"})
            response = conn.getresponse()
            raw = response.read()
            if response.status != 200:
                raise RuntimeError(f"typed turn {text!r}: HTTP {response.status} {raw[:300]!r}")
            return json.loads(raw)
        finally:
            conn.close()

    def stop(self) -> int:
        self.proc.terminate()
        try:
            return self.proc.wait(30)
        finally:
            self.log.close()


class SpeakingClient:
    """The long-lived WebSocket client (a head unit): it reads everything the daemon sends, all the
    time, as a real client does (one that stops reading is dropped by the server's keepalive)."""

    def __init__(self, url: str):
        import queue
        import threading

        from websockets.sync.client import connect
        self.ws = connect(url, open_timeout=30, max_size=1 << 22)
        self.turns: "queue.Queue[dict]" = queue.Queue()
        self.received = 0
        self.recent: "deque[dict]" = deque(maxlen=40)
        """The last events, whatever their kind (what a timeout reports)."""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        try:
            for message in self.ws:
                self.received += 1
                if not isinstance(message, str):
                    continue
                event = json.loads(message)
                self.recent.append({k: event.get(k) for k in ("type", "turn", "state", "audio_time", "duration", "text",
                                                              "final", "code") if event.get(k) is not None})
                if event.get("type") == "turn":
                    self.turns.put(event)
        except Exception:  # noqa: BLE001 - the connection ended: speak() then reports a timeout
            return

    def speak(self, pcm: np.ndarray, said: str, after_turn: int = 0, timeout: float = 60.0) -> dict:
        """Say ``said`` (its audio ``pcm``) with the talk button held; the first turn numbered after
        ``after_turn`` (the last one known) that is not a vanished client's question: what the recogniser
        made of it (every client's turns are broadcast here)."""
        import queue
        self.ws.send(json.dumps({"type": "ptt", "down": True}))
        step = 320 * 4  # 80 ms per message
        for i in range(0, len(pcm), step):
            self.ws.send(pcm[i:i + step].astype("<i2").tobytes())
            time.sleep(step / 16000 / SPEEDUP)
        self.ws.send(json.dumps({"type": "ptt", "down": False}))
        deadline = time.monotonic() + timeout
        others: list[str] = []
        while time.monotonic() < deadline:
            try:
                event = self.turns.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                break
            heard = (event.get("transcript") or "").lower()
            if int(event.get("turn") or 0) > after_turn and heard != VANISHING_SAYS:
                return event
            others.append(f"{event.get('turn')}: {event.get('transcript')!r} -> {event.get('error') or 'ok'}")
        raise TimeoutError(f"no turn event for the spoken request {said!r} (turns seen meanwhile: {others[-4:]}; "
                           f"the last events: {[e for e in self.recent if e.get('type') not in ('vad', 'vehicle')]})")

    def close(self) -> None:
        self.ws.close()


def _vanishing_client(url: str) -> None:
    """Connects, asks something, and drops the TCP connection without a close handshake."""
    from websockets.sync.client import connect
    ws = connect(url, open_timeout=30)
    ws.recv(timeout=30)  # hello
    ws.send(json.dumps({"type": "text", "text": VANISHING_SAYS}))
    ws.socket.shutdown(socket.SHUT_RDWR)
    ws.socket.close()


def run(turns: int, out_dir: Path, *, sample_every: int = 50, warmup: float = 0.2, progress=print) -> dict:
    from cockpit.scenario import driver_speech
    speech = {text: np.concatenate([driver_speech(text, 170), np.zeros(8000, np.int16)]) for text in SPOKEN}
    samples: list[Sample] = []
    failures: list[str] = []
    unheard: list[str] = []
    with tempfile.TemporaryDirectory(prefix="cockpit-soak-") as state:
        daemon = SoakDaemon(Path(state))
        t0 = time.monotonic()
        try:
            daemon.wait_ready()
            speaker = SpeakingClient(daemon.url)
            n = last_turn = 0
            while n < turns:
                slot = n % 10
                try:
                    if slot < 7:
                        last_turn = max(last_turn, int(daemon.typed(TYPED[n % len(TYPED)]).get("turn") or 0))
                    elif slot < 9:
                        said = SPOKEN[n % len(SPOKEN)]
                        event = speaker.speak(speech[said], said, after_turn=last_turn)
                        last_turn = max(last_turn, int(event.get("turn") or 0))
                        time.sleep(PAUSE_S)  # the driver draws breath before the next request
                        if event.get("error") == "asr-no-text":
                            unheard.append(said)  # the recogniser's "didn't catch that": answered, counted
                        elif [c.get("name") for c in event.get("tool_calls") or []] != [SPOKEN_TOOLS[said]]:
                            failures.append(f"turn {n}: spoken {said!r} heard as {event.get('transcript')!r}, "
                                            f"did {event.get('tool_calls')!r}")
                    else:
                        _vanishing_client(daemon.url)
                except Exception as exc:  # noqa: BLE001 - a failed turn is reported, the soak goes on
                    failures.append(f"turn {n}: {type(exc).__name__}: {exc}")
                    if isinstance(exc, TimeoutError):
                        daemon.proc.send_signal(signal.SIGUSR1)  # its threads' stacks, into daemon.log
                        time.sleep(0.5)
                        daemon.proc.send_signal(signal.SIGUSR2)  # and its asyncio tasks' 
                n += 1
                if n % sample_every == 0 or n == turns:
                    samples.append(Sample(n, *_proc(daemon.proc.pid)))
                    if n % (sample_every * 4) == 0:
                        s = samples[-1]
                        progress(f"soak: {n}/{turns} turns, RSS {s.rss_kib / 1024:.1f} MiB, {s.fds} fds, "
                                 f"{s.threads} threads, {len(failures)} failed")
            speaker.close()
            for _ in range(100):  # the last vanished client's turn may still be running: let it finish
                health = daemon.get("/health")
                if (health.get("turns") or 0) >= turns:
                    break
                time.sleep(0.1)
        finally:
            code = daemon.stop()
            if failures or code:  # the daemon's own account of what went wrong, kept beside soak.json
                out_dir.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(Path(state) / "daemon.log", out_dir / "daemon.log")
        elapsed = time.monotonic() - t0
    measured = [s for s in samples if s.turn > warmup * turns] or samples
    result = {"turns": turns, "seconds": round(elapsed, 1), "turns_per_s": round(turns / elapsed, 2),
              "mix": {"typed_http": 0.7, "spoken_ws_ptt": 0.2, "vanishing_ws_client": 0.1},
              "exit_code": code, "failures": failures[:50], "failed": len(failures), "not_understood": len(unheard),
              "health_turns": health.get("turns"), "dropped": health.get("dropped"),
              "samples": [s.__dict__ for s in samples], "warmup_turns": int(warmup * turns)}
    for key in ("rss_kib", "fds", "threads"):
        slope, noise = slope_per_1000([s.turn for s in measured], [getattr(s, key) for s in measured])
        values = [getattr(s, key) for s in measured]
        result[key] = {"first": values[0], "last": values[-1], "max": max(values), "slope_per_1000_turns": round(slope, 2),
                       "residual_sd": round(noise, 2)}
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "soak.json").write_text(json.dumps(result, indent=2))
    return result


def table(result: dict) -> str:
    lines = [f"soak: {result['turns']} turns in {result['seconds']} s ({result['turns_per_s']} turns/s), "
             f"{result['failed']} failed, {result.get('not_understood', 0)} spoken requests not understood (asked "
             f"again), daemon exit {result['exit_code']}",
             "", "| resource | after warm-up | last | max | slope per 1,000 turns | residual sd |", "|---|---|---|---|---|---|"]
    for key, label in (("rss_kib", "RSS (KiB)"), ("fds", "open fds"), ("threads", "threads")):
        r = result[key]
        lines.append(f"| {label} | {r['first']} | {r['last']} | {r['max']} | {r['slope_per_1000_turns']} | {r['residual_sd']} |")
    return "\n".join(lines)
