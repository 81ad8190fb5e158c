"""A transport wrapper that measures how many requests overlap.

``InFlight(emulator.transport(), counts=is_count_request)`` passes every
request on, but first yields to the event loop a few times, so requests sent
concurrently are all in flight together; ``peak`` is the most of the counted
requests that were in flight at once. No real time passes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx

#: How often a request yields to the event loop before it is passed on.
YIELDS = 5


class InFlight(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, counts: Callable[[httpx.Request], bool]) -> None:
        self.inner = inner
        self.counts = counts
        self.now = 0
        self.peak = 0
        self.seen = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self.counts(request):
            return await self.inner.handle_async_request(request)
        self.now += 1
        self.seen += 1
        self.peak = max(self.peak, self.now)
        try:
            for _ in range(YIELDS):
                await asyncio.sleep(0)
            return await self.inner.handle_async_request(request)
        finally:
            self.now -= 1

    async def aclose(self) -> None:
        await self.inner.aclose()
