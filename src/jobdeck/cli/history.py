"""``jobdeck history``: every job jobdeck has seen (gone from its backend or not), from the
history file, as a table or JSON; ``jobdeck history REF``: that job's transitions."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import click

from jobdeck.cli.common import EXIT_FAILED, EXIT_OK, backend_option, cli_state, fail, json_option, state_option
from jobdeck.cli.history_source import entries, open_history, parse_filter, since_option, sorted_entries
from jobdeck.clock import SystemClock
from jobdeck.model import JobRef

if TYPE_CHECKING:
    from jobdeck.store.sqlite import HistoryEntry, HistoryReader


@click.command(
    name="history",
    short_help="List every job seen, or one job's transitions.",
    # A negated filter term (-state:failed) is a term, not an option; see parse_filter.
    context_settings={"ignore_unknown_options": True},
)
@since_option()
@backend_option()
@state_option("Only jobs last seen in this state (repeatable).")
@json_option()
@click.argument("terms", metavar="[FILTER...] | REF", nargs=-1)
@click.pass_context
def history(
    ctx: click.Context,
    since: datetime | None,
    backend_names: tuple[str, ...],
    states: tuple[str, ...],
    as_json: bool,
    terms: tuple[str, ...],
) -> None:
    """List every job jobdeck has seen, first seen newest first, from its history
    (also the jobs a backend no longer lists: "gone"). FILTER terms are the deck's
    (state:failed name:nightly -label:stage=test ...); sort:name, sort:-duration …
    list them in that order instead.

    With one REF (BACKEND/ID), print that job's state transitions instead.
    Reads the history only: a deck writing it is never blocked.
    """
    ref = _as_ref(terms)
    query = None if ref is not None else parse_filter(terms)
    reader = open_history(cli_state(ctx).settings())
    if reader is None:
        if ref is not None:
            ctx.exit(EXIT_FAILED)
        if as_json:
            click.echo("[]")
        ctx.exit(EXIT_OK)
    try:
        if ref is not None:
            ctx.exit(_print_transitions(reader, ref, as_json=as_json))
        if query is not None and query.sort is not None:  # sort:name, sort:-duration … (in SQL)
            found = sorted_entries(reader, query, since=since, backends=backend_names, states=states)
        else:
            found = entries(reader, since=since, backends=backend_names, states=states, query=query)
        if as_json:
            _print_json(found)
        else:
            _print_table(found)
    finally:
        reader.close()


def _as_ref(terms: Sequence[str]) -> JobRef | None:
    """One argument BACKEND/ID is a job's reference; anything else is filter terms
    (a term is ``key:value``, a word or a phrase, and a backend name has no colon)."""
    if len(terms) != 1:
        return None
    backend, _, job_id = terms[0].partition("/")
    if not job_id or not backend or any(c in backend for c in ':"') or backend[0] == "-" or backend != backend.strip():
        return None
    return JobRef(backend=backend, id=job_id)


def public(entry: HistoryEntry) -> dict[str, object]:
    """``jobdeck ls --json``'s fields (``gone`` among them) plus when jobdeck first and last saw the job."""
    return entry.job.to_public() | {
        "first_seen": entry.first_seen.isoformat(),
        "last_seen": entry.last_seen.isoformat(),
    }


def _print_json(found: Iterable[HistoryEntry]) -> None:
    click.echo(json.dumps([public(entry) for entry in found], indent=2))


def _print_table(found: Iterable[HistoryEntry]) -> None:
    from jobdeck import present
    from jobdeck.cli.ls import JOB_HEADER, ascii_only, job_cells, print_table

    ascii = ascii_only()
    now = SystemClock().now()
    rows = []
    for entry in found:
        state, ref, name, age, counts = job_cells(entry.job, now, ascii=ascii)
        if entry.job.gone:
            name = present.gone_mark(ascii) + name
        rows.append((state, ref, name, age, present.age(entry.last_seen, now), counts))
    if not rows:
        click.echo("no jobs in the history", err=True)
        return
    print_table((*JOB_HEADER[:4], "SEEN", JOB_HEADER[4]), rows)


def _print_transitions(reader: HistoryReader, ref: JobRef, *, as_json: bool) -> int:
    from jobdeck import present
    from jobdeck.cli.ls import ascii_only

    events = reader.transitions(ref)
    if not events:
        fail(f"no job {ref} in the history")
    if as_json:
        click.echo(json.dumps(
            [{"at": event.at.isoformat(), "state": event.state.value, "raw_state": event.raw_state} for event in events],
            indent=2,
        ))
        return EXIT_OK
    ascii = ascii_only()
    for event in events:
        when = event.at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        raw = f"  ({present.one_line(event.raw_state)})" if event.raw_state else ""
        click.echo(f"{when}  {present.state_glyph(event.state, ascii=ascii)} {present.state_word(event.state)}{raw}")
    return EXIT_OK
