"""A job's run history: the last runs of the same job (the same backend and name, or the
same group), newest first, read back for the deck's run-history strip.

Each job the history keeps is one run of its name (a nightly job runs again as a new
job). The query walks the index for it (``jobs_by_name`` or ``jobs_by_group``) from its
newest end, so it costs the runs asked for, not the size of the history. A read-only
connection of its own, opened for the one question: it never blocks the writer (WAL)
and never changes the file.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from jobdeck.model import Job, JobState
from jobdeck.store.sqlite.rows import from_ms, ms, storable
from jobdeck.store.sqlite.schema import HistoryUnavailable, connect_read_only

#: Runs read for a strip (and its success rate and percentiles): the newest of them.
RUNS_READ = 50

_COLUMNS = "job_id, created, state, started, ended"
_BY_GROUP = f"""
SELECT {_COLUMNS} FROM jobs WHERE backend = ? AND group_key = ?
ORDER BY first_seen DESC, id DESC LIMIT ?
"""
_BY_NAME = f"""
SELECT {_COLUMNS} FROM jobs WHERE backend = ? AND name = ?
ORDER BY first_seen DESC, id DESC LIMIT ?
"""


@dataclass(frozen=True)
class PastRun:
    """One run of a job as the history keeps it (its last known state and times)."""

    job_id: str
    #: The job's creation time (with ``job_id``, which run it is where an id was reused).
    created: datetime | None
    state: JobState
    started: datetime | None
    ended: datetime | None

    def is_run_of(self, job: Job) -> bool:
        """Whether this is ``job`` itself (same id and creation time)."""
        return self.job_id == job.ref.id and ms(self.created) == ms(job.created)

    @classmethod
    def of_job(cls, job: Job) -> PastRun:
        return cls(job.ref.id, job.created, job.state, job.started, job.ended)


def same_job_key(job: Job) -> tuple[str, str]:
    """What makes two jobs runs of the same job: ("group", key) or ("name", name)."""
    return ("group", job.group.key) if job.group is not None else ("name", job.name)


def recent_runs(path: Path, job: Job, limit: int = RUNS_READ) -> list[PastRun]:
    """The last ``limit`` runs of ``job``'s job (its group's, else its name's) on its
    backend, newest first; [] when the history holds none. HistoryUnavailable (saying
    why) when the file cannot be read."""
    if not path.is_file():
        return []
    kind, key = same_job_key(job)
    try:
        connection = connect_read_only(path)
        try:
            rows = connection.execute(
                _BY_GROUP if kind == "group" else _BY_NAME, storable((job.ref.backend, key, max(0, limit)))
            ).fetchall()
        finally:
            connection.close()
    except sqlite3.Error as problem:
        raise HistoryUnavailable(f"{path} cannot be read: {problem}") from problem
    return [
        PastRun(
            job_id=str(job_id),
            created=from_ms(created) if created else None,
            state=JobState.parse(state) if isinstance(state, str) else JobState.UNKNOWN,
            started=from_ms(started),
            ended=from_ms(ended),
        )
        for job_id, created, state, started, ended in rows
    ]
