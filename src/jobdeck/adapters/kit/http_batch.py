"""Running a batch of requests (a poll's counts) a few at a time."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

#: How many requests of one batch ``gather_bounded`` keeps in flight at once.
CONCURRENT_REQUESTS = 8


async def gather_bounded(
    calls: Sequence[Callable[[], Awaitable[T]]], *, limit: int = CONCURRENT_REQUESTS
) -> list[T | Exception]:
    """Run ``calls`` concurrently, at most ``limit`` at once.

    Their outcomes in the order of ``calls``: the result, or the exception it
    raised. A caller that goes through them in order and stops at the first
    exception does what a loop awaiting the calls one by one would have done.
    Once a call has failed, the later calls not yet started are not started at
    all (their outcome is ``NotRun``), so a failing backend is not asked
    everything anyway; the earlier ones still run, so the order holds.
    """
    gate = asyncio.Semaphore(limit)
    first_failed = len(calls)

    async def run(index: int, call: Callable[[], Awaitable[T]]) -> T:
        nonlocal first_failed
        async with gate:
            if index > first_failed:
                raise NotRun
            try:
                return await call()
            except Exception:
                first_failed = min(first_failed, index)
                raise

    outcomes = await asyncio.gather(*(run(index, call) for index, call in enumerate(calls)), return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException) and not isinstance(outcome, Exception):
            raise outcome  # cancellation and the like are never an outcome
    return outcomes  # type: ignore[return-value]  # BaseExceptions were raised above


def all_results(outcomes: Sequence[T | Exception]) -> list[T]:
    """The results of a ``gather_bounded`` batch that needs them all: its first exception is raised instead.

    First in the order of the calls, as a loop awaiting them one by one would have raised it.
    """
    results: list[T] = []
    for outcome in outcomes:
        if isinstance(outcome, Exception):
            raise outcome
        results.append(outcome)
    return results


class NotRun(Exception):
    """The outcome of a ``gather_bounded`` call left out because an earlier one failed."""
