"""A REAL Home Assistant core for the tests: installed from the package registry into its own venv,
started with a throwaway config using HA's ``demo`` integration, a token made through HA's own
onboarding and auth API.

Version: the newest release whose Python requirement this machine meets. Home Assistant 2024.4
requires Python 3.12; on Python 3.11 the newest is 2024.3.3 (pip's resolver agrees: ``pip index
versions homeassistant`` lists nothing newer for 3.11). Its acme 2.8 breaks on josepy 2.x
(``module 'josepy' has no attribute 'ComparableX509'``: every HTTP request then fails with 500), so
``josepy<2`` is installed beside it. The venv is cached in .cache/ha/venv (first install: minutes).
"""
from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

PY311 = sys.version_info[:2] == (3, 11)
HA_VERSION = "2024.3.3" if PY311 else "newest"
"""On Python 3.11 (this machine, CI): 2024.3.3; elsewhere whatever pip finds newest for that Python."""
ROOT = Path(__file__).resolve().parents[2]
VENV = Path(os.environ.get("COCKPIT_HA_VENV", ROOT / ".cache" / "ha" / "venv"))
CONFIG = """homeassistant:
  name: cockpit test house
  latitude: 48.1374
  longitude: 11.5755
  elevation: 500
  unit_system: metric
  time_zone: UTC
  currency: EUR
  country: DE
http:
  server_host: 127.0.0.1
  server_port: {port}
api:
websocket_api:
onboarding:
demo:
"""


def install() -> Path:
    """The venv's ``hass``, installing Home Assistant first if this venv does not have HA_VERSION."""
    hass = VENV / "bin" / "hass"
    marker = VENV / f".homeassistant-{HA_VERSION}-py{sys.version_info[0]}.{sys.version_info[1]}"
    if hass.exists() and marker.exists():
        return hass
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", str(VENV)], check=True)
    pip = [str(VENV / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    wanted = [f"homeassistant=={HA_VERSION}", "josepy<2"] if PY311 else ["homeassistant"]
    done = subprocess.run([*pip, *wanted], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"pip could not install {' '.join(wanted)}:\n{done.stderr[-3000:]}")
    marker.touch()
    return hass


def _post(url: str, body: dict | None = None, form: str | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else form.encode()
    kind = "application/json" if body is not None else "application/x-www-form-urlencoded"
    with urllib.request.urlopen(urllib.request.Request(url, data=data, headers={"Content-Type": kind}), timeout=30) as r:
        return json.loads(r.read())


async def _long_lived(port: int, access: str) -> str:
    import websockets
    async with websockets.connect(f"ws://127.0.0.1:{port}/api/websocket") as ws:
        await ws.recv()
        await ws.send(json.dumps({"type": "auth", "access_token": access}))
        assert json.loads(await ws.recv())["type"] == "auth_ok"
        await ws.send(json.dumps({"id": 1, "type": "auth/long_lived_access_token", "client_name": "cockpit tests",
                                  "lifespan": 1}))
        answer = json.loads(await ws.recv())
        assert answer.get("success"), answer
        return answer["result"]


class HomeAssistantCore:
    """A running Home Assistant: ``url``, ``token`` (long-lived), ``state(entity)``; ``stop()``."""

    def __init__(self, workdir: Path, entities: tuple[str, ...] = (), start_timeout_s: float = 600.0) -> None:
        hass = install()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = workdir / "config"
        config.mkdir(parents=True, exist_ok=True)
        (config / "configuration.yaml").write_text(CONFIG.format(port=self.port))
        self.log = workdir / "hass.log"
        self.proc = subprocess.Popen([str(hass), "-c", str(config), "--log-file", str(self.log)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        self.started_s = self._wait(start_timeout_s)
        client = f"{self.url}/"
        code = _post(f"{self.url}/api/onboarding/users", {"client_id": client, "name": "Driver", "username": "driver",
                                                           "password": "cockpit-test-password", "language": "en"})
        access = _post(f"{self.url}/auth/token",
                       form=f"grant_type=authorization_code&code={code['auth_code']}&client_id={client}")
        self.token = asyncio.run(_long_lived(self.port, access["access_token"]))
        self.started_s += self._settle(entities, start_timeout_s)

    def _settle(self, entities: tuple[str, ...], limit: float) -> float:
        """HTTP answers before the integrations are set up: wait until HA says RUNNING and each entity a test
        needs exists (CI once met a 404 for climate.heatpump a moment after the first answer)."""
        began = time.monotonic()
        missing: list[str] = ["RUNNING"]
        while time.monotonic() - began < limit:
            missing = [] if self._get("/api/config").get("state") == "RUNNING" else ["RUNNING"]
            missing += [e for e in entities if self._get(f"/api/states/{e}") is None]
            if not missing:
                return time.monotonic() - began
            time.sleep(0.5)
        raise RuntimeError(f"Home Assistant still lacks {missing} after {limit:g} s; see {self.log}")

    def _get(self, path: str) -> dict | None:
        req = urllib.request.Request(f"{self.url}{path}", headers={"Authorization": f"Bearer {self.token}"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return None
            raise

    def _wait(self, limit: float) -> float:
        began = time.monotonic()
        while time.monotonic() - began < limit:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Home Assistant exited ({self.proc.returncode}); see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/onboarding", timeout=2) as r:
                    if r.status == 200:
                        return time.monotonic() - began
            except OSError:
                pass
            time.sleep(1.0)
        raise RuntimeError(f"Home Assistant did not answer within {limit:g} s; see {self.log}")

    def state(self, entity: str) -> dict:
        found = self._get(f"/api/states/{entity}")
        if found is None:
            raise LookupError(f"Home Assistant has no entity {entity}")
        return found

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
