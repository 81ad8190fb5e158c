"""The history view's orders: a ``sort:`` term as SQL, in the live list's orders
(``jobdeck.query.sort``), so a page of a million jobs is read in that order, by key.

Each order is a list of keys, the job's row id last (a total order, so a page starts
exactly after the row the one before ended on): a time that sorts newest first is
negated, and a job without one (NULL) takes a value past every other, as the live list
puts it last. ``sort:-name`` reverses every key but the row's, as the live list reverses
its order and keeps ties as they were; ``s`` reverses the whole order. Names and backends
compare without case (ASCII letters: SQLite's NOCASE; the live list folds every letter).
"""

from __future__ import annotations

from dataclasses import dataclass

from jobdeck.model import JobState
from jobdeck.query import STATE_RANK

#: Past every negated time in ms: where a job without the time sorts.
_LAST = 1 << 62
#: When a job last did something (the live list's ``last_activity``), negated: newest first.
_RECENT = f"coalesce(-coalesce(jobs.updated, jobs.started, nullif(jobs.created, 0)), {_LAST})"
#: The state's rank: what needs attention first.
_RANK = (
    "CASE jobs.state " + " ".join(f"WHEN '{state.value}' THEN {rank}" for state, rank in STATE_RANK.items())
    + f" ELSE {STATE_RANK[JobState.UNKNOWN]} END"
)
#: The row, newest stored first (ties, in the order the live list is given the jobs).
_ROW = "-jobs.id"


@dataclass(frozen=True)
class Order:
    """The keys a sort orders rows by (SQL over ``jobs``), each with whether it goes down."""

    keys: tuple[tuple[str, bool], ...]

    def reversed(self) -> Order:
        return Order(tuple((key, not down) for key, down in self.keys))

    def order_by(self) -> str:
        return ", ".join(key + (" DESC" if down else "") for key, down in self.keys)

    def columns(self) -> str:
        return ", ".join(key for key, _ in self.keys)

    def after(self) -> str:
        """The test that a row comes after the one whose keys are the parameters (``after_params``)."""
        if len({down for _, down in self.keys}) == 1:  # all one way: one comparison of rows
            return f"({self.columns()}) {'<' if self.keys[0][1] else '>'} ({', '.join('?' * len(self.keys))})"
        parts = []
        for end, (key, down) in enumerate(self.keys):
            same = [f"{earlier} = ?" for earlier, _ in self.keys[:end]]
            parts.append("(" + " AND ".join([*same, f"{key} {'<' if down else '>'} ?"]) + ")")
        return "(" + " OR ".join(parts) + ")"

    def after_params(self, values: tuple[object, ...]) -> list[object]:
        """The parameters of ``after`` for the row whose keys are ``values``."""
        if len({down for _, down in self.keys}) == 1:
            return list(values)
        return [value for end in range(len(values)) for value in values[: end + 1]]


def order_of(sort: str, now_ms: int) -> Order:
    """The order of ``sort`` (a ``sort:`` term's value: ``name``, ``-duration`` …); a running
    job's duration counts up to ``now_ms``. ValueError for a sort that is none of them."""
    key = sort.removeprefix("-")
    if key == "recent":
        keys: tuple[str, ...] = (_RECENT,)
    elif key == "state":
        keys = (_RANK, _RECENT)
    elif key == "name":
        keys = ("jobs.name COLLATE NOCASE", _RECENT)
    elif key == "backend":
        keys = ("jobs.backend COLLATE NOCASE", _RECENT)
    elif key == "duration":
        # As Job.duration: to the end, else to when it went, else (state unknown) its last update, else now.
        end = f"coalesce(jobs.ended, jobs.gone_since, CASE WHEN jobs.state = 'unknown' THEN jobs.updated END, {int(now_ms)})"
        keys = (f"coalesce(-max(0, {end} - jobs.started), {_LAST})",)
    else:
        raise ValueError(f"unknown sort {sort!r}")
    down = sort.startswith("-")
    return Order((*((key, down) for key in keys), (_ROW, False)))
