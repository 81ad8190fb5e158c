"""What ``jobdeck history`` and ``jobdeck stats`` share: ``--since``, the history file
opened read only, and its jobs read page by page through the filters.

The file is opened read only (WAL: a deck writing it is never blocked, nor blocks
us). Everything read from it is untrusted text: the commands print it through
``jobdeck.present``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import click

from jobdeck import paths
from jobdeck.clock import SystemClock
from jobdeck.config import Settings
from jobdeck.model import JobState

if TYPE_CHECKING:
    from jobdeck.query import Query
    from jobdeck.store.sqlite import HistoryEntry, HistoryReader

#: Jobs read from the file at a time (never all of it at once).
PAGE = 1000

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_SPAN = re.compile(r"(\d{1,9})([smhdw])")


def parse_since(text: str, now: datetime) -> datetime:
    """``30m``, ``12h``, ``7d``, ``2w`` before ``now``, or an ISO date or time (local time
    unless it says its zone). ValueError with a message for the user otherwise."""
    text = text.strip()
    span = _SPAN.fullmatch(text.lower())
    if span:
        try:
            return now - timedelta(**{_UNITS[span[2]]: int(span[1])})
        except OverflowError:
            raise ValueError(f"{text!r} is further back than a date can be") from None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is neither a span (30m, 12h, 7d, 2w) nor a date (2026-12-01, 2026-12-01T08:00)"
        ) from None
    return moment if moment.tzinfo is not None else moment.astimezone()


class Since(click.ParamType):
    """``--since``: a time span back from now or a date (see ``parse_since``); a bad one is exit 2."""

    name = "SPAN|DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return parse_since(str(value), SystemClock().now())
        except ValueError as problem:
            from jobdeck.safe_text import safe_message

            self.fail(safe_message(str(problem)), param, ctx)


def since_option(
    help_text: str = "Only jobs last seen since then: 30m, 12h, 7d, 2w, or a date (2026-12-01).",
) -> Any:
    return click.option("--since", type=Since(), metavar="SPAN|DATE", help=help_text)


def open_history(settings: Settings) -> HistoryReader | None:
    """The history, read only; None (and the reason on stderr) when there is none to read.
    A file that cannot be read is a failure (exit 1) naming the file and why."""
    from jobdeck.cli.common import fail
    from jobdeck.store.sqlite import FILE_NAME, HistoryReader, HistoryUnavailable

    path = paths.data_dir() / FILE_NAME
    if not path.exists():
        if not settings.history:
            why = "history is off (history = false in the config)"
        else:
            why = f"nothing recorded yet ({path} does not exist; the deck, `jobdeck ls` and `jobdeck logs` record)"
        from jobdeck.safe_text import safe_message

        click.echo(f"jobdeck: no history: {safe_message(why)}", err=True)
        return None
    try:
        return HistoryReader(path)
    except HistoryUnavailable as problem:
        fail(f"the history cannot be read: {problem}")


def _phrase_at(argument: str) -> int | None:
    """Where the phrase of an argument with spaces starts (after its first term's ``-`` and
    ``key:``), as the filter's parser reads it; None when it is a query of its own: OR, AND,
    NOT or a group (anything between its terms but spaces), or a keyed term after the first."""
    from jobdeck.query import Leaf, QueryError, Term
    from jobdeck.query.parser import parse

    terms: list[tuple[Term, int, int, int]] = []

    def leaf(term: Term, start: int, end: int, value_at: int) -> Leaf:
        terms.append((term, start, end, value_at))
        return Leaf(term, start, end)

    try:
        parse(argument, leaf)
    except QueryError:
        return None  # a query, as written: the parser says what is wrong with it, and where
    if not terms or any(term.key is not None for term, *_ in terms[1:]):
        return None
    between = [argument[:terms[0][1]], argument[terms[-1][2]:]]
    between += [argument[end:start] for (_, _, end, _), (_, start, _, _) in zip(terms, terms[1:], strict=False)]
    return None if any(text.strip() for text in between) else terms[0][3]


def filter_text(terms: Sequence[str]) -> str:
    """QUERY arguments as one query: an argument with spaces (the shell took its quotes) is a
    phrase, unless it is a query of its own ('state:failed OR state:canceled')."""
    parts = []
    for term in terms:
        at = _phrase_at(term) if any(c.isspace() for c in term) and '"' not in term else None
        if at is not None:
            term = f'{term[:at].lstrip()}"{term[at:]}"'
        parts.append(term)
    return " ".join(parts)


def parse_filter(terms: Sequence[str]) -> Query:
    """The deck's filter language over QUERY arguments; a bad one is exit 2 with the reason and
    where, as the deck says it."""
    from jobdeck.cli.common import EXIT_USAGE, fail
    from jobdeck.query import QueryError, parse_query

    unknown = [term for term in terms if term.startswith("--")]
    if unknown:  # the command passes unknown options on as terms (for -state:failed): a typo is not one
        fail(f"no such option: {unknown[0]} (a filter term starting with - negates one: -state:failed)", EXIT_USAGE)
    try:
        text = filter_text(terms)
        return parse_query(text)
    except QueryError as problem:
        fail(f"bad filter {text!r}: {problem.described()}", EXIT_USAGE)


def entries(
    reader: HistoryReader,
    *,
    since: datetime | None,
    backends: Sequence[str] = (),
    states: Sequence[str] = (),
    query: Query | None = None,
) -> Iterator[HistoryEntry]:
    """The jobs of the history, first seen newest first, that pass every filter, read a page at a time."""
    wanted_backends = set(backends)
    wanted_states = {JobState(state.lower()) for state in states}
    # One value of a filter goes to SQL; several are applied here.
    backend = next(iter(wanted_backends)) if len(wanted_backends) == 1 else None
    state = next(iter(wanted_states)) if len(wanted_states) == 1 else None
    offset = 0
    while True:
        page = reader.jobs(since=since, backend=backend, state=state, limit=PAGE, offset=offset)
        offset += len(page)
        kept = [
            entry
            for entry in page
            if (not wanted_backends or entry.job.ref.backend in wanted_backends)
            and (not wanted_states or entry.job.state in wanted_states)
        ]
        if query is not None and not query.is_empty:
            matching = {id(job) for job in query.filter([entry.job for entry in kept])}
            kept = [entry for entry in kept if id(entry.job) in matching]
        yield from kept
        if len(page) < PAGE:
            return


def sorted_entries(
    reader: HistoryReader,
    query: Query,
    *,
    since: datetime | None,
    backends: Sequence[str] = (),
    states: Sequence[str] = (),
) -> Iterator[HistoryEntry]:
    """The jobs of the history that pass every filter, in the order of ``query``'s ``sort:``
    term (as the deck's history view reads them: by SQL, a page at a time, never all at once)."""
    wanted_backends = set(backends)
    wanted_states = {JobState(state.lower()) for state in states}
    search = reader.search(query, now=SystemClock().now())
    after = None
    while True:
        page = search.page(after, PAGE)
        for entry in page.entries:
            if (
                (since is None or entry.last_seen >= since)
                and (not wanted_backends or entry.job.ref.backend in wanted_backends)
                and (not wanted_states or entry.job.state in wanted_states)
            ):
                yield entry
        if page.done or not page.entries:
            return
        after = page.entries[-1].key
