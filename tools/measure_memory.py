#!/usr/bin/env python3
"""Where the daemon's memory goes: `cockpit run` with the local 0.5B Qwen shape, Whisper base and piper joe.

Starts the real daemon (API audio in, no sound card), waits until it is ready, runs a few turns through
it (typed: a command and a question for the model; spoken over the WebSocket: push-to-talk audio through
Silero, Smart Turn and Whisper), then reads /proc/<pid>/smaps: resident memory (RSS) and proportional
set size (PSS: shared pages divided among the processes mapping them), split into anonymous memory
(heaps, model tensors copied in, KV cache, arenas) and file-backed pages (shared libraries, and model
files that are memory-mapped, like the GGUF: clean pages the kernel can drop and read back), and the
largest mappings by name. VmHWM is the peak RSS over the daemon's life.

    python tools/measure_memory.py [--llm PATH.gguf] [--json out/bench/memory.json]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def smaps(pid: int) -> dict:
    """RSS/PSS in MiB: totals, anonymous vs file-backed, and per mapping name (largest first)."""
    by_name: dict[str, dict[str, float]] = defaultdict(lambda: {"rss": 0.0, "pss": 0.0})
    name = "?"
    totals = {"rss": 0.0, "pss": 0.0, "anon_rss": 0.0, "file_rss": 0.0, "anon_pss": 0.0, "file_pss": 0.0,
              "swap": 0.0}
    anon = True
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        head = line.split()
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            name = head[5] if len(head) > 5 else "[anon]"
            anon = not name.startswith("/")
            continue
        key, value = head[0].rstrip(":"), (float(head[1]) / 1024 if len(head) > 1 and head[1].isdigit() else 0.0)
        if key == "Rss":
            by_name[name]["rss"] += value
            totals["rss"] += value
            totals["anon_rss" if anon else "file_rss"] += value
        elif key == "Pss":
            by_name[name]["pss"] += value
            totals["pss"] += value
            totals["anon_pss" if anon else "file_pss"] += value
        elif key == "Swap":
            totals["swap"] += value
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    totals["vm_hwm"] = float(status["VmHWM"].split()[0]) / 1024
    top = sorted(((k, v) for k, v in by_name.items()), key=lambda kv: -kv[1]["rss"])[:20]
    return {"totals": {k: round(v, 1) for k, v in totals.items()},
            "largest": [{"mapping": k, "rss_mib": round(v["rss"], 1), "pss_mib": round(v["pss"], 1)} for k, v in top]}


def request(port: int, method: str, path: str, body: dict | None = None, timeout: float = 300) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=json.dumps(body).encode() if body else None,
                     headers={"Host": f"127.0.0.1:{port}", "Content-Type": "application/json"})
        r = conn.getresponse()
        raw = r.read()
        return r.status, (json.loads(raw) if raw.startswith(b"{") else {})
    finally:
        conn.close()


def spoken_turn(port: int, text: str) -> dict:
    """Push-to-talk over the WebSocket with the piper voice's audio, at real-time pace; the turn summary."""
    sys.path.insert(0, str(ROOT / "tests"))
    from support.daemon import client, talk, until

    from cockpit.scenario import driver_speech

    class D:  # what the test helpers need of a daemon
        pass
    d = D()
    d.port, d.wake = port, "ptt"
    import numpy as np
    audio = np.concatenate([driver_speech(text, voice="piper:piper-en-joe"), np.zeros(16000, np.int16)])
    with client(d) as sock:
        talk(sock, audio)
        summary, _ = until(sock, "turn", timeout=300)
    return summary


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--llm", default=str(ROOT / ".cache" / "fixtures" / "qwen-qwen2.5-0.5b-Q4_K_M.gguf"),
                   help="the local model's GGUF (default: the 0.5B fixture `cockpit bench` makes)")
    p.add_argument("--asr", default="whisper-base")
    p.add_argument("--json", type=Path, default=ROOT / "out" / "bench" / "memory.json")
    a = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cockpit-memory-"))
    port = free_port()
    cfg = {"name": "memory", "wake": {"mode": "ptt"},
           "asr": {"engine": "whisper", "whisper": {"model": a.asr}},
           "tts": {"engine": "piper"}, "brain": {"mode": "local-only", "local": {"model": a.llm}},
           "audio": {"output": {"sink": "none"}}, "session": {"audit_log": str(tmp / "audit.jsonl"),
                                                              "state_dir": str(tmp)},
           "service": {"host": "127.0.0.1", "port": port, "audio_in": "api"}}
    (tmp / "cockpit.yaml").write_text(yaml.safe_dump(cfg))
    log = open(tmp / "daemon.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "cockpit.cli", "run", "--config", str(tmp / "cockpit.yaml")],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
    result: dict = {"config": cfg, "stages": {}}
    try:
        deadline = time.monotonic() + 600
        while True:
            try:
                status, health = request(port, "GET", "/health", timeout=5)
                if status == 200 and health.get("stack"):
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the daemon did not start: {(tmp / 'daemon.log').read_text()[-3000:]}")
            time.sleep(1)
        result["stack"] = health.get("stack")
        time.sleep(3)
        result["stages"]["ready"] = smaps(proc.pid)
        for text in ("set the temperature to twenty one degrees", "why is the tire pressure light on"):
            request(port, "POST", "/turns/text", {"text": text})
        result["stages"]["typed turns"] = smaps(proc.pid)
        result["spoken"] = spoken_turn(port, "open my window a bit").get("transcript")
        result["stages"]["spoken turn"] = smaps(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps(result, indent=1))
    for stage, m in result["stages"].items():
        t = m["totals"]
        print(f"{stage:>12}: RSS {t['rss']:.0f} MiB (anon {t['anon_rss']:.0f}, file {t['file_rss']:.0f}), "
              f"PSS {t['pss']:.0f} MiB (anon {t['anon_pss']:.0f}, file {t['file_pss']:.0f}), peak RSS {t['vm_hwm']:.0f} MiB")
    print("largest mappings after the spoken turn (RSS / PSS MiB):")
    for row in result["stages"]["spoken turn"]["largest"][:12]:
        print(f"  {row['rss_mib']:>7.1f} {row['pss_mib']:>7.1f}  {row['mapping']}")
    print("wrote", a.json)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
