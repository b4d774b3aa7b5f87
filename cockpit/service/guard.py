"""Who may use the HMI API: the Host and Origin checks, the token, the size and rate limits.

Every HTTP request and WebSocket handshake passes :class:`Door` (an ASGI middleware) before any
route sees it, in this order:

1. **Host** must be one of the daemon's names with its port: 127.0.0.1, localhost, [::1], the
   configured ``service.host`` and ``service.allowed_hosts``. A DNS-rebinding page reaches the
   daemon under its own name (``Host: evil.example:8765``) and is refused, so it cannot read
   ``/vehicle`` (the car's position) even though the browser thinks it is same-origin.
2. **Origin**, when the request has one (browsers always send it on a WebSocket handshake and on
   cross-site requests), must be the daemon's own (``http://NAME:port`` for each allowed name) or
   one of ``service.allowed_origins``. Any other page open in the head unit's browser is refused:
   it cannot open ``/ws`` and drive the car. No Origin (curl, a native head-unit client) passes.
3. **Token**, when one is set: every route but the page, its files and the OpenAPI description.
4. **Rate** (HTTP, per client address) and **body size**.

A refusal is HTTP 403/401/413/429 with ``{code, message, hint}``, or a refused WebSocket handshake
(close 1008 before accept; the client sees HTTP 403). Each is counted in
``cockpit_api_refused_total{reason}`` and logged once per client address and reason, not per
request. Everything here holds bounded memory: at most ``PEERS`` addresses are remembered.
"""
from __future__ import annotations

import hmac
import json
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable

log = logging.getLogger("cockpit.api")
PEERS = 1024
"""Client addresses remembered (rate buckets, refusals already logged); the oldest is forgotten first."""
OPEN_PATHS = ("/", "/openapi.json")
"""Paths served without the token: the simulator page (it holds no data) and the API's description."""
WILDCARD = ("0.0.0.0", "::", "")


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    reason: str
    """Metrics label: host | origin | token | rate | size."""
    message: str
    hint: str


def host_names(host: str, extra: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The names clients may use to reach the daemon, as they appear in a Host header (IPv6 bracketed)."""
    names = ["127.0.0.1", "localhost", "[::1]"]
    if host not in WILDCARD:
        names.append(f"[{host}]" if ":" in host and not host.startswith("[") else host)
    names += list(extra)
    return list(dict.fromkeys(n.lower() for n in names))


class Admission:
    """Pure: which Host and Origin headers a request may carry."""

    def __init__(self, names: list[str], port: int, extra_origins: list[str] | tuple[str, ...] = ()):
        self.hosts = frozenset({f"{n}:{port}" for n in names} | ({*names} if port == 80 else set()))
        own = {f"http://{n}:{port}" for n in names} | ({f"http://{n}" for n in names} if port == 80 else set())
        self.origins = frozenset(own | {o.lower().rstrip("/") for o in extra_origins})

    @classmethod
    def for_service(cls, service: Any, port: int) -> "Admission":
        return cls(host_names(service.host, service.allowed_hosts), port, service.allowed_origins)

    def refusal(self, hosts: list[str], origins: list[str]) -> Refusal | None:
        """None when a request with these Host and Origin headers may pass."""
        if len(hosts) != 1 or hosts[0].strip().lower() not in self.hosts:
            shown = ", ".join(hosts) or "none"
            return Refusal(403, code="api-host-refused", reason="host", message=f"Host {shown} is not this daemon's",
                           hint="reach it as 127.0.0.1, localhost or a name in service.allowed_hosts")
        if len(origins) > 1 or (origins and origins[0].strip().lower().rstrip("/") not in self.origins):
            return Refusal(403, code="api-origin-refused", reason="origin",
                           message=f"pages from {', '.join(origins)} may not use this API",
                           hint="add the head unit's origin to service.allowed_origins")
        return None


class TokenBucket:
    """Pure, on an injected clock: ``rate`` tokens a second, at most ``burst`` saved up."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic):
        self.rate, self.burst, self.clock = rate, burst, clock
        self._tokens, self._at = float(burst), clock()

    def take(self) -> bool:
        now = self.clock()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False


class Refusals:
    """Counts every refusal (``count(reason)``) and logs the first per client address and reason."""

    def __init__(self, count: Callable[[str], None] = lambda reason: None):
        self.count = count
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()

    def refused(self, peer: str, reason: str, message: str) -> None:
        self.count(reason)
        key = (peer, reason)
        if key in self._seen:
            self._seen.move_to_end(key)
            return
        self._seen[key] = None
        if len(self._seen) > PEERS:
            self._seen.popitem(last=False)
        log.warning("API request refused (logged once per client and reason)",
                    extra={"peer": peer, "reason": reason, "error": message})


class Door:
    """ASGI middleware: Host, Origin, token, HTTP rate and body size, before any route."""

    def __init__(self, app: Any, admission: Admission, refusals: Refusals, *, token: str | None,
                 max_body: int, rate: float, burst: int, clock: Callable[[], float] = time.monotonic):
        self.app, self.admission, self.refusals, self.token = app, admission, refusals, token
        self.max_body, self.rate, self.burst, self.clock = max_body, rate, burst, clock
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers: dict[str, list[str]] = {}
        for key, value in scope.get("headers", []):
            headers.setdefault(key.decode("latin-1").lower(), []).append(value.decode("latin-1"))
        peer = (scope.get("client") or ("unknown", 0))[0]
        refusal = self.admission.refusal(headers.get("host", []), headers.get("origin", []))
        if refusal is None and not self._authorized(scope, headers):
            refusal = Refusal(401, code="api-unauthorized", reason="token", message="missing or wrong token",
                              hint="send 'Authorization: Bearer <service.token>' or ?token=")
        if refusal is None and scope["type"] == "http" and not self._bucket(peer).take():
            refusal = Refusal(429, code="api-rate-limited", reason="rate",
                              message=f"more than {self.rate:g} requests a second",
                              hint="slow down (service.rate_per_s, service.rate_burst)")
        if refusal is None and scope["type"] == "http":
            body = await self._body(receive, headers)
            if body is None:
                refusal = Refusal(413, code="api-too-large", reason="size",
                                  message=f"request body over {self.max_body} bytes",
                                  hint="send less (service.max_body_bytes)")
            else:
                receive = _replay(body, receive)
        if refusal is None:
            return await self.app(scope, receive, send)
        self.refusals.refused(peer, refusal.reason, f"{scope.get('path')}: {refusal.message}")
        if scope["type"] == "websocket":
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1008, "reason": refusal.code})
            return
        data = json.dumps({"code": refusal.code, "message": refusal.message, "hint": refusal.hint}).encode()
        await send({"type": "http.response.start", "status": refusal.status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]})
        await send({"type": "http.response.body", "body": data})

    def _authorized(self, scope: dict, headers: dict[str, list[str]]) -> bool:
        if not self.token or (scope["type"] == "http" and _is_open(scope.get("path", ""))):
            return True
        from urllib.parse import parse_qs
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = (query.get("token") or [""])[0]
        if not given:
            given = (headers.get("authorization") or [""])[0].removeprefix("Bearer ").strip()
        return hmac.compare_digest(given.encode(), self.token.encode())

    def _bucket(self, peer: str) -> TokenBucket:
        bucket = self._buckets.pop(peer, None) or TokenBucket(self.rate, self.burst, self.clock)
        self._buckets[peer] = bucket
        if len(self._buckets) > PEERS:
            self._buckets.popitem(last=False)
        return bucket

    async def _body(self, receive: Callable, headers: dict[str, list[str]]) -> bytes | None:
        """The whole body, or None when it is larger than allowed (read no further than that)."""
        declared = (headers.get("content-length") or [""])[0]
        if declared.isdigit() and int(declared) > self.max_body:
            return None
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return bytes(body)
            body += message.get("body", b"")
            if len(body) > self.max_body:
                return None
            if not message.get("more_body", False):
                return bytes(body)


def _is_open(path: str) -> bool:
    return path in OPEN_PATHS or path.startswith("/static/")


def _replay(body: bytes, receive: Callable) -> Callable:
    sent = False

    async def again() -> dict:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()
    return again
