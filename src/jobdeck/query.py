"""The job filter language and job sorting. Pure Python, below the deck: the job
list reads a query and sorts with it, and so can the CLI and the history store.

Query syntax (terms are ANDed, matching is case-insensitive)::

    build                 a free word: in the name, id, backend, state, raw state or a label value
    "nightly build"       a quoted phrase, matched like a free word
    state:failed          the normalized state; a prefix works (state:fail), several with commas
    state:failed,running  either of them; also state:active (pending, running, paused)
    backend:local         the backend name contains "local"
    name:foo  id:42       the name / id contains the text
    label:machine=m1      label ``machine`` contains "m1"; ``label:machine`` = has that label
    group:translate       the job's group (a Julep task, a Slurm array …): its name or key contains the text
    machine:m1            any other ``key:value`` is a label term
    since:2d  until:2026-12-01  age:<1h
                          time terms (``jobdeck.time_terms``): last active since, began until, age
    -state:succeeded      a leading "-" negates a term; -"a phrase" too

``parse_query`` compiles the text once; filtering is then cheap because each
job's lower-cased text is computed once per job object (see ``JobIndex``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from jobdeck.model import Job, JobState
from jobdeck.time_terms import TIME_KEYS, TimeTermError, TimeTest, time_test


class QueryError(ValueError):
    """A filter term that cannot be understood; the message says why, for the user, and
    ``position`` and ``end`` where the term is in the text (when known)."""

    def __init__(self, message: str, *, position: int | None = None, end: int | None = None) -> None:
        super().__init__(message)
        self.position = position
        self.end = end


class JobIndex:
    """Each job's lower-cased searchable text, computed once per job object.

    Keyed by the object's id; the job itself is kept alongside, so its id cannot
    be reused by another object while the entry lives. Jobs are immutable, so a
    job's text never changes: a changed job is a new object with a new entry,
    and ``discard`` (or ``retain``) drops the old one.
    """

    def __init__(self, limit: int | None = None) -> None:
        self._haystacks: dict[int, str] = {}
        self._jobs: dict[int, Job] = {}
        self._limit = limit

    def __len__(self) -> int:
        return len(self._haystacks)

    def texts(self, jobs: Iterable[Job]) -> list[str]:
        """Each job's text, in order, for ``Query.select``; every job must be indexed."""
        haystacks = self._haystacks
        return [haystacks[id(job)] for job in jobs]

    def haystack(self, job: Job) -> str:
        """Everything a free word may match, lower-cased and NUL-separated."""
        key = id(job)
        text = self._haystacks.get(key)
        if text is None:
            self.ensure((job,))
            text = self._haystacks[key]
        return text

    def ensure(self, jobs: Iterable[Job]) -> None:
        """Index every job of ``jobs`` not yet indexed."""
        haystacks = self._haystacks
        missing = [job for job in jobs if id(job) not in haystacks]
        if self._limit is not None and len(haystacks) + len(missing) > self._limit:
            # Simpler than an LRU and good enough: the caller re-indexes what it needs.
            self.clear()
            missing = list({id(job): job for job in jobs}.values())
        for job in missing:
            haystacks[id(job)] = _haystack(job)
            self._jobs[id(job)] = job

    def discard(self, jobs: Iterable[Job]) -> None:
        for job in jobs:
            self._haystacks.pop(id(job), None)
            self._jobs.pop(id(job), None)

    def retain(self, jobs: Iterable[Job]) -> None:
        """Forget every job not in ``jobs``."""
        keep = {id(job) for job in jobs}
        for key in [key for key in self._haystacks if key not in keep]:
            del self._haystacks[key]
            del self._jobs[key]

    def clear(self) -> None:
        self._haystacks.clear()
        self._jobs.clear()


def _haystack(job: Job) -> str:
    ref = job.ref
    # The state comes first: a state term tests the start of the text (no job object touched).
    parts = [job.state.value, job.name, ref.id, ref.backend, job.raw_state or ""]
    parts.extend(str(value) for value in job.labels.values())
    # The separator keeps a word from matching across two fields.
    return "\x00".join(parts).lower()


#: Used when a caller does not keep its own index.
_DEFAULT_INDEX = JobIndex(limit=400_000)

_STATE_ORDER: tuple[JobState, ...] = (
    JobState.PENDING,
    JobState.RUNNING,
    JobState.SUCCEEDED,
    JobState.FAILED,
    JobState.CANCELED,
    JobState.PAUSED,
    JobState.UNKNOWN,
)

#: Other words people use for states.
_STATE_ALIASES: dict[str, frozenset[JobState]] = {
    "active": frozenset({JobState.PENDING, JobState.RUNNING, JobState.PAUSED}),
    "done": frozenset({JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELED}),
    "ok": frozenset({JobState.SUCCEEDED}),
    "success": frozenset({JobState.SUCCEEDED}),
    "error": frozenset({JobState.FAILED}),
    "cancelled": frozenset({JobState.CANCELED}),
    "queued": frozenset({JobState.PENDING}),
}

# One term: an optional "-", an optional "key:", then a quoted phrase (the
# closing quote may be missing while the user is still typing) or a bare word.
_TERM = re.compile(
    r"""
    (?P<neg>-)?
    (?:(?P<key>[A-Za-z_][\w.-]*):)?
    (?:"(?P<quoted>[^"]*)"?|(?P<bare>\S*))
    """,
    re.VERBOSE,
)

# Stands in for a missing label: a NUL never appears in a query value, so nothing matches it.
_NO_LABEL = "\x00"

_FIELD_SOURCES = {"name": "J[i].name", "id": "J[i].ref.id", "backend": "J[i].ref.backend"}


@dataclass(frozen=True)
class Term:
    """One parsed term: ``key`` (as typed) is None for a free word or phrase."""

    key: str | None
    value: str
    negated: bool


class Query:
    """A compiled query. The empty query matches every job.

    Each term becomes a Python expression over ``h``, the job's indexed text
    (see ``JobIndex``), or, for name, id, backend and label terms, over the
    job ``J[i]`` itself; the terms are joined with ``and`` and compiled once
    into a list comprehension over the texts. Most terms never touch a job
    object, which matters: 100,000 pydantic objects scattered in memory cost
    more to visit than their texts packed in one list. The user's text never
    enters the source: every value is passed in as a named constant.
    """

    def __init__(
        self,
        text: str,
        terms: tuple[Term, ...],
        expressions: Sequence[str],
        constants: dict[str, object],
        time_tests: tuple[TimeTest | None, ...] = (),
    ) -> None:
        self.text = text
        self.terms = terms
        #: For each term, its resolved test when it is a time term (else None).
        self.time_tests = time_tests or (None,) * len(terms)
        self._select: Callable[[Sequence[Job], Sequence[str]], list[int]] | None = None
        condition = " and ".join(f"({expression})" for expression in expressions)
        #: Equal for queries that match the same jobs as written differently
        #: ("state:s" and "state:succeeded"; extra spaces): one cached result serves both.
        self.key: tuple[object, ...] = (condition, *constants.values())
        if expressions:
            namespace: dict[str, object] = {
                "NO_LABEL": _NO_LABEL, "LABEL": _label_any_case, "GROUP": _group_text, **constants
            }
            source = f"lambda J, T: [i for i, h in enumerate(T) if {condition}]"
            self._select = eval(compile(source, "<jobdeck query>", "eval"), namespace)  # noqa: S307

    def __repr__(self) -> str:
        return f"Query({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Query) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    @property
    def is_empty(self) -> bool:
        return self._select is None

    def matches(self, job: Job, index: JobIndex | None = None) -> bool:
        return bool(self.filter((job,), index))

    def filter(self, jobs: Iterable[Job], index: JobIndex | None = None) -> list[Job]:
        """The jobs that match, in their given order."""
        items = jobs if isinstance(jobs, (list, tuple)) else list(jobs)
        if self._select is None:
            return list(items)
        index = index if index is not None else _DEFAULT_INDEX
        index.ensure(items)
        return [items[i] for i in self._select(items, index.texts(items))]

    def select(self, jobs: Sequence[Job], texts: Sequence[str]) -> list[int]:
        """The positions of the jobs that match; ``texts[i]`` is the indexed text of
        ``jobs[i]`` (``JobIndex.texts``). Every position for the empty query."""
        if self._select is None:
            return list(range(len(jobs)))
        return self._select(jobs, texts)


EMPTY_QUERY = Query("", (), (), {})


def parse_query(text: str, *, now: datetime | None = None, zone: tzinfo | None = None) -> Query:
    """Compile ``text``; raises QueryError with a message for the user on a bad term, and
    where it is. Time terms are read at ``now`` (the system's time when None), a date
    without a zone in ``zone`` (the machine's when None)."""
    terms: list[Term] = []
    expressions: list[str] = []
    time_tests: list[TimeTest | None] = []
    constants: dict[str, object] = {}

    def constant(value: object) -> str:
        name = f"C{len(constants)}"
        constants[name] = value
        return name

    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            break
        match = _TERM.match(text, position)
        assert match is not None  # every part of the pattern may match empty
        position = max(match.end(), position + 1)
        negated = match["neg"] is not None
        key = match["key"]
        quoted = match["quoted"]
        value = quoted if quoted is not None else (match["bare"] or "")
        if key is None and not value and quoted is None:
            # A lone "-" is a word to look for, not a negation of nothing.
            value, negated = "-", False
        term = Term(key, value, negated)
        test = None
        try:
            if key is not None and key.lower() in TIME_KEYS:
                test = time_test(key.lower(), value, now or datetime.now(UTC), zone)
                expression = f"{constant(test)}.holds(J[i])"
            else:
                expression = _expression(term, constant)
        except (QueryError, TimeTermError) as problem:
            raise QueryError(str(problem), position=match.start(), end=match.end()) from None
        terms.append(term)
        time_tests.append(test)
        expressions.append(f"not ({expression})" if negated else expression)
    return Query(text, tuple(terms), expressions, constants, tuple(time_tests))


def _expression(term: Term, constant: Callable[[object], str]) -> str:
    key, value = (term.key.lower() if term.key else None), term.value.lower()
    if key is None:
        return f"{constant(value)} in h"
    if key == "state":
        # The text starts with the state's name and a NUL (see _haystack).
        return f"h.startswith({constant(tuple(state.value + chr(0) for state in parse_states(value)))})"
    if key in _FIELD_SOURCES:
        field = f"{_FIELD_SOURCES[key]}.lower()"
        return " or ".join(f"{constant(needle)} in {field}" for needle in _values(key, value))
    if key == "group":
        # Not a label term: a label named "group" is still reached with label:group=….
        return " or ".join(f"{constant(needle)} in GROUP(J[i])" for needle in _values(key, value))
    if key == "label":
        label, sep, label_value = term.value.partition("=")
        if not label:
            raise QueryError("label: needs a key, e.g. label:machine=m1")
        return _label_expression(label, _values(label, label_value.lower()) if sep else (), constant)
    return _label_expression(term.key or key, _values(key, value) if value else (), constant)


def _label_expression(label: str, needles: tuple[str, ...], constant: Callable[[object], str]) -> str:
    """A label test; key and value both match case-insensitively.

    The key is looked up as typed first (labels are usually written as typed),
    and only a job with labels but without that exact key pays for the
    case-insensitive search.
    """
    key = constant(label)
    found = f"(J[i].labels.get({key}) or (J[i].labels and LABEL({key}, J[i].labels)) or NO_LABEL)"
    if not needles:
        return f"{found} is not NO_LABEL"
    return " or ".join(f"{constant(needle)} in {found}.lower()" for needle in needles)


def _label_any_case(key: str, labels: dict[str, str]) -> str | None:
    folded = key.casefold()
    return next((value for name, value in labels.items() if name.casefold() == folded), None)


def _group_text(job: Job) -> str:
    """The group's name and key, lower-cased, apart so a text cannot match across them;
    NO_LABEL (which no value contains) for a job without a group."""
    group = job.group
    return f"{group.name}\x00{group.key}".lower() if group is not None else _NO_LABEL


def _values(key: str, value: str) -> tuple[str, ...]:
    values = tuple(part for part in value.split(",") if part)
    if not values:
        raise QueryError(f"{key}: needs a value, e.g. {key}:build")
    return values


def parse_states(value: str) -> list[JobState]:
    """The states a ``state:`` term's value names (prefixes, aliases, commas); QueryError if none."""
    names = ", ".join(state.value for state in _STATE_ORDER)
    parts = [part.strip() for part in value.split(",") if part.strip()]
    if not parts:
        raise QueryError(f"state: needs a value; states: {names}")
    states: list[JobState] = []
    for part in parts:
        if part in _STATE_ALIASES:
            found = [state for state in _STATE_ORDER if state in _STATE_ALIASES[part]]
        else:
            found = [state for state in _STATE_ORDER if state.value.startswith(part)]
        if not found:
            raise QueryError(f"unknown state {part!r}; states: {names}")
        states.extend(state for state in found if state not in states)
    return states

# -- sorting ------------------------------------------------------------------

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


def last_activity(job: Job) -> datetime | None:
    """When the job last did something: updated, else started, else created."""
    return job.updated or job.started or job.created


def _recency(job: Job) -> float:
    moment = job.updated or job.started or job.created
    return moment.timestamp() if moment is not None else _NEVER


def sort_key(key: str, now: datetime | None = None) -> Callable[[Job], Any]:
    """An ascending key function that orders jobs exactly as ``sort_jobs`` does
    (ties aside), for inserting into an already sorted list with ``bisect``."""
    if key == "recent":
        return lambda job: -_recency(job)
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
    - duration: longest first (running jobs count up to ``now``), jobs without one last.
    """
    if key not in SORT_KEYS:
        raise ValueError(f"unknown sort {key!r}; sorts: {', '.join(SORT_KEYS)}")
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


def _duration_key(job: Job, now: datetime | None) -> float:
    if job.started is None:
        return float("inf")
    # Without a "now", a running job counts up to its last update.
    seconds = job.duration(now or job.updated or job.started)
    return -seconds if seconds is not None else float("inf")
