"""Home Assistant's REST API, as its developer docs describe it: ``GET /api/states/<entity_id>``,
``POST /api/services/<domain>/<service>``, a long-lived access token as ``Authorization: Bearer``.

Blocking (urllib), so the home tools run in a worker thread (``Tool.blocking``). Every request has
``home.timeout_s``; failures are :class:`~cockpit.skills.remote.ServiceError` s the driver hears in a
sentence: 401/403 ``home-unauthorized`` (the token), 400/404 ``home-not-found`` (no such entity or
service), anything else — refused connection, timeout, not JSON — ``home-unreachable``. Every service
call is audited (kind ``home-call``, with the server and the service).
"""
from __future__ import annotations

import json
import os
import socket
import urllib.error
import urllib.request
from typing import Any, Callable

from cockpit.skills.remote import ServiceError

Record = Callable[..., None]
"""Appends one audit entry (blocking): ``record(kind, **data)``."""


class HomeAssistant:
    def __init__(self, url: str, token_env: str, timeout_s: float, record: Record) -> None:
        self.url, self.token_env, self.timeout_s, self.record = url.rstrip("/"), token_env, timeout_s, record

    def _token(self) -> str:
        token = os.environ.get(self.token_env, "").strip()
        if not token:
            raise ServiceError(f"${self.token_env} is empty: no Home Assistant token", code="home-unauthorized",
                               hint=f"create a long-lived access token in Home Assistant (profile -> security) "
                                    f"and export {self.token_env}")
        return token

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """One request; the decoded JSON answer, or ServiceError naming what went wrong."""
        req = urllib.request.Request(f"{self.url}{path}", method=method,
                                     data=None if body is None else json.dumps(body).encode("utf-8"),
                                     headers={"Authorization": f"Bearer {self._token()}",
                                              "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as answer:  # noqa: S310 - the configured URL
                raw = answer.read()
        except urllib.error.HTTPError as exc:
            if exc.code in (401, 403):
                raise ServiceError(f"Home Assistant at {self.url} said {exc.code} to {method} {path}",
                                   code="home-unauthorized",
                                   hint=f"the token in ${self.token_env} is wrong or revoked: make a new one") from None
            if exc.code in (400, 404):
                raise ServiceError(f"Home Assistant at {self.url} has no {path} ({exc.code})", code="home-not-found",
                                   hint="check the entity id or service in home.* against Home Assistant's "
                                        "developer tools") from None
            raise ServiceError(f"Home Assistant at {self.url} answered {exc.code} to {method} {path}",
                               code="home-unreachable", hint="see Home Assistant's own log") from None
        except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ServiceError(f"Home Assistant at {self.url} did not answer {method} {path}: {reason}",
                               code="home-unreachable",
                               hint=f"is it running and reachable from the car? (home.url, home.timeout_s "
                                    f"{self.timeout_s:g} s)") from None
        try:
            return json.loads(raw.decode("utf-8")) if raw.strip() else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ServiceError(f"{self.url}{path} did not answer with JSON: is home.url Home Assistant?",
                               code="home-unreachable", hint="point home.url at Home Assistant's base URL") from None

    def state(self, entity_id: str) -> dict[str, Any]:
        """``GET /api/states/<entity_id>``: {entity_id, state, attributes, ...}."""
        answer = self.request("GET", f"/api/states/{entity_id}")
        if not isinstance(answer, dict) or "state" not in answer:
            raise ServiceError(f"{entity_id}: Home Assistant's answer has no state", code="home-unreachable")
        return answer

    def call(self, service: str, data: dict[str, Any]) -> list[dict[str, Any]]:
        """``POST /api/services/<domain>/<service>`` with ``data``; the states it changed. Audited."""
        domain, name = service.split(".", 1)
        entry = {"server": self.url, "tool": service, "entity_id": data.get("entity_id"),
                 "data": {k: v for k, v in data.items() if k != "entity_id"}}
        try:
            changed = self.request("POST", f"/api/services/{domain}/{name}", data)
        except ServiceError as exc:
            self.record("home-call", **entry, ok=False, code=exc.code, reason=str(exc).split("\n")[0])
            raise
        self.record("home-call", **entry, ok=True, changed=[s.get("entity_id") for s in changed or []
                                                            if isinstance(s, dict)])
        return changed if isinstance(changed, list) else []


__all__ = ["HomeAssistant"]
