"""The ``jobdeck`` command group: its top-level options, the deck, and ``main``."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import click

from jobdeck import startup
from jobdeck.cli.common import (
    EXIT_BROKEN_PIPE,
    EXIT_USAGE,
    CliState,
    JobdeckGroup,
    configure_logging,
    fail,
    non_empty_path,
    silence_stdout,
    start_views,
)
from jobdeck.cli.deck_options import given_options, refusal
from jobdeck.cli.demo import demo
from jobdeck.cli.emulate import emulate
from jobdeck.cli.history import history
from jobdeck.cli.info import info
from jobdeck.cli.logs import logs
from jobdeck.cli.ls import ls
from jobdeck.cli.run import run
from jobdeck.cli.serve import serve
from jobdeck.cli.stats import stats
from jobdeck.cli.wait import wait


@click.group(
    cls=JobdeckGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    callback=non_empty_path,
    metavar="PATH",
    help="Config file (default: $JOBDECK_CONFIG, else config.toml in the config folder; see `jobdeck info`).",
)
@click.option("--read-only", is_flag=True, help="Refuse every change (archive, retry, cancel …).")
@click.option("--kiosk", is_flag=True, help="Wall-screen mode (implies --read-only).")
@click.option("--theme", metavar="NAME", help="Theme to start with (overrides the config).")
@click.option("--view", metavar="NAME", help="Open on this saved view ([[views]] in the config, or saved with ctrl+s).")
@click.option(
    "--ascii/--no-ascii",
    "ascii",
    default=None,
    help="Draw with ASCII only, or never (overrides the config's ascii; by default ASCII on the Linux console).",
)
@click.version_option(package_name="jobdeck", prog_name="jobdeck", message="%(prog)s %(version)s")
@click.pass_context
def cli(
    ctx: click.Context, config_path: Path | None, read_only: bool, kiosk: bool, theme: str | None, view: str | None,
    ascii: bool | None,
) -> None:
    """One terminal deck for every job backend.

    Without a command, opens the deck. The mode in the config file applies
    unless --read-only or --kiosk ask for a stricter one. Before `demo` and
    `serve` these options apply to the deck they open; `ls`, `logs`, `history`,
    `stats` and `info` take --read-only; any other use is refused (exit 2).
    """
    configure_logging()
    ctx.obj = CliState(config_path=config_path, read_only=read_only, kiosk=kiosk, theme=theme, ascii=ascii, view=view)
    if ctx.invoked_subcommand is not None:
        startup.end()  # only the deck's first frame is worth its settings
        given = given_options(read_only=read_only, kiosk=kiosk, theme=theme, ascii=ascii, view=view)
        refused = refusal(ctx.invoked_subcommand, given)
        if refused:
            fail(refused, EXIT_USAGE)
        return
    settings = ctx.obj.settings()
    saved_views = start_views(settings)  # an unknown --view is exit 2 before the deck opens
    # Imported here: Textual is only needed when the deck opens.
    from jobdeck.wiring import run_deck

    ctx.exit(run_deck(settings, read_only=settings.read_only, kiosk=settings.kiosk, saved_views=saved_views))


for _command in (run, ls, logs, history, stats, info, demo, emulate, serve, wait):
    cli.add_command(_command)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Run the ``jobdeck`` command (``jobdeck.__main__.main`` calls it after ``startup.begin()``)."""
    # Library warnings go to the log file, never to the screen the deck owns.
    logging.captureWarnings(True)
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="jobdeck")
        code: int | str | None = 0  # pragma: no cover - click's standalone mode always exits
    except SystemExit as done:
        code = done.code
    # What is still buffered is written now, while a reader that has gone can be handled;
    # at interpreter exit it would be "Exception ignored ... BrokenPipeError" and exit 120.
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
        code = EXIT_BROKEN_PIPE
    raise SystemExit(code)
