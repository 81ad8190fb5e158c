"""Job sorting: the deck's orders (``SORT_KEYS``, cycled with ``s``), each also reversed
(``-name``), as ``sort:`` in a query names them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from jobdeck.model import Job, JobState
from jobdeck.query.errors import QueryError

SORT_KEYS: tuple[str, ...] = ("recent", "state", "name", "backend", "duration")

#: Most urgent first: what needs attention, then what is moving, then the rest.
STATE_RANK: dict[JobState, int] = {
    JobState.FAILED: 0,
    JobState.RUNNING: 1,
    JobState.PENDING: 2,
    JobState.PAUSED: 3,
    JobState.UNKNOWN: 4,
    JobState.CANCELED: 5,
    JobState.SUCCEEDED: 6,
}

_NEVER = float("-inf")


def is_sort(sort: str) -> bool:
    """Whether ``sort`` is one of SORT_KEYS, or one with a leading ``-`` (reversed)."""
    return sort.removeprefix("-") in SORT_KEYS


def parse_sort(value: str) -> str:
    """A ``sort:`` term's value as a sort: a key of SORT_KEYS or a prefix of one
    (``sort:dur``), after an optional ``-`` that reverses it. QueryError otherwise."""
    reverse, key = value.startswith("-"), value.removeprefix("-").lower()
    found = [name for name in SORT_KEYS if name.startswith(key)] if key else []
    if len(found) != 1:
        raise QueryError(f"sort: takes one of {', '.join(SORT_KEYS)}, with - before it to reverse it (sort:-duration)")
    return ("-" if reverse else "") + found[0]


def last_activity(job: Job) -> datetime | None:
    """When the job last did something: updated, else started, else created."""
    return job.updated or job.started or job.created


def _recency(job: Job) -> float:
    moment = job.updated or job.started or job.created
    return moment.timestamp() if moment is not None else _NEVER


def _newest_first(job: Job) -> float:
    # -_recency in one call: the default sort's key, a million times at a first frame.
    moment = job.updated or job.started or job.created
    return -moment.timestamp() if moment is not None else -_NEVER


class _Reversed:
    """A sort key that orders the other way round (for a reversed sort's bisections)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: _Reversed) -> bool:
        return bool(other.value < self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Reversed) and bool(other.value == self.value)

    __hash__ = None  # type: ignore[assignment]


def sort_key(key: str, now: datetime | None = None) -> Callable[[Job], Any]:
    """An ascending key function that orders jobs exactly as ``sort_jobs`` does
    (ties aside), for inserting into an already sorted list with ``bisect``."""
    if key.startswith("-") and is_sort(key):
        forward = sort_key(key[1:], now)
        return lambda job: _Reversed(forward(job))
    if key == "recent":
        return _newest_first
    if key == "state":
        rank = STATE_RANK
        return lambda job: (rank[job.state], -_recency(job))
    if key == "name":
        return lambda job: (job.name.casefold(), -_recency(job))
    if key == "backend":
        return lambda job: (job.ref.backend.casefold(), -_recency(job))
    if key == "duration":
        return lambda job: _duration_key(job, now)
    raise ValueError(f"unknown sort {key!r}; sorts: {', '.join(SORT_KEYS)}")


def sort_jobs(jobs: Iterable[Job], key: str, now: datetime | None = None) -> list[Job]:
    """``jobs`` sorted by one of SORT_KEYS. Stable: ties keep their given order.

    - recent: most recently updated/started/created first (jobs without times last);
    - state: failed, running, pending, paused, unknown, canceled, succeeded, then recent;
    - name, backend: alphabetical (case-insensitive), then recent;
    - duration: longest first (running jobs count up to ``now``), jobs without one last;
    - ``-`` before any of them: that order reversed.
    """
    if not is_sort(key):
        raise ValueError(f"unknown sort {key!r}; sorts: {', '.join(SORT_KEYS)}")
    if key.startswith("-"):
        return sorted(jobs, key=sort_key(key, now))
    if key == "duration":
        return sorted(jobs, key=lambda job: _duration_key(job, now))
    recent = sorted(jobs, key=_recency, reverse=True)
    # Python's sort is stable, so a second pass on the primary key keeps the
    # recent order within equal keys, and is cheaper than tuple keys.
    if key == "state":
        rank = STATE_RANK
        recent.sort(key=lambda job: rank[job.state])
    elif key == "name":
        recent.sort(key=lambda job: job.name.casefold())
    elif key == "backend":
        recent.sort(key=lambda job: job.ref.backend.casefold())
    return recent


def sorted_with_keys(jobs: Sequence[Job], key: Callable[[Job], Any]) -> tuple[list[Job], list[Any]]:
    """``jobs`` in ``key``'s order (a ``sort_key``: ``sort_jobs``' order, ties in the given
    order) and each one's key, kept by a caller that later puts jobs in place by bisecting."""
    keys = [key(job) for job in jobs]
    order = sorted(range(len(keys)), key=keys.__getitem__)
    return [jobs[position] for position in order], [keys[position] for position in order]


def _duration_key(job: Job, now: datetime | None) -> float:
    if job.started is None:
        return float("inf")
    # Without a "now", a running job counts up to its last update.
    seconds = job.duration(now or job.updated or job.started)
    return -seconds if seconds is not None else float("inf")
