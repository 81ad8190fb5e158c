"""The heartbeat of a quiet event stream: a comment line now and then, as the
agents-api's sse-starlette writes (``: ping``, every 15 s), so that clients and
proxies can tell a quiet stream from a dead one."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

#: A comment: clients skip it.
PING = b": ping\n\n"


class Heartbeat:
    """How long a stream has sent nothing, in real time (as the streams' polling is)."""

    def __init__(self, every: Callable[[], float]) -> None:
        #: Seconds of quiet before a ping; read each time, so a test can change it live.
        self._every = every
        self._last = asyncio.get_running_loop().time()

    def too_long(self) -> bool:
        return asyncio.get_running_loop().time() - self._last >= self._every()

    def sent(self, chunk: bytes) -> bytes:
        """``chunk``, noted as sent now."""
        self._last = asyncio.get_running_loop().time()
        return chunk
