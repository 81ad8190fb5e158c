"""``jobdeck serve``: the deck in a browser (textual-serve)."""

from __future__ import annotations

import click

from jobdeck.cli.common import cli_state, fail


@click.command(short_help="Serve the deck in a browser (textual-serve).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--allow-actions", is_flag=True, help="Let the browser deck archive, retry and cancel (default: read-only).")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, allow_actions: bool) -> None:
    """Serve the deck at http://HOST:PORT/, one deck per browser tab, read-only unless --allow-actions."""
    from jobdeck.serve import deck_command, is_loopback, serve_deck

    state = cli_state(ctx)
    state.settings()  # a bad config is reported here, not in every browser tab
    command = deck_command(config_path=state.config_path, allow_actions=allow_actions)
    if not is_loopback(host):
        click.echo(f"jobdeck: warning: serving on {host}: anyone who can reach it sees your jobs", err=True)
    mode = "with actions" if allow_actions else "read-only"
    click.echo(f"jobdeck: serving the deck ({mode}) at http://{host}:{port}/ (Ctrl-C stops)", err=True)
    try:
        serve_deck(command, host=host, port=port)
    except ImportError:
        fail("the browser view needs textual-serve: pip install textual-serve")
    except OSError as exc:
        fail(f"cannot serve on {host}:{port}: {exc.strerror or exc}")
