"""The failures of the last day, per backend, read back from the history for the kiosk:
how many failed today and in the last hour (so a restart does not set them to zero), and
how many in each of the last 24 hours (a card's sparkline). An archived failure was dealt
with: it is not counted (as the kiosk's live counts leave archived jobs out).

One query over the partial index ``jobs_failed_ended`` (failed jobs by end time), counted
by backend and hour in SQL: it costs the day's failures, not the history's size. The index
is named: an index of jobs by state would look as good to the planner, and costs every
failure kept (30 days of them). A
read-only connection of its own: it never blocks the writer (WAL) and never changes the file.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from jobdeck.clock import assume_utc
from jobdeck.store.sqlite.rows import ms
from jobdeck.store.sqlite.schema import HistoryUnavailable, connect_read_only

#: Hours of a sparkline, the oldest first; the last is the hour up to now.
HOURS = 24
#: An end this far past now still counts (a backend's clock a little ahead of ours).
CLOCK_SLACK = timedelta(minutes=5)

_HOUR_MS = 3_600_000
_PER_HOUR = f"""
SELECT backend, CASE WHEN ended < :start THEN -1 ELSE min({HOURS - 1}, (ended - :start) / {_HOUR_MS}) END AS hour,
       count(*), sum(ended >= :midnight)
FROM jobs INDEXED BY jobs_failed_ended
WHERE state = 'failed' AND ended >= min(:start, :midnight) AND ended <= :latest AND archived IS NULL
GROUP BY backend, hour
"""


@dataclass(frozen=True)
class FailureCounts:
    """A backend's failures: today, in the last hour, and in each of the last 24 hours."""

    today: int = 0
    last_hour: int = 0
    #: Failures per hour, the oldest hour first; the last is the hour up to now.
    per_hour: tuple[int, ...] = field(default=(0,) * HOURS)


def failure_counts(path: Path, now: datetime) -> dict[str, FailureCounts]:
    """Per backend that failed in the last day: its ``FailureCounts`` at ``now`` ("today" is
    the day in the zone of ``now``; UTC without one). {} when there is no history yet;
    HistoryUnavailable (saying why) when the file cannot be read."""
    if not path.is_file():
        return {}
    now = assume_utc(now)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    params = {
        "start": ms(now) - HOURS * _HOUR_MS,
        "midnight": ms(midnight),
        "latest": ms(now + CLOCK_SLACK),
    }
    try:
        connection = connect_read_only(path)
        try:
            rows = connection.execute(_PER_HOUR, params).fetchall()
        finally:
            connection.close()
    except sqlite3.Error as problem:
        raise HistoryUnavailable(f"{path} cannot be read: {problem}") from problem
    hours: dict[str, list[int]] = {}
    today: dict[str, int] = {}
    for backend, hour, count, since_midnight in rows:
        per_hour = hours.setdefault(backend, [0] * HOURS)
        if hour >= 0:  # (-1: before the last 24 hours, on a day of 25)
            per_hour[hour] += count
        today[backend] = today.get(backend, 0) + (since_midnight or 0)
    return {
        backend: FailureCounts(today=today[backend], last_hour=per_hour[-1], per_hour=tuple(per_hour))
        for backend, per_hour in hours.items()
    }
