"""``jobdeck logs``: print (or follow) a job's log, terminal-safe."""

from __future__ import annotations

import asyncio
import os
import sys

import click

from jobdeck.cli.common import cli_state, fail, polled_monitor, resolve_ref, run_one_shot
from jobdeck.config import Settings
from jobdeck.errors import AdapterError, NotFound
from jobdeck.model import JobRef, LogChunk, LogCursor


@click.command()
@click.argument("ref", metavar="REF")
@click.option("-f", "--follow", is_flag=True, help="Keep printing until the job ends (Ctrl-C stops).")
@click.option(
    "--colour/--no-colour",
    "--color/--no-color",
    "colour",
    default=None,
    help="Keep the log's colours (default: only on a terminal and when NO_COLOR is unset).",
)
@click.pass_context
def logs(ctx: click.Context, ref: str, follow: bool, colour: bool | None) -> None:
    """Print a job's log.

    REF is BACKEND/ID, or just an ID (or a job name) that only one job has: one its
    backend lists, else one in the history (its kept log tail). A REF several jobs
    match (a name many runs had) lists them and exits 2: give one as BACKEND/ID.
    """
    if colour is None:
        colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    printing = _print_log(cli_state(ctx).settings(), ref, follow=follow, colour=colour)
    # Following is a watch: it may wait out a rate limit as the deck does.
    asyncio.run(printing) if follow else run_one_shot(printing)


async def _print_log(settings: Settings, text: str, *, follow: bool, colour: bool) -> None:
    async with polled_monitor(settings) as monitor:
        ref, in_history = resolve_ref(monitor, text, settings)
        if monitor.job(ref) is None:  # its backend does not list it (any more?)
            if not _print_kept_tail(settings, ref, colour=colour):
                if in_history:
                    fail(f"{ref} is no longer listed by {ref.backend} and the history kept no log of it")
                fail(f"no job {text} (see `jobdeck ls --all`)")
            return
        printer = _LogPrinter(colour=colour)
        try:
            if follow:
                async for chunk in monitor.follow_log(ref):
                    printer.write(chunk)
            else:
                cursor = LogCursor()
                while True:
                    chunk = await monitor.read_log(ref, cursor)
                    printer.write(chunk)
                    if not chunk.text or chunk.complete or not _moved_on(chunk.cursor, cursor):
                        break
                    cursor = chunk.cursor
        except NotFound as exc:
            printer.flush()
            if not _print_kept_tail(settings, ref, colour=colour):
                _cannot_read(ref, exc)
        except AdapterError as exc:
            printer.flush()
            _cannot_read(ref, exc)
        printer.flush()


def _cannot_read(ref: JobRef, problem: AdapterError) -> None:
    from jobdeck.present import one_line

    fail(f"cannot read the log of {ref}: {one_line(str(problem))}")


def _print_kept_tail(settings: Settings, ref: JobRef, *, colour: bool) -> bool:
    """Print the log tail the history kept of ``ref`` (its backend forgot it), saying so on
    stderr; False when none was kept."""
    if not settings.history:
        return False
    from jobdeck import paths
    from jobdeck.store.sqlite.log_tails import kept_log_tail
    from jobdeck.store.sqlite.schema import FILE_NAME

    kept = kept_log_tail(paths.data_dir() / FILE_NAME, ref)
    if kept is None:
        return False
    size_kb = max(1, -(-len(kept.text.encode("utf-8", "replace")) // 1024))
    click.echo(
        f"jobdeck: {ref} is no longer listed by {ref.backend}; showing the last {size_kb} KB kept in history",
        err=True,
    )
    printer = _LogPrinter(colour=colour)
    printer.write(LogChunk(text=kept.text, offset=0))
    printer.flush()
    return True


def _moved_on(after: LogCursor, before: LogCursor) -> bool:
    """Whether a read ended past where it began (a byte offset further on, another token)."""
    if isinstance(after.position, int) and isinstance(before.position, int):
        return after.position > before.position
    return after != before


class _LogPrinter:
    """Writes log chunks terminal-safe, holding back an escape sequence cut between chunks."""

    def __init__(self, *, colour: bool) -> None:
        self.colour = colour
        self._pending = ""

    def write(self, chunk: LogChunk) -> None:
        if chunk.notice:
            from jobdeck.present import one_line

            click.echo(f"jobdeck: {one_line(chunk.notice)}", err=True)
        text, self._pending = _split_unfinished_escape(self._pending + chunk.text)
        self._emit(text)

    def flush(self) -> None:
        text, self._pending = self._pending, ""
        self._emit(text)

    def _emit(self, text: str) -> None:
        if not text:
            return
        from jobdeck.safe_text import make_safe

        # color=True: make_safe already decided what may pass; click must not strip it again.
        click.echo(make_safe(text, keep_colour=self.colour), nl=False, color=True)
        sys.stdout.flush()


def _split_unfinished_escape(text: str) -> tuple[str, str]:
    """Split off a trailing escape sequence that the next chunk will finish."""
    start = text.rfind("\x1b", max(0, len(text) - 64))
    if start < 0:
        return text, ""
    tail = text[start:]
    finished = len(tail) >= 2 and (tail[1] != "[" or any("@" <= c <= "~" for c in tail[2:]))
    return (text, "") if finished else (text[:start], tail)
