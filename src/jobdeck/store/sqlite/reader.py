"""Reading the history back (the history view and ``jobdeck history`` to come): pages of
jobs, newest first, and a job's transitions. A connection of its own, read only: it never
blocks the writer (WAL) and never changes the file."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jobdeck.model import Job, JobRef, JobState, StatusEvent
from jobdeck.store.sqlite.rows import JOB_COLUMNS, LAST_SEEN, event_from_row, job_from_row, ms, storable
from jobdeck.store.sqlite.schema import HistoryUnavailable, connect_read_only


@dataclass(frozen=True)
class HistoryEntry:
    """One job as the history keeps it: as last seen (``job.gone_since`` set when its
    backend no longer lists it), and when jobdeck first and last saw it."""

    job: Job
    first_seen: datetime
    last_seen: datetime


class HistoryReader:
    """Queries over ``history.sqlite3``. HistoryUnavailable when the file cannot be opened."""

    def __init__(self, path: Path) -> None:
        try:
            self._connection = connect_read_only(path)
            self._connection.execute("SELECT 1 FROM jobs LIMIT 1").fetchall()
        except sqlite3.Error as problem:
            raise HistoryUnavailable(f"{path} cannot be read: {problem}") from problem

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
        rows = self._connection.execute(sql, storable([*params, max(0, limit), max(0, offset)])).fetchall()
        return [HistoryEntry(*job_from_row(row)) for row in rows]

    def transitions(self, ref: JobRef, *, created: datetime | None = None) -> list[StatusEvent]:
        """``ref``'s states as jobdeck saw them, oldest first. Where its id was reused, the
        job created at ``created``, else the newest."""
        if created is not None:
            match, params = "created = ?", [ref.backend, ref.id, ms(created)]
        else:
            match, params = "1", [ref.backend, ref.id]
        row = self._connection.execute(
            f"SELECT id FROM jobs WHERE backend = ? AND job_id = ? AND {match} ORDER BY first_seen DESC, id DESC LIMIT 1",
            storable(params),  # a reference typed with bad bytes: stored text has U+FFFD there
        ).fetchone()
        if row is None:
            return []
        events = self._connection.execute(
            "SELECT at, state, raw_state FROM transitions WHERE job = ? ORDER BY at", (row[0],)
        ).fetchall()
        return [event_from_row(*event) for event in events]

    def close(self) -> None:
        self._connection.close()
