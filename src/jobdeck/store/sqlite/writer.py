"""The history's one writer: a thread of its own that takes what the polls recorded
from a bounded queue and writes it in batches, one transaction a batch.

A poll never waits on the disk: ``put`` appends to the queue and returns. When the
disk falls behind so far that the queue is full, the oldest records are dropped
(a warning says how many) rather than the poll made to wait or memory to grow.
Another process writing the same file (a second deck, ``jobdeck ls``) holds its lock
for a moment: the writer waits (busy timeout), retries with backoff, and warns only
when it lasts. A file damaged under it is set aside and a new one started. Old
jobs are pruned by the same thread (``keep_days``), and the oldest finished ones when
the database outgrows its cap (``max_bytes``, see ``size_cap``).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from jobdeck.clock import Clock
from jobdeck.model import Job, JobRef
from jobdeck.store.base import Transition
from jobdeck.store.sqlite.rows import (
    KEEP_LOG_TAIL,
    LAST_SEEN,
    LISTED,
    MARK_ARCHIVED,
    MARK_GONE,
    MARK_UNLISTED_GONE,
    UPDATE_CHANGED_JOB,
    UPSERT_JOB,
    job_params,
    ms,
    storable,
)
from jobdeck.store.sqlite.search_index import index_new_jobs
from jobdeck.store.sqlite.size_cap import prune_to_size
from jobdeck.store.sqlite.schema import HistoryUnavailable, immediate_transaction, is_damage, open_or_set_aside

log = logging.getLogger(__name__)

#: What one poll or push recorded: backend, when, added, changed, removed, transitions, complete,
#: and jobdeck's archive then (the jobs archived in jobdeck, not in their backend).
Changes = tuple[
    str, datetime, tuple[Job, ...], tuple[Job, ...], tuple[JobRef, ...], tuple[Transition, ...], bool, frozenset[JobRef]
]


class LogTail(NamedTuple):
    """The last part of a finished job's log, for the job keyed by backend, id and creation (ms)."""

    backend: str
    job_id: str
    created: int
    at: int
    text: str


#: What the queue holds: a poll's changes or a log tail.
Record = Changes | LogTail

#: Jobs (and refs, and transitions) the queue holds before it drops its oldest records.
DEFAULT_QUEUE_LIMIT = 500_000
#: Seconds between two prunings of old jobs.
DEFAULT_PRUNE_EVERY = 3600.0
#: Seconds between two looks at the database's size (a look is three PRAGMAs: cheap).
DEFAULT_SIZE_EVERY = 10.0
#: Seconds a write may go on finding the file locked before the user is told.
BUSY_WARN_AFTER = 30.0
#: The longest pause between two attempts at a locked file.
MAX_BACKOFF = 1.0
#: A batch bringing at least this many new jobs (a huge backend's first listing) is written
#: this many seconds after it came: writing it would take the interpreter from the deck
#: drawing those very jobs (a million jobs' first frame 1.0 s → 0.5 s); the history can wait.
BIG_BATCH = 50_000
BIG_BATCH_WAIT = 1.0

_EXPIRED = f"SELECT jobs.id FROM jobs LEFT JOIN backends ON backends.name = jobs.backend WHERE {LAST_SEEN} < ?"


def _weight(record: Record) -> int:
    if isinstance(record, LogTail):
        return 1
    return 1 + len(record[2]) + len(record[3]) + len(record[4]) + len(record[5])


def _new_jobs(record: Record) -> int:
    return 0 if isinstance(record, LogTail) else len(record[2])


class HistoryWriter:
    """The queue and the thread that empties it into the database (see the module's text)."""

    def __init__(
        self,
        connection: sqlite3.Connection,
        path: Path,
        *,
        clock: Clock,
        keep_days: float,
        queue_limit: int = DEFAULT_QUEUE_LIMIT,
        prune_every: float = DEFAULT_PRUNE_EVERY,
        max_bytes: int = 0,
        size_every: float = DEFAULT_SIZE_EVERY,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        """``max_bytes``: the size cap (0: none); ``size_every``: seconds between two looks at
        the size; ``sleep``: how the thread waits before a big batch (None: until the wait is
        over or the writer closes, whichever comes first)."""
        self._connection: sqlite3.Connection | None = connection
        self._path = path
        self._clock = clock
        self._keep = timedelta(days=keep_days)
        self._limit = queue_limit
        self._prune_every = prune_every
        self._max_bytes = max_bytes
        self._size_every = size_every
        self._sleep = sleep
        self._queue: deque[Record] = deque()
        self._queued_weight = 0
        self._changed = threading.Condition()
        self._put_count = 0  # records put, dropped ones included
        self._done_count = 0  # records written or dropped
        self._dropped = 0
        self._closing = False
        self._warnings: dict[str, str] = {}
        #: Backends whose complete listing this writer has written (the first one sweeps).
        self._listed: set[str] = set()
        #: jobdeck's archive as this writer last wrote it (None: not yet, in this file).
        self._archive: frozenset[JobRef] | None = None
        self._thread = threading.Thread(target=self._run, name="jobdeck-history-writer", daemon=True)
        self._thread.start()

    # -- the poll's side ------------------------------------------------------------

    def put(self, record: Record) -> None:
        """Queue ``record``; never waits on the disk. The oldest records go when it is full."""
        weight = _weight(record)
        with self._changed:
            if self._closing:
                return
            self._queue.append(record)
            self._queued_weight += weight
            self._put_count += 1
            while self._queued_weight > self._limit and len(self._queue) > 1:
                self._queued_weight -= _weight(self._queue.popleft())
                self._dropped += 1
                self._done_count += 1
            if self._dropped:
                self._warnings["dropped"] = (
                    f"history: {self._dropped} polls' changes were not kept in {self._path} "
                    "(the disk fell behind the polls)"
                )
            self._changed.notify_all()

    def flush(self, timeout: float) -> bool:
        """Wait until every record put so far is written (or dropped); False on timeout."""
        with self._changed:
            target = self._put_count
            return self._changed.wait_for(
                lambda: self._done_count >= target or not self._thread.is_alive(), timeout=timeout
            ) and self._done_count >= target

    def close(self, timeout: float) -> None:
        """Write what is queued (for at most ``timeout`` seconds), then stop the thread."""
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._warnings["close"] = f"history: not everything was written to {self._path} before jobdeck stopped"

    def warnings(self) -> list[str]:
        return list(self._warnings.values())

    # -- the thread -----------------------------------------------------------------

    def _run(self) -> None:
        next_prune = next_size = 0.0
        try:
            while True:
                if time.monotonic() >= next_prune:
                    self._maintain(self._prune_expired)
                    next_prune = time.monotonic() + self._prune_every
                if self._max_bytes and time.monotonic() >= next_size:
                    self._maintain(self._prune_to_size)
                    next_size = time.monotonic() + self._size_every
                with self._changed:
                    self._changed.wait_for(lambda: self._queue or self._closing, timeout=self._prune_every)
                    batch = list(self._queue)
                    self._queue.clear()
                    self._queued_weight = 0
                    closing = self._closing
                if batch:
                    if not closing and sum(_new_jobs(record) for record in batch) >= BIG_BATCH:
                        closing = self._pause()
                    self._write(batch, closing=closing)
                    with self._changed:
                        self._done_count += len(batch)
                        self._changed.notify_all()
                if closing and not batch:
                    return
        except Exception:  # the history must never take the deck down with it
            log.exception("the history writer stopped")
            self._warnings["stopped"] = f"history: recording stopped after an error (see the log); {self._path} is kept"
        finally:
            if self._connection is not None:
                self._connection.close()
            with self._changed:
                self._changed.notify_all()

    def _pause(self) -> bool:
        """Wait ``BIG_BATCH_WAIT`` seconds before a big batch, less if the writer closes
        meanwhile (the deck is gone: nothing to give the interpreter to, and ``close`` waits
        for the write); whether it is closing."""
        with self._changed:
            if self._sleep is None:
                self._changed.wait_for(lambda: self._closing, timeout=BIG_BATCH_WAIT)
                return self._closing
        self._sleep(BIG_BATCH_WAIT)
        with self._changed:
            return self._closing

    def _write(self, batch: Sequence[Record], *, closing: bool) -> None:
        """Write ``batch`` in one transaction: retried while the file is locked, set aside when damaged."""
        started = time.monotonic()
        pause = 0.02
        reopened = False
        while self._connection is not None:
            try:
                self._transaction(self._connection, batch)
            except sqlite3.OperationalError as problem:
                if not _is_busy(problem):
                    self._not_written(problem)
                    return
                waited = time.monotonic() - started
                if waited > BUSY_WARN_AFTER:
                    self._warnings["busy"] = (
                        f"history: {self._path} has been locked by another process for {waited:.0f} s; retrying"
                    )
                    if closing:
                        return
                time.sleep(pause)
                pause = min(pause * 2, MAX_BACKOFF)
                continue
            except sqlite3.DatabaseError as problem:
                if reopened or not is_damage(problem):
                    self._not_written(problem)
                    return
                log.warning("history: %s is damaged: %s", self._path, problem)
                self._reopen()
                reopened = True
                continue
            self._warnings.pop("busy", None)
            return

    def _not_written(self, problem: sqlite3.Error) -> None:
        log.warning("history: a batch was not written: %s", problem)
        self._warnings["write"] = f"history: could not write to {self._path} ({problem})"

    def _transaction(self, connection: sqlite3.Connection, batch: Sequence[Record]) -> None:
        listed: set[str] = set()
        archive = self._archive
        with immediate_transaction(connection):
            for record in batch:
                if isinstance(record, LogTail):
                    # After the polls before it in the batch: the job's row is there to key it to.
                    tail = (record.at, record.text, record.backend, record.job_id, record.created)
                    _execute_many(connection, KEEP_LOG_TAIL, [tail])
                    continue
                backend, at, added, changed, removed, transitions, complete, archived = record
                seen = ms(at) or 0
                entered = _entered(transitions)
                in_archive = frozenset(ref.id for ref in archived if ref.backend == backend) if archived else archived
                if added:
                    rows = [job_params(job, seen, entered.get(job.ref.id), in_archive) for job in added]
                    _execute_many(connection, UPSERT_JOB, rows)
                if changed:
                    rows = [job_params(job, seen, entered.get(job.ref.id), in_archive) for job in changed]
                    if _execute_many(connection, UPDATE_CHANGED_JOB, rows) < len(rows):
                        # Some not stored, renamed or seen later by another deck: all again, in full.
                        _execute_many(connection, UPSERT_JOB, rows)
                if removed:
                    _execute_many(connection, MARK_GONE, [(seen, backend, ref.id) for ref in removed])
                if complete:
                    if backend not in self._listed and backend not in listed:
                        connection.execute(MARK_UNLISTED_GONE, (seen, backend))
                    connection.execute(LISTED, (backend, seen))
                    listed.add(backend)
                if archived is not archive:  # archived or restored in a deck (any job, listed or not)
                    moved = archived ^ archive if archive is not None else archived
                    marks = [(ref in archived or None, ref.backend, ref.id) for ref in moved]
                    _execute_many(connection, MARK_ARCHIVED, marks)
                    archive = archived
            index_new_jobs(connection)  # the batch's new jobs, in one go (see search_index)
        self._listed |= listed
        self._archive = archive

    def _reopen(self) -> None:
        """The file went bad under the writer: set it aside and start a new one (or stop recording)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        try:
            self._connection, warning = open_or_set_aside(self._path, self._clock.now)
        except HistoryUnavailable as problem:
            self._warnings["unavailable"] = str(problem)
            return
        self._listed.clear()
        self._archive = None
        if warning:
            self._warnings["set-aside"] = warning

    def _maintain(self, prune: Callable[[sqlite3.Connection], None]) -> None:
        """Run ``prune`` (its own transactions); a locked file skips it for now, a damaged one is set aside."""
        connection = self._connection
        if connection is None:
            return
        try:
            prune(connection)
        except sqlite3.OperationalError as problem:  # locked by another deck: its writer prunes too
            log.info("history: pruning skipped: %s", problem)
        except sqlite3.DatabaseError as problem:
            if is_damage(problem):
                log.warning("history: %s is damaged: %s", self._path, problem)
                self._reopen()
            else:
                log.warning("history: pruning failed: %s", problem)

    def _prune_expired(self, connection: sqlite3.Connection) -> None:
        """Delete the jobs last seen more than ``keep_days`` ago, with their transitions."""
        cutoff = ms(self._clock.now() - self._keep)
        with immediate_transaction(connection):
            connection.execute(f"DELETE FROM transitions WHERE job IN ({_EXPIRED})", (cutoff,))
            connection.execute(f"DELETE FROM log_tails WHERE job IN ({_EXPIRED})", (cutoff,))
            connection.execute(f"DELETE FROM jobs WHERE id IN ({_EXPIRED})", (cutoff,))

    def _prune_to_size(self, connection: sqlite3.Connection) -> None:
        deleted, over = prune_to_size(connection, self._max_bytes)
        if deleted:
            log.info("history: %d oldest finished jobs pruned to keep %s under its cap", deleted, self._path)
        if not over:
            self._warnings.pop("over-cap", None)
            return
        mb = 1024 * 1024
        warning = (
            f"history: {self._path} holds {(self._max_bytes + over) / mb:.1f} MB, over its cap of"
            f" {self._max_bytes / mb:.1f} MB (history_max_mb), and no finished job is left to prune:"
            " the jobs still pending, running or paused fill it (they go once they finish;"
            " a larger history_max_mb keeps them all)"
        )
        if "over-cap" not in self._warnings:  # said once in the log; in H while it lasts
            log.warning("%s", warning)
        self._warnings["over-cap"] = warning


def _entered(transitions: Sequence[Transition]) -> dict[str, int | None]:
    """When each job of ``transitions`` entered its new state (ms), by id (each time once: a
    poll's transitions often share their moment)."""
    moments: dict[datetime, int | None] = {}
    entered: dict[str, int | None] = {}
    for ref, event in transitions:
        at = event.at
        when = moments.get(at, -1)
        if when == -1:
            when = moments[at] = ms(at)
        entered[ref.id] = when
    return entered


def _is_busy(problem: sqlite3.OperationalError) -> bool:
    code = getattr(problem, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(problem) or "busy" in str(problem)


def _execute_many(connection: sqlite3.Connection, sql: str, rows: list[tuple[Any, ...]]) -> int:
    """``executemany``, again with lone surrogates replaced if a row's text cannot be encoded
    (every statement here is an idempotent upsert or update, so repeating the rows is safe);
    the rows it changed (not counting its triggers' rows)."""
    try:
        return connection.executemany(sql, rows).rowcount
    except UnicodeEncodeError:
        return connection.executemany(sql, [storable(row) for row in rows]).rowcount
