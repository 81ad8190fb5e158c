"""One query over the history, read a page at a time (the history view's list).

``HistorySearch`` plans once (``history_query.translate``, then a cheap look at how many
candidates each way to them would give) and then reads pages by key: each page starts
after the last row of the one before (``jobs.id``, the order jobdeck first stored the
jobs in), never by an offset. A page is read through the smallest set of candidates
when one is small (a rare state, a rare word), else by walking the jobs (or the word
index's matches) newest first, a window of ids at a time, so a search that finds little
can be stopped between two windows and says how far it got. Every row read is checked
with the query itself, so the page holds exactly the jobs the live list would show.

A query with a ``sort:`` term is read in that order (``history_sort``), each page after the
sort keys of the last row of the one before: the candidates are read whole then (sorted by
SQLite, which keeps only a page's rows), so an order over every job costs a pass over them.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from jobdeck.model import Job
from jobdeck.query import Query
from jobdeck.store.sqlite.history_query import Driver, Vocabulary, translate, vocabulary
from jobdeck.store.sqlite.history_sort import Order, order_of
from jobdeck.store.sqlite.rows import JOB_COLUMNS, job_from_row
from jobdeck.store.sqlite.search_index import has_unindexed

#: A way to the candidates that gives fewer than this is read whole (then sorted).
SMALL = 5_000
#: Ids walked by one statement when no small set of candidates is known.
WINDOW = 50_000
#: SQLite steps between two looks at whether the reader should stop.
_STEPS = 20_000

ShouldStop = Callable[[], bool]


class SearchStopped(Exception):
    """The caller asked the search to stop (a newer one replaces it)."""


@dataclass(frozen=True)
class HistoryEntry:
    """One job as the history keeps it: as last seen (``job.gone_since`` set when its
    backend no longer lists it), when jobdeck first and last saw it, and ``key``, its
    row (where the next page starts)."""

    job: Job
    first_seen: datetime
    last_seen: datetime
    key: int = 0


@dataclass(frozen=True)
class Page:
    """Jobs after a key, and whether there are no more after them."""

    entries: list[HistoryEntry]
    done: bool


class HistorySearch:
    """``query`` over the history, newest first or oldest first (its ``sort:`` term's order, or
    that reversed, when it has one; running jobs' durations to ``now_ms``). Made by
    ``HistoryReader.search``: pages are read on ``connection``, counts on ``counting`` (so a
    long count never holds up a page), each used under its lock."""

    def __init__(
        self,
        connection: tuple[sqlite3.Connection, threading.Lock],
        counting: tuple[sqlite3.Connection, threading.Lock],
        query: Query,
        *,
        newest_first: bool = True,
        known: Vocabulary | None = None,
        now_ms: int = 0,
    ) -> None:
        self.query = query
        self.newest_first = newest_first
        #: The order a ``sort:`` term asks for (None: the order jobs were first stored in).
        self.order: Order | None = None
        if query.sort is not None:
            order = order_of(query.sort, now_ms)
            self.order = order if newest_first else order.reversed()
        #: The sort keys of each page's last job (by row id), where the next page starts,
        #: and of the rows the last statement read.
        self._ends: dict[int, tuple[object, ...]] = {}
        self._read_keys: dict[int, tuple[object, ...]] = {}
        self._connection, self._lock = connection
        self._counting = counting
        with self._lock:
            indexed = not has_unindexed(self._connection)
            self.vocabulary = known or vocabulary(self._connection)
            self._sql = translate(query, self.vocabulary, words_indexed=indexed)
            self.driver, self.small = self._choose(self._sql.drivers)
            # Walked a window at a time: the jobs themselves, when nothing narrows them. (A small
            # set is read in one go; so are the word index's matches, newest first, as it finds them.)
            self._windowed = self.driver is None and self.order is None
            bounds = self._connection.execute("SELECT (SELECT min(id) FROM jobs), (SELECT max(id) FROM jobs)").fetchone()
        self._lowest, self._highest = (bounds[0] or 0), (bounds[1] or 0)

    @property
    def exact(self) -> bool:
        """Whether ``count`` is the number of jobs matching (else at most that many)."""
        return self._sql.exact

    def _choose(self, drivers: list[Driver]) -> tuple[Driver | None, bool]:
        """The smallest set of jobs of some states or backends when one is small; else the
        word index, if any (it gives its matches newest first, so it is never read whole)."""
        sizes = []
        for driver in drivers:
            if driver.kind == "words":
                continue
            (size,) = self._connection.execute(
                f"SELECT count(*) FROM ({driver.ids} LIMIT {SMALL})", driver.params
            ).fetchone()
            sizes.append((size, driver))
        small = [(size, driver) for size, driver in sizes if size < SMALL]
        if small:
            return min(small, key=lambda pair: pair[0])[1], True
        words = [driver for driver in drivers if driver.kind == "words"]
        return (words[0] if words else None), False

    # -- reading ------------------------------------------------------------------

    def page(self, after: int | None, limit: int, should_stop: ShouldStop | None = None) -> Page:
        """Up to ``limit`` jobs after the row ``after`` (None: from the first).
        SearchStopped when ``should_stop`` says so before it is done."""
        found: list[HistoryEntry] = []
        cursor = after
        with self._lock, _stoppable(self._connection, should_stop):
            while len(found) < limit:
                window = self._window(cursor) if self._windowed else None
                if window is None and self._windowed:
                    return Page(found, done=True)
                wanted = limit - len(found)
                rows = self._rows(cursor, window, wanted)
                found.extend(self._checked(rows))
                if self.order is not None and found:
                    self._ends[found[-1].key] = self._read_keys.get(found[-1].key) or self._ends[found[-1].key]
                if len(rows) == wanted:
                    cursor = rows[-1][-1]  # type: ignore[assignment]
                elif window is None:
                    return Page(found, done=True)  # every candidate read
                else:
                    # Nothing more in this window: the next one starts where it ended.
                    cursor = window + 1 if self.newest_first else window - 1
                if should_stop is not None and should_stop():
                    raise SearchStopped
        return Page(found, done=self._windowed and self._window(cursor) is None)

    def count(self, should_stop: ShouldStop | None = None) -> int:
        """How many jobs match (at most, unless ``exact``). SearchStopped as for ``page``."""
        source, where, params = self._from()
        source = source.replace(" NOT INDEXED", "")  # (a count may read the smallest index)
        connection, lock = self._counting
        with lock, _stoppable(connection, should_stop):
            return connection.execute(f"SELECT count(*) FROM {source} WHERE {where}", params).fetchone()[0]

    # -- the statements -------------------------------------------------------------

    def _from(self) -> tuple[str, str, list[object]]:
        """The rows to read and the test they pass (with its parameters)."""
        sql, driver = self._sql, self.driver
        if driver is not None and driver.kind == "words" and not self.small:
            return ("jobs_text JOIN jobs ON jobs.id = jobs_text.rowid",
                    f"jobs_text MATCH ? AND {sql.clause}", [*driver.params, *sql.params])
        if driver is not None:
            return "jobs NOT INDEXED", f"jobs.id IN ({driver.ids}) AND {sql.clause}", [*driver.params, *sql.params]
        return "jobs NOT INDEXED", sql.clause, list(sql.params)

    def _window(self, cursor: int | None) -> int | None:
        """The far end (exclusive) of the window of ids after ``cursor``; None when no id is after it."""
        if self.newest_first:
            start = self._highest + 1 if cursor is None else cursor
            return None if start <= self._lowest else max(self._lowest - 1, start - WINDOW)
        start = self._lowest - 1 if cursor is None else cursor
        return None if start >= self._highest else min(self._highest + 1, start + WINDOW)

    def _rows(self, cursor: int | None, window: int | None, limit: int) -> list[tuple[object, ...]]:
        """Rows after ``cursor`` (not after ``window``, if given) that pass the SQL test."""
        source, where, params = self._from()
        if self.order is not None:
            return self._sorted_rows(source, where, params, cursor, limit)
        column = "jobs_text.rowid" if source.startswith("jobs_text") else "jobs.id"
        before, order = ("<", "DESC") if self.newest_first else (">", "ASC")
        span, bounds = "1", []
        if cursor is not None:
            span, bounds = f"{column} {before} ?", [cursor]
        if window is not None:
            span += f" AND {column} {'>' if self.newest_first else '<'} ?"
            bounds.append(window)
        sql = (
            f"SELECT {JOB_COLUMNS}, jobs.id FROM {source} LEFT JOIN backends ON backends.name = jobs.backend"
            f" WHERE {span} AND {where} ORDER BY {column} {order} LIMIT ?"
        )
        return self._connection.execute(sql, [*bounds, *params, limit]).fetchall()

    def _sorted_rows(
        self, source: str, where: str, params: list[object], cursor: int | None, limit: int
    ) -> list[tuple[object, ...]]:
        """Rows in the sort's order after the row ``cursor`` (one a page ended on) that pass the SQL test."""
        order: Order = self.order  # type: ignore[assignment]
        span, bounds = "1", []
        if cursor is not None:
            span, bounds = order.after(), order.after_params(self._read_keys.get(cursor) or self._ends[cursor])
        sql = (
            f"SELECT {JOB_COLUMNS}, {order.columns()}, jobs.id FROM {source}"
            " LEFT JOIN backends ON backends.name = jobs.backend"
            f" WHERE {span} AND {where} ORDER BY {order.order_by()} LIMIT ?"
        )
        rows = self._connection.execute(sql, [*bounds, *params, limit]).fetchall()
        width = len(order.keys)
        self._read_keys = {row[-1]: row[-1 - width:-1] for row in rows}  # type: ignore[misc]
        return [(*row[: -1 - width], row[-1]) for row in rows]

    def _checked(self, rows: list[tuple[object, ...]]) -> list[HistoryEntry]:
        entries = [HistoryEntry(*job_from_row(row[:-1]), key=row[-1]) for row in rows]  # type: ignore[arg-type]
        if self.query.is_empty or self._sql.exact:
            return entries
        # The SQL let through more than the query matches: the query has the last word.
        kept = {id(job) for job in self.query.filter([entry.job for entry in entries])}
        return [entry for entry in entries if id(entry.job) in kept]


class _stoppable:
    """While it lasts, a statement on ``connection`` ends (SearchStopped) once ``should_stop`` says so."""

    def __init__(self, connection: sqlite3.Connection, should_stop: ShouldStop | None) -> None:
        self._connection = connection
        self._should_stop = should_stop

    def __enter__(self) -> None:
        if self._should_stop is not None:
            self._connection.set_progress_handler(self._should_stop, _STEPS)

    def __exit__(self, kind: object, problem: object, trace: object) -> bool:
        self._connection.set_progress_handler(None, 0)
        if isinstance(problem, sqlite3.OperationalError) and "interrupted" in str(problem):
            raise SearchStopped from problem
        return False
