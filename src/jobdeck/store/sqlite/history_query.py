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

OR, NOT and groups are said in SQL as they are; a term SQL cannot say exactly (a
``/pattern/``, a word with other letters than ASCII) lets every row through, and so does
an OR or a NOT over one (``exact`` is then False: the final check decides). Fields of
``detail`` are not kept in the history: such a term matches no job there. Drivers come
from the terms that must hold whatever the rest says (the top level's, not negated).

Case: SQLite's ``LIKE`` ignores the case of ASCII letters only. A word with other letters
is left to the trigram index (which folds them as Unicode does) and the final check; a
character whose lower case is an ASCII letter (the Kelvin sign) may match in the live list
only.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any, Literal

from jobdeck.clock import assume_utc
from jobdeck.model import JobState
from jobdeck.query import All, Either, Leaf, Node, Not, Query, label_of, parse_states
from jobdeck.store.sqlite.search_index import SHORTEST, match_expression
from jobdeck.time_terms import DurationTest, TimeTest

#: When the job was last active, and when it began (``jobdeck.time_terms``), from a row.
_TIMES = {
    "last_active": "coalesce(jobs.updated, jobs.started, nullif(jobs.created, 0))",
    "began": "coalesce(nullif(jobs.created, 0), jobs.started, jobs.updated)",
    "started": "jobs.started",
    "ended": "jobs.ended",
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
    tree = query.tree
    top = tree.children if isinstance(tree, All) else (tree,) if tree is not None else ()
    words: list[list[str]] = []  # each term's alternatives, all to be found through the index
    for node in top:
        if isinstance(node, Leaf) and not node.term.negated:  # a term that must hold: a way to candidates
            (sql, params, exact), way = _leaf(node, vocabulary)
            if isinstance(way, Driver):
                result.drivers.append(way)
            elif way is not None:
                words.append(list(way))
        else:
            sql, params, exact = _node(node, vocabulary)
        result.exact = result.exact and exact  # else left to the final check
        if sql != "1":
            result.add(sql, *params)
    if words and words_indexed:
        expression = " AND ".join(_any_of(alternatives) for alternatives in words)
        result.drivers.insert(0, Driver("words", "SELECT rowid FROM jobs_text WHERE jobs_text MATCH ?", (expression,)))
    return result


#: A condition, its parameters, and whether it is exact (else it lets through more rows).
Condition = tuple[str, list[Any], bool]
_EVERY: Condition = ("1", [], False)
#: How a term that must hold finds its candidates: a driver (states, backends), words all
#: to be found through the word index (its alternatives), or no way (every row is read).
Way = Driver | tuple[str, ...] | None


def _node(node: Node, vocabulary: Vocabulary) -> Condition:
    if isinstance(node, Leaf):
        condition, _ = _leaf(node, vocabulary)
        return _not(condition) if node.term.negated else condition
    if isinstance(node, Not):
        return _not(_node(node.child, vocabulary))
    parts = [_node(child, vocabulary) for child in node.children]
    exact = all(part[2] for part in parts)
    params = [param for part in parts for param in part[1]]
    if isinstance(node, Either):
        if any(sql == "1" for sql, _, _ in parts):
            return "1", [], exact
        return " OR ".join(f"({sql})" for sql, _, _ in parts), params, exact
    kept = [part for part in parts if part[0] != "1"]
    if not kept:
        return "1", [], exact
    return " AND ".join(f"({sql})" for sql, _, _ in kept), [p for part in kept for p in part[1]], exact


def _not(condition: Condition) -> Condition:
    sql, params, exact = condition
    if not exact:
        return _EVERY  # the negation of more rows than match is fewer: say nothing
    # A test on a missing value (NULL) fails, so its negation holds, as in the live list.
    return f"NOT coalesce(({sql}), 0)", params, True


def _leaf(leaf: Leaf, vocabulary: Vocabulary) -> tuple[Condition, Way]:
    """The leaf's test, not negated (every row, not exact, when SQL cannot say it exactly), and
    the way to its candidates were it to hold: words (three letters or more, none that may be
    outside the word index), states, backends."""
    term = leaf.term
    if leaf.tests:
        times = [_time(test) for test in leaf.tests]
        return (" AND ".join(sql for sql, _ in times), [param for _, params in times for param in params], True), None
    if leaf.duration is not None:
        return _duration(leaf.duration), None
    if leaf.regex is not None:
        return _EVERY, None
    key = term.key.lower() if term.key else None
    value = term.value.lower()
    if key is None:
        indexed = len(value) >= SHORTEST and not vocabulary.outside_index(value)
        return _free_word(value), (value,) if indexed else None
    if key == "state":
        states = [state.value for state in parse_states(value)]
        marks = ", ".join("?" * len(states))
        return _in("jobs.state", states), Driver("states", f"SELECT id FROM jobs WHERE state IN ({marks})", tuple(states))
    if key == "backend":
        needles = _alternatives(value)
        names = [name for name in vocabulary.backends if any(needle in name.lower() for needle in needles)]
        marks = ", ".join("?" * len(names))
        way = Driver("backends", f"SELECT id FROM jobs WHERE backend IN ({marks})", tuple(names)) if names else None
        return _in("jobs.backend", names), way
    if key in _FIELDS:
        needles = _alternatives(value)
        return _contains([_FIELDS[key]], needles), _words(needles)
    if key == "group":
        return _contains(["jobs.group_key", "coalesce(jobs.group_name, jobs.group_key)"], _alternatives(value)), None
    if key.startswith("detail."):
        return ("0", [], True), None  # the history keeps no detail: nothing there has the field
    label, needles = label_of(term)
    return _label(label, needles), _words(needles) if needles else None


def _words(needles: tuple[str, ...]) -> tuple[str, ...] | None:
    """Alternatives found through the word index, when each is long enough for it."""
    return needles if all(len(needle) >= SHORTEST for needle in needles) else None


def _alternatives(value: str) -> tuple[str, ...]:
    return tuple(part for part in value.split(",") if part)


def _any_of(alternatives: list[str]) -> str:
    expressions = [match_expression([needle]) or "" for needle in alternatives]
    return expressions[0] if len(expressions) == 1 else "(" + " OR ".join(f"({e})" for e in expressions) + ")"


def _plain(*needles: str) -> bool:
    return all(set(needle) <= _PLAIN for needle in needles)


def _time(test: TimeTest) -> tuple[str, list[Any]]:
    return f"{_TIMES[test.which]} {test.op} ?", [test.seconds * 1000]


def _duration(test: DurationTest) -> Condition:
    """How long the job ran, in milliseconds, as ``Job.duration`` says: to its end, else to
    when it went from its backend, else (state unknown) to its last update, else to now."""
    now = assume_utc(test.now).timestamp() * 1000
    end = "coalesce(jobs.ended, jobs.gone_since, CASE WHEN jobs.state = 'unknown' THEN jobs.updated END, ?)"
    return f"jobs.started IS NOT NULL AND max(0, {end} - jobs.started) {test.op} ?", [
        now, test.seconds * 1000
    ], True


def _in(column: str, values: list[str]) -> Condition:
    if not values:
        return "0", [], True
    return f"{column} IN ({', '.join('?' * len(values))})", list(values), True


def _like(needle: str) -> str:
    """A LIKE pattern for text that contains ``needle`` (ESCAPE '\\')."""
    return "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _contains(columns: list[str], needles: tuple[str, ...]) -> Condition:
    if not _plain(*needles):
        return _EVERY  # left to the final check
    tests = [f"coalesce({column}, '') LIKE ? ESCAPE '\\'" for column in columns for _ in needles]
    return " OR ".join(tests), [_like(needle) for _ in columns for needle in needles], True


_LABEL_VALUE = "EXISTS (SELECT 1 FROM json_each(jobs.labels) WHERE value LIKE ? ESCAPE '\\')"


def _free_word(word: str) -> Condition:
    """A free word's test: in the state, name, id, backend, raw state or a label's value."""
    if not _plain(word):
        return _EVERY  # left to the final check
    like = " LIKE ? ESCAPE '\\'"
    condition = (
        f"jobs.state{like} OR jobs.name{like} OR jobs.job_id{like} OR jobs.backend{like}"
        f" OR coalesce(jobs.raw_state, ''){like}"
        # The labels' text first: cheap, and most rows fail there (json_each reads the rest).
        f" OR (coalesce(jobs.labels, ''){like} AND {_LABEL_VALUE})"
    )
    return condition, [_like(word)] * 7, True


def _label(key: str, needles: tuple[str, ...]) -> Condition:
    """The label ``key`` (as typed) read as the live list reads it: that key's value when
    it is not empty, else the first key equal to it in any case; an empty value is no label."""
    if not _plain(key, *needles):
        return _EVERY
    found = (
        "coalesce(nullif(json_extract(jobs.labels, ?), ''),"
        " (SELECT value FROM json_each(jobs.labels) WHERE lower(key) = ? LIMIT 1), '')"
    )
    params: list[Any] = [f'$."{key}"', key.lower()]
    if not needles:
        return f"{found} <> ''", params, True
    values = " OR ".join(f"{found} LIKE ? ESCAPE '\\'" for _ in needles)
    return values, [param for needle in needles for param in (*params, _like(needle))], True
