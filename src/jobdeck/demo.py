"""``jobdeck demo``: the deck on a few live demo jobs, away from the user's own.

Everything the demo makes lives in one demo folder (``<data dir>/demo``, or a
temporary folder with ``--fresh``): the local spool of its jobs, and jobdeck's
archive and action log (``JOBDECK_DATA_DIR`` points there while the deck runs),
so archiving or retrying in the demo never touches the user's real data.

Backends come from ``DEMO_BACKENDS``: each entry starts its part of the demo
in the demo folder and returns the settings of the backend that shows it.
That is the local backend with four jobs, then one ``EmulatorDemo`` for each
seed backend whose emulator ships a demo (``jobdeck.emulators.<kind>.demo.DEMO``):
its emulator is served from this process on a free loopback port, in real
time, its demo credentials are put in the environment, and its backend table
is validated like a config entry. An emulator that fails to start is named
on stderr and left out; the rest of the demo goes on. Emulators live only as
long as this process, so ``--no-deck`` (which returns at once) starts none.

Process ownership: the deck never owns a job's process, so quitting the deck
leaves demo jobs running, as it would real ones. Two exceptions keep the demo
from leaving work behind: starting a demo cancels the jobs a previous demo
left running (then clears its spool), and ``jobdeck demo`` itself cancels its
long job (ten minutes of output) once the deck closes. ``--no-deck`` stops
nothing: it is for scripts and tests, which cancel the jobs themselves. If
``jobdeck demo`` is killed outright, the long job still ends by itself after
ten minutes, and the next demo cancels it anyway: nothing runs forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import click
from pydantic import ValidationError

from jobdeck import paths
from jobdeck.adapters import registry
from jobdeck.adapters.base import Adapter, BackendSettings
from jobdeck.clock import SystemClock
from jobdeck.config import Settings
from jobdeck.errors import AdapterError
from jobdeck.model import Job

if TYPE_CHECKING:
    from jobdeck.emulators.core import DemoSpec

#: How long to wait for demo jobs to show up in (or leave) the spool.
SPOOL_WAIT_SECONDS = 15.0


@dataclass(frozen=True)
class DemoJob:
    """One local demo job: a module of ``jobdeck.demo_jobs`` run under a name."""

    name: str
    module: str
    #: Cancelled when ``jobdeck demo`` exits, because it would run on for minutes.
    stop_on_exit: bool = False

    def argv(self) -> list[str]:
        # -u: unbuffered, so the log streams line by line into the deck.
        return [sys.executable, "-u", "-m", f"jobdeck.demo_jobs.{self.module}"]


LOCAL_DEMO_JOBS: tuple[DemoJob, ...] = (
    DemoJob("build-docs", "build_docs"),
    DemoJob("import-orders", "import_orders"),
    DemoJob("reindex-catalog", "reindex_catalog", stop_on_exit=True),
    DemoJob("render-report", "render_report"),
)


class DemoBackend(Protocol):
    """One backend of the demo: starts its jobs (or server) and says how to reach it."""

    def start(self, folder: Path) -> BackendSettings:
        """Start this backend's demo inside ``folder``; the settings that show it in the deck."""

    def stop(self) -> None:
        """Stop what must not outlive ``jobdeck demo`` (called after the deck closes)."""


class LocalDemo:
    """The local backend with ``LOCAL_DEMO_JOBS``, each a detached ``jobdeck run``."""

    name = "local"

    def __init__(self, jobs: tuple[DemoJob, ...] = LOCAL_DEMO_JOBS) -> None:
        self.jobs = jobs
        self.spool: Path | None = None

    def start(self, folder: Path) -> BackendSettings:
        from jobdeck.adapters.local import LocalSettings
        from jobdeck.local.runner import spawn_detached

        spool = folder / "spool"
        self.spool = spool
        if spool.exists():
            asyncio.run(cancel_active_jobs(spool))
            shutil.rmtree(spool, ignore_errors=True)
        spool.mkdir(parents=True, exist_ok=True)
        for job in self.jobs:
            spawn_detached(["run", "--name", job.name, "--spool", str(spool), "--", *job.argv()])
        asyncio.run(wait_for_jobs(spool, len(self.jobs)))
        return LocalSettings(kind="local", name=self.name, spool=spool)

    def stop(self) -> None:
        if self.spool is None:
            return
        names = {job.name for job in self.jobs if job.stop_on_exit}
        asyncio.run(cancel_active_jobs(self.spool, names=names))


class EmulatorDemo:
    """One emulated seed backend: its emulator served from this process while the deck runs."""

    def __init__(self, spec: DemoSpec) -> None:
        self.spec = spec
        self.name = spec.kind
        self._server = contextlib.ExitStack()
        self._saved_env: dict[str, str | None] = {}

    def start(self, folder: Path) -> BackendSettings:
        from jobdeck.emulators import create_emulator, running
        from jobdeck.emulators.core import SimClock

        # Simulated time starts now: the deck reads the real clock, so ages line up.
        clock = SimClock(start=SystemClock().now(), speed=1.0)
        emulator = create_emulator(self.spec.kind, seed=self.spec.seed, clock=clock)
        try:
            url = self._server.enter_context(running(emulator))
            table = self.spec.settings(url)
            # Validated like a [[backends]] entry of config.toml, by the adapter's own settings model.
            settings = registry.adapter_class(str(table.get("kind", ""))).Settings.model_validate(table)
        except BaseException:
            self._server.close()
            raise
        for name, value in self.spec.env.items():
            self._saved_env.setdefault(name, os.environ.get(name))
            os.environ[name] = value
        return settings

    def stop(self) -> None:
        self._server.close()
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env.clear()


def emulator_demos() -> list[DemoBackend]:
    """An EmulatorDemo for every emulator kind, seed or plugin, that ships a demo module (the others are skipped)."""
    from jobdeck.emulators import available_kinds, demo_spec

    demos: list[DemoBackend] = []
    for kind in available_kinds():
        try:
            spec = demo_spec(kind)
        except Exception as exc:  # a broken emulator package must not stop the demo
            _warn_skipped(kind, exc)
            continue
        if spec is not None:
            demos.append(EmulatorDemo(spec))
    return demos


#: Every backend of the demo that runs without the deck, in the order the deck
#: shows them; the emulated seed backends (``emulator_demos``) follow them.
DEMO_BACKENDS: list[Callable[[], DemoBackend]] = [LocalDemo]


def demo_folder(*, fresh: bool) -> Path:
    """The demo's own data folder: a new temporary one with ``fresh``."""
    if fresh:
        return Path(tempfile.mkdtemp(prefix="jobdeck-demo-"))
    return paths.data_dir() / "demo"


def start_demo(base: Settings, folder: Path, *, emulated: bool = False) -> tuple[Settings, list[DemoBackend]]:
    """Start every demo backend in ``folder`` (with ``emulated``, the emulators too);
    the deck's settings and the started backends."""
    folder.mkdir(parents=True, exist_ok=True)
    _clear_previous_demo(folder)
    backends = [factory() for factory in DEMO_BACKENDS]
    backend_settings = [backend.start(folder) for backend in backends]
    if emulated:
        for demo in emulator_demos():
            try:
                backend_settings.append(demo.start(folder))
            except Exception as exc:  # one emulator that cannot start leaves the others running
                _warn_skipped(getattr(demo, "name", "an emulated backend"), exc)
                continue
            backends.append(demo)
    settings = base.model_copy(update={"backends": backend_settings, "config_path": None})
    return settings, backends


def _clear_previous_demo(folder: Path) -> None:
    """Remove the previous demo's archive and action log, and say so: they describe its jobs,
    which the new demo cancels and clears (``--fresh`` starts in a new folder and leaves them)."""
    cleared: list[str] = []
    for stale in (folder / paths.archive_file().name, folder / paths.action_log_file().name):
        try:
            stale.unlink()
        except FileNotFoundError:
            continue
        cleared.append(str(stale))
    if cleared:
        click.echo(
            f"jobdeck: a new demo: cleared the previous demo's {' and '.join(cleared)} (`jobdeck demo --fresh` leaves them: it starts in a new folder)", err=True
        )


def _warn_skipped(kind: str, exc: BaseException) -> None:
    reason = _validation_text(exc) if isinstance(exc, ValidationError) else str(exc) or type(exc).__name__
    click.echo(f"jobdeck: warning: the {kind} emulator is left out of the demo: {reason}", err=True)


def _validation_text(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, error['loc']))}: {error['msg']}" for error in exc.errors()[:3])


def run_demo(base: Settings, *, read_only: bool, kiosk: bool, fresh: bool, open_deck: bool) -> int:
    """``jobdeck demo``: start the demo jobs, then open the deck on them (unless ``open_deck`` is False)."""
    folder = demo_folder(fresh=fresh)
    with _held(folder) as holder:
        if holder is not None:
            # A second demo in the same folder would cancel and clear the jobs of the one running.
            click.echo(
                f"jobdeck: another `jobdeck demo` is running in {folder} ({holder}): quit it first, or "
                "start one in a new folder with `jobdeck demo --fresh`",
                err=True,
            )
            return 1
        return _run_demo(base, folder, read_only=read_only, kiosk=kiosk, open_deck=open_deck)


#: The file a running demo holds locked in its folder (``_held``).
DEMO_LOCK = "demo.lock"


@contextmanager
def _held(folder: Path) -> Iterator[str | None]:
    """Hold ``folder`` for this demo while in the block (None), or say who holds it: "pid N"."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / DEMO_LOCK, "a+", encoding="utf-8", errors="replace") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            pid = lock.read(20).strip()
            yield f"pid {pid}" if pid.isdigit() else "another process"
            return
        lock.seek(0)
        lock.truncate()
        lock.write(str(os.getpid()))
        lock.flush()
        yield None


def _run_demo(base: Settings, folder: Path, *, read_only: bool, kiosk: bool, open_deck: bool) -> int:
    with _data_dir(folder):
        settings, backends = start_demo(base, folder, emulated=open_deck)
        if not open_deck:
            spool = getattr(settings.backends[0], "spool", folder)
            click.echo(str(spool))
            click.echo(f"demo jobs started; see them with: JOBDECK_DATA_DIR={folder} jobdeck ls", err=True)
            return 0
        settings = settings.with_mode(read_only=read_only, kiosk=kiosk)
        try:
            from jobdeck.wiring import run_deck

            return run_deck(settings, read_only=settings.read_only, kiosk=settings.kiosk)
        finally:
            for backend in backends:
                backend.stop()


@contextmanager
def _data_dir(folder: Path) -> Iterator[None]:
    """Point jobdeck's data folder (archive, action log, spawned jobs) at ``folder`` for a while."""
    previous = os.environ.get("JOBDECK_DATA_DIR")
    os.environ["JOBDECK_DATA_DIR"] = str(folder)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("JOBDECK_DATA_DIR", None)
        else:
            os.environ["JOBDECK_DATA_DIR"] = previous


# -- working with a demo spool through the local adapter ------------------------------


async def cancel_active_jobs(spool: Path, *, names: set[str] | None = None) -> None:
    """Cancel the running jobs of ``spool`` (only those named ``names``, if given).

    Cancelling goes through the local adapter, which signals each job's
    process group and records the cancel, exactly as the deck's cancel does.
    This is the demo's housekeeping of its own folder, so it does not pass
    the monitor's read-only gate.
    """

    def targeted(job: Job) -> bool:
        return job.state.is_active and (names is None or job.name in names)

    async with _spool_adapter(spool) as adapter:
        for job in await adapter.list_jobs():
            if targeted(job):
                with contextlib.suppress(AdapterError):  # a job that ended meanwhile is fine
                    await adapter.cancel(job.id)
        await _until(adapter, lambda jobs: not any(targeted(job) for job in jobs))


async def wait_for_jobs(spool: Path, count: int) -> None:
    """Wait until ``count`` jobs are in ``spool`` (each runner writes its job on start).

    A job's folder appears a moment before its spec is written: only jobs whose spec
    was read count (those have a command label), else a listing right after this
    could show a job by its id instead of its name."""

    def started(jobs: list[Job]) -> bool:
        return sum("command" in job.labels for job in jobs) >= count

    async with _spool_adapter(spool) as adapter:
        if not await _until(adapter, started):
            click.echo(f"jobdeck: warning: the demo jobs are slow to start (see {spool})", err=True)


@contextlib.asynccontextmanager
async def _spool_adapter(spool: Path) -> AsyncIterator[Adapter]:
    """A local adapter opened on ``spool`` for the demo's housekeeping, closed on the way out."""
    from jobdeck.adapters.local import LocalAdapter, LocalSettings

    adapter = LocalAdapter(LocalSettings(kind="local", name="demo", spool=spool))
    await adapter.open()
    try:
        yield adapter
    finally:
        await adapter.close()


async def _until(adapter: Adapter, done: Callable[[list[Job]], bool]) -> bool:
    """Poll the spool until ``done``; False if it did not happen in time."""
    clock = SystemClock()
    deadline = clock.monotonic() + SPOOL_WAIT_SECONDS
    while clock.monotonic() < deadline:
        if done(await adapter.list_jobs()):
            return True
        await clock.sleep(0.05)
    return False
