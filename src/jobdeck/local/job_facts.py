"""What the deck shows of one job folder, in plain values: a ``JobFacts``.

A ``JobRecord`` holds everything parsed from a job folder (the spec, every event of its
latest run); the job list needs a dozen values of it. The spool index keeps these,
compares them from poll to poll (a tuple comparison), and keeps them from one start of
the deck to the next (``spool_cache``): a finished job's facts, read back, are its row
in the list without its files being parsed again.

``key`` says which version of the folder the facts were read from (``reading.job_key``):
its runs folder's stamp, its run numbers and the stamps of its spec and latest events.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from jobdeck.local.control import display_name, short_command
from jobdeck.local.job_records import JobRecord
from jobdeck.model import JobState

#: A file's version: (mtime_ns, size or ctime_ns, inode), or None when it does not exist.
Stamp = tuple[int, int, int] | None
#: A job folder's version: (archived, the runs folder's stamp, run numbers, spec's stamp,
#: latest events' stamp); () when not taken.
Key = tuple[Any, ...]


class JobFacts(NamedTuple):
    """One job folder as the job list shows it (``adapters.local.convert.job_from_facts``)."""

    id: str
    folder: str
    archived: bool
    key: Key
    state: JobState
    name: str
    error: str | None
    #: The spec's (host, cwd, argv, the command in short), or None when it is unreadable.
    spec: tuple[str, str, tuple[str, ...], str] | None
    #: How many runs, and the latest one's number (None: no run yet).
    runs: int
    run: int | None
    raw_state: str | None
    created: datetime | None
    started: datetime | None
    ended: datetime | None
    updated: datetime | None
    pid: int | None
    exit_code: int | None
    progress: float | None
    #: (total, succeeded, failed) as the run reported them, or None.
    counts: tuple[int | None, int, int] | None
    supervisor_gone: int | None


def facts_of(record: JobRecord, key: Key = ()) -> JobFacts:
    """The facts of a job folder's record (``key``: the version it was read from)."""
    spec, run = record.spec, record.latest
    process = run.process if run is not None else None
    report = run.progress if run is not None else None
    counts = None
    if report is not None and report.has_counts:
        counts = (report.total, report.succeeded or 0, report.failed or 0)
    return JobFacts(
        id=record.id,
        folder=str(record.folder),
        archived=record.archived,
        key=key,
        state=record.state,
        name=display_name(record),
        error=record.error,
        spec=(spec.host, spec.cwd, tuple(spec.argv), short_command(spec.argv)) if spec is not None else None,
        runs=len(record.run_numbers),
        run=run.number if run is not None else None,
        raw_state=run.raw_state if run is not None else None,
        created=spec.created if spec is not None else (run.created if run is not None else None),
        started=run.started if run is not None else None,
        ended=run.ended if run is not None else None,
        updated=run.updated if run is not None else None,
        pid=process.pid if process is not None else None,
        exit_code=run.exit_code if run is not None else None,
        progress=report.progress if report is not None else None,
        counts=counts,
        supervisor_gone=record.supervisor_gone,
    )


# -- as JSON (the spool cache) -----------------------------------------------------------

#: What each place of a row may hold (``to_row``): its types (None: JSON's null).
_ROW_TYPES: tuple[frozenset[type], ...] = tuple(
    frozenset(types)
    for types in (
        (str,),  # id
        (bool,),  # archived
        (int,), (int,), (int,),  # the runs folder's stamp
        (list,),  # run numbers
        (int, type(None)), (int, type(None)), (int, type(None)),  # the spec's stamp
        (int, type(None)), (int, type(None)), (int, type(None)),  # the latest events' stamp
        (str,),  # state
        (str,),  # name
        (str, type(None)),  # error
        (list, type(None)),  # spec: host, cwd, command, argv
        (int,),  # runs
        (int, type(None)),  # run
        (str, type(None)),  # raw state
        (str, type(None)), (str, type(None)), (str, type(None)), (str, type(None)),  # times
        (int, type(None)),  # pid
        (int, type(None)),  # exit code
        (int, float, type(None)),  # progress
        (list, type(None)),  # counts
        (int, type(None)),  # supervisor gone
    )
)
#: Row shapes (the types of a row's places) already found good.
_GOOD_SHAPES: set[tuple[type, ...]] = set()
_STATES = {state.value: state for state in JobState}
_INT_ONLY, _STR_ONLY = frozenset((int,)), frozenset((str,))


def to_row(facts: JobFacts) -> list[Any]:
    """The facts as one flat JSON list (the folder is not kept: it is the spool's, by id)."""
    _, runs, numbers, spec_stamp, events_stamp = facts.key
    spec = facts.spec
    return [
        facts.id,
        facts.archived,
        *runs,
        numbers,
        *(spec_stamp or (None, None, None)),
        *(events_stamp or (None, None, None)),
        facts.state.value,
        facts.name,
        facts.error,
        None if spec is None else [spec[0], spec[1], spec[3], *spec[2]],
        facts.runs,
        facts.run,
        facts.raw_state,
        _iso(facts.created),
        _iso(facts.started),
        _iso(facts.ended),
        _iso(facts.updated),
        facts.pid,
        facts.exit_code,
        facts.progress,
        facts.counts,
        facts.supervisor_gone,
    ]


def from_row(row: list[Any], folder: str) -> JobFacts:
    """The facts of a row ``to_row`` wrote, in ``folder``; ValueError (or TypeError) for
    anything else: a cache file is checked as strictly as any other file."""
    shape = tuple(map(type, row))
    if shape not in _GOOD_SHAPES:
        if len(shape) != len(_ROW_TYPES) or not all(map(frozenset.__contains__, _ROW_TYPES, shape)):
            raise ValueError("a cache row is not of the expected shape")
        _GOOD_SHAPES.add(shape)
    (
        job_id, archived, runs_m, runs_n, runs_i, numbers, spec_m, spec_s, spec_i, events_m, events_s,
        events_i, state, name, error, spec, runs, run, raw_state, created, started, ended, updated, pid,
        exit_code, progress, counts, gone,
    ) = row  # fmt: skip
    if not _INT_ONLY.issuperset(map(type, numbers)):
        raise ValueError("a cache row's run numbers are not numbers")
    if spec is not None:
        if len(spec) < 4 or not _STR_ONLY.issuperset(map(type, spec)):
            raise ValueError("a cache row's spec is not texts")
        spec = (spec[0], spec[1], tuple(spec[3:]), spec[2])
    if counts is not None:
        total, succeeded, failed = counts
        if not (total is None or type(total) is int) or type(succeeded) is not int or type(failed) is not int:
            raise ValueError("a cache row's counts are not numbers")
        counts = (total, succeeded, failed)
    key = (
        archived,
        (runs_m, runs_n, runs_i),
        tuple(numbers),
        None if spec_m is None else (spec_m, _int(spec_s), _int(spec_i)),
        None if events_m is None else (events_m, _int(events_s), _int(events_i)),
    )
    return JobFacts._make(
        (
            job_id, folder, archived, key, _STATES[state], name, error, spec, runs, run, raw_state,
            _time(created), _time(started), _time(ended), _time(updated), pid, exit_code,
            None if progress is None else float(progress), counts, gone,
        )
    )  # fmt: skip


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _time(value: str | None) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("a cache row's time has no zone")
    return parsed


def _int(value: Any) -> int:
    if type(value) is not int:
        raise ValueError("a cache row holds a non-integer where an integer belongs")
    return value
