"""``jobdeck serve``: the deck in a browser (textual-serve)."""

from __future__ import annotations

import errno

import click

from jobdeck.cli.common import EXIT_USAGE, cli_state, fail, start_views


def _host(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from jobdeck.serve import listen_host

    try:
        return listen_host(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command(short_help="Serve the deck in a browser (textual-serve).")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    callback=_host,
    help="Address to listen on (loopback by default; any other needs the printed token).",
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--allow-actions", is_flag=True, help="Let the browser deck archive, retry and cancel (default: read-only).")
@click.option("--require-token", is_flag=True, help="Ask for the printed token on loopback too (shared machines).")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, allow_actions: bool, require_token: bool) -> None:
    """Serve the deck at http://HOST:PORT/, one deck per browser tab, read-only unless --allow-actions.

    Only pages of the server's own origin may open the deck. Off loopback (or
    with --require-token) the page also needs the token in the URL printed at start.
    --kiosk, --theme and --ascii/--no-ascii given before `serve` apply to every tab's deck;
    --read-only (or --kiosk) with --allow-actions is refused.
    """
    from jobdeck.serve import Access, deck_command, host_and_port, is_loopback, token_required

    state = cli_state(ctx)
    if allow_actions and (state.read_only or state.kiosk):
        asked = "--kiosk" if state.kiosk else "--read-only"
        fail(f"{asked} and --allow-actions contradict each other: leave one out", EXIT_USAGE)
    settings = state.settings()  # a bad config is reported here, not in every browser tab
    start_views(settings)  # and so is an unknown --view (exit 2)
    command = deck_command(
        config_path=state.config_path, allow_actions=allow_actions, kiosk=state.kiosk, theme=state.theme,
        ascii=state.ascii, view=state.view,
    )
    access = Access(token_required=token_required(host, require_token=require_token))
    # What each tab's deck will be: the config's mode stands when it is stricter than --allow-actions.
    mode = "kiosk" if settings.kiosk else "with actions" if allow_actions and not settings.read_only else "read-only"

    def announce(url: str) -> None:
        if not is_loopback(host):
            click.echo(
                f"jobdeck: warning: serving on {host} over plain HTTP: anyone with the URL below sees your jobs",
                err=True,
            )
        click.echo(f"jobdeck: serving the deck ({mode}) at {url} (Ctrl-C stops)", err=True)

    try:
        # Imported here: an ImportError means textual-serve is missing.
        from jobdeck.serve_server import run

        run(command, host=host, port=port, access=access, announce=announce)
    except ImportError:
        fail("the browser view needs textual-serve: pip install textual-serve")
    except OSError as exc:
        # (Before the start line: it is printed only once the port is ours.)
        where = host_and_port(host, port)
        if exc.errno == errno.EADDRINUSE:
            fail(f"cannot serve on {where}: the port is already in use")
        fail(f"cannot serve on {where}: {exc.strerror or exc}")
