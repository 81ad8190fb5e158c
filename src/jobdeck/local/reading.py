"""Reading job folders into records, each file parsed once per version of it.

Readers never raise for a bad job folder: what cannot be read becomes a
sentence in the record's ``problems`` and the rest is still shown. An
unchanged job costs a few ``stat`` calls: the parsed files and the record built
from them are kept by the files' stat stamps.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from jobdeck.local import procs
from jobdeck.local.job_records import JobRecord, RunRecord
from jobdeck.local.layout import EVENTS_FILE, PROGRESS_FILE, RUNS_DIR, SPEC_FILE, run_folder, run_numbers
from jobdeck.local.progress import ProgressReport
from jobdeck.local.records import JobSpec, RunEvent, describe_validation_error
from jobdeck.model import JobState

#: A file's version: (mtime_ns, size, inode), or None when it does not exist.
Stamp = tuple[int, int, int] | None


class SpecProblem(ValueError):
    """``spec.json`` is missing or unreadable; the message says how."""


@dataclass
class _Cached:
    stamp: Stamp
    value: object


@dataclass
class _JobCache:
    """What was parsed from one job folder, by file, with the record built from it."""

    files: dict[str, _Cached] = field(default_factory=dict)
    #: The record and the key it was built for, together (readers may be in several threads).
    record: tuple[tuple[object, ...], JobRecord] | None = None


@dataclass
class JobFolderReader:
    """Reads job folders; caches parsed files and built records by job folder."""

    _cache: dict[str, _JobCache] = field(default_factory=dict, repr=False)

    def read_spec(self, job_folder: Path, *, stamp: Stamp | bool = False) -> JobSpec:
        """The job's spec; SpecProblem saying what is wrong otherwise. ``stamp``: the
        file's, when the caller has just taken it (False: not taken)."""
        value = self._parsed(job_folder, SPEC_FILE, _parse_spec, stamp)
        if isinstance(value, JobSpec):
            return value
        raise SpecProblem(str(value))

    def read_run(self, job_folder: Path, number: int, *, events_stamp: Stamp | bool = False) -> RunRecord:
        relative = f"{RUNS_DIR}/{number}/{EVENTS_FILE}"
        parsed = self._parsed(job_folder, relative, _parse_events, events_stamp)
        events, problems = parsed if isinstance(parsed, tuple) else ((), (str(parsed),))
        # Progress is a nicety: a missing or broken file just means none reported.
        progress = self._parsed(job_folder, f"{RUNS_DIR}/{number}/{PROGRESS_FILE}", _parse_progress)
        return RunRecord(
            number=number,
            folder=run_folder(job_folder, number),
            events=events,
            problems=problems,
            progress=progress if isinstance(progress, ProgressReport) else None,
        )

    def read_runs(self, job_folder: Path) -> list[RunRecord]:
        """Every run of a job, oldest first."""
        return [self.read_run(job_folder, n) for n in run_numbers(job_folder)]

    def read_job(self, job_folder: Path, *, archived: bool) -> JobRecord:
        """Everything the deck shows about one job folder. Never raises for bad content.

        An unchanged job (same spec, runs and latest events) that is not
        active comes from the cache: a few ``stat`` calls.
        """
        return self.read_job_keyed(job_folder, archived=archived)[1]

    def read_job_keyed(
        self, job_folder: Path, *, archived: bool, key: tuple[object, ...] | None = None
    ) -> tuple[tuple[object, ...], JobRecord]:
        """``read_job``, with the version of the folder it read (``job_key``), taken first
        (``key``: taken by the caller just before)."""
        base = os.fspath(job_folder)
        if key is None:
            key = job_key(base, archived)
        cache = self._job_cache(base)
        hit = cache.record
        if hit is not None and hit[0] == key and not hit[1].state.is_active:
            return hit
        folder = job_folder if isinstance(job_folder, Path) else Path(job_folder)
        record = self._build_job(folder, archived, key[2], (key[3], key[4]))
        cache.record = (key, record)
        return key, record

    def forget_all_but(self, kept: set[str]) -> None:
        """Drop what was read of job folders other than ``kept`` (paths): they moved or went."""
        for base in self._cache.keys() - kept:
            self._cache.pop(base, None)

    def forget(self, base: str) -> None:
        """Drop what was read of one job folder (its path): it is read again when asked for."""
        self._cache.pop(base, None)

    def _build_job(
        self, job_folder: Path, archived: bool, numbers: tuple[int, ...], stamps: tuple[Stamp, Stamp]
    ) -> JobRecord:
        """The record of a job folder; ``stamps``: its spec's and latest events' (just taken)."""
        problems: list[str] = []
        try:
            spec: JobSpec | None = self.read_spec(job_folder, stamp=stamps[0])
        except SpecProblem as exc:
            spec = None
            problems.append(str(exc))
        latest = self.read_run(job_folder, numbers[-1], events_stamp=stamps[1]) if numbers else None
        gone = None
        if latest is not None and spec is not None and not archived:
            gone = _dead_supervisor(latest, spec.host)
        return JobRecord(
            id=job_folder.name,
            folder=job_folder,
            archived=archived,
            spec=spec,
            run_numbers=numbers,
            latest=latest,
            problems=tuple(problems),
            supervisor_gone=gone,
        )

    def _job_cache(self, base: str) -> _JobCache:
        """The cache of one job folder (``setdefault`` would build a throw-away one per call)."""
        cache = self._cache.get(base)
        if cache is None:
            cache = self._cache[base] = _JobCache()
        return cache

    def _parsed(
        self, job_folder: Path, relative: str, parse: Callable[[bytes], object], stamp: Stamp | bool = False
    ) -> object:
        """Parse a file of a job folder once per version of it (``stamp``: its stamp if
        just taken, else False)."""
        base = os.fspath(job_folder)
        path = os.path.join(base, relative)
        files = self._job_cache(base).files
        if stamp is False:
            stamp = _stamp(path)
        hit = files.get(relative)
        if hit is not None and hit.stamp == stamp:
            return hit.value
        if stamp is None:
            value = _parse_missing(path)
        else:
            try:
                with open(path, "rb") as handle:
                    value = parse(handle.read())
            except FileNotFoundError:
                value = _parse_missing(path)
            except OSError as exc:
                return f"cannot read {os.path.basename(path)}: {exc.strerror or exc}"
        files[relative] = _Cached(stamp, value)
        return value


# -- helpers --------------------------------------------------------------


def job_key(base: str, archived: bool) -> tuple[object, ...]:
    """The version of a job folder: (archived, its runs folder's stamp, its run numbers, its
    spec's stamp, its latest events' stamp). Equal keys: the same record (unless active)."""
    folder = base + _RUNS
    runs = runs_stamp(base, folder)  # first: a run added while the rest is taken shows next time
    numbers = tuple(run_numbers(base))
    spec_stamp = _stamp(base + _SEP + SPEC_FILE)
    events_stamp = _stamp(f"{folder}{_SEP}{numbers[-1]}{_SEP}{EVENTS_FILE}") if numbers else None
    return (archived, runs, numbers, spec_stamp, events_stamp)


def same_version(base: str, key: tuple[object, ...]) -> bool:
    """Whether the job folder at ``base`` is still at version ``key`` (``job_key``) as far as
    two ``stat`` calls tell, without listing its runs: a run added or removed changes the
    runs folder's stamp (its link count too, within one tick of the clock), so its run
    numbers are the same if that is, and then its latest events file is the one named in
    ``key``. Its spec is not looked at: it is written once, when the job is made
    (``writing.create_job``); ``job_key`` sees a hand edit of it. (Paths are joined by hand:
    this runs for each of 50,000 kept jobs at start-up, and ``os.path.join`` cost a third.)"""
    _, runs, numbers, _, events_stamp = key
    folder = base + _RUNS
    if runs_stamp(base, folder) != runs:
        return False
    latest = _stamp(f"{folder}{_SEP}{numbers[-1]}{_SEP}{EVENTS_FILE}") if numbers else None  # type: ignore[index]
    return latest == events_stamp


_SEP = os.sep
_RUNS = os.sep + RUNS_DIR


def runs_stamp(base: str, folder: str | None = None) -> Stamp:
    """A job's runs folder's version (``folder``: its path, if already made): (mtime_ns, link
    count, inode), or None if it has none (a folder's link count is two and one per folder in
    it, where the file system counts so)."""
    try:
        st = os.stat(folder or base + _RUNS)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return (st.st_mtime_ns, st.st_nlink, st.st_ino)


def _stamp(path: str) -> Stamp:
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _parse_missing(path: str) -> object:
    if os.path.basename(path) == EVENTS_FILE:
        return ((), ())  # a run that has not written its first event yet
    return f"{os.path.basename(path)} is missing"


def _parse_spec(data: bytes) -> JobSpec | str:
    try:
        # pydantic parses the JSON itself, in one pass: a 50,000-job spool is read at start-up.
        return JobSpec.model_validate_json(data)
    except ValidationError:
        pass  # say what is wrong, as below
    try:
        raw = json.loads(data)
    except ValueError:
        return f"{SPEC_FILE} is not valid JSON"
    try:
        return JobSpec.model_validate(raw)
    except ValidationError as exc:
        return f"{SPEC_FILE} is not a valid job spec ({describe_validation_error(exc)})"


def _parse_progress(data: bytes) -> ProgressReport | None:
    try:
        return ProgressReport.model_validate_json(data)
    except ValidationError:
        return None


#: ``events.jsonl`` read as one JSON list of its lines.
_EVENT_LINES = TypeAdapter(list[RunEvent])


def _parse_events(data: bytes) -> tuple[tuple[RunEvent, ...], tuple[str, ...]]:
    lines = [line for line in data.split(b"\n") if line.strip()]
    try:
        # One validation for the whole file (a few lines): a call per line cost most of
        # reading a 50,000-job spool. A file with a bad line is read line by line, to say which
        # (also one whose lines joined make other events than its lines one by one).
        together = _EVENT_LINES.validate_json(b"[" + b",".join(lines) + b"]")
        if len(together) == len(lines):
            return tuple(together), ()
    except ValidationError:
        pass
    events: list[RunEvent] = []
    problems: list[str] = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            events.append(RunEvent.model_validate_json(line))
            continue
        except ValidationError:
            pass  # say what is wrong, as below
        try:
            raw = json.loads(line)
        except ValueError:
            problems.append(f"{EVENTS_FILE} line {number} is not valid JSON")
            continue
        try:
            events.append(RunEvent.model_validate(raw))
        except ValidationError as exc:
            problems.append(
                f"{EVENTS_FILE} line {number} is not a valid event ({describe_validation_error(exc)})"
            )
            newer = _in_an_unknown_state(raw)
            if newer is not None:
                events.append(newer)
    return tuple(events), tuple(problems)


def _in_an_unknown_state(raw: object) -> RunEvent | None:
    """The event of a line whose only fault is a state this jobdeck does not know (a newer
    runner's): kept as UNKNOWN with its raw state, as every adapter keeps a state it cannot map."""
    if not isinstance(raw, dict) or "state" not in raw:
        return None
    try:
        return RunEvent.model_validate({**raw, "state": JobState.UNKNOWN})
    except ValidationError:
        return None


def _dead_supervisor(run: RunRecord, host: str) -> int | None:
    """The pid of the run's supervisor if the run is active and the supervisor died."""
    if not run.state.is_active or host != procs.this_host():
        return None
    supervisor = run.supervisor
    if supervisor is None or supervisor.runner_pid is None:
        return None
    if procs.is_alive(supervisor.runner_pid, supervisor.runner_start):
        return None
    return supervisor.runner_pid
