"""``jobdeck demo``: the deck on demo jobs, in a folder of its own."""

from __future__ import annotations

import click

from jobdeck.cli.common import EXIT_USAGE, cli_state, fail, start_views
from jobdeck.cli.deck_options import given_options


@click.command()
@click.option("--read-only", is_flag=True, help="Open the deck read-only.")
@click.option("--kiosk", is_flag=True, help="Open the deck as a kiosk.")
@click.option("--fresh", is_flag=True, help="Use a new temporary folder instead of the demo folder.")
@click.option("--no-deck", is_flag=True, help="Only start the demo jobs and print the demo spool path.")
@click.pass_context
def demo(ctx: click.Context, read_only: bool, kiosk: bool, fresh: bool, no_deck: bool) -> None:
    """Open the deck on demo jobs, without touching your own jobs.

    The demo keeps its jobs, archive and action log in its own folder
    (`demo/` in the data folder, or a temporary one with --fresh); a new demo
    clears what the previous one left there, and says so. --read-only, --kiosk,
    --theme, --ascii/--no-ascii and --view given before `demo` apply to its deck too.
    """
    from jobdeck import demo as demo_module

    state = cli_state(ctx)
    if no_deck:
        given = given_options(read_only=read_only or state.read_only, kiosk=kiosk or state.kiosk, theme=state.theme,
                              ascii=state.ascii, view=state.view)
        if given:
            fail(f"{given[0]} does not apply to `jobdeck demo --no-deck`: it opens no deck", EXIT_USAGE)
    # The mode and theme given before `demo` are in these settings, and the demo's deck keeps them.
    base = state.settings()
    if not no_deck:
        start_views(base)  # an unknown --view is exit 2, listing the views, before any demo job starts
    try:
        code = demo_module.run_demo(base, read_only=read_only, kiosk=kiosk, fresh=fresh, open_deck=not no_deck)
    except OSError as exc:  # a demo job or folder that cannot be started or written
        fail(f"cannot start the demo: {exc}")
    ctx.exit(code)
