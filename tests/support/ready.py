"""Waiting for a server the tests started in a subprocess."""
from __future__ import annotations

import subprocess
import time
import urllib.request
from typing import Callable

import pytest


def wait_until_ready(url: str, proc: subprocess.Popen, log_tail: Callable[[], str], *, what: str,
                     timeout_s: float = 60.0, headers: dict[str, str] | None = None) -> None:
    """Poll ``url`` until it answers 200; fail with the server's log if it exits or never answers."""
    deadline = time.monotonic() + timeout_s
    while True:
        if proc.poll() is not None:
            pytest.fail(f"{what} exited {proc.returncode} before {url} answered:\n{log_tail()}")
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: {url} did not answer 200 within {timeout_s:.0f} s:\n{log_tail()}")
        time.sleep(0.1)
