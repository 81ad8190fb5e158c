"""Calling a client library that blocks (a synchronous SDK) from an async adapter.

``await run_blocking(client.list_jobs, deadline=..., backend=self.name)`` runs the
call on a thread of its own and waits at most ``deadline`` seconds for it: the event
loop, and so the deck, never waits on the library. Past the deadline the adapter
gets ``Unreachable``, as for an HTTP request that took too long.

A thread cannot be stopped, so a call past its deadline runs on until the library
returns; give the library its own timeout too. Its thread is a daemon (a hung
library never holds up jobdeck's exit), and a backend with ``MAX_STRANDED`` such
calls still running gets no new thread: ``Unreachable`` at once, until one of them
returns. So a backend that hangs costs a few threads, never one per poll.

Exceptions of the library pass through unchanged: the adapter maps them to
``jobdeck.errors`` kinds (``map_error`` does it here when given).
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from jobdeck.adapters.kit.http_errors import seconds
from jobdeck.errors import AdapterError, Unreachable

T = TypeVar("T")

#: Calls of one backend still running past their deadline, at most; then calls are refused.
MAX_STRANDED = 4

_stranded: Counter[str] = Counter()
_lock = threading.Lock()


async def run_blocking(
    call: Callable[..., T],
    /,
    *args: Any,
    deadline: float,
    backend: str,
    map_error: Callable[[Exception], AdapterError] | None = None,
    **kwargs: Any,
) -> T:
    """``call(*args, **kwargs)`` on a thread; its result, or what it raised (through
    ``map_error`` when given, AdapterErrors as they are). Unreachable when it has not
    returned within ``deadline`` seconds, or when too many earlier calls never did."""
    with _lock:
        if _stranded[backend] >= MAX_STRANDED:
            raise Unreachable(
                f"{backend}: {_stranded[backend]} earlier calls into its client library have not returned; "
                "no new one starts until one does"
            )
    loop = asyncio.get_running_loop()
    outcome: asyncio.Future[T] = loop.create_future()
    state = _Call()
    context = contextvars.copy_context()  # as asyncio.to_thread does: the call sees the caller's context

    def work() -> None:
        try:
            result = context.run(call, *args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting coroutine, as to_thread does
            state.finished(backend)
            _deliver(loop, outcome, partial(outcome.set_exception, exc))
        else:
            state.finished(backend)
            _deliver(loop, outcome, partial(outcome.set_result, result))

    threading.Thread(target=work, name=f"jobdeck {backend} blocking call", daemon=True).start()
    watch = asyncio.timeout(deadline)
    try:
        async with watch:
            return await outcome
    except asyncio.CancelledError:
        state.strand(backend)  # nobody waits for it any more
        raise
    except Exception as exc:
        if isinstance(exc, TimeoutError) and watch.expired():
            state.strand(backend)
            raise Unreachable(f"{backend}: no answer from its client library within {seconds(deadline)} s") from None
        if map_error is None or isinstance(exc, AdapterError):
            raise
        raise map_error(exc) from exc


def stranded(backend: str) -> int:
    """How many of ``backend``'s calls are still running past their deadline."""
    with _lock:
        return _stranded[backend]


class _Call:
    """Whether one call has returned, and whether it was given up on (counted as stranded)."""

    def __init__(self) -> None:
        self.returned = False
        self.stranded = False

    def finished(self, backend: str) -> None:
        with _lock:
            self.returned = True
            if self.stranded:
                _stranded[backend] -= 1
                if _stranded[backend] <= 0:
                    del _stranded[backend]

    def strand(self, backend: str) -> None:
        """Count the call as stranded (given up on while still running), unless it has returned."""
        with _lock:
            if not self.returned and not self.stranded:
                self.stranded = True
                _stranded[backend] += 1


def _deliver(loop: asyncio.AbstractEventLoop, outcome: asyncio.Future[Any], settle: Callable[[], None]) -> None:
    def on_loop() -> None:
        if not outcome.done():  # given up on at the deadline (or cancelled): nobody waits
            settle()

    try:
        loop.call_soon_threadsafe(on_loop)
    except RuntimeError:  # the loop has closed meanwhile: nobody waits
        pass
