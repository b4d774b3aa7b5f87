"""One worker thread per engine: blocking native work never runs on the event loop.

Calls are queued in order on a single thread, so an engine that keeps state between calls
(a streaming decoder) sees them in sequence, and the event loop only awaits futures.
"""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, TypeVar

T = TypeVar("T")


class EngineThread:
    def __init__(self, name: str):
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"cockpit-{name}")

    def submit(self, fn: Callable[..., T], *args: Any) -> "asyncio.Future[T]":
        """Queue ``fn(*args)`` on the engine's thread; await the result when it matters."""
        return asyncio.wrap_future(self._pool.submit(fn, *args))

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return await self.submit(fn, *args)

    def close(self, wait: bool = False) -> None:
        """Drop queued calls; ``wait`` also lets the running one finish (before its engine is freed)."""
        self._pool.shutdown(wait=wait, cancel_futures=True)
