"""``jobdeck run``: run a command as a local job and supervise it to the end.

The runner, not the deck, owns the job's process: it starts the command in a
process group of its own, copies its output (stdout and stderr merged, in
order, as raw bytes) to the run's log, records the run's events, forwards
SIGINT/SIGTERM to the command's group and records the outcome. Closing the
terminal (SIGHUP) does not stop the job.

Exit codes: the command's own; 128+N if signal N ended it; 127 if the command
does not exist; 126 if it cannot be started; 125 if jobdeck itself failed
(no command, unwritable spool, no such job to rerun).

``python -m jobdeck.local.runner run [--name N] [--spool DIR] [--rerun JOB_ID] -- CMD ...``
mirrors ``jobdeck run`` without the CLI (tests and detached retries use it).
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from jobdeck import paths
from jobdeck.clock import Clock, SystemClock
from jobdeck.files import write_all, write_atomic
from jobdeck.local import procs
from jobdeck.local.records import (
    ACTOR_RUNNER,
    RAW_CANCELED,
    RAW_CANNOT_START,
    RAW_EXITED,
    RAW_NO_SUCH_COMMAND,
    RAW_PENDING,
    RAW_RETRY_REQUESTED,
    RAW_RUNNING,
    RAW_SIGNALED,
    JobSpec,
    RunEvent,
)
from jobdeck.local.progress import ProgressReport, ProgressScanner
from jobdeck.local.spool import PROGRESS_FILE, JobNotFound, SpecProblem, Spool
from jobdeck.model import JobState

EXIT_OWN_FAILURE = 125
EXIT_CANNOT_RUN = 126
EXIT_NOT_FOUND = 127

#: How long the output pump waits before checking whether the command ended
#: (it only matters when a background grandchild keeps the pipe open).
_PUMP_WAIT = 0.2
_CHUNK = 65536
#: Progress reported by the job is written at most this often (seconds).
_PROGRESS_EVERY = 0.25
#: Reads of leftover output after the command ended, at most (a grandchild may never stop).
_DRAIN_READS = 256


def run_job(
    argv: list[str],
    *,
    name: str | None,
    spool: Path,
    cwd: Path | None = None,
    echo: bool = True,
    clock: Clock | None = None,
) -> int:
    """Run ``argv`` as a new job in ``spool`` and return its exit code.

    ``echo`` also copies the output to this process's stdout, so a terminal
    shows it.
    """
    clock = clock or SystemClock()
    if not argv:
        return _own_failure("no command given")
    store = Spool(Path(spool))
    try:
        folder = (Path(cwd) if cwd else Path.cwd()).absolute()
    except FileNotFoundError:
        return _own_failure("the current folder no longer exists")
    try:
        spec = store.create_job(argv=list(argv), name=name, cwd=str(folder), clock=clock)
        run_folder, log_fd = _new_run(store, store.live_folder(spec.id))
    except OSError as exc:
        return _own_failure(f"cannot write to the spool {spool}: {exc.strerror or exc}")
    return _Supervisor(store, spec, run_folder, log_fd, echo=echo, clock=clock).run()


def rerun_job(job_id: str, *, spool: Path, echo: bool = False, clock: Clock | None = None) -> int:
    """A new run of an existing job: the same command in the same folder."""
    clock = clock or SystemClock()
    store = Spool(Path(spool))
    try:
        job_folder, archived = store.locate(job_id)
    except JobNotFound:
        return _own_failure(f"no such job: {job_id}")
    if archived:
        return _own_failure(f"job {job_id} is archived; restore it first")
    try:
        spec = store.read_spec(job_folder)
    except SpecProblem as exc:
        return _own_failure(f"cannot rerun {job_id}: {exc}")
    try:
        run_folder, log_fd = _requested_run(store, job_folder) or _new_run(store, job_folder)
    except OSError as exc:
        return _own_failure(f"cannot write to the spool {spool}: {exc.strerror or exc}")
    return _Supervisor(store, spec, run_folder, log_fd, echo=echo, clock=clock).run()


def spawn_detached(args: list[str], *, module: str = "jobdeck") -> int:
    """Start ``python -m <module> <args>`` detached from the caller; return its pid.

    The process gets a session of its own and /dev/null for stdio, and it is
    not the caller's child (a short-lived shell starts it and exits), so
    nothing the caller does later (exit, lose its terminal) stops it.
    OSError if it cannot be started.
    """
    command = [sys.executable, "-m", module, *args]
    script = '"$@" </dev/null >/dev/null 2>&1 & echo $!'
    try:
        launcher = subprocess.run(
            ["/bin/sh", "-c", script, "sh", *command],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            start_new_session=True,
            timeout=10,
            check=False,
        )
        return int(launcher.stdout.strip())
    except (subprocess.SubprocessError, ValueError) as exc:
        raise OSError(f"could not start {' '.join(command)}: {exc}") from exc


# -- runs -----------------------------------------------------------------


def _new_run(store: Spool, job_folder: Path) -> tuple[Path, int]:
    """A fresh run folder of the job, claimed by this process."""
    while True:
        _, run_folder = store.create_run(job_folder)
        log_fd = store.claim_log(run_folder)
        if log_fd is not None:
            return run_folder, log_fd


def _requested_run(store: Spool, job_folder: Path) -> tuple[Path, int] | None:
    """The run a retry from the deck prepared for us, if it is still unclaimed."""
    numbers = store.run_numbers(job_folder)
    if not numbers:
        return None
    latest = store.read_run(job_folder, numbers[-1])
    prepared = any(event.raw_state == RAW_RETRY_REQUESTED for event in latest.events)
    if latest.state is not JobState.PENDING or not prepared:
        return None
    log_fd = store.claim_log(latest.folder)
    return (latest.folder, log_fd) if log_fd is not None else None


def _own_failure(message: str) -> int:
    print(f"jobdeck: {message}", file=sys.stderr)
    return EXIT_OWN_FAILURE


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


class _SignalForwarder:
    """While supervising: SIGINT/SIGTERM go to the command's process group
    (a second one sends SIGKILL), and SIGHUP is ignored so the job outlives
    the terminal. Python handlers, not SIG_IGN, so the command inherits none."""

    def __init__(self) -> None:
        self.received: int | None = None
        self.child_group: int | None = None
        self._count = 0
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> _SignalForwarder:
        # Handlers can only be installed from the main thread (tests may run us elsewhere).
        if threading.current_thread() is threading.main_thread():
            for number in (signal.SIGINT, signal.SIGTERM):
                self._previous[number] = signal.signal(number, self._on_stop)
            self._previous[signal.SIGHUP] = signal.signal(signal.SIGHUP, self._on_hangup)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)

    def adopt(self, group: int) -> None:
        """The command started: forward to its group, including a signal that came first."""
        self.child_group = group
        if self.received is not None:
            self.forward(self.received)

    def forward(self, number: int) -> None:
        if self.child_group is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
            os.killpg(self.child_group, number)

    def _on_stop(self, number: int, frame: FrameType | None) -> None:
        self._count += 1
        if self.received is None:
            self.received = number
        self.forward(number if self._count == 1 else signal.SIGKILL)

    def _on_hangup(self, number: int, frame: FrameType | None) -> None:
        """Keep running; echoing to the vanished terminal fails and stops by itself."""


class _Supervisor:
    """Runs one claimed run of a job from its first event to its last."""

    def __init__(
        self, store: Spool, spec: JobSpec, run_folder: Path, log_fd: int, *, echo: bool, clock: Clock
    ) -> None:
        self.store = store
        self.spec = spec
        self.run_folder = run_folder
        self.log_fd = log_fd
        self.echo = echo
        self.logging = True
        self.clock = clock
        self.pid = os.getpid()
        self.started_ticks = procs.start_ticks(self.pid)
        self.scanner = ProgressScanner()
        self.reported: dict[str, float | int] = {}
        self.report_pending = False
        self.report_written_at = float("-inf")

    def run(self) -> int:
        try:
            self._record(JobState.PENDING, RAW_PENDING, f"supervised by runner pid {self.pid}")
            with _SignalForwarder() as signals:
                return self._execute(signals)
        finally:
            os.close(self.log_fd)

    def _execute(self, signals: _SignalForwarder) -> int:
        argv = self.spec.argv
        if signals.received is not None or self._cancel_requested():
            self._record(JobState.CANCELED, RAW_CANCELED, "canceled before it started")
            return 128 + (signals.received or signal.SIGTERM)
        cwd = Path(self.spec.cwd)
        if not cwd.is_dir():
            return self._not_started(EXIT_CANNOT_RUN, RAW_CANNOT_START, f"no such working folder: {cwd}")
        try:
            child = subprocess.Popen(
                argv,
                cwd=cwd,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                bufsize=0,
            )
        except FileNotFoundError:
            return self._not_started(EXIT_NOT_FOUND, RAW_NO_SUCH_COMMAND, f"no such command: {argv[0]}")
        except OSError as exc:
            reason = exc.strerror or str(exc)
            return self._not_started(EXIT_CANNOT_RUN, RAW_CANNOT_START, f"cannot run {argv[0]}: {reason}")
        self._record(
            JobState.RUNNING,
            RAW_RUNNING,
            f"started pid {child.pid}",
            pid=child.pid,
            pgid=child.pid,
            pid_start=procs.start_ticks(child.pid),
        )
        signals.adopt(child.pid)
        if self._cancel_requested():  # a cancel from the deck that raced with the start
            signals.forward(signal.SIGTERM)
        self._pump(child)
        returncode = child.wait()
        canceled_by = signals.received
        signals.child_group = None
        return self._finish(returncode, canceled_by)

    def _finish(self, returncode: int, signal_to_runner: int | None) -> int:
        self._write_progress(force=True)
        if returncode < 0:
            exit_code = 128 - returncode
            how = f"killed by {_signal_name(-returncode)}, exit code {exit_code}"
        else:
            exit_code = returncode
            how = f"exit code {exit_code}"
        if signal_to_runner is not None:
            cause = f"canceled by {_signal_name(signal_to_runner)} to the runner"
            self._record(JobState.CANCELED, RAW_CANCELED, f"{cause} ({how})", exit_code=exit_code)
        elif self._cancel_requested():
            self._record(
                JobState.CANCELED, RAW_CANCELED, f"canceled from jobdeck ({how})", exit_code=exit_code
            )
        elif returncode == 0:
            self._record(JobState.SUCCEEDED, RAW_EXITED, how, exit_code=0)
        elif returncode > 0:
            self._record(JobState.FAILED, RAW_EXITED, how, exit_code=exit_code)
        else:
            self._record(JobState.FAILED, RAW_SIGNALED, how, exit_code=exit_code)
        return exit_code

    def _not_started(self, exit_code: int, raw_state: str, message: str) -> int:
        """The command could not start: say so on stderr and in the log, record failed."""
        self._warn(message)
        self._to_log(f"jobdeck: {message}\n".encode())
        self._record(JobState.FAILED, raw_state, f"{message} (exit code {exit_code})", exit_code=exit_code)
        return exit_code

    def _pump(self, child: subprocess.Popen[bytes]) -> None:
        """Copy the command's output to the log as it comes, until it ends."""
        assert child.stdout is not None
        fd = child.stdout.fileno()
        try:
            while True:
                ready, _, _ = select.select([fd], [], [], _PUMP_WAIT)
                if ready:
                    data = os.read(fd, _CHUNK)
                    if not data:
                        return
                    self._output(data)
                    continue
                self._write_progress(force=False)  # a quiet job still gets its last report saved
                if child.poll() is not None:
                    # The command ended but something it started holds the pipe open:
                    # take what is there and stop rather than wait for that.
                    self._drain(fd)
                    return
        finally:
            child.stdout.close()

    def _drain(self, fd: int) -> None:
        os.set_blocking(fd, False)
        for _ in range(_DRAIN_READS):
            try:
                data = os.read(fd, _CHUNK)
            except BlockingIOError:
                return
            if not data:
                return
            self._output(data)

    def _output(self, data: bytes) -> None:
        self._to_log(data)
        self._echo(data)
        found = self.scanner.feed(data)
        if found:
            self.reported.update(found)
            self.report_pending = True
            self._write_progress(force=False)

    def _write_progress(self, *, force: bool) -> None:
        """Save what the job reported, throttled: a job may print markers in a tight loop."""
        if not self.report_pending:
            return
        now = self.clock.monotonic()
        if not force and now - self.report_written_at < _PROGRESS_EVERY:
            return
        report = ProgressReport(at=self.clock.now(), **self.reported)
        try:
            write_atomic(self.run_folder / PROGRESS_FILE, report.model_dump_json().encode())
        except OSError as exc:
            self._warn(f"cannot save the job's progress: {exc.strerror or exc}")
        self.report_pending = False
        self.report_written_at = now

    def _to_log(self, data: bytes) -> None:
        if not self.logging:
            return
        try:
            write_all(self.log_fd, data)
        except OSError as exc:  # disk full: keep the command running, say so once
            self.logging = False
            self._warn(f"cannot write the log any more: {exc.strerror or exc}")

    def _echo(self, data: bytes) -> None:
        if self.echo:
            try:
                out = getattr(sys.stdout, "buffer", None)
                if out is not None:
                    out.write(data)
                else:
                    sys.stdout.write(data.decode("utf-8", errors="replace"))
                sys.stdout.flush()
            except (OSError, ValueError):
                self.echo = False  # the terminal went away; the log still gets everything

    def _cancel_requested(self) -> bool:
        job_folder = self.run_folder.parent.parent
        return self.store.read_run(job_folder, int(self.run_folder.name)).cancel_requested

    def _record(self, state: JobState, raw_state: str, message: str, **fields: Any) -> None:
        event = RunEvent(
            at=self.clock.now(),
            state=state,
            raw_state=raw_state,
            message=message,
            runner_pid=self.pid,
            runner_start=self.started_ticks,
            actor=ACTOR_RUNNER,
            **fields,
        )
        try:
            self.store.append_event(self.run_folder, event)
        except OSError as exc:
            self._warn(f"cannot record that the job is {state.value}: {exc.strerror or exc}")

    def _warn(self, message: str) -> None:
        with contextlib.suppress(OSError, ValueError):
            print(f"jobdeck: {message}", file=sys.stderr)


# -- module entry (mirrors `jobdeck run` without the CLI) -------------------


def main(argv: list[str] | None = None) -> int:
    import argparse  # here: the deck imports this module too, and never parses arguments

    parser = argparse.ArgumentParser(prog="python -m jobdeck.local.runner")
    verbs = parser.add_subparsers(dest="verb", required=True)
    run = verbs.add_parser("run", help="run a command as a job")
    run.add_argument("--name")
    run.add_argument("--spool", type=Path)
    run.add_argument("--cwd", type=Path)
    run.add_argument("--rerun", metavar="JOB_ID", help="a new run of this job instead")
    run.add_argument("--no-echo", action="store_true")
    run.add_argument("command", nargs=argparse.REMAINDER)
    rerun = verbs.add_parser("rerun", help="a new run of an existing job")
    rerun.add_argument("job_id")
    rerun.add_argument("--spool", type=Path)
    args = parser.parse_args(argv)

    spool = args.spool or paths.spool_dir()
    if args.verb == "rerun":
        return rerun_job(args.job_id, spool=spool)
    if args.rerun:
        return rerun_job(args.rerun, spool=spool, echo=not args.no_echo)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    return run_job(command, name=args.name, spool=spool, cwd=args.cwd, echo=not args.no_echo)


if __name__ == "__main__":
    sys.exit(main())
