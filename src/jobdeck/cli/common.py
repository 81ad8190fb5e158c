"""What every ``jobdeck`` command shares: exit codes, the log file, error handling.

Python logging writes only to ``<data dir>/jobdeck.log``, because the deck
owns the screen and a stray library warning would tear it.
"""

from __future__ import annotations

import asyncio
import logging
import logging.handlers
import math
import os
import sys
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from jobdeck import paths
from jobdeck.clock import SystemClock
from jobdeck.config import Settings, load_settings
from jobdeck.errors import ConfigError
from jobdeck.model import JobRef, JobState
from jobdeck.views import VIEWS_FILE, View, all_views, find_view, read_saved_views, unknown_view_message

if TYPE_CHECKING:
    # Imported where used: `--help`, `run` and the deck's first frame need not wait for them.
    from jobdeck.monitor import Monitor

log = logging.getLogger("jobdeck.cli")

#: Exit codes.
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
#: The reader of our output went away (``jobdeck ls | head``): 128 + SIGPIPE, what a shell reports
#: for a Unix tool that SIGPIPE stopped, so `set -o pipefail` scripts see the same as with `cat`.
EXIT_BROKEN_PIPE = 141

LOG_FILE_NAME = "jobdeck.log"
_LOG_MAX_BYTES = 1_000_000
_LOG_BACKUPS = 2

# -- logging ------------------------------------------------------------------------


class _FileLog:
    """Where Python logging goes: one small rotating file in the data folder."""

    handler: logging.Handler | None = None
    path: Path | None = None


def configure_logging(data_dir: Path | None = None) -> Path:
    """Send every log record to ``<data dir>/jobdeck.log`` and none to the terminal.

    Idempotent: calling it again (another data folder in tests) replaces the
    handler it installed before and leaves every other handler alone.
    """
    path = (data_dir or paths.data_dir()) / LOG_FILE_NAME
    if _FileLog.path == path and _FileLog.handler is not None:
        return path
    root = logging.getLogger()
    if _FileLog.handler is not None:
        root.removeHandler(_FileLog.handler)
        _FileLog.handler.close()
    handler: logging.Handler
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=_LOG_MAX_BYTES, backupCount=_LOG_BACKUPS, encoding="utf-8", delay=True
        )
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    except OSError:
        # An unwritable data folder must not stop jobdeck; the logs are lost instead.
        handler = logging.NullHandler()
    handler.setLevel(logging.INFO)
    root.addHandler(handler)
    logging.getLogger("jobdeck").setLevel(logging.INFO)
    _FileLog.handler, _FileLog.path = handler, path
    return path


def log_file() -> Path:
    """The log file in use (or the one ``configure_logging`` would use)."""
    return _FileLog.path or paths.data_dir() / LOG_FILE_NAME


# -- shared plumbing ----------------------------------------------------------------


def start_views(settings: Settings) -> tuple[list[View], str | None] | None:
    """For the view the deck is to open on (``--view``, the config's ``view``): the saved views
    and why some could not be read, read here once and handed to the deck (which then reads
    them no more). Leaves with exit 2, listing the views, when it is none of the config's or
    the saved ones. None when no view is asked for (the deck reads them after its first frame)."""
    if not settings.view:
        return None
    saved, problem = read_saved_views(paths.data_dir() / VIEWS_FILE)
    views = all_views(settings.views, saved)
    if not find_view(views, settings.view):
        fail(unknown_view_message(settings.view, views), EXIT_USAGE)
    return saved, problem


@dataclass
class CliState:
    """What the top-level options give every subcommand.

    ``read_only``, ``kiosk`` and ``theme`` are the deck's options given before the
    command; the group has already refused them for a command they do not apply to.
    """

    config_path: Path | None
    read_only: bool = False
    kiosk: bool = False
    theme: str | None = None
    #: ``--ascii`` (True) or ``--no-ascii`` (False); None: the config's ``ascii`` stands.
    ascii: bool | None = None
    #: ``--view NAME``: the saved view the deck opens on (None: the config's ``view``).
    view: str | None = None
    _settings: Settings | None = field(default=None, repr=False)

    def settings(self) -> Settings:
        """The settings, loaded once, with the top-level options applied (ConfigError propagates: exit 2).

        The config's mode stands unless an option asks for a stricter one; ``--theme`` and
        ``--ascii``/``--no-ascii`` override the config's.
        """
        if self._settings is None:
            settings = load_settings(self.config_path).with_mode(read_only=self.read_only, kiosk=self.kiosk)
            if self.theme:
                settings = settings.model_copy(update={"theme": self.theme})
            if self.view:
                settings = settings.model_copy(update={"view": self.view})
            if self.ascii is not None:
                settings = settings.model_copy(update={"ascii": self.ascii})
            self._settings = settings
        return self._settings


class JobdeckGroup(click.Group):
    """Turns every error into one line on stderr and an exit code."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        # `jobdeck --help | head -1`: the help is printed while the options are parsed.
        try:
            return super().make_context(*args, **kwargs)
        except BrokenPipeError:
            leave_quietly_on_broken_pipe()

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except BrokenPipeError:
            leave_quietly_on_broken_pipe()
        except ConfigError as exc:
            from jobdeck.safe_text import safe_line

            # One problem a line (config.py made them safe already; other ConfigErrors may not be).
            click.echo("jobdeck: " + "\n".join(safe_line(line) for line in str(exc).splitlines()), err=True)
            ctx.exit(EXIT_USAGE)
        except KeyboardInterrupt:
            # Ctrl-C is how people leave `logs -f`: a clean exit, no traceback.
            ctx.exit(EXIT_INTERRUPTED)
        except Exception as exc:
            log.exception("internal error")
            from jobdeck.safe_text import safe_message

            what = str(exc) or type(exc).__name__
            click.echo(f"jobdeck: internal error: {safe_message(what)} (details in {log_file()})", err=True)
            ctx.exit(EXIT_FAILED)


def leave_quietly_on_broken_pipe() -> NoReturn:
    """Exit as a Unix tool does when its reader has gone: no message, EXIT_BROKEN_PIPE.

    stdout is pointed at /dev/null first, so that flushing what is left in its
    buffer at exit cannot fail a second time (Python would print "Exception
    ignored ... BrokenPipeError" and exit 120).
    """
    silence_stdout()
    raise click.exceptions.Exit(EXIT_BROKEN_PIPE)


def silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no file descriptor (a test's captured stdout): nothing will flush to a pipe
        pass
    finally:
        os.close(devnull)


class FiniteFloatRange(click.FloatRange):
    """A FloatRange that also refuses nan and inf: nan passes every comparison a range makes,
    and either later fails deep inside as an internal error instead of here as a usage one."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{number} is not a finite number", param, ctx)
        return number


def non_empty_path(ctx: click.Context, param: click.Parameter, value: str | None) -> Path | None:
    """The callback of a path option (a ``click.Path`` without ``path_type``): an empty path
    (``--spool "$UNSET"``) is a mistake, not the current folder that ``Path("")`` would be."""
    if value is None:
        return None
    if not value.strip():
        raise click.BadParameter("the path is empty (an unset variable?)")
    return Path(value)


def backend_option() -> Any:
    """``--backend NAME`` (repeatable) as ``backend_names``: the commands that list jobs share it."""
    return click.option("--backend", "backend_names", metavar="NAME", multiple=True, help="Only this backend (repeatable).")


def state_option(help_text: str) -> Any:
    """``--state STATE`` (repeatable, any case) as ``states``."""
    return click.option(
        "--state",
        "states",
        multiple=True,
        type=click.Choice([state.value for state in JobState], case_sensitive=False),
        help=help_text,
    )


def json_option(help_text: str = "A JSON list instead of a table.") -> Any:
    return click.option("--json", "as_json", is_flag=True, help=help_text)


def cli_state(ctx: click.Context) -> CliState:
    return ctx.find_object(CliState) or CliState(config_path=None)


def run_one_shot(main: Coroutine[Any, Any, _T]) -> _T:
    """Run a command's ``main`` as one look at the backends, not a watch: a backend
    asking to wait long (Retry-After) fails now, and a short wait is said on stderr."""
    from jobdeck.adapters.kit.http_waits import one_shot_waits

    with one_shot_waits(lambda waiting: click.echo(f"jobdeck: {waiting}", err=True)):
        return asyncio.run(main)


def fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    """Leave with ``message`` on stderr, made safe: it may quote a backend or what the user typed."""
    # Imported here: rich (below safe_text) would slow every command's start, `run` included.
    from jobdeck.safe_text import safe_message

    click.echo(f"jobdeck: {safe_message(message)}", err=True)
    raise click.exceptions.Exit(code)


# -- a monitor for one command ----------------------------------------------------


@asynccontextmanager
async def polled_monitor(settings: Settings) -> AsyncIterator[Monitor]:
    """A read-only monitor for one command, after one poll of every backend;
    stopped (adapters closed) on the way out."""
    from jobdeck.wiring import build_monitor

    monitor = build_monitor(settings, read_only=True, clock=SystemClock())
    try:
        await monitor.poll_once()
        yield monitor
    finally:
        await monitor.stop()


def backend_failures(monitor: Monitor) -> dict[str, str]:
    """The error (or status) of each backend that is not OK after a poll."""
    from jobdeck.monitor import HealthStatus

    return {
        name: health.last_error or health.status.value
        for name, health in monitor.health().items()
        if health.status is not HealthStatus.OK
    }


# -- a job's reference (``logs``, ``wait``) -------------------------------------------

#: Candidates an ambiguous reference lists at most.
CANDIDATES_SHOWN = 10


def resolve_ref(
    monitor: Monitor, text: str, settings: Settings, *, not_found: int = EXIT_FAILED, unclear: int = EXIT_USAGE
) -> tuple[JobRef, bool]:
    """The job REF ``text`` names: ``backend/id`` of a configured backend (listed or not), else an
    id (or name) only one listed job has, else only one job of the history has (of the backend it
    names, when it has the shape BACKEND/ID: a NAME several of its jobs had is as ambiguous as a bare
    one); and whether it was found in the history (its backend no longer lists it). Leaves (``fail``)
    with ``not_found`` when no job has it, and ``unclear`` (a usage error, listing the candidates)
    when it means several jobs or names a backend that is neither configured nor in the history."""
    backend, sep, job_id = text.partition("/")
    if sep and backend in monitor.backends() and job_id:
        return JobRef(backend=backend, id=job_id), False
    # Then an id, then a name: whichever names exactly one job.
    jobs = monitor.jobs()
    matches = [job.ref for job in jobs if job.id == text] or [job.ref for job in jobs if job.name == text]
    in_history = not matches
    if in_history:
        matches = _history_refs(settings, text)
    if not matches and sep and backend and job_id:  # a backend no longer configured, in the history
        matches = _history_refs(settings, job_id, backend=backend)
    if not matches and sep and backend and job_id:
        # It has the shape of a reference: what is wrong is the backend's name.
        known = ", ".join(monitor.backends()) or "none"
        fail(f"no backend {backend!r} (configured: {known}; see `jobdeck info`)", unclear)
    if not matches:
        fail(f"no job {text!r}; a job reference looks like BACKEND/ID (see `jobdeck ls --all`)", not_found)
    if len(matches) > 1:
        fail(_ambiguous(text, matches, in_history=in_history), unclear)
    return matches[0], in_history


def _history_refs(settings: Settings, text: str, *, backend: str | None = None) -> list[JobRef]:
    """Jobs of the history (of ``backend`` when given) with ``text`` as their id, else their
    name (see ``history_refs``)."""
    if not settings.history:
        return []
    from jobdeck.store.sqlite.log_tails import history_refs
    from jobdeck.store.sqlite.schema import FILE_NAME

    return history_refs(paths.data_dir() / FILE_NAME, text, backend=backend, limit=CANDIDATES_SHOWN + 1)


def _ambiguous(text: str, matches: list[JobRef], *, in_history: bool) -> str:
    """Which jobs ``text`` may mean, one a line (the first CANDIDATES_SHOWN), to be typed in full."""
    from jobdeck.safe_text import safe_line  # a backend's id is one line here, whatever it holds

    where = "jobs in the history" if in_history else "jobs"
    shown = "".join(f"\n  {safe_line(str(ref))}" for ref in matches[:CANDIDATES_SHOWN])
    more = "\n  …and more" if len(matches) > CANDIDATES_SHOWN else ""
    newest = " (newest first)" if in_history else ""
    return f"{text!r} is ambiguous: it matches {where}{newest}:{shown}{more}\ngive one as BACKEND/ID"
