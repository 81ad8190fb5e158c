"""``jobdeck run``: run a command as a local job."""

from __future__ import annotations

from pathlib import Path

import click

from jobdeck import paths
from jobdeck.cli.common import EXIT_USAGE, cli_state, fail, non_empty_path
from jobdeck.config import local_spool
from jobdeck.config_problems import shown_path


@click.command(
    short_help="Run a command as a local job.",
    # Parsing stops at the command: its own options (ls -la) are never jobdeck's. Before it,
    # an option jobdeck does not know is a mistake to report, not a command to run.
    context_settings={"allow_interspersed_args": False},
)
@click.option("--name", help="Name shown in the deck (default: the command).")
@click.option(
    "--spool",
    type=click.Path(file_okay=False),
    callback=non_empty_path,
    help="Spool folder, which must exist (default: the local backend's spool).",
)
@click.option("--rerun", "rerun_id", metavar="JOB_ID", hidden=True, help="Run a spooled job again (retry).")
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def run(ctx: click.Context, name: str | None, spool: Path | None, rerun_id: str | None, command: tuple[str, ...]) -> None:
    """Run COMMAND as a local job the deck can show: jobdeck run [--name NAME] -- COMMAND ARGS...

    The job's output goes to the terminal and to the spool; the exit code is
    the command's own.
    """
    if rerun_id and command:
        raise click.UsageError("give either --rerun JOB_ID or a command, not both")
    if not rerun_id and not command:
        raise click.UsageError("missing the command to run, e.g.: jobdeck run --name backup -- rsync -a src/ dst/")
    from jobdeck.local.runner import rerun_job, run_job

    spool = _spool(ctx, spool)
    if rerun_id:
        ctx.exit(rerun_job(rerun_id, spool=spool))
    ctx.exit(run_job(list(command), name=name, spool=spool))


def _spool(ctx: click.Context, given: Path | None) -> Path:
    """The spool to run in: ``--spool``, else the local backend's. Only the default spool is
    created on first use; a named one must exist (a typo must not start a new, empty spool
    that the deck does not show), as the local backend also requires."""
    if given is not None:
        spool, origin = given, ""
    else:
        settings = cli_state(ctx).settings()
        spool = local_spool(settings)
        origin = f" (the local backend's spool in {shown_path(settings.config_path or '')})"
    if spool == paths.spool_dir():
        return spool
    if not spool.exists():
        fail(f"spool folder {shown_path(spool)} does not exist{origin}", EXIT_USAGE)
    if not spool.is_dir():
        fail(f"spool {shown_path(spool)} is not a folder{origin}", EXIT_USAGE)
    return spool
