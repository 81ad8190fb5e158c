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
