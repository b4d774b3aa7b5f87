"""One HTTP request straight through the daemon's ASGI app, in-process, as a local client with no Origin
sends it: the guard, the routes and the JSON body as a real request meets them, without a socket."""
from __future__ import annotations

import asyncio
import json

PORT = 8765


async def asgi_call(app, method: str, path: str, body: dict | None = None, *, query: str = "",
                    headers: dict | None = None, port: int = PORT) -> tuple[int, dict]:
    """(HTTP status, JSON body) of one request."""
    raw = [(b"host", f"127.0.0.1:{port}".encode()), (b"content-type", b"application/json")]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
             "headers": raw, "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", port)}
    pending = [{"type": "http.request", "body": json.dumps(body).encode() if body is not None else b"",
                "more_body": False}]
    status, chunks = 0, []

    async def receive() -> dict:
        if pending:
            return pending.pop()
        await asyncio.Event().wait()  # the client never hangs up
        return {}

    async def send(message: dict) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
    await app(scope, receive, send)
    return status, json.loads(b"".join(chunks) or b"{}")
