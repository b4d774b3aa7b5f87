"""Talk to systemd the way ``sd_notify(3)`` does, with the standard library only.

Under ``Type=notify`` systemd passes ``$NOTIFY_SOCKET``: an AF_UNIX datagram socket to which the
service sends newline-separated ``KEY=VALUE`` assignments — ``READY=1`` once it is listening,
``STATUS=...`` for ``systemctl status``, ``WATCHDOG=1`` as a keep-alive, ``STOPPING=1`` and
``RELOADING=1`` (with ``MONOTONIC_USEC``, which systemd >= 253 requires) around shutdown and reload.
An address starting with ``@`` lives in Linux's abstract namespace.

Outside systemd (no ``$NOTIFY_SOCKET``) every call is a no-op that returns False, so the daemon can
notify unconditionally. A failed send is logged once and reported as False, never raised: losing a
status line must not take the assistant down.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from typing import Callable, Mapping

log = logging.getLogger(__name__)

_NEWLINE = "\n"  # separates assignments in a datagram, so never inside a value


class Notifier:
    """Sends notifications to the socket named by ``NOTIFY_SOCKET`` in ``env`` (default ``os.environ``)."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        address = (os.environ if env is None else env).get("NOTIFY_SOCKET", "")
        self.address: str | None = ("\0" + address[1:] if address.startswith("@") else address) or None
        """Where datagrams go (abstract names start with NUL), or None when not under systemd."""
        self._warned = False

    @property
    def enabled(self) -> bool:
        """True when running under systemd with a notification socket."""
        return self.address is not None

    def ready(self) -> bool:
        """Startup finished: systemd marks the unit active and starts the units ordered after it."""
        return self.send(READY=1)

    def status(self, text: str) -> bool:
        """A one-line, human-readable state shown by ``systemctl status``."""
        return self.send(STATUS=text)

    def watchdog(self) -> bool:
        """Keep-alive: without one every ``WatchdogSec`` systemd kills and (per unit) restarts us."""
        return self.send(WATCHDOG=1)

    def stopping(self) -> bool:
        """Shutdown has begun."""
        return self.send(STOPPING=1)

    def reloading(self) -> bool:
        """A reload has begun; send ``ready()`` when it is done."""
        return self.send(RELOADING=1, MONOTONIC_USEC=time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000)

    def send(self, **fields: object) -> bool:
        """Send ``KEY=VALUE`` lines, in argument order; a newline inside a value becomes a space."""
        lines = (f"{key}={str(value).replace(_NEWLINE, ' ')}" for key, value in fields.items())
        return self.send_raw(_NEWLINE.join(lines))

    def send_raw(self, message: str) -> bool:
        """Send one datagram as is; True when it was handed to the socket."""
        if self.address is None:
            return False
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.setblocking(False)  # never stall the event loop on a full queue
                sock.sendto(message.encode("utf-8"), self.address)
            return True
        except OSError as exc:
            if not self._warned:
                self._warned = True
                log.warning("cannot notify systemd at %r: %s (further failures logged at debug level)",
                            self.address, exc)
            else:
                log.debug("cannot notify systemd at %r: %s", self.address, exc)
            return False


def watchdog_interval_s(env: Mapping[str, str] | None = None) -> float | None:
    """How often to send ``WATCHDOG=1``: half of ``WATCHDOG_USEC``, as systemd recommends.

    None when the watchdog is off, meant for another process (``WATCHDOG_PID`` is not ours), or
    the variables do not parse (logged as a warning).
    """
    env = os.environ if env is None else env
    usec, pid = env.get("WATCHDOG_USEC"), env.get("WATCHDOG_PID")
    if usec is None:
        return None
    try:
        if pid is not None and int(pid) != os.getpid():
            return None
        value = int(usec)
    except ValueError:
        log.warning("ignoring systemd watchdog: WATCHDOG_USEC=%r WATCHDOG_PID=%r do not parse", usec, pid)
        return None
    if value <= 0:
        log.warning("ignoring systemd watchdog: WATCHDOG_USEC=%r is not positive", usec)
        return None
    return value / 2 / 1_000_000


async def watchdog_loop(notifier: Notifier, interval_s: float, healthy: Callable[[], bool]) -> None:
    """Pet the watchdog every ``interval_s`` seconds while ``healthy()`` says the pipeline moves.

    An unhealthy beat is skipped, not sent, so a stuck pipeline lets the watchdog fire and systemd
    restarts the service; a blip shorter than the watchdog timeout is survived. ``healthy()``
    raising counts as unhealthy. Runs until cancelled.
    """
    was_healthy = True
    while True:
        try:
            ok = bool(healthy())
        except Exception:
            log.exception("watchdog health check raised")
            ok = False
        if ok:
            notifier.watchdog()
        elif was_healthy:
            log.warning("pipeline unhealthy: withholding the systemd watchdog keep-alive")
        was_healthy = ok
        await asyncio.sleep(interval_s)
