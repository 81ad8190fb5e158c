"""``jobdeck wait``: block until a job ends; its exit code says how it ended.

For scripts and CI: ``jobdeck run --detach …; jobdeck wait REF && deploy``.
The backends are watched as the deck watches them (polls with backoff, push
where a backend has it), read-only. Progress goes to stderr, only when it is a
terminal; nothing goes to stdout.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING

import click

from jobdeck.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, FiniteFloatRange, cli_state, resolve_ref
from jobdeck.clock import SystemClock
from jobdeck.config import Settings
from jobdeck.model import Job, JobState

if TYPE_CHECKING:
    from jobdeck.monitor import Monitor

#: Exit codes of ``jobdeck wait`` (0 and 1 are the job's own: succeeded, failed; 2 is a usage error).
EXIT_CANCELED = 3
EXIT_NOT_FOUND = 4
#: As timeout(1) says it.
EXIT_TIMEOUT = 124

ENDED: dict[JobState, int] = {
    JobState.SUCCEEDED: EXIT_OK,
    JobState.FAILED: EXIT_FAILED,
    JobState.CANCELED: EXIT_CANCELED,
}


@click.command()
@click.argument("ref", metavar="REF")
@click.option(
    "--timeout",
    type=FiniteFloatRange(min=0, min_open=True),
    default=None,
    metavar="SECONDS",
    help="Give up after this long (exit 124).",
)
@click.pass_context
def wait(ctx: click.Context, ref: str, timeout: float | None) -> None:
    """Wait until a job ends; exit 0 if it succeeded, 1 if it failed.

    REF is BACKEND/ID, or just an ID (or a job name) that only one job has, as
    for `jobdeck logs`. Other exit codes: 3 the job was canceled, 4 no such
    job (or its backend no longer lists it), 124 --timeout passed first,
    2 a usage or config error (a REF that several jobs match, or whose backend
    is neither configured nor in the history).
    """
    progress = sys.stderr.isatty()
    code = asyncio.run(_wait(cli_state(ctx).settings(), ref, timeout=timeout, progress=progress))
    ctx.exit(code)


async def _wait(settings: Settings, text: str, *, timeout: float | None, progress: bool) -> int:
    from jobdeck.wiring import build_monitor

    monitor = build_monitor(settings, read_only=True, clock=SystemClock())
    changed = asyncio.Event()
    # Any event: a job changed, or a backend's health (one that was down may answer now).
    monitor.add_listener(lambda _event: changed.set())
    watching = asyncio.create_task(monitor.run())
    try:
        async with asyncio.timeout(timeout):
            await monitor.first_polls()
            ref, _in_history = resolve_ref(
                monitor, text, settings, not_found=EXIT_NOT_FOUND, unclear=EXIT_USAGE
            )
            if ref.backend not in monitor.backends():  # found in the history only
                _say(f"{ref} is no longer watched: its backend is not configured")
                return EXIT_NOT_FOUND
            said = ""
            while True:
                job = monitor.job(ref)
                if job is None and not _answered(monitor, ref.backend):
                    line = f"waiting for {ref}: its backend has not answered yet"
                elif job is None or job.gone_since is not None:
                    _say(f"no job {text} (see `jobdeck ls --all`)" if job is None else f"{ref} is no longer listed by its backend")
                    return EXIT_NOT_FOUND
                elif job.state in ENDED:
                    if progress:
                        _say(f"{ref} {job.state.value}")
                    return ENDED[job.state]
                else:
                    line = _progress(job)
                if progress and line != said:
                    said = line
                    _say(line)
                changed.clear()
                await changed.wait()
    except TimeoutError:
        _say(f"{text} has not ended after {timeout:g} s")
        return EXIT_TIMEOUT
    finally:
        await monitor.stop()
        watching.cancel()
        await asyncio.gather(watching, return_exceptions=True)


def _answered(monitor: Monitor, backend: str) -> bool:
    health = monitor.health().get(backend)
    return health is not None and health.last_ok is not None


def _progress(job: Job) -> str:
    from jobdeck.safe_text import safe_line

    line = f"waiting for {job.ref} ({safe_line(job.name)}): {job.state.value}"
    if job.progress is not None:
        line += f", {job.progress:.0f}%"
    return line


def _say(message: str) -> None:
    from jobdeck.safe_text import safe_message

    click.echo(f"jobdeck: {safe_message(message)}", err=True)
