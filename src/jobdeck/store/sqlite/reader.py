"""Reading the history back (the history view and ``jobdeck history``): pages of jobs, a
search with the filter language (``search``: see ``history_pages``), a job's transitions.
Connections of its own, read only: they never block the writer (WAL) and never change
the file. Safe to use from several threads."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jobdeck.model import JobRef, JobState, StatusEvent
from jobdeck.query import Query
from jobdeck.store.sqlite.history_pages import HistoryEntry, HistorySearch
from jobdeck.store.sqlite.history_query import Vocabulary
from jobdeck.store.sqlite.rows import JOB_COLUMNS, LAST_SEEN, event_from_row, job_from_row, ms, storable
from jobdeck.store.sqlite.schema import HistoryUnavailable, connect_read_only

__all__ = ["HistoryEntry", "HistoryReader", "HistorySearch"]

#: Seconds a search reuses the backends and raw states the one before it read.
VOCABULARY_SECONDS = 5.0


class HistoryReader:
    """Queries over ``history.sqlite3``. HistoryUnavailable when the file cannot be opened
    (or is no history: not a database, damaged, or from a newer jobdeck)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._counting: sqlite3.Connection | None = None
        try:
            self._connection = connect_read_only(path)
        except sqlite3.Error as problem:
            raise HistoryUnavailable(f"{path} cannot be read: {problem}") from problem
        try:
            self._connection.execute("SELECT 1 FROM jobs LIMIT 1").fetchall()
        except sqlite3.Error as problem:
            self._connection.close()
            raise HistoryUnavailable(f"{path} cannot be read: {problem}") from problem
        self._lock = threading.Lock()
        self._counting_lock = threading.Lock()
        self._vocabulary: Vocabulary | None = None
        self._vocabulary_at = float("-inf")

    def jobs(
        self,
        *,
        since: datetime | None = None,
        backend: str | None = None,
        state: JobState | str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[HistoryEntry]:
        """Jobs first seen newest first: those last seen at or after ``since``, of ``backend``,
        in ``state``; ``limit`` of them from ``offset``."""
        where: list[str] = []
        params: list[Any] = []
        if since is not None:
            where.append(f"{LAST_SEEN} >= ?")
            params.append(ms(since))
        if backend is not None:
            where.append("jobs.backend = ?")
            params.append(backend)
        if state is not None:
            where.append("jobs.state = ?")
            params.append(JobState(state).value)
        sql = (
            f"SELECT {JOB_COLUMNS} FROM jobs LEFT JOIN backends ON backends.name = jobs.backend"
            f"{' WHERE ' + ' AND '.join(where) if where else ''}"
            " ORDER BY jobs.first_seen DESC, jobs.id DESC LIMIT ? OFFSET ?"
        )
        with self._lock:
            rows = self._connection.execute(sql, storable([*params, max(0, limit), max(0, offset)])).fetchall()
        return [HistoryEntry(*job_from_row(row)) for row in rows]

    def transitions(self, ref: JobRef, *, created: datetime | None = None) -> list[StatusEvent]:
        """``ref``'s states as jobdeck saw them, oldest first. Where its id was reused, the
        job created at ``created``, else the newest."""
        if created is not None:
            match, params = "created = ?", [ref.backend, ref.id, ms(created)]
        else:
            match, params = "1", [ref.backend, ref.id]
        with self._lock:
            row = self._connection.execute(
                f"SELECT id FROM jobs WHERE backend = ? AND job_id = ? AND {match}"
                " ORDER BY first_seen DESC, id DESC LIMIT 1",
                storable(params),  # a reference typed with bad bytes: stored text has U+FFFD there
            ).fetchone()
            if row is None:
                return []
            events = self._connection.execute(
                "SELECT at, state, raw_state FROM transitions WHERE job = ? ORDER BY at", (row[0],)
            ).fetchall()
        return [event_from_row(*event) for event in events]

    def search(self, query: Query, *, newest_first: bool = True, now: datetime | None = None) -> HistorySearch:
        """``query`` over every job, newest first (or oldest; in its ``sort:`` order, or that
        reversed, when it has one: running jobs' durations up to ``now``), to read a page at a
        time. sqlite3.Error when the file cannot be read (another jobdeck's schema, damage)."""
        if self._counting is None:
            self._counting = connect_read_only(self.path)
        # The backends and raw states change seldom: read again after a few seconds, not a keystroke.
        known = self._vocabulary if time.monotonic() - self._vocabulary_at < VOCABULARY_SECONDS else None
        search = HistorySearch(
            (self._connection, self._lock), (self._counting, self._counting_lock), query,
            newest_first=newest_first, known=known, now_ms=ms(now or datetime.now(UTC)) or 0,
        )
        if known is None:
            self._vocabulary, self._vocabulary_at = search.vocabulary, time.monotonic()
        return search

    def entries(self, keys: Sequence[int]) -> dict[int, HistoryEntry]:
        """The jobs of rows ``keys`` as the history has them now (a row shown a while ago,
        read again: its state, when last seen), by key; a row pruned meanwhile is missing."""
        keys = list(keys)[:500]
        if not keys:
            return {}
        sql = (
            f"SELECT {JOB_COLUMNS}, jobs.id FROM jobs LEFT JOIN backends ON backends.name = jobs.backend"
            f" WHERE jobs.id IN ({', '.join('?' * len(keys))})"
        )
        with self._lock:
            rows = self._connection.execute(sql, keys).fetchall()
        return {row[-1]: HistoryEntry(*job_from_row(row[:-1]), key=row[-1]) for row in rows}

    def transitions_of(self, entry: HistoryEntry) -> list[StatusEvent]:
        """The states of the job ``entry`` is (its row), oldest first."""
        with self._lock:
            events = self._connection.execute(
                "SELECT at, state, raw_state FROM transitions WHERE job = ? ORDER BY at", (entry.key,)
            ).fetchall()
        return [event_from_row(*event) for event in events]

    def close(self) -> None:
        with self._lock:
            self._connection.close()
        if self._counting is not None:
            with self._counting_lock:
                self._counting.close()
