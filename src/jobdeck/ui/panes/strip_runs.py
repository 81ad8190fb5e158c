"""What the detail pane's run-history strip shows, without Textual: the runs of the
same job read from the history, with the shown job's live state (the history's writer
may be a poll behind).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from jobdeck.model import Job
from jobdeck.present import truncate
from jobdeck.safe_text import safe_line
from jobdeck.ui.widgets.run_strip import RunStripData, StripRun

if TYPE_CHECKING:  # (sqlite3 is loaded only where history is on)
    from jobdeck.store.sqlite.run_history import PastRun


def live_run(job: Job, *, marked: bool = True) -> StripRun:
    return StripRun(job.state, job.started or job.created, job.ended, marked=marked)


#: A group's name on the strip's line at most (the count then fits beside its rate and percentiles).
GROUP_NAME_CELLS = 24


def alike(job: Job) -> str:
    """Whose runs the strip counts, after "N jobs": the group's (by name), else the name's."""
    if job.group is not None:
        return f"of {truncate(safe_line(job.group.name), GROUP_NAME_CELLS)}"
    return "of this name"


def reading_history(job: Job) -> RunStripData:
    """While the history is read: the shown job alone."""
    return RunStripData(runs=(live_run(job),), loading=True, alike=alike(job))


def history_unreadable(job: Job, problem: str) -> RunStripData:
    return RunStripData(runs=(live_run(job),), problem=problem, alike=alike(job))


def from_history(past: Sequence[PastRun], job: Job) -> RunStripData:
    """``past`` (newest first) with the shown job marked, in its live state; a job the
    history does not hold yet is the newest run."""
    runs: list[StripRun] = []
    found = False
    for run in past:
        if not found and run.is_run_of(job):
            found = True
            runs.append(live_run(job))
        else:
            runs.append(StripRun(run.state, run.started or run.created, run.ended))
    if not found:
        runs.insert(0, live_run(job))
    return RunStripData(runs=tuple(runs), alike=alike(job))
