"""``jobdeck info``: every path jobdeck uses, and each backend with its health."""

from __future__ import annotations

import os
from collections.abc import Sequence

import click

from jobdeck import paths
from jobdeck.cli.common import backend_failures, cli_state, log_file, polled_monitor, run_one_shot
from jobdeck.config import Settings, config_path_from, local_spool


@click.command(short_help="Show paths, backends and their health.")
@click.pass_context
def info(ctx: click.Context) -> None:
    """Show every path jobdeck uses and each backend with its health after one poll."""
    from jobdeck.present import one_line

    state = cli_state(ctx)
    config_file, _ = config_path_from(state.config_path, os.environ)
    settings = state.settings()
    exists = "exists" if config_file.exists() else "not found, defaults in use"
    rows = [
        ("config file", f"{config_file} ({exists})"),
        ("config dir", str(paths.config_dir())),
        ("data dir", str(paths.data_dir())),
        ("spool", str(local_spool(settings))),
        ("archive", str(paths.archive_file())),
        ("action log", str(paths.action_log_file())),
        ("themes dir", str(paths.user_themes_dir())),
        ("cache dir", str(paths.cache_dir())),
        ("log file", str(log_file())),
        ("screenshots", str(paths.screenshots_dir())),
        ("mode", settings.mode),
        ("theme", _theme_row(settings.theme)),
        ("ascii", _ascii_row(settings.ascii)),
        ("time zone", settings.time_zone),
    ]
    _print_pairs(rows)
    described, failures = run_one_shot(_describe_backends(settings))
    for backend in settings.backends:
        click.echo("")
        click.echo(f"backend {backend.name}")
        pairs = [("kind", backend.kind), ("interval", f"{backend.interval:g} s")]
        if not backend.enabled:
            _print_pairs([*pairs, ("health", "disabled")], indent=2)
            continue
        fields = described.get(backend.name, {})
        pairs += [(key, one_line(value)) for key, value in fields.items() if key != "kind"]
        error = failures.get(backend.name)
        pairs.append(("health", "ok" if error is None else f"error: {one_line(error)}"))
        _print_pairs(pairs, indent=2)


def _ascii_row(ascii: bool | str) -> str:
    """The ``ascii`` setting, and for "auto" what it means on this terminal."""
    if ascii != "auto":
        return "true" if ascii else "false"
    from jobdeck.wiring import terminal_needs_ascii  # (the CLI reaches the deck through wiring)

    term = os.environ.get("TERM", "")
    if terminal_needs_ascii():
        return f"auto (on: TERM={term} cannot draw the glyphs)"  # (_print_pairs makes it safe)
    return "auto (off: this terminal draws the glyphs)"


def _theme_row(theme: str) -> str:
    """The theme, with a warning when the deck has no theme of that name."""
    from jobdeck.wiring import theme_names  # Textual's themes and the theme files

    if theme in theme_names():
        return theme
    return f"{theme} (warning: no such theme; the deck would start with textual-dark)"


async def _describe_backends(settings: Settings) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    async with polled_monitor(settings) as monitor:
        return {name: monitor.describe(name) for name in monitor.backends()}, backend_failures(monitor)


def _print_pairs(pairs: Sequence[tuple[str, str]], indent: int = 0) -> None:
    from jobdeck.safe_text import safe_line

    # Values quote the config (paths, names) and the backends: one safe line each.
    pairs = [(safe_line(key), safe_line(value)) for key, value in pairs]
    width = max((len(key) for key, _ in pairs), default=0)
    for key, value in pairs:
        click.echo(f"{' ' * indent}{key.ljust(width)}  {value}")
