"""The ``jobdeck`` command: the deck, and the small commands around it.

Errors never reach the user as tracebacks: a bad config prints
``jobdeck: <what and where>`` and exits 2; anything unexpected prints one
line pointing at ``<data dir>/jobdeck.log`` (where the traceback goes) and
exits 1. Python logging writes only to that file, because the deck owns the
screen and a stray library warning would tear it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import logging.handlers
import os
import sys
from collections.abc import AsyncIterator, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from jobdeck import paths
from jobdeck.clock import SystemClock
from jobdeck.config import Settings, load_settings, local_spool
from jobdeck.errors import AdapterError, ConfigError
from jobdeck.model import Job, JobRef, JobState, LogChunk

if TYPE_CHECKING:
    # Imported where used: `--help`, `run` and the deck's first frame need not wait for them.
    from jobdeck.monitor import Monitor

log = logging.getLogger("jobdeck.cli")

T = TypeVar("T")

#: Exit codes.
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

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


def _log_file() -> Path:
    return _FileLog.path or paths.data_dir() / LOG_FILE_NAME


# -- shared plumbing ----------------------------------------------------------------


@dataclass
class CliState:
    """What the top-level options give every subcommand."""

    config_path: Path | None
    _settings: Settings | None = field(default=None, repr=False)

    def settings(self) -> Settings:
        """The settings, loaded once (ConfigError propagates: exit 2)."""
        if self._settings is None:
            self._settings = load_settings(self.config_path)
        return self._settings


class JobdeckGroup(click.Group):
    """Turns every error into one line on stderr and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except ConfigError as exc:
            click.echo(f"jobdeck: {exc}", err=True)
            ctx.exit(EXIT_USAGE)
        except KeyboardInterrupt:
            # Ctrl-C is how people leave `logs -f`: a clean exit, no traceback.
            ctx.exit(EXIT_INTERRUPTED)
        except Exception as exc:
            log.exception("internal error")
            what = str(exc) or type(exc).__name__
            click.echo(f"jobdeck: internal error: {what} (details in {_log_file()})", err=True)
            ctx.exit(EXIT_FAILED)


def _run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def _state(ctx: click.Context) -> CliState:
    return ctx.find_object(CliState) or CliState(config_path=None)


def _fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    click.echo(f"jobdeck: {message}", err=True)
    raise click.exceptions.Exit(code)


def _ascii_only() -> bool:
    """True when stdout cannot encode the state glyphs (old terminals, C locale)."""
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    try:
        "◌▶✓✗⊘‖—".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return True
    return False


# -- the deck ---------------------------------------------------------------------


@click.group(
    cls=JobdeckGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="PATH",
    help="Config file (default: $JOBDECK_CONFIG, else config.toml in the config folder; see `jobdeck info`).",
)
@click.option("--read-only", is_flag=True, help="Refuse every change (archive, retry, cancel …).")
@click.option("--kiosk", is_flag=True, help="Wall-screen mode (implies --read-only).")
@click.option("--theme", metavar="NAME", help="Theme to start with (overrides the config).")
@click.version_option(package_name="jobdeck", prog_name="jobdeck", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, read_only: bool, kiosk: bool, theme: str | None) -> None:
    """One terminal deck for every job backend.

    Without a command, opens the deck. The mode in the config file applies
    unless --read-only or --kiosk ask for a stricter one.
    """
    configure_logging()
    ctx.obj = CliState(config_path=config_path)
    if ctx.invoked_subcommand is not None:
        return
    settings = ctx.obj.settings().with_mode(read_only=read_only, kiosk=kiosk)
    if theme:
        settings = settings.model_copy(update={"theme": theme})
    # Imported here: Textual is only needed when the deck opens.
    from jobdeck.ui.app import run_deck

    ctx.exit(run_deck(settings, read_only=settings.read_only, kiosk=settings.kiosk))


# -- run ------------------------------------------------------------------------------


@cli.command(
    short_help="Run a command as a local job.",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
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

    spool = spool or local_spool(_state(ctx).settings())
    if rerun_id:
        ctx.exit(rerun_job(rerun_id, spool=spool))
    ctx.exit(run_job(list(command), name=name, spool=spool))


# -- ls ---------------------------------------------------------------------------------


@cli.command(name="ls", short_help="List jobs.")
@click.option("--backend", "backend_names", metavar="NAME", multiple=True, help="Only this backend (repeatable).")
@click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Choice([state.value for state in JobState], case_sensitive=False),
    help="Only jobs in this state (repeatable).",
)
@click.option("--archived", is_flag=True, help="List archived jobs instead of the others.")
@click.option("--all", "include_all", is_flag=True, help="List archived and other jobs together.")
@click.option("--json", "as_json", is_flag=True, help="A JSON list of jobs instead of a table.")
@click.pass_context
def ls(
    ctx: click.Context,
    backend_names: tuple[str, ...],
    states: tuple[str, ...],
    archived: bool,
    include_all: bool,
    as_json: bool,
) -> None:
    """List jobs after one poll of every backend (read-only).

    A backend that fails is named on stderr with its error, the others are
    still listed, and the exit code is 1.
    """
    settings = _only_backends(_state(ctx).settings(), backend_names)
    jobs, failures = _run(_poll(settings))
    wanted = {JobState(state.lower()) for state in states}
    jobs = [
        job
        for job in jobs
        if (not wanted or job.state in wanted) and (include_all or job.archived == archived)
    ]
    jobs.sort(key=_newest_first)
    for backend, error in failures.items():
        click.echo(f"jobdeck: warning: backend {backend} failed: {_one_line(error)}", err=True)
    if as_json:
        click.echo(json.dumps([job.to_public() for job in jobs], indent=2))
    else:
        _print_table(jobs)
    ctx.exit(EXIT_FAILED if failures else EXIT_OK)


def _only_backends(settings: Settings, names: Sequence[str]) -> Settings:
    if not names:
        return settings
    known = [backend.name for backend in settings.backends]
    unknown = [name for name in names if name not in known]
    if unknown:
        raise click.BadParameter(
            f"no backend named {', '.join(unknown)}; configured: {', '.join(known) or 'none'}",
            param_hint="--backend",
        )
    return settings.model_copy(update={"backends": [b for b in settings.backends if b.name in names]})


async def _poll(settings: Settings) -> tuple[list[Job], dict[str, str]]:
    """Every job after one poll, and the error of each backend that failed."""
    async with _read_only_monitor(settings) as monitor:
        await monitor.poll_once()
        return monitor.jobs(), _failures(monitor)


def _failures(monitor: Monitor) -> dict[str, str]:
    from jobdeck.monitor import HealthStatus

    return {
        name: health.last_error or health.status.value
        for name, health in monitor.health().items()
        if health.status is not HealthStatus.OK
    }


@asynccontextmanager
async def _read_only_monitor(settings: Settings) -> AsyncIterator[Monitor]:
    """A read-only monitor for one command, stopped (adapters closed) on the way out."""
    from jobdeck.wiring import build_monitor

    monitor = build_monitor(settings, read_only=True, clock=SystemClock())
    try:
        yield monitor
    finally:
        await monitor.stop()


def _newest_first(job: Job) -> tuple[bool, float]:
    created = job.created.timestamp() if job.created else 0.0
    return (job.created is None, -created)


def _print_table(jobs: Sequence[Job]) -> None:
    from rich.cells import cell_len

    from jobdeck.ui import format as fmt

    ascii_only = _ascii_only()
    now = SystemClock().now()
    header = ("STATE", "REF", "NAME", "AGE", "COUNTS")
    rows = [
        (
            f"{fmt.state_glyph(job.state, ascii=ascii_only)} {fmt.state_word(job.state)}",
            _one_line(str(job.ref)),
            _one_line(job.name),
            fmt.age(job.created, now).replace(fmt.MISSING, "-" if ascii_only else fmt.MISSING),
            fmt.counts_text(job.counts, ascii=ascii_only) if job.counts else "",
        )
        for job in jobs
    ]
    if not rows:
        click.echo("no jobs", err=True)
        return
    widths = [min(48, max(cell_len(row[i]) for row in [header, *rows])) for i in range(len(header))]
    for row in [header, *rows]:
        cells = [fmt.fit(cell, width) for cell, width in zip(row[:-1], widths[:-1], strict=True)]
        click.echo("  ".join([*cells, row[-1]]).rstrip())


def _one_line(text: str | None) -> str:
    """Backend text made safe to print on one line: no escape sequence reaches the terminal."""
    from jobdeck.safe_text import make_safe

    return " ".join(make_safe(text or "", keep_colour=False).split())


# -- logs -------------------------------------------------------------------------------


@cli.command()
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

    REF is BACKEND/ID, or just an ID (or a job name) that only one job has.
    """
    if colour is None:
        colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    _run(_print_log(_state(ctx).settings(), ref, follow=follow, colour=colour))


async def _print_log(settings: Settings, text: str, *, follow: bool, colour: bool) -> None:
    async with _read_only_monitor(settings) as monitor:
        await monitor.poll_once()
        ref = _resolve_ref(monitor, text)
        printer = _LogPrinter(colour=colour)
        try:
            if follow:
                async for chunk in monitor.follow_log(ref):
                    printer.write(chunk)
            else:
                offset = 0
                while True:
                    chunk = await monitor.read_log(ref, offset)
                    printer.write(chunk)
                    if not chunk.text or chunk.complete or chunk.offset <= offset:
                        break
                    offset = chunk.offset
        except AdapterError as exc:
            printer.flush()
            _fail(f"cannot read the log of {ref}: {_one_line(str(exc))}")
        printer.flush()


def _resolve_ref(monitor: Monitor, text: str) -> JobRef:
    """``backend/id`` of a configured backend, else an id (or name) only one job has."""
    backend, sep, job_id = text.partition("/")
    if sep and backend in monitor.backends() and job_id:
        ref = JobRef(backend=backend, id=job_id)
        if monitor.job(ref) is None:
            _fail(f"no job {text} (see `jobdeck ls --all`)")
        return ref
    # Then an id, then a name: whichever names exactly one job.
    jobs = monitor.jobs()
    matches = [job.ref for job in jobs if job.id == text] or [job.ref for job in jobs if job.name == text]
    if not matches:
        _fail(f"no job {text!r}; a job reference looks like BACKEND/ID (see `jobdeck ls --all`)")
    if len(matches) > 1:
        _fail(f"{text!r} is ambiguous: it matches {', '.join(map(str, matches))}")
    return matches[0]


class _LogPrinter:
    """Writes log chunks terminal-safe, holding back an escape sequence cut between chunks."""

    def __init__(self, *, colour: bool) -> None:
        self.colour = colour
        self._pending = ""

    def write(self, chunk: LogChunk) -> None:
        if chunk.notice:
            click.echo(f"jobdeck: {_one_line(chunk.notice)}", err=True)
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


# -- info -------------------------------------------------------------------------------


@cli.command(short_help="Show paths, backends and their health.")
@click.pass_context
def info(ctx: click.Context) -> None:
    """Show every path jobdeck uses and each backend with its health after one poll."""
    state = _state(ctx)
    from jobdeck.config import config_path_from

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
        ("log file", str(_log_file())),
        ("mode", settings.mode),
        ("theme", settings.theme),
    ]
    _print_pairs(rows)
    described, failures = _run(_describe_backends(settings))
    for backend in settings.backends:
        click.echo("")
        click.echo(f"backend {backend.name}")
        pairs = [("kind", backend.kind), ("interval", f"{backend.interval:g} s")]
        if not backend.enabled:
            _print_pairs([*pairs, ("health", "disabled")], indent=2)
            continue
        fields = described.get(backend.name, {})
        pairs += [(key, _one_line(value)) for key, value in fields.items() if key != "kind"]
        error = failures.get(backend.name)
        pairs.append(("health", "ok" if error is None else f"error: {_one_line(error)}"))
        _print_pairs(pairs, indent=2)


async def _describe_backends(settings: Settings) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    async with _read_only_monitor(settings) as monitor:
        await monitor.poll_once()
        return {name: monitor.describe(name) for name in monitor.backends()}, _failures(monitor)


def _print_pairs(pairs: Sequence[tuple[str, str]], indent: int = 0) -> None:
    width = max((len(key) for key, _ in pairs), default=0)
    for key, value in pairs:
        click.echo(f"{' ' * indent}{key.ljust(width)}  {value}")


# -- demo -------------------------------------------------------------------------------


@cli.command()
@click.option("--read-only", is_flag=True, help="Open the deck read-only.")
@click.option("--kiosk", is_flag=True, help="Open the deck as a kiosk.")
@click.option("--fresh", is_flag=True, help="Use a new temporary folder instead of the demo folder.")
@click.option("--no-deck", is_flag=True, help="Only start the demo jobs and print the demo spool path.")
@click.pass_context
def demo(ctx: click.Context, read_only: bool, kiosk: bool, fresh: bool, no_deck: bool) -> None:
    """Open the deck on demo jobs, without touching your own jobs.

    The demo keeps its jobs, archive and action log in its own folder
    (`demo/` in the data folder, or a temporary one with --fresh).
    """
    from jobdeck import demo as demo_module

    base = _state(ctx).settings()
    try:
        code = demo_module.run_demo(base, read_only=read_only, kiosk=kiosk, fresh=fresh, open_deck=not no_deck)
    except OSError as exc:  # a demo job or folder that cannot be started or written
        _fail(f"cannot start the demo: {exc}")
    ctx.exit(code)


# -- emulate ----------------------------------------------------------------------------


@cli.command(short_help="Serve a local emulator of a seed backend.")
@click.argument("kind", metavar="KIND")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port to listen on (default: a free one).")
@click.option("--seed", type=int, default=None, help="Seed of the simulation (default: the demo's).")
@click.option(
    "--speed",
    type=click.FloatRange(min=0),
    default=1.0,
    show_default=True,
    help="Simulated seconds per real second (0: frozen).",
)
@click.option(
    "--faults",
    "faults_spec",
    metavar="SPEC",
    default="",
    help='Faults to inject, e.g. "latency=0.2,5xx=0.1,429=0.05,401,malformed=0.1,truncated=0.1,drift,drop-log".',
)
def emulate(kind: str, host: str, port: int, seed: int | None, speed: float, faults_spec: str) -> None:
    """Serve the emulator of KIND (drp, intuned, istari, julep) until Ctrl-C.

    Prints the URL, the credentials the emulator accepts and a [[backends]]
    table that points jobdeck at it. Faults can be changed while it runs
    with PUT /_emulator/faults; POST /_emulator/advance?seconds=N moves time.
    """
    from jobdeck.emulators import EMULATORS, Faults, create_emulator, demo_spec, serve

    if kind not in EMULATORS:
        _fail(f"no emulator for {kind!r}; emulators: {', '.join(EMULATORS)}", EXIT_USAGE)
    try:
        faults = Faults.parse(faults_spec)
    except ValueError as exc:
        _fail(f"--faults: {exc}", EXIT_USAGE)
    spec = demo_spec(kind)
    try:
        if seed is None:
            seed = spec.seed if spec else 0
        # Simulated time starts now, so a deck (on the real clock) shows sensible ages.
        from jobdeck.emulators.core import SimClock

        clock = SimClock(start=SystemClock().now(), speed=speed)
        emulator = create_emulator(kind, seed=seed, faults=faults, clock=clock)
    except ValueError as exc:
        _fail(str(exc), EXIT_USAGE)

    def announce(url: str) -> None:
        click.echo(f"{kind} emulator on {url} (Ctrl-C stops)")
        if faults.any:
            click.echo(f"faults: {faults.spec()}")
        if spec is not None:
            click.echo("")
            click.echo(_emulator_usage(spec.credentials, spec.env, spec.settings(url)))
        sys.stdout.flush()

    try:
        serve(emulator, host=host, port=port, announce=announce)
    except OSError as exc:
        _fail(f"cannot serve on {host}:{port}: {exc.strerror or exc}")


def _emulator_usage(credentials: str, env: Mapping[str, str], backend: Mapping[str, Any]) -> str:
    """The credentials an emulator accepts and the config table that reaches it."""
    lines = [f"credentials: {credentials}"] if credentials else []
    if env:
        lines += ["set the demo credentials with:", *(f"  export {name}={value}" for name, value in env.items())]
    lines += ["and add to config.toml:", "  [[backends]]"]
    lines += [f"  {key} = {_toml_value(value)}" for key, value in backend.items()]
    return "\n".join(lines)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in value.items()) + " }"
    return json.dumps(str(value))  # a TOML basic string is a JSON string


# -- serve ------------------------------------------------------------------------------


@cli.command(short_help="Serve the deck in a browser (textual-serve).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--allow-actions", is_flag=True, help="Let the browser deck archive, retry and cancel (default: read-only).")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, allow_actions: bool) -> None:
    """Serve the deck at http://HOST:PORT/, one deck per browser tab, read-only unless --allow-actions."""
    from jobdeck.serve import deck_command, is_loopback, serve_deck

    state = _state(ctx)
    state.settings()  # a bad config is reported here, not in every browser tab
    command = deck_command(config_path=state.config_path, allow_actions=allow_actions)
    if not is_loopback(host):
        click.echo(f"jobdeck: warning: serving on {host}: anyone who can reach it sees your jobs", err=True)
    mode = "with actions" if allow_actions else "read-only"
    click.echo(f"jobdeck: serving the deck ({mode}) at http://{host}:{port}/ (Ctrl-C stops)", err=True)
    try:
        serve_deck(command, host=host, port=port)
    except ImportError:
        _fail("the browser view needs textual-serve: pip install textual-serve")
    except OSError as exc:
        _fail(f"cannot serve on {host}:{port}: {exc.strerror or exc}")


# -- entry point ------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """The ``jobdeck`` console script."""
    # Library warnings go to the log file, never to the screen the deck owns.
    logging.captureWarnings(True)
    cli.main(args=list(argv) if argv is not None else None, prog_name="jobdeck")
    raise SystemExit(0)  # pragma: no cover - click's standalone mode always exits

