"""Closing an adapter's stream (a push channel, a followed log) on the way out."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TypeVar

_T = TypeVar("_T")


@contextlib.asynccontextmanager
async def closing(stream: AsyncIterator[_T]) -> AsyncIterator[AsyncIterator[_T]]:
    """Close an adapter's stream on the way out, if it can be closed (async generators can)."""
    try:
        yield stream
    finally:
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            await aclose()
