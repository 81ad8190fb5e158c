"""Reading back the log tail kept of a finished job (``jobdeck logs`` for a job its backend
forgot). A read-only connection of its own, opened for the one question: it never blocks
the writer (WAL) and never changes the file."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from jobdeck.model import JobRef
from jobdeck.store.sqlite.rows import from_ms, storable
from jobdeck.store.sqlite.schema import connect_read_only

_NEWEST_TAIL = """
SELECT log_tails.text, log_tails.at FROM log_tails JOIN jobs ON jobs.id = log_tails.job
WHERE jobs.backend = ? AND jobs.job_id = ? ORDER BY jobs.first_seen DESC, jobs.id DESC LIMIT 1
"""


@dataclass(frozen=True)
class KeptLogTail:
    """The last part of a job's log as the history kept it, and when it was kept."""

    text: str
    kept_at: datetime | None


def kept_log_tail(path: Path, ref: JobRef) -> KeptLogTail | None:
    """The tail kept of ``ref`` (where its id was reused, the newest job's), or None: none
    kept, or no history file that can be read (the caller then says the job is unknown)."""
    if not path.is_file():
        return None
    try:
        connection = connect_read_only(path)
        try:
            # storable: a reference typed with bad bytes holds lone surrogates (kept as U+FFFD).
            row = connection.execute(_NEWEST_TAIL, storable((ref.backend, ref.id))).fetchone()
        finally:
            connection.close()
    except sqlite3.Error:  # unreadable, or a file older than log tails: nothing kept
        return None
    if row is None or not isinstance(row[0], str):
        return None
    return KeptLogTail(text=row[0], kept_at=from_ms(row[1]))


#: Every backend of the history, each found in a step through the identity index (no scan).
_BACKENDS = """
WITH RECURSIVE known(name) AS (
    SELECT min(backend) FROM jobs
    UNION ALL SELECT (SELECT min(backend) FROM jobs WHERE backend > known.name) FROM known WHERE name IS NOT NULL
) SELECT name FROM known WHERE name IS NOT NULL
"""
#: Jobs of the history that have ``text`` as their id, else as their name, newest first
#: (each looked up in an index, backend by backend: every backend, or the one asked for).
_REFS_BY_ID = """
SELECT backend, job_id FROM jobs WHERE backend IN ({backends}) AND job_id = ?
GROUP BY backend, job_id ORDER BY max(first_seen) DESC LIMIT ?
"""
_REFS_BY_NAME = """
SELECT backend, job_id FROM jobs INDEXED BY jobs_by_name WHERE backend IN ({backends}) AND name = ?
GROUP BY backend, job_id ORDER BY max(first_seen) DESC LIMIT ?
"""


def history_refs(path: Path, text: str, *, backend: str | None = None, limit: int = 11) -> list[JobRef]:
    """The jobs in the history whose id is ``text`` or, when none is, whose name is (a bare
    reference typed to ``jobdeck logs`` for a job its backend forgot), newest first, at most
    ``limit`` (counted among the jobs of ``backend`` when given); none when the history
    cannot be read."""
    if not path.is_file():
        return []
    backends, among = (_BACKENDS, ()) if backend is None else ("?", storable((backend,)))
    try:
        connection = connect_read_only(path)
        try:
            (key,) = storable((text,))
            rows = connection.execute(_REFS_BY_ID.format(backends=backends), (*among, key, limit)).fetchall()
            if not rows:
                rows = connection.execute(_REFS_BY_NAME.format(backends=backends), (*among, key, limit)).fetchall()
        finally:
            connection.close()
    except sqlite3.Error:
        return []
    return [JobRef(backend=backend, id=job_id) for backend, job_id in rows]
