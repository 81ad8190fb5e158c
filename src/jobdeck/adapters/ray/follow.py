"""Following a Ray job's log live, from a byte offset, until the job ends.

A running job's driver log file is read from the state API's stream of it from the cursor on
(``logfile.stream_file``: lines about 0.1 s after they are printed), with no read before it:
the stream sends the file from its start, so a read up to the cursor would read it twice.
Where the state API has no such file, what is there now is read (a read at a time), then new
lines come from the Jobs API's websocket tail (``logs.tail``: about 1.5 s). Both send the log
from its start when opened: the bytes before the cursor are skipped, so a follow resumed after
a dropped connection loses and repeats nothing. Neither says when the job ends: the job's
status is asked every STATUS_EVERY seconds, and once it has ended the rest of the log is read
and the follow ends.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from jobdeck.adapters.kit.http import HttpClient
from jobdeck.adapters.kit.logtext import decode_complete
from jobdeck.adapters.ray import logfile, logs
from jobdeck.adapters.ray.convert import TERMINAL_RAW
from jobdeck.adapters.ray.wire import RayJob
from jobdeck.clock import Clock
from jobdeck.model import LogChunk

#: Seconds between two questions "has the job ended?" while its log is streamed.
STATUS_EVERY = 1.0
#: Seconds between reads of a log too large for the websocket tail (it sends a log whole first).
HUGE_LOG_INTERVAL = 10.0
HUGE_LOG_NOTICE = ("This log is larger than max_response_mb ({mb:g} MiB), and Ray's live tail sends a log whole "
                   f"before its new lines: it is read on every {HUGE_LOG_INTERVAL:g} s instead of live.")


@dataclass
class Follow:
    """What following one job's log needs of the adapter."""

    job_id: str
    read_log: Callable[[str, int], Awaitable[LogChunk]]
    fetch: Callable[[str], Awaitable[RayJob]]
    #: The client of the streams (a read timeout longer than a quiet job's silences).
    stream_http: Callable[[], HttpClient]
    #: Opens the websocket tail from a byte offset.
    open_tail: Callable[[int], AsyncIterator[LogChunk]]
    clock: Clock
    interval: float
    max_response_bytes: int
    max_response_mb: float

    async def chunks(self, offset: int) -> AsyncIterator[LogChunk]:
        wire = await self.fetch(self.job_id)
        params = logfile.file_params(wire) if wire.status not in TERMINAL_RAW else None
        if params is not None:
            # Running, with a file: its stream is read from the cursor on at once. The stream sends
            # the file from its start (skipped up to the cursor), so reading up to the cursor first
            # would read the file once more (a read at a time, each from the start, far behind).
            async for chunk in self._live(self._streamed(params, offset), offset):
                yield chunk
            return
        while True:  # catch up, a read at a time
            chunk = await self.read_log(self.job_id, offset)
            if chunk.text or chunk.complete:
                yield chunk
            if chunk.complete:
                return
            # A read short of its limit reached the end of the log.
            caught_up = (chunk.offset or offset) - offset < logfile.read_limit(offset) - 8
            offset = chunk.offset or offset
            if caught_up:
                break
        params = logfile.file_params(await self.fetch(self.job_id))
        live: AsyncIterator[LogChunk] | None = None
        if params is not None:
            live = self._streamed(params, offset)
        elif offset > self.max_response_bytes:
            live = self._polled_huge(offset)
        async for chunk in self._live(live, offset):
            yield chunk

    async def _live(self, live: AsyncIterator[LogChunk] | None, offset: int) -> AsyncIterator[LogChunk]:
        """``live``'s chunks (the websocket tail's when None) until the job ends, then the rest."""
        followed = offset
        try:
            if live is not None:
                async for chunk in live:
                    followed = chunk.offset or followed
                    yield chunk
            else:
                async for chunk in self.open_tail(offset):
                    followed = chunk.offset or followed
                    if chunk.text:
                        yield chunk
        except logfile.FileUnavailable:  # the file went (its node did): the websocket tail instead
            async for chunk in self.open_tail(followed):
                followed = chunk.offset or followed
                if chunk.text:
                    yield chunk
        # The job has ended (or never started a driver): what it wrote last is read once more.
        async for chunk in self._rest(followed):
            yield chunk

    async def _rest(self, offset: int) -> AsyncIterator[LogChunk]:
        while True:
            chunk = await self.read_log(self.job_id, offset)
            if chunk.text or chunk.complete:
                yield chunk
            if chunk.complete:
                return
            offset = chunk.offset or offset
            await self.clock.sleep(min(1.0, self.interval))

    async def _streamed(self, params: dict[str, Any], offset: int) -> AsyncIterator[LogChunk]:
        """The file's new bytes as the agent streams them, until the job has ended."""
        # Bounded: a stream opened far behind the end is received no faster than it is shown.
        pieces: asyncio.Queue[tuple[bytes, int] | BaseException | None] = asyncio.Queue(maxsize=64)

        async def receive() -> None:
            try:
                async for piece in logfile.stream_file(self.stream_http(), params, offset):
                    await pieces.put(piece)
                await pieces.put(None)
            except Exception as exc:  # handed to the follower, raised there
                await pieces.put(exc)

        receiver = asyncio.create_task(receive(), name=f"ray-log-stream-{self.job_id}")
        pending = b""
        position = offset
        asked = self.clock.monotonic()
        try:
            while True:
                try:
                    item = await asyncio.wait_for(pieces.get(), timeout=STATUS_EVERY)
                except TimeoutError:
                    item = (b"", position + len(pending))
                if isinstance(item, BaseException):
                    raise item
                if item is None:
                    return  # the agent ended the stream: read the rest
                pending += item[0]
                text, used = decode_complete(pending, final=False)
                pending = pending[used:]
                position += used
                if text:
                    yield LogChunk(text=text, offset=position)
                if self.clock.monotonic() - asked >= STATUS_EVERY:
                    asked = self.clock.monotonic()
                    if (await self.fetch(self.job_id)).status in TERMINAL_RAW:
                        return
        finally:
            receiver.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await receiver

    async def _polled_huge(self, offset: int) -> AsyncIterator[LogChunk]:
        yield LogChunk(text="", offset=offset, notice=HUGE_LOG_NOTICE.format(mb=self.max_response_mb))
        while True:
            await self.clock.sleep(HUGE_LOG_INTERVAL)
            chunk = await self.read_log(self.job_id, offset)
            if chunk.text:
                yield chunk
            offset = chunk.offset or offset
            if chunk.complete:
                return


def tail_opener(url: str, *, headers: dict[str, str], backend: str, ssl_ctx: Any, max_size: int) -> Callable[[int], AsyncIterator[LogChunk]]:
    return lambda offset: logs.tail(url, offset, headers=headers, backend=backend, ssl_ctx=ssl_ctx, max_size=max_size)
