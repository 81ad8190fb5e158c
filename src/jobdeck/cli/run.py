"""``jobdeck run``: run a command as a local job."""

from __future__ import annotations

from pathlib import Path

import click

from jobdeck.cli.common import cli_state
from jobdeck.config import local_spool


@click.command(
    short_help="Run a command as a local job.",
    # Parsing stops at the command: its own options (ls -la) are never jobdeck's. Before it,
    # an option jobdeck does not know is a mistake to report, not a command to run.
    context_settings={"allow_interspersed_args": False},
)
@click.option("--name", help="Name shown in the deck (default: the command).")
@click.option(
    "--spool",
    type=click.Path(path_type=Path, file_okay=False),
    help="Spool folder (default: the local backend's spool).",
)
@click.option("--rerun", "rerun_id", metavar="JOB_ID", hidden=True, help="Run a spooled job again (retry).")
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def run(ctx: click.Context, name: str | None, spool: Path | None, rerun_id: str | None, command: tuple[str, ...]) -> None:
    """Run CMD as a local job the deck can show: jobdeck run [--name NAME] -- CMD ARGS...

    The job's output goes to the terminal and to the spool; the exit code is
    the command's own.
    """
    if rerun_id and command:
        raise click.UsageError("give either --rerun JOB_ID or a command, not both")
    if not rerun_id and not command:
        raise click.UsageError("missing the command to run, e.g.: jobdeck run --name backup -- rsync -a src/ dst/")
    from jobdeck.local.runner import rerun_job, run_job

    spool = spool or local_spool(cli_state(ctx).settings())
    if rerun_id:
        ctx.exit(rerun_job(rerun_id, spool=spool))
    ctx.exit(run_job(list(command), name=name, spool=spool))
