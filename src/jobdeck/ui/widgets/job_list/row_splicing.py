"""Lists kept sorted, patched rather than re-sorted: finding a job by bisecting, and
splicing many drops and inserts into a new list in one pass (``JobFilter.patch``).

No Textual here (a data part of the job list, tested without an app).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, TypeVar

from jobdeck.model import Job
from jobdeck.query import job_text

T = TypeVar("T")


class Patched(NamedTuple):
    """A keyed list patched (``patched_keyed``), and how: what was dropped and put in."""

    jobs: list[Job]
    texts: list[str] | None
    keys: list[Any]
    #: The positions taken out of the list it patched, ascending.
    dropped: list[int]
    #: Each text put in (when the texts are known) and the position in the list it patched
    #: it went before, ascending (``spliced``'s terms: a mask of the texts patches alike).
    inserted_texts: list[tuple[int, str]]


def patched_keyed(
    jobs: list[Job],
    texts: list[str] | None,
    keys: list[Any],
    gone: list[Job],
    arriving: list[Job],
    key: Callable[[Job], Any],
) -> Patched:
    """``JobFilter._patched`` for a list whose sort ``keys`` are kept beside it (and kept up)."""
    dropped = sorted(
        position for position in (locate_keyed(jobs, keys, job, key(job)) for job in gone) if position is not None
    )
    keyed = sorted((key(job), order, job) for order, job in enumerate(arriving))
    # Places in the list as it was (dropped jobs still in it), as sequential inserts would give.
    places = [(bisect_right(keys, job_key), job_key, job) for job_key, _, job in keyed]
    new_jobs = spliced(jobs, dropped, [(place, job) for place, _, job in places])
    new_keys = spliced(keys, dropped, [(place, job_key) for place, job_key, _ in places])
    if texts is None:
        return Patched(new_jobs, None, new_keys, dropped, [])
    inserted = [(place, job_text(job)) for place, _, job in places]
    return Patched(new_jobs, spliced(texts, dropped, inserted), new_keys, dropped, inserted)


def locate_keyed(rows: Sequence[Job], keys: list[Any], job: Job, wanted: Any) -> int | None:
    """``locate``, bisecting the rows' ``keys`` (``wanted``: the key of ``job``)."""
    start = bisect_left(keys, wanted)
    for position in range(start, len(rows)):
        if rows[position] is job:
            return position
        if keys[position] != wanted:
            return None
    return None


def locate(rows: Sequence[Job], job: Job, key: Any) -> int | None:
    """Where ``job`` (this very object) is in ``rows``, sorted by ``key``: found by
    bisecting, so a diff need not visit every row."""
    wanted = key(job)
    start = bisect_left(rows, wanted, key=key)
    end = min(len(rows), start + 256)
    for position in range(start, end):
        if rows[position] is job:
            return position
        if key(rows[position]) != wanted:
            return None  # past every row with its key: not shown (filtered out, or gone)
    if end == len(rows):
        return None
    # More than 256 rows share its key: look everywhere.
    for position, row in enumerate(rows):
        if row is job:
            return position
    return None


def memoized(key: Callable[[Job], Any]) -> Callable[[Job], Any]:
    """``key``, computed once per job. Only for the length of one call: a job's id is
    unique only while it is alive (every job met here is held by the lists meanwhile)."""
    memo: dict[int, Any] = {}

    def cached(job: Job) -> Any:
        value = memo.get(id(job))
        if value is None:
            value = memo[id(job)] = key(job)
        return value

    return cached


def spliced(items: list[T], dropped: list[int], inserted: list[tuple[int, T]]) -> list[T]:
    """``items`` without the positions ``dropped`` (ascending) and with each
    ``(position, item)`` of ``inserted`` (ascending) put before ``items[position]``."""
    result: list[T] = []
    start = 0
    next_drop = 0
    for place, item in [*inserted, (len(items), None)]:
        while next_drop < len(dropped) and dropped[next_drop] < place:
            result += items[start : dropped[next_drop]]
            start = dropped[next_drop] + 1
            next_drop += 1
        result += items[start:place]
        start = place
        if item is not None:
            result.append(item)
    return result
