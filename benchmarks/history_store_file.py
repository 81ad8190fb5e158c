"""A history file of 1,000,000 jobs for the history view's figures, built once into
``.bench-cache/`` and reused (rebuilt when the schema moves on).

Built through the real schema (``connect``: its triggers make each job's first
transition and its words' index), in a few large transactions. Jobs look like the
deck benchmark's (``backend.make_jobs``: names of ten words and a number, machine
and project labels, the same mix of states), spread over three backends and the
last 30 days; all but the newest few thousand are gone from their backends.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from jobdeck.store.sqlite.schema import MIGRATIONS, connect
from jobdeck.store.sqlite.search_index import index_new_jobs

from datafiles import CACHE

#: The newest job's first sighting: the figures' "now" is a little after it.
NEWEST = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
BACKENDS = ("slurm-a", "ray-prod", "celery")
STATES = ("succeeded", "succeeded", "succeeded", "running", "failed", "pending", "canceled", "paused")
WORDS = ("nightly", "etl", "backup", "train", "render", "scrape", "index", "report", "deploy", "sync")
#: Jobs still listed by their backend (the newest ones); the rest are gone.
LISTED = 5_000
_BATCH = 50_000

_INSERT = """
INSERT INTO jobs (backend, job_id, created, name, group_key, group_name, state, raw_state, state_since,
                  started, ended, updated, counts, progress, error, labels, first_seen, last_seen, gone_since)
VALUES (?, ?, ?, ?, NULL, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _row(number: int, count: int) -> tuple[object, ...]:
    """Job ``number`` of ``count`` (0 the oldest): a job seen for a while, a minute apart
    from its neighbours' first sightings (about 30 days for a million)."""
    newest = _ms(NEWEST)
    seen = newest - (count - 1 - number) * 2_600
    state = STATES[number % len(STATES)]
    created = seen - 5_000
    started = created + 5_000
    ended = started + (60 + number % 900) * 1000 if state in ("succeeded", "failed", "canceled") else None
    updated = ended or started + 30_000
    last_seen = max(seen, updated)
    gone = None if number >= count - LISTED else last_seen + 60_000
    counts = json.dumps([300, number % 280, number % 7], separators=(",", ":")) if number % 5 == 0 else None
    labels = json.dumps(
        {"machine": f"m-{number % 64:02d}", "project": WORDS[(number // 7) % len(WORDS)]}, separators=(",", ":")
    )
    return (
        BACKENDS[number % len(BACKENDS)],
        f"j{number:07d}",
        created,
        f"{WORDS[number % len(WORDS)]}-{number}",
        state,
        state.upper(),
        ended or started,
        started,
        ended,
        updated,
        counts,
        float(number % 100) if state == "running" else None,
        "exit code 3" if state == "failed" else None,
        labels,
        seen,
        last_seen,
        gone,
    )


def history_file(jobs: int = 1_000_000) -> Path:
    """The cached history file of ``jobs`` jobs (built the first time, about a minute)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    schema = hashlib.sha256("".join(MIGRATIONS).encode()).hexdigest()[:10]
    path = CACHE / f"history-{jobs}-{schema}.sqlite3"
    if path.exists():
        return path
    partial = path.with_name(path.name + ".partial")
    for leftover in (partial, partial.with_name(partial.name + "-wal"), partial.with_name(partial.name + "-shm")):
        leftover.unlink(missing_ok=True)
    started = time.monotonic()
    connection = connect(partial)
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute("PRAGMA cache_size = -262144")
    for first in range(0, jobs, _BATCH):
        connection.execute("BEGIN")
        connection.executemany(_INSERT, (_row(number, jobs) for number in range(first, min(jobs, first + _BATCH))))
        index_new_jobs(connection)
        connection.execute("COMMIT")
    listed_at = _ms(NEWEST) + 60_000
    connection.executemany("INSERT INTO backends (name, listed_at) VALUES (?, ?)", [(b, listed_at) for b in BACKENDS])
    connection.execute("INSERT INTO jobs_text (jobs_text) VALUES ('optimize')")
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    os.replace(partial, path)
    print(f"built {path.name}: {jobs:,} jobs in {time.monotonic() - started:.0f} s", flush=True)
    return path


def now_for_figures() -> datetime:
    """The figures' clock: a minute after the newest job's listing."""
    return NEWEST + timedelta(minutes=2)


def open_count(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT count(*) FROM jobs").fetchone()[0]
