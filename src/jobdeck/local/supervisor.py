"""The supervision of one run: start the command, pump its output, wait for it, record how it ended.

The command runs in a process group of its own, its stdout and stderr merged
(in order, as raw bytes) into the run's log. A cancel from the deck (a
``cancel-requested`` event) or a signal to the runner ends it and is recorded
as canceled; anything else ends as succeeded or failed by its exit code.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
from pathlib import Path

from jobdeck.clock import Clock
from jobdeck.local import procs
from jobdeck.local.records import (
    RAW_CANCELED,
    RAW_CANNOT_START,
    RAW_EXITED,
    RAW_NO_SUCH_COMMAND,
    RAW_PENDING,
    RAW_RUNNING,
    RAW_SIGNALED,
    JobSpec,
)
from jobdeck.local.run_output import RunOutput, warn
from jobdeck.local.signals import SignalForwarder, signal_name
from jobdeck.local.spool import Spool
from jobdeck.model import JobState

EXIT_CANNOT_RUN = 126
EXIT_NOT_FOUND = 127

#: How long the output pump waits before checking whether the command ended
#: (it only matters when a background grandchild keeps the pipe open).
_PUMP_WAIT = 0.2
_CHUNK = 65536
#: Reads of leftover output after the command ended, at most (a grandchild may never stop).
_DRAIN_READS = 256


class Supervisor:
    """Runs one claimed run of a job from its first event to its last."""

    def __init__(
        self, store: Spool, spec: JobSpec, run_folder: Path, log_fd: int, *, echo: bool, clock: Clock
    ) -> None:
        self.store = store
        self.spec = spec
        self.run_folder = run_folder
        self.out = RunOutput(run_folder, log_fd, echo=echo, clock=clock)

    def run(self) -> int:
        """Supervise the run to its end; the exit code ``jobdeck run`` ends with."""
        try:
            self.out.record(JobState.PENDING, RAW_PENDING, f"supervised by runner pid {self.out.pid}")
            with SignalForwarder() as signals:
                return self._execute(signals)
        finally:
            self.out.close()

    def _execute(self, signals: SignalForwarder) -> int:
        argv = self.spec.argv
        if signals.received is not None or self._cancel_requested():
            self.out.record(JobState.CANCELED, RAW_CANCELED, "canceled before it started")
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
        self.out.record(
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
        self.out.write_progress(force=True)
        if returncode < 0:
            exit_code = 128 - returncode
            how = f"killed by {signal_name(-returncode)}, exit code {exit_code}"
        else:
            exit_code = returncode
            how = f"exit code {exit_code}"
        record = self.out.record
        if signal_to_runner is not None:
            cause = f"canceled by {signal_name(signal_to_runner)} to the runner"
            record(JobState.CANCELED, RAW_CANCELED, f"{cause} ({how})", exit_code=exit_code)
        elif self._cancel_requested():
            record(JobState.CANCELED, RAW_CANCELED, f"canceled from jobdeck ({how})", exit_code=exit_code)
        elif returncode == 0:
            record(JobState.SUCCEEDED, RAW_EXITED, how, exit_code=0)
        elif returncode > 0:
            record(JobState.FAILED, RAW_EXITED, how, exit_code=exit_code)
        else:
            record(JobState.FAILED, RAW_SIGNALED, how, exit_code=exit_code)
        return exit_code

    def _not_started(self, exit_code: int, raw_state: str, message: str) -> int:
        """The command could not start: say so on stderr and in the log, record failed."""
        warn(message)
        self.out.to_log(f"jobdeck: {message}\n".encode())
        self.out.record(JobState.FAILED, raw_state, f"{message} (exit code {exit_code})", exit_code=exit_code)
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
                    self.out.output(data)
                    continue
                self.out.write_progress(force=False)  # a quiet job still gets its last report saved
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
            self.out.output(data)

    def _cancel_requested(self) -> bool:
        job_folder = self.run_folder.parent.parent
        return self.store.read_run(job_folder, int(self.run_folder.name)).cancel_requested
