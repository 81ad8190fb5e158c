"""Server-sent events from a streamed httpx response (the subset Julep uses)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass


@dataclass(frozen=True)
class SseEvent:
    data: str
    id: str | None = None
    event: str | None = None


async def sse_events(lines: AsyncIterator[str]) -> AsyncIterator[SseEvent]:
    """Events as they complete (a blank line ends one). A half-sent event at the
    end of a dropped stream is discarded, as the SSE spec says."""
    data: list[str] = []
    event_id: str | None = None
    event: str | None = None
    async for raw in lines:
        line = raw.rstrip("\r")
        if not line:
            if data:
                yield SseEvent(data="\n".join(data), id=event_id, event=event)
            data, event = [], None
            continue
        if line.startswith(":"):
            continue  # a comment / keep-alive
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data.append(value)
        elif name == "id":
            event_id = value
        elif name == "event":
            event = value
