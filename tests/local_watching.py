"""A local adapter watching its spool, for tests of what its polls read (``tests/`` is on
``sys.path``): ``watching(adapter)`` runs the spool's watch for a block, ``count_reads``
counts the polls that read the spool, ``until`` waits for an async condition."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from jobdeck.adapters.local import LocalAdapter


def count_reads(adapter: LocalAdapter) -> list[int]:
    """A one-item list counting the polls of ``adapter`` that read its spool from now on."""
    reads = [0]
    read = adapter._list_jobs

    def counted():
        reads[0] += 1
        return read()

    adapter._list_jobs = counted  # type: ignore[method-assign]
    return reads


@asynccontextmanager
async def watching(adapter: LocalAdapter) -> AsyncIterator[None]:
    """The adapter's watch of its spool running (its batches taken as they come); the adapter
    closed after."""
    changes = adapter.changes()

    async def drain() -> None:
        async for _ in changes:
            pass

    task = asyncio.create_task(drain())
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await changes.aclose()
        await adapter.close()


async def until(condition, what: str, timeout: float = 15.0) -> None:
    """Await ``condition()`` until it is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def quiet_poll(adapter: LocalAdapter, reads: list[int]) -> bool:
    """Poll; whether it read nothing."""
    before = reads[0]
    await adapter.list_jobs()
    return reads[0] == before
