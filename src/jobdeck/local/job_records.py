"""What a job folder says, summarized: a ``JobRecord`` and its runs' ``RunRecord``s.

Plain values built by ``reading`` from the files; the states, times and
problems the adapter shows come from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from datetime import datetime
from pathlib import Path

from jobdeck.local.layout import LOG_FILE
from jobdeck.local.progress import ProgressReport
from jobdeck.local.records import RAW_CANCEL_REQUESTED, JobSpec, RunEvent
from jobdeck.model import JobState

# Events may arrive out of order (a retry's own note can land after the
# runner's first event), so a run's state is its most advanced one.
_RANK = {
    JobState.UNKNOWN: -1,
    JobState.PENDING: 0,
    JobState.PAUSED: 0,
    JobState.RUNNING: 1,
    JobState.SUCCEEDED: 2,
    JobState.FAILED: 2,
    JobState.CANCELED: 2,
}

@dataclass(frozen=True)
class RunRecord:
    """What one run's folder says, summarized."""

    number: int
    folder: Path
    events: tuple[RunEvent, ...] = ()
    problems: tuple[str, ...] = ()
    #: Counts and progress the job reported through its output (``::jobdeck`` lines).
    progress: ProgressReport | None = None

    @property
    def log_path(self) -> Path:
        return self.folder / LOG_FILE

    @cached_property
    def decisive(self) -> RunEvent | None:
        """The event that sets the run's state: the most advanced, the latest among equals
        (found once: the state, times, exit code and message of a run all ask for it)."""
        best: RunEvent | None = None
        for event in self.events:
            if best is None or _RANK[event.state] >= _RANK[best.state]:
                best = event
        return best

    @property
    def state(self) -> JobState:
        best = self.decisive
        if best is not None:
            return best.state
        # No event yet: the run folder was just made. Garbage instead: unknown.
        return JobState.UNKNOWN if self.problems else JobState.PENDING

    @property
    def raw_state(self) -> str | None:
        best = self.decisive
        return best.raw_state if best else None

    @property
    def created(self) -> datetime | None:
        return self.events[0].at if self.events else None

    @property
    def started(self) -> datetime | None:
        return next((e.at for e in self.events if e.state is JobState.RUNNING), None)

    @property
    def ended(self) -> datetime | None:
        best = self.decisive
        return best.at if best and best.state.is_terminal else None

    @property
    def updated(self) -> datetime | None:
        return max((e.at for e in self.events), default=None)

    @property
    def exit_code(self) -> int | None:
        best = self.decisive
        return best.exit_code if best and best.state.is_terminal else None

    @property
    def message(self) -> str | None:
        best = self.decisive
        return best.message if best else None

    @property
    def process(self) -> RunEvent | None:
        """The latest event naming the command's process."""
        return next((e for e in reversed(self.events) if e.pid is not None), None)

    @property
    def supervisor(self) -> RunEvent | None:
        """The latest event naming the runner."""
        return next((e for e in reversed(self.events) if e.runner_pid is not None), None)

    @property
    def cancel_requested(self) -> bool:
        return any(e.raw_state == RAW_CANCEL_REQUESTED for e in self.events)


@dataclass(frozen=True)
class JobRecord:
    """What one job folder says: its spec, its latest run, and what is wrong with it."""

    id: str
    folder: Path
    archived: bool
    spec: JobSpec | None
    run_numbers: tuple[int, ...] = ()
    latest: RunRecord | None = None
    problems: tuple[str, ...] = ()
    #: The pid of a supervisor that died while its run was active.
    supervisor_gone: int | None = None

    @property
    def state(self) -> JobState:
        if self.supervisor_gone is not None:
            return JobState.UNKNOWN
        if self.latest is not None:
            return self.latest.state
        return JobState.PENDING if self.spec else JobState.UNKNOWN

    @property
    def error(self) -> str | None:
        """What is wrong, in one line: corrupt files, a dead supervisor, or why the run failed."""
        parts = list(self.problems)
        if self.supervisor_gone is not None:
            parts.append(f"the supervisor (pid {self.supervisor_gone}) is gone")
        if self.latest is not None:
            parts.extend(self.latest.problems)
            if not parts and self.latest.state is JobState.FAILED:
                parts.append(self.latest.message or "failed")
        return "; ".join(parts) or None
