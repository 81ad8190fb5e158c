"""The history's size cap (``Settings.history_max_mb``): when the database holds more than
the cap, the oldest finished jobs go, with their transitions and kept log tails, until it
holds a tenth less (so one cap crossed is not a pruning after every write).

Run by the writer's thread, in short transactions of its own (a reader or another deck
waits at most one of them); a poll never waits on it. What the database holds is its
pages in use: pages freed by pruning are used again by the next writes, so the file
stops growing at about the cap (it does not shrink: a cap lowered later bounds new
growth; ``VACUUM`` by hand gives the space back).

Finished: succeeded, failed or canceled, or gone from its backend; a job still pending,
running or paused in its backend is never pruned for size. Oldest: first seen longest ago.
When those alone hold more than the cap, nothing can go: ``prune_to_size`` says by how
much the database is still over it (the writer warns, once, until it is under again).
"""

from __future__ import annotations

import sqlite3

from jobdeck.store.sqlite.schema import immediate_transaction

#: What the database is brought down to once over the cap, as a share of the cap.
LOW_WATER = 0.9
#: The most jobs deleted a transaction.
CHUNK = 2_000
#: About what a job's row, its transitions and its index entries take (``history_bytes_per_job``).
ROW_BYTES = 600

#: The oldest finished jobs, each with about what deleting it frees (its row, its log tail).
_OLDEST_FINISHED = """
SELECT id, coalesce((SELECT length(CAST(text AS BLOB)) FROM log_tails WHERE job = jobs.id), 0)
FROM jobs INDEXED BY jobs_first_seen
WHERE state IN ('succeeded', 'failed', 'canceled') OR gone_since IS NOT NULL
ORDER BY first_seen LIMIT ?
"""


def used_bytes(connection: sqlite3.Connection) -> int:
    """Bytes of the database in use (its pages but the free ones), its WAL's commits included."""
    page_size = connection.execute("PRAGMA page_size").fetchone()[0]
    pages = connection.execute("PRAGMA page_count").fetchone()[0]
    free = connection.execute("PRAGMA freelist_count").fetchone()[0]
    return (pages - free) * page_size


def prune_to_size(connection: sqlite3.Connection, cap_bytes: int) -> tuple[int, int]:
    """When the database holds more than ``cap_bytes``: delete the oldest finished jobs (with
    their transitions and log tails) until it holds at most LOW_WATER of it, or none is left
    to delete. The number of jobs deleted, and the bytes it still holds over the cap (0:
    not over it; more: only jobs not finished are left, and they hold more than the cap)."""
    if used_bytes(connection) <= cap_bytes:
        return 0, 0
    target = cap_bytes * LOW_WATER
    deleted = 0
    while (excess := used_bytes(connection) - target) > 0:
        with immediate_transaction(connection):
            oldest = connection.execute(_OLDEST_FINISHED, (CHUNK,)).fetchall()
            ids: list[tuple[int]] = []
            for job, tail_bytes in oldest:  # as many as free about the excess
                ids.append((job,))
                excess -= ROW_BYTES + tail_bytes
                if excess <= 0:
                    break
            connection.executemany("DELETE FROM transitions WHERE job = ?", ids)
            connection.executemany("DELETE FROM log_tails WHERE job = ?", ids)
            connection.executemany("DELETE FROM jobs WHERE id = ?", ids)
        deleted += len(ids)
        if len(ids) == len(oldest) < CHUNK:
            break  # none left to delete
    return deleted, max(0, used_bytes(connection) - cap_bytes)
