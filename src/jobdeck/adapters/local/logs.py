"""A run's log, read from the spool: blocking reads the adapter runs in a thread.

A log is read only if it is a regular file inside the spool, links resolved:
a ``log`` that links to /etc/passwd, or a FIFO that would hang the reader, is
refused with a sentence (``LogRefused``), never shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jobdeck.adapters.kit.logtext import read_from
from jobdeck.errors import AdapterError, NotFound
from jobdeck.files import NotARegularFile, Refused
from jobdeck.local import control
from jobdeck.local.layout import run_folder
from jobdeck.local.logtail import tail_offset
from jobdeck.local.spool import Spool
from jobdeck.model import LogChunk, LogCursor


class LogRefused(AdapterError):
    """A run's log that jobdeck will not read: it leads out of the spool (a link to
    /etc/passwd, say), or is not a regular file (a FIFO would hang the reader)."""

    kind = "refused"
    transient = False


@dataclass(frozen=True)
class LogRead:
    chunk: LogChunk
    #: The run read (pinned by a follower), None before the job's first run.
    number: int | None
    #: Whether the read reached the end of the log as it was (reads are capped).
    at_end: bool


def run_number(job_id: str, cursor: LogCursor | int) -> int | None:
    """The run a cursor names (its number, as the spool numbers runs); None: the latest."""
    run = cursor.run if isinstance(cursor, LogCursor) else None
    if run is None:
        return None
    if not run.isdigit() or len(run) > 9:
        raise NotFound(f"job {job_id} has no run {run[:40]!r}: runs are numbered 1, 2, …")
    return int(run)


def read_log(spool: Spool, job_id: str, number: int | None, offset: int) -> LogRead:
    """Run ``number``'s log (the latest run's when None) from ``offset``.

    Whether the run has ended is decided before reading, so a chunk marked
    complete can never miss bytes written after the read.
    """
    record = control.read(spool, job_id)
    latest = record.latest
    if number is None and latest is None:
        return LogRead(LogChunk(text="", offset=offset, notice="the job has not started yet"), None, True)
    if number is None or (latest is not None and latest.number == number):
        assert latest is not None
        run, orphaned = latest, record.supervisor_gone is not None
    else:
        if number not in record.run_numbers:
            raise NotFound(f"job {job_id} has no run {number}")
        run, orphaned = spool.read_run(record.folder, number), False
    final = run.state.is_terminal or orphaned
    try:
        piece = read_from(run.log_path, offset, final=final, inside=spool.root)
    except Refused as exc:
        raise log_refused(job_id, exc) from None
    notice = f"the supervisor (pid {record.supervisor_gone}) is gone" if orphaned else None
    chunk = LogChunk(text=piece.text, offset=piece.offset, complete=final and piece.at_end, notice=notice)
    return LogRead(chunk, run.number, piece.at_end)


def log_tail_offset(spool: Spool, job_id: str, lines: int, before: int | None) -> int:
    """Where the last ``lines`` lines (before ``before``) of the latest run's log begin."""
    run = control.read(spool, job_id).latest
    if run is None:
        return 0
    try:
        return tail_offset(run.log_path, lines, before, inside=spool.root)
    except Refused as exc:
        raise log_refused(job_id, exc) from None


def log_folder(spool: Spool, job_id: str, number: int | None) -> Path:
    """The folder to watch for run ``number``'s log (the job's own before its first run)."""
    folder, _ = spool.locate(job_id)
    return run_folder(folder, number) if number is not None else folder


def log_refused(job_id: str, exc: Refused) -> LogRefused:
    what = "is not a regular file" if isinstance(exc, NotARegularFile) else "points outside the spool"
    return LogRefused(f"the log of {job_id} {what}; not read")
