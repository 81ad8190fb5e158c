"""What a runner writes of the run it supervises: its events, its log, the progress the job reports.

A failed write never stops the command: the runner says so on stderr (once
for the log) and goes on, so a full disk costs the record, not the job.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Any

from jobdeck.clock import Clock
from jobdeck.files import write_all, write_atomic
from jobdeck.local import procs
from jobdeck.local.layout import PROGRESS_FILE
from jobdeck.local.progress import ProgressReport, ProgressScanner
from jobdeck.local.records import ACTOR_RUNNER, RunEvent
from jobdeck.local.writing import append_event
from jobdeck.model import JobState

#: Progress reported by the job is written at most this often (seconds).
_PROGRESS_EVERY = 0.25


def warn(message: str) -> None:
    """Tell the runner's stderr, if it is still there."""
    with contextlib.suppress(OSError, ValueError):
        print(f"jobdeck: {message}", file=sys.stderr)


class RunOutput:
    """The writer of one claimed run: events signed by this runner, the log (echoed), progress."""

    def __init__(self, run_folder: Path, log_fd: int, *, echo: bool, clock: Clock) -> None:
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

    def close(self) -> None:
        os.close(self.log_fd)

    def record(self, state: JobState, raw_state: str, message: str, **fields: Any) -> None:
        """Append an event of the run, signed with this runner's pid (how a deck sees it is alive)."""
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
            append_event(self.run_folder, event)
        except OSError as exc:
            warn(f"cannot record that the job is {state.value}: {exc.strerror or exc}")

    def output(self, data: bytes) -> None:
        """The command's output: to the log, to the terminal, and scanned for progress reports."""
        self.to_log(data)
        self._echo(data)
        found = self.scanner.feed(data)
        if found:
            self.reported.update(found)
            self.report_pending = True
            self.write_progress(force=False)

    def write_progress(self, *, force: bool) -> None:
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
            warn(f"cannot save the job's progress: {exc.strerror or exc}")
        self.report_pending = False
        self.report_written_at = now

    def to_log(self, data: bytes) -> None:
        if not self.logging:
            return
        try:
            write_all(self.log_fd, data)
        except OSError as exc:  # disk full: keep the command running, say so once
            self.logging = False
            warn(f"cannot write the log any more: {exc.strerror or exc}")

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
