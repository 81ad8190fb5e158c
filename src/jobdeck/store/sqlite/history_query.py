"""The filter language (``jobdeck.query``) as SQL over the history, for the history view.

``translate`` turns a parsed query into conditions on ``jobs`` that let through every job
the query matches (and, where a term can be said exactly in SQL, only those), plus the
ways to *find* candidates without reading every row (``Driver``):

- words (free words, ``name:``, ``id:``, label values) of three letters or more, through
  the trigram index (``search_index``), unless the word is also in a backend's name, a
  state or a raw state (those are not in the index: ``Vocabulary`` knows them all);
- ``state:`` through the index of jobs by state; ``backend:`` through the jobs' identity.

The reader picks the driver (``reader.HistoryReader.search``) and checks each row it reads
with the query itself, so what the view lists is exactly what the live list would.

Case: SQLite's ``LIKE`` ignores the case of ASCII letters only. A word with other letters
is left to the trigram index (which folds them as Unicode does) and the final check; a
character whose lower case is an ASCII letter (the Kelvin sign) may match in the live list
only.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any, Literal

from jobdeck.model import JobState
from jobdeck.query import Query, Term, parse_states
from jobdeck.store.sqlite.search_index import SHORTEST, match_expression
from jobdeck.time_terms import TimeTest

#: When the job was last active, and when it began (``jobdeck.time_terms``), from a row.
_TIMES = {
    "last_active": "coalesce(jobs.updated, jobs.started, nullif(jobs.created, 0))",
    "began": "coalesce(nullif(jobs.created, 0), jobs.started, jobs.updated)",
}
_FIELDS = {"name": "jobs.name", "id": "jobs.job_id"}
#: A needle SQL can look for exactly: ASCII, and nothing JSON writes escaped.
_PLAIN = frozenset(chr(code) for code in range(0x20, 0x7F)) - {'"', "\\"}


@dataclass(frozen=True)
class Vocabulary:
    """The few values a word may hit outside the word index: backends and raw states."""

    backends: tuple[str, ...]
    raw_states: tuple[str, ...]

    def outside_index(self, word: str) -> bool:
        """Whether ``word`` (lower-cased) is in a state, a backend's name or a raw state."""
        return any(word in text.lower() for text in (*self.backends, *self.raw_states)) or any(
            word in state.value for state in JobState
        )


def vocabulary(connection: sqlite3.Connection) -> Vocabulary:
    """Every backend and raw state in the history, by leaping through their indexes
    (a lookup per value, not a read of every job)."""
    backends: list[str] = []
    row = connection.execute("SELECT min(backend) FROM jobs").fetchone()
    while row is not None and row[0] is not None:
        backends.append(row[0])
        row = connection.execute("SELECT min(backend) FROM jobs WHERE backend > ?", (row[0],)).fetchone()
    raw_states: list[str] = []
    for state in JobState:
        row = connection.execute("SELECT min(raw_state) FROM jobs WHERE state = ?", (state.value,)).fetchone()
        while row is not None and row[0] is not None:
            raw_states.append(row[0])
            row = connection.execute(
                "SELECT min(raw_state) FROM jobs WHERE state = ? AND raw_state > ?", (state.value, row[0])
            ).fetchone()
    return Vocabulary(tuple(backends), tuple(dict.fromkeys(raw_states)))


@dataclass(frozen=True)
class Driver:
    """A way to the candidates: ``ids`` is a query of job ids (with ``params``)."""

    kind: Literal["words", "states", "backends"]
    ids: str
    params: tuple[Any, ...]


@dataclass
class SqlFilter:
    """A query as SQL: ``where`` (ANDed, with ``params``) lets every match through;
    ``exact`` when it lets nothing else through."""

    where: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)
    drivers: list[Driver] = field(default_factory=list)
    exact: bool = True

    def add(self, condition: str, *params: Any) -> None:
        self.where.append(condition)
        self.params.extend(params)

    @property
    def clause(self) -> str:
        return " AND ".join(f"({condition})" for condition in self.where) if self.where else "1"


def translate(query: Query, vocabulary: Vocabulary, *, words_indexed: bool = True) -> SqlFilter:
    """``query`` as SQL over ``jobs`` (see the module's text); ``words_indexed``: whether the
    word index holds every job (else no driver uses it)."""
    result = SqlFilter()
    words: list[list[str]] = []  # each term's alternatives, all to be found through the index
    for term, test in zip(query.terms, query.time_tests, strict=True):
        if test is not None:
            _time(result, test, term.negated)
            continue
        key = term.key.lower() if term.key else None
        value = term.value.lower()
        if key is None:
            _free_word(result, value, term.negated)
            if not term.negated and len(value) >= SHORTEST and not vocabulary.outside_index(value):
                words.append([value])
        elif key == "state":
            _in(result, "jobs.state", [state.value for state in parse_states(value)], term.negated)
            if not term.negated:
                states = [state.value for state in parse_states(value)]
                marks = ", ".join("?" * len(states))
                result.drivers.append(Driver("states", f"SELECT id FROM jobs WHERE state IN ({marks})", tuple(states)))
        elif key == "backend":
            needles = _alternatives(value)
            names = [name for name in vocabulary.backends if any(needle in name.lower() for needle in needles)]
            _in(result, "jobs.backend", names, term.negated)
            if not term.negated and names:
                marks = ", ".join("?" * len(names))
                result.drivers.append(Driver("backends", f"SELECT id FROM jobs WHERE backend IN ({marks})", tuple(names)))
        elif key in _FIELDS:
            needles = _alternatives(value)
            _contains(result, [_FIELDS[key]], needles, term.negated)
            if not term.negated and all(len(needle) >= SHORTEST for needle in needles):
                words.append(list(needles))
        elif key == "group":
            columns = ["jobs.group_key", "coalesce(jobs.group_name, jobs.group_key)"]
            _contains(result, columns, _alternatives(value), term.negated)
        else:
            label_key, needles = _label_term(term)
            _label(result, label_key, needles, term.negated)
            if not term.negated and needles and all(len(needle) >= SHORTEST for needle in needles):
                words.append(list(needles))
    if words and words_indexed:
        expression = " AND ".join(_any_of(alternatives) for alternatives in words)
        result.drivers.insert(0, Driver("words", "SELECT rowid FROM jobs_text WHERE jobs_text MATCH ?", (expression,)))
    return result


def _alternatives(value: str) -> tuple[str, ...]:
    return tuple(part for part in value.split(",") if part)


def _any_of(alternatives: list[str]) -> str:
    expressions = [match_expression([needle]) or "" for needle in alternatives]
    return expressions[0] if len(expressions) == 1 else "(" + " OR ".join(f"({e})" for e in expressions) + ")"


def _plain(*needles: str) -> bool:
    return all(set(needle) <= _PLAIN for needle in needles)


def _time(result: SqlFilter, test: TimeTest, negated: bool) -> None:
    condition = f"{_TIMES[test.which]} {test.op} ?"
    # A job with no time matches no time term, so it matches every negated one.
    result.add(f"NOT coalesce({condition}, 0)" if negated else condition, test.seconds * 1000)


def _in(result: SqlFilter, column: str, values: list[str], negated: bool) -> None:
    if not values:
        result.add("1" if negated else "0")
        return
    marks = ", ".join("?" * len(values))
    result.add(f"{column} {'NOT IN' if negated else 'IN'} ({marks})", *values)


def _like(needle: str) -> str:
    """A LIKE pattern for text that contains ``needle`` (ESCAPE '\\')."""
    return "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _contains(result: SqlFilter, columns: list[str], needles: tuple[str, ...], negated: bool) -> None:
    if not _plain(*needles):
        result.exact = False  # left to the final check
        return
    tests = [f"coalesce({column}, '') LIKE ? ESCAPE '\\'" for column in columns for _ in needles]
    params = [_like(needle) for _ in columns for needle in needles]
    condition = " OR ".join(tests)
    result.add(f"NOT ({condition})" if negated else condition, *params)


_LABEL_VALUE = "EXISTS (SELECT 1 FROM json_each(jobs.labels) WHERE value LIKE ? ESCAPE '\\')"


def _free_word(result: SqlFilter, word: str, negated: bool) -> None:
    """A free word's test: in the state, name, id, backend, raw state or a label's value."""
    if not _plain(word):
        result.exact = False  # left to the final check
        return
    like = " LIKE ? ESCAPE '\\'"
    condition = (
        f"jobs.state{like} OR jobs.name{like} OR jobs.job_id{like} OR jobs.backend{like}"
        f" OR coalesce(jobs.raw_state, ''){like}"
        # The labels' text first: cheap, and most rows fail there (json_each reads the rest).
        f" OR (coalesce(jobs.labels, ''){like} AND {_LABEL_VALUE})"
    )
    result.add(f"NOT ({condition})" if negated else condition, *[_like(word)] * 7)


def _label_term(term: Term) -> tuple[str, tuple[str, ...]]:
    """The label's key and the texts its value may contain (none: it has the label)."""
    if term.key and term.key.lower() == "label":
        label, sep, value = term.value.partition("=")
        return label.lower(), _alternatives(value.lower()) if sep else ()
    return (term.key or "").lower(), _alternatives(term.value.lower())


def _label(result: SqlFilter, key: str, needles: tuple[str, ...], negated: bool) -> None:
    if not _plain(key, *needles):
        result.exact = False
        return
    # (Two keys differing only in case: the live list reads the one typed; this, either.)
    values = " OR ".join("value LIKE ? ESCAPE '\\'" for _ in needles) or "1"
    condition = f"EXISTS (SELECT 1 FROM json_each(jobs.labels) WHERE lower(key) = ? AND ({values}))"
    result.add(f"NOT {condition}" if negated else condition, key, *[_like(needle) for needle in needles])
