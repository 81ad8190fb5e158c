"""Where things are in a spool: the names of its files and folders, and which names are jobs.

    <spool>/<job_id>/spec.json               what to run
    <spool>/<job_id>/runs/<n>/events.jsonl   append-only status events of run n
    <spool>/<job_id>/runs/<n>/log            output of run n
    <spool>/<job_id>/runs/<n>/progress.json  what run n reported of its progress
    <spool>/.archive/<job_id>/...            archived jobs, same layout
"""

from __future__ import annotations

import os
from pathlib import Path

SPEC_FILE = "spec.json"
RUNS_DIR = "runs"
EVENTS_FILE = "events.jsonl"
LOG_FILE = "log"
PROGRESS_FILE = "progress.json"
ARCHIVE_DIR = ".archive"


class JobNotFound(LookupError):
    """No job folder with this id, live or archived."""


def checked_id(job_id: str) -> str:
    """Refuse ids that would name anything but a job folder (``..``, ``a/b``, ``.archive``)."""
    if not job_id or job_id.startswith(".") or "/" in job_id or "\0" in job_id:
        raise ValueError(f"{job_id!r} is not a local job id")
    return job_id


def run_folder(job_folder: Path, number: int) -> Path:
    return job_folder.joinpath(RUNS_DIR, str(number))  # one join, not two: a cold read makes 50,000


def run_numbers(job_folder: Path | str) -> list[int]:
    """The job's run numbers, in order; none if it has no runs folder (or it cannot be read)."""
    try:
        names = os.listdir(os.path.join(job_folder, RUNS_DIR))
    except OSError:
        return []
    return sorted(int(name) for name in names if name.isascii() and name.isdigit() and int(name) > 0)


def job_folder_names(root: str | Path) -> list[str]:
    """The names of the job folders directly in ``root``: directories not starting with a
    dot, sorted (that is, by creation)."""
    with os.scandir(root) as entries:
        return sorted(
            entry.name for entry in entries if not entry.name.startswith(".") and entry.is_dir(follow_symlinks=False)
        )
