"""Reads passed through to the adapters: runs, logs and timelines.

The monitor does not keep these (the panes ask when they show a job); it passes
each read to the job's backend, and makes what comes back safe to rely on: an
adapter's bug surfaces as an ``AdapterError`` with words, never a traceback; a
followed log resumes where it stopped after a transient error, with backoff;
a timeline is the backend's history merged with what the monitor observed.
"""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator, Awaitable, Mapping
from datetime import timedelta
from typing import TypeVar

from jobdeck.adapters.base import Adapter
from jobdeck.clock import Clock
from jobdeck.errors import AdapterError, NotFound, Unsupported
from jobdeck.log_cursor import as_log_cursor, resume_cursor
from jobdeck.model import JobRef, LogChunk, LogCursor, Run, RunPage, StatusEvent
from jobdeck.monitor.backoff import Backoff
from jobdeck.monitor.health import InternalError, adapter_failure, describe_error
from jobdeck.monitor.job_table import JobTable
from jobdeck.monitor.streams import closing
from jobdeck.store.observed import DEFAULT_TOLERANCE, merge_timelines

log = logging.getLogger(__name__)

_T = TypeVar("_T")

#: How long a followed log waits before resuming after a transient error, at first.
FOLLOW_RETRY_BASE = 1.0
#: ... and at most, so a log pane catches up soon after the backend is back.
FOLLOW_RETRY_CAP = 10.0


class Reads:
    """Runs, logs and timelines of a job, read from its backend."""

    def __init__(self, adapters: Mapping[str, Adapter], *, table: JobTable, clock: Clock, rng: random.Random) -> None:
        self._adapters = adapters
        self._table = table
        self._clock = clock
        self._rng = rng

    async def runs(self, ref: JobRef) -> list[Run]:
        adapter = self._adapter_of(ref)
        return await self._call(adapter, "list_runs", adapter.list_runs(ref.id))

    async def runs_page(self, ref: JobRef, page: int = 0) -> RunPage:
        """Page ``page`` (from 0) of the job's runs, newest first; errors are AdapterErrors."""
        adapter = self._adapter_of(ref)
        result = await self._call(adapter, "runs_page", adapter.runs_page(ref.id, max(0, page)))
        if not isinstance(result, RunPage):
            raise adapter_failure(
                adapter, TypeError(f"runs_page() returned {type(result).__name__}, not a RunPage"), doing="runs_page"
            )
        return result

    async def read_log(self, ref: JobRef, cursor: LogCursor | int = 0) -> LogChunk:
        """The log from ``cursor`` (a chunk's, or a byte offset); errors are AdapterErrors."""
        adapter = self._adapter_of(ref)
        return await self._call(adapter, "read_log", adapter.read_log(ref.id, cursor))

    def log_paging_unavailable(self, ref: JobRef) -> str | None:
        """Why the job's log cannot be opened at its tail and paged back by byte offset, or None."""
        adapter = self._adapters.get(ref.backend)
        return adapter.why_no_log_paging() if adapter is not None else None

    async def read_log_between(self, ref: JobRef, start: int, end: int) -> str:
        """The log's text from byte ``start`` to byte ``end`` (an earlier window of a long
        log), read in the backend's own chunks; AdapterError on failure. Text past ``end``
        in the last chunk is cut at that byte (exact for UTF-8 text). Unsupported where
        the backend's log cursors are not byte offsets."""
        reason = self.log_paging_unavailable(ref)
        if reason is not None:
            raise Unsupported(reason)
        pieces: list[str] = []
        offset = start
        while offset < end:
            chunk = await self.read_log(ref, offset)
            if chunk.offset is None or chunk.offset <= offset or not chunk.text:
                break  # nothing more to read
            text = chunk.text
            if chunk.offset > end:
                data = text.encode("utf-8", "surrogatepass")
                text = data[: max(0, len(data) - (chunk.offset - end))].decode("utf-8", "replace")
            pieces.append(text)
            offset = chunk.offset
        return "".join(pieces)

    async def log_tail_offset(self, ref: JobRef, lines: int, before: int | None = None) -> int:
        """Where the last ``lines`` lines of the log (before byte ``before``) begin; 0 when
        the backend cannot tell or fails (the log is then read from the start, as before)."""
        adapter = self._adapters.get(ref.backend)
        if adapter is None or adapter.why_no_log_paging() is not None:
            return 0
        try:
            offset = await adapter.log_tail_offset(ref.id, lines, before)
        except Exception as exc:
            adapter_failure(adapter, exc, doing="log_tail_offset")  # logs an adapter bug
            log.info("the tail of the log of %s is unknown: %s", ref, exc)
            return 0
        return offset if isinstance(offset, int) and offset > 0 else 0

    async def timeline(self, ref: JobRef) -> list[StatusEvent]:
        """The backend's history merged with what the monitor observed, oldest first."""
        observed = self._table.observed(ref)
        adapter = self._adapters.get(ref.backend)
        if adapter is None:
            return observed
        try:
            history = await adapter.timeline(ref.id)
        except Exception as exc:
            adapter_failure(adapter, exc, doing="timeline")  # logs an adapter bug
            log.info("timeline of %s unavailable: %s", ref, exc)
            return observed
        tolerance = max(DEFAULT_TOLERANCE, timedelta(seconds=2 * adapter.settings.interval))
        return merge_timelines(history, observed, tolerance=tolerance)

    async def follow_log(self, ref: JobRef, cursor: LogCursor | int = 0) -> AsyncIterator[LogChunk]:
        """The log as it grows. Resumes from the last chunk's cursor after transient errors;
        ends with a notice chunk when the log cannot be followed any more."""
        cursor = as_log_cursor(cursor)
        adapter = self._adapters.get(ref.backend)
        if adapter is None:
            yield LogChunk(text="", cursor=cursor, notice=f"No backend named {ref.backend!r}.")
            return
        retry = Backoff(base=FOLLOW_RETRY_BASE, cap=FOLLOW_RETRY_CAP)
        failures = 0
        while True:
            try:
                stream = adapter.follow_log(ref.id, cursor)
                async with closing(stream):
                    async for chunk in stream:
                        failures = 0
                        cursor = resume_cursor(cursor, chunk.cursor)
                        yield chunk
                        if chunk.complete:
                            return
                return
            except Exception as exc:
                error = adapter_failure(adapter, exc, doing="follow_log")
                if isinstance(error, (NotFound, Unsupported, InternalError)) or not error.transient:
                    yield LogChunk(text="", cursor=cursor, notice=log_notice(error))
                    return
                failures += 1
                log.info("following the log of %s failed (%s); resuming at %s", ref, error, cursor)
                await self._clock.sleep(retry.delay(failures, rng=self._rng, retry_after=error.retry_after))

    def _adapter_of(self, ref: JobRef) -> Adapter:
        adapter = self._adapters.get(ref.backend)
        if adapter is None:
            raise NotFound(f"no backend named {ref.backend!r}")
        return adapter

    async def _call(self, adapter: Adapter, doing: str, call: Awaitable[_T]) -> _T:
        """Await an adapter call; a bug in the adapter surfaces as an AdapterError with words."""
        try:
            return await call
        except AdapterError:
            raise
        except Exception as exc:
            raise adapter_failure(adapter, exc, doing=doing) from exc


def log_notice(error: AdapterError) -> str:
    """What the log pane says when a log cannot be followed: the backend's own sentence where
    it tells why there is none (no such job, no log for it), else the error with its kind."""
    if isinstance(error, (NotFound, Unsupported)) and error.message:
        return error.message[0].upper() + error.message[1:]
    return describe_error(error)
