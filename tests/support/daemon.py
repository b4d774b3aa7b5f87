"""`cockpit run` in a subprocess, for the daemon and API-security tests: systemd notifications on a
datagram socket the test binds, its log in a file, and HTTP/WebSocket clients that can send any
Host, Origin or token."""
from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import yaml
from websockets.sync.client import connect

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daemon:
    """One `cockpit run --config FILE` with the API as its microphone (offline stack, fast path only)."""

    def __init__(self, tmp: Path, wake: str = "ptt", env: dict | None = None, session: dict | None = None, **service):
        self.tmp, self.port, self.wake = tmp, free_port(), wake
        self.config = tmp / "cockpit.yaml"
        self.audit = Path((session or {}).get("audit_log", tmp / "audit.jsonl"))
        self.session = {"audit_log": str(self.audit), **(session or {})}
        self.write_config(name="test-daemon", **service)
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(str(tmp / "notify.sock"))
        self.notify.settimeout(0.1)
        self.messages: list[str] = []
        # read notifications as systemd does, at once: a datagram socket's queue is short, and a
        # notifier that finds it full drops the message rather than stall the daemon
        self._reading = threading.Thread(target=self._read, daemon=True)
        self._reading.start()
        env = {**os.environ, "NOTIFY_SOCKET": str(tmp / "notify.sock"), "WATCHDOG_USEC": "400000", **(env or {})}
        env.pop("WATCHDOG_PID", None)
        self.log = tmp / "daemon.log"
        with open(self.log, "wb") as err:
            self.proc = subprocess.Popen([sys.executable, "-m", "cockpit.cli", "run", "--config", str(self.config)],
                                         cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=err)
        self.url = f"http://127.0.0.1:{self.port}"
        self.origin = self.url

    def write_config(self, name: str, **service) -> None:
        cfg = {"name": name, "wake": {"mode": self.wake}, "asr": {"engine": "sphinx"},
               "brain": {"mode": "fastpath-only"},
               "audio": {"output": {"sink": "none"}}, "session": self.session,
               "service": {"host": "127.0.0.1", "port": self.port, "audio_in": "api", **service}}
        self.config.write_text(yaml.safe_dump(cfg))

    def _read(self) -> None:
        while self.notify.fileno() >= 0:
            try:
                self.messages.append(self.notify.recv(4096).decode())
            except socket.timeout:
                continue
            except OSError:
                return

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def logs(self) -> list[dict]:
        """The daemon's JSON log records so far."""
        return [json.loads(line) for line in self.log_text().splitlines() if line.startswith("{")]

    def datagrams(self, until: str | None = None, timeout: float = 60.0) -> list[str]:
        """The notifications so far, after ``timeout`` seconds or once one contains ``until``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if until is not None and any(until in m for m in self.messages):
                break
            if until is not None and self.proc.poll() is not None:
                raise AssertionError(f"daemon exited {self.proc.returncode}: {self.log_text()[-3000:]}")
            time.sleep(0.05)
        return self.messages

    def ready(self, timeout: float = 120) -> "Daemon":
        self.datagrams(until="READY=1", timeout=timeout)
        return self

    def request(self, method: str, path: str, body: dict | bytes | None = None, *, token: str | None = None,
                headers: dict | None = None, timeout: float = 60) -> tuple[int, bytes]:
        """Any request, with any headers (Host and Origin included: http.client sends ours as given)."""
        head = {"Host": f"127.0.0.1:{self.port}", **({"Authorization": f"Bearer {token}"} if token else {}),
                **({"Content-Type": "application/json"} if body is not None else {}), **(headers or {})}
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=data, headers=head)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def get(self, path: str, token: str | None = None, **headers) -> tuple[int, bytes]:
        return self.request("GET", path, token=token, headers=headers)

    def post(self, path: str, body: dict, method: str = "POST", token: str | None = None,
             **headers) -> tuple[int, dict]:
        status, raw = self.request(method, path, body, token=token, headers=headers)
        return status, json.loads(raw or b"{}")

    def stop(self) -> tuple[int, str]:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        time.sleep(0.3)  # the last datagrams
        self.notify.close()
        return self.proc.returncode, self.log_text()


def open_ws(d: Daemon, token: str | None = None, origin: str | None = None, host: str | None = None, **kw):
    """A WebSocket to /ws; ``host`` sends another Host header (the connection still goes to 127.0.0.1)."""
    name = host or f"127.0.0.1:{d.port}"
    sock = socket.create_connection(("127.0.0.1", d.port), timeout=10)
    return connect(f"ws://{name}/ws" + (f"?token={token}" if token else ""), sock=sock, origin=origin, proxy=None,
                   open_timeout=10, **kw)


@contextlib.contextmanager
def client(d: Daemon, token: str | None = None, origin: str | None = None):
    """A WebSocket past its hello and vehicle snapshot."""
    with open_ws(d, token, origin) as sock:
        hello = json.loads(sock.recv(timeout=10))
        vehicle = json.loads(sock.recv(timeout=10))
        assert hello["type"] == "hello" and hello["wake_mode"] == d.wake and vehicle["type"] == "vehicle"
        yield sock


def gather(sock, done, timeout: float = 60.0) -> list:
    """Messages (binary frames as bytes) until ``done(seen)``."""
    seen, deadline = [], time.monotonic() + timeout
    while not done(seen):
        left = deadline - time.monotonic()
        assert left > 0, f"timed out; saw {[m if isinstance(m, dict) else len(m) for m in seen]}"
        try:
            raw = sock.recv(timeout=left)
        except TimeoutError:
            raise AssertionError(f"timed out; saw {[m if isinstance(m, dict) else len(m) for m in seen]}") from None
        seen.append(raw if isinstance(raw, bytes) else json.loads(raw))
    return seen


def of(seen: list, kind: str) -> list[dict]:
    return [m for m in seen if isinstance(m, dict) and m.get("type") == kind]


def until(sock, kind: str, timeout: float = 60.0) -> tuple[dict, list]:
    """Messages until one of ``kind``; returns it and everything seen."""
    seen = gather(sock, lambda s: of(s, kind), timeout)
    return of(seen, kind)[0], seen


def talk(sock, audio: np.ndarray) -> None:
    """Hold the talk button and send the audio as a browser does: 20 ms frames at real-time pace
    (faster than that, the daemon's bounded queue would drop the oldest audio, by design)."""
    sock.send(json.dumps({"type": "ptt", "down": True}))
    start = time.monotonic()
    for n, i in enumerate(range(0, len(audio), 320)):
        time.sleep(max(0.0, start + n * 0.02 - time.monotonic()))
        sock.send(audio[i:i + 320].astype("<i2").tobytes())
    sock.send(json.dumps({"type": "ptt", "down": False}))
