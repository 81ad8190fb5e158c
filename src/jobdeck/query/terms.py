"""One term of the filter language: what it means, as a Python expression the query
compiles (``Query``), over ``h`` (the job's indexed text, ``index.job_text``) or the job
``J[i]``. The user's text never enters the source: every value is a named constant."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from jobdeck.model import Job, JobState
from jobdeck.query.errors import QueryError
from jobdeck.query.index import STATE_MARKS
from jobdeck.query.patterns import compile_pattern
from jobdeck.time_terms import TIME_KEYS, DurationTest, TimeTermError, TimeTest, duration_test, time_tests

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

# Stands in for a missing label: a NUL never appears in a query value, so nothing matches it.
NO_LABEL = "\x00"

#: The longest text of one field a pattern reads (see ``patterns``): the rest is not searched.
PATTERN_TEXT = 256

_FIELD_SOURCES = {"name": "J[i].name", "id": "J[i].ref.id", "backend": "J[i].ref.backend"}


@dataclass(frozen=True)
class Term:
    """One parsed term: ``key`` (as typed) is None for a free word or phrase; ``pattern``
    when the value was written ``/like this/`` (``value`` is then the pattern)."""

    key: str | None
    value: str
    negated: bool
    pattern: bool = False


@dataclass(frozen=True)
class Leaf:
    """A term where it is in the text (``start``, ``end``), with what it was resolved to:
    ``tests`` for a time term (all hold), ``duration``, ``regex`` for a pattern."""

    term: Term
    start: int
    end: int
    tests: tuple[TimeTest, ...] = ()
    duration: DurationTest | None = None
    regex: re.Pattern[str] | None = None


def resolve(term: Term, start: int, end: int, *, now: datetime, zone: tzinfo | None, value_at: int) -> Leaf:
    """``term`` checked and resolved (``value_at``: where its value starts in the text, for
    a pattern's error); QueryError where the term is when it makes no sense."""
    key = term.key.lower() if term.key else None
    try:
        if term.pattern:
            if key in ("state", "label", "sort", "duration") or key in TIME_KEYS:
                raise QueryError(f"{key}: takes no /pattern/")
            return Leaf(term, start, end, regex=compile_pattern(term.value, value_at + 1))
        if key in TIME_KEYS:
            return Leaf(term, start, end, tests=time_tests(key, term.value, now, zone))
        if key == "duration":
            return Leaf(term, start, end, duration=duration_test(term.value, now))
        return Leaf(term, start, end)  # (its value is checked as it is compiled: ``expression``)
    except TimeTermError as problem:
        raise QueryError(str(problem), position=start, end=end) from None
    except QueryError as problem:
        if problem.position is not None:
            raise
        raise QueryError(str(problem), position=start, end=end) from None


def expression(leaf: Leaf, constant: Callable[[object], str]) -> str:
    """The leaf's test as Python source (without its negation)."""
    term = leaf.term
    if leaf.tests:
        return " and ".join(f"{constant(test)}.holds(J[i])" for test in leaf.tests)
    if leaf.duration is not None:
        return f"{constant(leaf.duration)}.holds(J[i])"
    key, value = (term.key.lower() if term.key else None), term.value.lower()
    if leaf.regex is not None:
        return _pattern_expression(key, term, constant(leaf.regex), constant)
    if key is None:
        return f"{constant(value)} in h"
    if key == "state":
        # The text starts with the state's mark (see index.haystack).
        return f"h[0] in {constant(frozenset(STATE_MARKS[state] for state in parse_states(value)))}"
    if key in _FIELD_SOURCES:
        field = f"{_FIELD_SOURCES[key]}.lower()"
        return " or ".join(f"{constant(needle)} in {field}" for needle in _values(key, value))
    if key == "group":
        # Not a label term: a label named "group" is still reached with label:group=….
        return " or ".join(f"{constant(needle)} in GROUP(J[i])" for needle in _values(key, value))
    if key.startswith("detail."):
        found = f"DETAIL(J[i], {constant(_path(term.key or key))})"
        if not value:
            return f"{found} is not NO_LABEL"
        return " or ".join(f"{constant(needle)} in {found}" for needle in _values(key, value))
    label, needles = label_of(term)
    return _label_expression(label, needles, constant)


def label_of(term: Term) -> tuple[str, tuple[str, ...]]:
    """A label term's key (as typed) and the texts its value may contain (none: it has the label)."""
    key = term.key or ""
    if key.lower() == "label":
        label, sep, label_value = term.value.partition("=")
        if not label:
            raise QueryError("label: needs a key, e.g. label:machine=m1")
        return label, _values(label, label_value.lower()) if sep else ()
    if key.lower().startswith("labels.") and len(key) > len("labels."):
        key = key[len("labels."):]
    return key, _values(key, term.value.lower()) if term.value else ()


def _pattern_expression(key: str | None, term: Term, regex: str, constant: Callable[[object], str]) -> str:
    if key is None:
        return f"ANY_FIELD({regex}, h)"
    if key in _FIELD_SOURCES:
        return f"{regex}.search({_FIELD_SOURCES[key]}[:{PATTERN_TEXT}]) is not None"
    if key == "group":
        return f"SEARCH({regex}, GROUP(J[i]))"
    if key.startswith("detail."):
        return f"SEARCH({regex}, DETAIL(J[i], {constant(_path(term.key or key))}))"
    label = constant(label_of(Term(term.key, "", False))[0])
    return f"SEARCH({regex}, J[i].labels.get({label}) or (J[i].labels and LABEL({label}, J[i].labels)) or NO_LABEL)"


def _path(key: str) -> tuple[str, ...]:
    parts = tuple(key.split(".")[1:])
    if not all(parts):
        raise QueryError(f"{key}: a field of detail is named like detail.reason.type")
    return parts


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


def label_any_case(key: str, labels: dict[str, str]) -> str | None:
    folded = key.casefold()
    return next((value for name, value in labels.items() if name.casefold() == folded), None)


def group_text(job: Job) -> str:
    """The group's name and key, lower-cased, apart so a text cannot match across them;
    NO_LABEL (which no value contains) for a job without a group."""
    group = job.group
    return f"{group.name}\x00{group.key}".lower() if group is not None else NO_LABEL


def detail_text(job: Job, path: tuple[str, ...]) -> str:
    """The text of the field of ``job.detail`` at ``path`` (keys matched in any case),
    lower-cased and at most PATTERN_TEXT long; NO_LABEL when there is none."""
    value: Any = job.detail
    for part in path:
        if not isinstance(value, dict):
            return NO_LABEL
        found = value.get(part, NO_LABEL)
        if found is NO_LABEL:
            folded = part.casefold()
            found = next((item for name, item in value.items() if str(name).casefold() == folded), NO_LABEL)
        if found is NO_LABEL or found is None:
            return NO_LABEL
        value = found
    return str(value)[:PATTERN_TEXT].lower()


def search(regex: re.Pattern[str], text: str) -> bool:
    """Whether ``regex`` is found in ``text`` (at most PATTERN_TEXT of it); never in NO_LABEL."""
    return text != NO_LABEL and regex.search(text[:PATTERN_TEXT]) is not None


def any_field(regex: re.Pattern[str], text: str) -> bool:
    """Whether ``regex`` is found in one of the fields of an indexed text (``^`` and ``$``
    are a field's start and end)."""
    parts = text.split("\x00")
    parts[0] = parts[0][1:]  # (after the state's mark)
    return any(regex.search(part[:PATTERN_TEXT]) is not None for part in parts)


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
