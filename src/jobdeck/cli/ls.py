"""``jobdeck ls [QUERY...]``: the jobs of every backend after one poll that match the deck's
filter language, as a table or JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import datetime

import click

from jobdeck.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    backend_failures,
    backend_option,
    cli_state,
    json_option,
    polled_monitor,
    run_one_shot,
    state_option,
)
from jobdeck.clock import SystemClock
from jobdeck.config import Settings
from jobdeck.model import Job, JobState


@click.command(
    name="ls",
    short_help="List jobs.",
    # A negated filter term (-state:failed) is a term, not an option; see parse_filter.
    context_settings={"ignore_unknown_options": True},
)
@backend_option()
@state_option("Only jobs in this state (repeatable).")
@click.option("--archived", is_flag=True, help="List archived jobs instead of the others.")
@click.option("--all", "include_all", is_flag=True, help="List archived and other jobs together.")
@json_option("A JSON list of jobs instead of a table.")
@click.argument("terms", metavar="[QUERY...]", nargs=-1)
@click.pass_context
def ls(
    ctx: click.Context,
    backend_names: tuple[str, ...],
    states: tuple[str, ...],
    archived: bool,
    include_all: bool,
    as_json: bool,
    terms: tuple[str, ...],
) -> None:
    """List jobs after one poll of every backend (read-only), newest first.

    QUERY is the deck's filter ('state:failed OR state:canceled', name:/^etl-/,
    duration:>10m, ended:today, -label:stage=test, sort:-duration ...); a bad one
    is exit code 2 with where it is.

    A backend that fails is named on stderr with its error, the others are
    still listed, and the exit code is 1.
    """
    from jobdeck.cli.history_source import parse_filter

    query = parse_filter(terms)
    settings = _only_backends(cli_state(ctx).settings(), backend_names)
    jobs, failures = run_one_shot(_poll(settings))
    listed_any = bool(jobs)
    wanted = {JobState(state.lower()) for state in states}
    jobs = [
        job
        for job in jobs
        if (not wanted or job.state in wanted) and (include_all or job.archived == archived)
    ]
    jobs.sort(key=_newest_first)
    if not query.is_empty:
        jobs = query.filter(jobs)
    if query.sort is not None:
        from jobdeck.query import sort_jobs

        jobs = sort_jobs(jobs, query.sort, SystemClock().now())
    if failures:
        from jobdeck.present import one_line

        for backend, error in failures.items():
            click.echo(f"jobdeck: warning: backend {backend} failed: {one_line(error)}", err=True)
    if as_json:
        click.echo(json.dumps([job.to_public() for job in jobs], indent=2))
    elif jobs:
        _print_table(jobs)
    elif listed_any and (terms or states or archived or include_all):
        click.echo("no jobs match", err=True)
    elif listed_any:
        click.echo("no jobs but archived ones: `jobdeck ls --archived` lists them", err=True)
    else:  # a backend that failed was named above
        click.echo("no jobs" if failures else NO_JOBS_YET, err=True)
    ctx.exit(EXIT_FAILED if failures else EXIT_OK)


#: What ``jobdeck ls`` says (on stderr) when no backend lists a job: how to get some.
NO_JOBS_YET = "no jobs yet: start one with `jobdeck run -- COMMAND`, or try `jobdeck demo`"


def _only_backends(settings: Settings, names: Sequence[str]) -> Settings:
    if not names:
        return settings
    known = [backend.name for backend in settings.backends]
    unknown = [name for name in names if name not in known]
    if unknown:
        raise click.BadParameter(
            f"no backend named {', '.join(unknown)}; configured: {', '.join(known) or 'none'}",
            param_hint="--backend",
        )
    return settings.model_copy(update={"backends": [b for b in settings.backends if b.name in names]})


async def _poll(settings: Settings) -> tuple[list[Job], dict[str, str]]:
    """Every job after one poll, and the error of each backend that failed."""
    async with polled_monitor(settings) as monitor:
        return monitor.jobs(), backend_failures(monitor)


def _newest_first(job: Job) -> tuple[bool, float]:
    created = job.created.timestamp() if job.created else 0.0
    return (job.created is None, -created)


def ascii_only() -> bool:
    """True when stdout cannot encode the state glyphs (old terminals, C locale)."""
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    try:
        "◌▶✓✗⊘‖—".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return True
    return False


#: The columns of ``jobdeck ls`` (``jobdeck history`` shows them too, with more).
JOB_HEADER = ("STATE", "REF", "NAME", "AGE", "COUNTS")


def job_cells(job: Job, now: datetime, *, ascii: bool) -> tuple[str, str, str, str, str]:
    """``job``'s cells under JOB_HEADER: terminal-safe text, one line each."""
    from jobdeck import present

    return (
        f"{present.state_glyph(job.state, ascii=ascii)} {present.state_word(job.state)}",
        present.one_line(str(job.ref)),
        present.one_line(job.name),
        present.age(job.created, now).replace(present.MISSING, "-" if ascii else present.MISSING),
        present.counts_text(job.counts, ascii=ascii) if job.counts else "",
    )


def print_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """``rows`` under ``header``, in columns of at most 48 cells (the last one unpadded)."""
    from rich.cells import cell_len

    from jobdeck import present

    widths = [min(48, max(cell_len(row[i]) for row in [header, *rows])) for i in range(len(header))]
    for row in [header, *rows]:
        cells = [present.fit(cell, width) for cell, width in zip(row[:-1], widths[:-1], strict=True)]
        click.echo("  ".join([*cells, row[-1]]).rstrip())


def _print_table(jobs: Sequence[Job]) -> None:
    ascii = ascii_only()
    now = SystemClock().now()
    rows = [job_cells(job, now, ascii=ascii) for job in jobs]
    print_table(JOB_HEADER, rows)
