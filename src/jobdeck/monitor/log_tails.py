"""Keeping the last part of each finished job's log (issue 17), so it stays readable after
its backend has forgotten the job.

The monitor's listener: when a poll (or a push) shows a job finished, its tail is read
from the backend in the background, a few at a time, and handed to the store
(``Store.record_log_tail``); a poll never waits for it, and the store never reads a
backend itself. Only jobs that finish while jobdeck watches: a job whose state turned
to succeeded, failed or canceled, or one first seen finished that ended at most one
poll interval before the monitor started (it finished just before this one-shot command
or deck looked). Skipped where the backend has no logs, or where its log cursors are
not byte offsets (the tail cannot be found without reading the whole log).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from jobdeck.adapters.base import Adapter
from jobdeck.clock import Clock, assume_utc
from jobdeck.log_cursor import LogCursor
from jobdeck.model import Capability, Job, JobRef
from jobdeck.monitor.events import JobsChanged, MonitorEvent, TimelineChanged
from jobdeck.monitor.reads import Reads
from jobdeck.store.base import Store

log = logging.getLogger(__name__)

#: Tails read at once (each is a few backend reads; the polls come first).
AT_ONCE = 2
#: Finished jobs waiting for their tail beyond this are not kept (a burst of thousands).
MAX_WAITING = 1000
#: The fewest bytes a line is assumed to have, to ask the backend where the tail's lines begin.
MIN_LINE_BYTES = 8
#: Bytes read of one log at most: past it the tail kept is what was read (a log growing without end).
MAX_READ_BYTES = 64 << 20


class LogTailKeeper:
    """Reads finished jobs' log tails in the background and hands them to the store."""

    def __init__(
        self,
        adapters: Mapping[str, Adapter],
        *,
        reads: Reads,
        store: Store,
        clock: Clock,
        job_of: Callable[[JobRef], Job | None],
        max_bytes: int,
    ) -> None:
        """``max_bytes``: the most of a log kept (0: none); ``job_of``: a job the table holds."""
        self._adapters = adapters
        self._reads = reads
        self._store = store
        self._job_of = job_of
        self._max_bytes = max(0, max_bytes)
        self._started = assume_utc(clock.now())
        self._waiting: deque[tuple[JobRef, datetime | None]] = deque()
        self._queued: set[JobRef] = set()
        self._workers: set[asyncio.Task[None]] = set()
        #: Set by ``drain``: the monitor is stopping, its adapters about to close; nothing more is read.
        self._closing = False

    def on_event(self, event: MonitorEvent) -> None:
        """The monitor's listener: queue the tail of each job this event shows finished."""
        if not self._max_bytes:
            return
        if isinstance(event, TimelineChanged):
            if event.event.state.is_terminal and self._keeps_tails(event.ref.backend):
                job = self._job_of(event.ref)
                if job is not None:
                    self._queue(job)
        elif isinstance(event, JobsChanged) and event.added:
            # A first listing may add a million jobs (on the way to the first frame): the
            # backend is asked once, and each job's end read in one comprehension, no call.
            if not self._keeps_tails(event.backend):
                return
            floor = self._watched_since(event.backend)
            # (A job without an end is no telling when: it may be years old; no backfill.)
            ended = [
                job
                for job in event.added
                if (end := job.ended) is not None and (end if end.tzinfo is not None else assume_utc(end)) >= floor
            ]
            for job in ended:
                if job.state.is_terminal:
                    self._queue(job)

    def _watched_since(self, backend: str) -> datetime:
        """Jobs of ``backend`` that ended since then ended while jobdeck watched: since the
        monitor started, less one poll interval (it may have finished just before)."""
        adapter = self._adapters.get(backend)
        interval = timedelta(seconds=adapter.settings.interval) if adapter is not None else timedelta(0)
        return self._started - interval

    def _keeps_tails(self, backend: str) -> bool:
        """Whether ``backend``'s jobs have tails to keep: it has logs, paged by byte offsets."""
        adapter = self._adapters.get(backend)
        return adapter is not None and adapter.supports(Capability.LOG) and adapter.why_no_log_paging() is None

    def _queue(self, job: Job) -> None:
        """Read ``job``'s tail (its backend keeps tails: the caller asked) when a worker is free."""
        if self._closing or job.ref in self._queued or len(self._waiting) >= MAX_WAITING:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not inside the monitor's loop: nothing can read
            return
        self._queued.add(job.ref)
        self._waiting.append((job.ref, job.created))
        if len(self._workers) < AT_ONCE:
            worker = loop.create_task(self._work(), name="jobdeck-log-tails")
            self._workers.add(worker)
            worker.add_done_callback(self._workers.discard)

    async def _work(self) -> None:
        while self._waiting:
            ref, created = self._waiting.popleft()
            try:
                text = await self._read_tail(ref)
            except asyncio.CancelledError:
                raise
            except Exception as problem:  # an adapter's failure or bug: that tail is not kept
                log.info("the log tail of %s was not kept: %s", ref, problem)
                text = None
            finally:
                self._queued.discard(ref)
            if text:
                self._store.record_log_tail(ref, created, text)

    async def _read_tail(self, ref: JobRef) -> str:
        """The last ``max_bytes`` of the log of ``ref`` (its latest run), from where its last
        lines begin to its end."""
        start = await self._reads.log_tail_offset(ref, max(1, self._max_bytes // MIN_LINE_BYTES))
        cursor = LogCursor(position=start)
        tail = ""
        read = 0
        while read < MAX_READ_BYTES:
            chunk = await self._reads.read_log(ref, cursor)
            tail = last_bytes(tail + chunk.text, self._max_bytes)
            before, after = cursor.offset or 0, chunk.cursor.offset
            if not chunk.text or chunk.complete or after is None or after <= before:
                break
            read += after - before
            cursor = chunk.cursor
        return tail

    async def drain(self, timeout: float) -> None:
        """Wait (at most ``timeout`` seconds) for the tails being read, then give up the rest:
        the monitor is stopping, and the store keeps what it was handed. Nothing is queued
        after (the adapters close next: a read then would only fail)."""
        self._closing = True
        workers = set(self._workers)
        if not workers:
            return
        _, late = await asyncio.wait(workers, timeout=timeout)
        self._waiting.clear()
        for worker in late:
            worker.cancel()
        if late:
            await asyncio.wait(late)
            log.info("%d log tails were not kept: jobdeck stopped first", len(late))


def last_bytes(text: str, limit: int) -> str:
    """The end of ``text``, at most ``limit`` bytes of UTF-8, from a line's start where the
    cut falls inside one (and a character's start always)."""
    data = text.encode("utf-8", "replace")
    if len(data) <= limit:
        return text
    kept = data[len(data) - limit :].decode("utf-8", "ignore")
    newline = kept.find("\n")
    return kept[newline + 1 :] if 0 <= newline < len(kept) - 1 else kept
