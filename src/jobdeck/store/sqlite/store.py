"""The history store: today's store (jobdeck's archive, the action log, the observed
history in memory: ``MemoryStore``, its files unchanged) plus a history of every job
and transition seen, in ``history.sqlite3`` in the data folder.

``record_changes`` only queues what a poll changed; the writer's thread
(``store.sqlite.writer``) writes it. ``close`` writes what is queued (bounded)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from jobdeck import paths
from jobdeck.clock import Clock, SystemClock
from jobdeck.model import Job, JobRef
from jobdeck.store.base import Transition
from jobdeck.store.memory import MemoryStore
from jobdeck.store.sqlite.rows import ms
from jobdeck.store.sqlite.schema import FILE_NAME, HistoryUnavailable, open_or_set_aside
from jobdeck.store.sqlite.writer import (
    DEFAULT_PRUNE_EVERY,
    DEFAULT_QUEUE_LIMIT,
    DEFAULT_SIZE_EVERY,
    HistoryWriter,
    LogTail,
)

#: Days a job is kept after it was last seen (``Settings.history_days``).
DEFAULT_KEEP_DAYS = 30.0
#: The most MB the database holds before its oldest finished jobs go (``Settings.history_max_mb``).
DEFAULT_MAX_MB = 1024.0
#: Seconds ``close`` waits for the queued records to be written.
CLOSE_TIMEOUT = 10.0
#: Seconds between two writes of a backend's complete listing that changed nothing: it only
#: says its jobs were still there then (their "last seen"). Written at every poll, it was a
#: transaction and a wake-up of the writer's thread every few seconds per backend, for a
#: time a few seconds more recent; the one held back is written before the backend's next
#: change (a job gone was last seen at the listing before), by ``flush`` and by ``close``.
QUIET_LISTING_EVERY = 10.0


class HistoryStore:
    """A ``Store`` that also records history (see the module's text)."""

    def __init__(
        self,
        folder: Path | None = None,
        *,
        clock: Clock | None = None,
        keep_days: float = DEFAULT_KEEP_DAYS,
        queue_limit: int = DEFAULT_QUEUE_LIMIT,
        prune_every: float = DEFAULT_PRUNE_EVERY,
        max_mb: float = DEFAULT_MAX_MB,
        size_every: float = DEFAULT_SIZE_EVERY,
    ) -> None:
        """Files in ``folder`` (tests, benchmarks), else in the data folder. A database that
        cannot be read is set aside and a new one started (a warning says so); when
        none can be made, the store keeps no history and says why. ``max_mb``: the size
        cap (0: none), looked at every ``size_every`` seconds."""
        clock = self._clock = clock or SystemClock()
        self._memory = MemoryStore(folder, clock=clock)
        self.archive = self._memory.archive
        self.actions = self._memory.actions
        self.observed = self._memory.observed
        self.path = (folder if folder is not None else paths.data_dir()) / FILE_NAME
        self._warnings: list[str] = []
        self._writer: HistoryWriter | None = None
        #: When each backend's complete listing was last queued, and the quiet listings
        #: held back since (see ``QUIET_LISTING_EVERY``): backend → (time, jobdeck's archive then).
        self._listing_queued: dict[str, datetime] = {}
        self._held: dict[str, tuple[datetime, frozenset[JobRef]]] = {}
        self._archive_queued: frozenset[JobRef] | None = None
        try:
            connection, warning = open_or_set_aside(self.path, clock.now)
        except HistoryUnavailable as problem:
            self._warnings.append(str(problem))
            return
        if warning:
            self._warnings.append(warning)
        self._writer = HistoryWriter(
            connection,
            self.path,
            clock=clock,
            keep_days=keep_days,
            queue_limit=queue_limit,
            prune_every=prune_every,
            max_bytes=int(max_mb * 1024 * 1024),
            size_every=size_every,
        )

    def record_changes(
        self,
        backend: str,
        at: datetime,
        *,
        added: Sequence[Job],
        changed: Sequence[Job],
        removed: Sequence[JobRef],
        transitions: Sequence[Transition],
        complete: bool,
    ) -> None:
        """Queued for the writer's thread (copies of the lists: they are the caller's), with
        jobdeck's archive as it is now (an archived job's failure no longer counts)."""
        if self._writer is None:
            return
        archived = self.archive.refs()
        quiet = complete and not (added or changed or removed or transitions) and archived is self._archive_queued
        queued = self._listing_queued.get(backend)
        if quiet and queued is not None and (at - queued).total_seconds() < QUIET_LISTING_EVERY:
            self._held[backend] = (at, archived)
            return
        if quiet:
            self._held.pop(backend, None)  # this one says as much, and later
        else:
            self._put_held(backend)
        changes = (tuple(added), tuple(changed), tuple(removed), tuple(transitions))
        self._writer.put((backend, at, *changes, complete, archived))
        self._archive_queued = archived
        if complete:
            self._listing_queued[backend] = at

    def _put_held(self, backend: str | None = None) -> None:
        """Queue the quiet listing held back of ``backend`` (None: of every backend)."""
        assert self._writer is not None
        for name in list(self._held) if backend is None else [backend]:
            held = self._held.pop(name, None)
            if held is not None:
                self._writer.put((name, held[0], (), (), (), (), True, held[1]))
                self._listing_queued[name] = held[0]

    def record_log_tail(self, ref: JobRef, created: datetime | None, text: str) -> None:
        """Queued for the writer's thread, after the polls recorded before it (the job's row)."""
        if self._writer is not None:
            self._writer.put(LogTail(ref.backend, ref.id, ms(created) or 0, ms(self._clock.now()) or 0, text))

    def flush(self, timeout: float = CLOSE_TIMEOUT) -> bool:
        """Wait until what was recorded so far is written; False when it took longer than ``timeout``."""
        if self._writer is None:
            return True
        self._put_held()
        return self._writer.flush(timeout)

    def warnings(self) -> list[str]:
        writer = self._writer.warnings() if self._writer is not None else []
        return self._memory.warnings() + self._warnings + writer

    def close(self) -> None:
        if self._writer is not None:
            self._put_held()
            self._writer.close(CLOSE_TIMEOUT)
        self._memory.close()
