"""``jobdeck stats``: from the history, per backend and job name (or group): runs,
success rate, and the median and 95th percentile of the finished runs' durations."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import click

from jobdeck.cli.common import EXIT_OK, backend_option, cli_state, json_option
from jobdeck.cli.history_source import entries, open_history, parse_filter, since_option
from jobdeck.store.run_stats import RunStats, percent, run_seconds

if TYPE_CHECKING:
    from jobdeck.store.sqlite import HistoryEntry


@dataclass
class JobStats(RunStats):
    """The runs of one job name (or group) of one backend."""

    backend: str = ""
    name: str = ""

    def to_public(self) -> dict[str, object]:
        return {
            "backend": self.backend,
            "name": self.name,
            "runs": self.runs,
            "finished": self.finished,
            "succeeded": self.succeeded,
            "failed": self.failed,
            "canceled": self.canceled,
            "success_rate": self.success_rate,
            "p50_s": self.percentile(50),
            "p95_s": self.percentile(95),
        }


def job_stats(found: Iterable[HistoryEntry]) -> list[JobStats]:
    """Stats per backend and job name (the group's name for a job in a group), by most runs."""
    table: dict[tuple[str, str], JobStats] = {}
    for entry in found:
        job = entry.job
        name = job.group.name if job.group is not None else job.name
        stats = table.setdefault((job.ref.backend, name), JobStats(backend=job.ref.backend, name=name))
        stats.add(job.state, run_seconds(job.started, job.created, job.ended))
    return sorted(table.values(), key=lambda s: (-s.runs, s.backend, s.name))


def duration_text(seconds: float | None, missing: str) -> str:
    """``seconds`` compactly: "45s", "3m12s", "1h05m", "2d03h"."""
    if seconds is None:
        return missing
    whole = round(seconds)
    if whole < 60:
        return f"{seconds:.1f}s" if seconds < 10 else f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h"


@click.command(
    name="stats",
    short_help="Runs, success rate and durations per job, from the history.",
    # A negated filter term (-state:failed) is a term, not an option; see parse_filter.
    context_settings={"ignore_unknown_options": True},
)
@since_option()
@backend_option()
@json_option()
@click.argument("terms", metavar="[FILTER...]", nargs=-1)
@click.pass_context
def stats(
    ctx: click.Context, since: datetime | None, backend_names: tuple[str, ...], as_json: bool, terms: tuple[str, ...]
) -> None:
    """Per backend and job name (or group), from the history: runs, success rate
    (succeeded among finished runs) and the p50/p95 duration of finished runs.
    FILTER terms are the deck's.
    """
    query = parse_filter(terms)
    reader = open_history(cli_state(ctx).settings())
    if reader is None:
        if as_json:
            click.echo("[]")
        ctx.exit(EXIT_OK)
    try:
        table = job_stats(entries(reader, since=since, backends=backend_names, query=query))
    finally:
        reader.close()
    if as_json:
        click.echo(json.dumps([row.to_public() for row in table], indent=2))
    else:
        _print_table(table)


def _print_table(table: Sequence[JobStats]) -> None:
    from jobdeck import present
    from jobdeck.cli.ls import ascii_only, print_table

    if not table:
        click.echo("no jobs in the history", err=True)
        return
    missing = "-" if ascii_only() else present.MISSING
    rows = [
        (
            present.one_line(row.backend),
            present.one_line(row.name),
            str(row.runs),
            percent(row.success_rate) if row.success_rate is not None else missing,
            duration_text(row.percentile(50), missing),
            duration_text(row.percentile(95), missing),
        )
        for row in table
    ]
    print_table(("BACKEND", "NAME", "RUNS", "OK", "P50", "P95"), rows)
