"""Writing a spool: new jobs and runs, events, a run's claim, and moves into and out of the archive.

Several writers (runners, decks) may work at once, so every write is atomic:

- a job id is reserved with an exclusive ``mkdir`` (and a run number likewise);
- ``spec.json`` is written to a temporary file and renamed into place;
- an event is one ``O_APPEND`` write of one whole line;
- the runner that executes a run claims it by creating its log exclusively;
- a job is archived or restored by renaming its folder.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from jobdeck.clock import Clock
from jobdeck.files import write_all, write_atomic
from jobdeck.local import procs
from jobdeck.local.layout import EVENTS_FILE, LOG_FILE, RUNS_DIR, SPEC_FILE, JobNotFound, run_numbers
from jobdeck.local.records import JobSpec, RunEvent

#: Tries before giving up on finding a free job id (each try is a fresh random suffix).
_ID_TRIES = 64


def create_job(
    root: Path,
    archive_root: Path,
    *,
    suffix: Callable[[], str],
    argv: list[str],
    name: str | None,
    cwd: str,
    clock: Clock,
    host: str | None = None,
) -> JobSpec:
    """Reserve a fresh job id in ``root`` (free in the archive too) and write its spec.

    The id sorts by creation time; ``suffix`` gives its random part.
    """
    now = clock.now()
    for _ in range(_ID_TRIES):
        job_id = f"{now:%Y%m%d-%H%M%S}-{suffix()}"
        folder = root / job_id
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        if (archive_root / job_id).exists():  # taken by an archived job
            folder.rmdir()
            continue
        spec = JobSpec(id=job_id, name=name, argv=list(argv), cwd=cwd, created=now, host=host or procs.this_host())
        write_atomic(folder / SPEC_FILE, (spec.model_dump_json(indent=2) + "\n").encode())
        return spec
    raise FileExistsError(f"no free job id in {root} after {_ID_TRIES} tries")


def create_run(job_folder: Path) -> tuple[int, Path]:
    """Reserve the next run number of a job: its number and its (empty) folder."""
    runs = job_folder / RUNS_DIR
    runs.mkdir(exist_ok=True)
    number = max(run_numbers(job_folder), default=0) + 1
    while True:
        folder = runs / str(number)
        try:
            folder.mkdir()
        except FileExistsError:
            number += 1
            continue
        _touch(job_folder)
        return number, folder


def _touch(job_folder: Path) -> None:
    """Mark the job's folder changed: a deck watching only the spool folder (a big spool,
    ``jobdeck.local.spool_index``) learns of a new run from it."""
    try:
        os.utime(job_folder)
    except OSError:
        pass  # a nicety: the deck also re-reads every job in turn


def claim_log(run_folder: Path) -> int | None:
    """Create the run's log exclusively: the runner that succeeds executes the run.

    Returns a file descriptor open for appending, or None if another runner
    has it already.
    """
    try:
        return os.open(run_folder / LOG_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return None


def append_event(run_folder: Path, event: RunEvent) -> None:
    """Append one event as one write, so concurrent writers never interleave a line."""
    fd = os.open(run_folder / EVENTS_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        write_all(fd, event.to_line())
    finally:
        os.close(fd)


def move_job(source: Path, target: Path) -> Path:
    """Rename a job folder to ``target`` (atomic); JobNotFound if there is none at ``source``."""
    if not source.is_dir():
        raise JobNotFound(f"no job folder {source}")
    # rename(2) would silently replace an empty target folder: refuse instead.
    if target.exists():
        raise FileExistsError(f"{target} already exists")
    os.rename(source, target)
    return target
