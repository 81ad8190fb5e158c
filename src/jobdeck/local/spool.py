"""Reading and writing a spool folder: one folder per job, one folder per run.

Writers are the runner (``jobdeck run``) and the adapter (cancel, retry,
archive); several of each may work at once, so every write is atomic:

- a job id is reserved with an exclusive ``mkdir`` (and a run number likewise);
- ``spec.json`` is written to a temporary file and renamed into place;
- an event is one ``O_APPEND`` write of one whole line;
- the runner that executes a run claims it by creating its log exclusively.

Readers never raise for a bad job folder: what cannot be read becomes a
sentence in the record's ``problems`` and the rest is still shown.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from jobdeck.clock import Clock
from jobdeck.files import write_all, write_atomic
from jobdeck.local import procs
from jobdeck.local.progress import ProgressReport
from jobdeck.local.records import (
    RAW_CANCEL_REQUESTED,
    JobSpec,
    RunEvent,
    describe_validation_error,
)
from jobdeck.model import JobState

SPEC_FILE = "spec.json"
RUNS_DIR = "runs"
EVENTS_FILE = "events.jsonl"
LOG_FILE = "log"
PROGRESS_FILE = "progress.json"
ARCHIVE_DIR = ".archive"

#: Tries before giving up on finding a free job id (each try is a fresh random suffix).
_ID_TRIES = 64

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


class JobNotFound(LookupError):
    """No job folder with this id, live or archived."""


class SpecProblem(ValueError):
    """``spec.json`` is missing or unreadable; the message says how."""


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

    @property
    def decisive(self) -> RunEvent | None:
        """The event that sets the run's state: the most advanced, the latest among equals."""
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


#: A file's version: (mtime_ns, size, inode), or None when it does not exist.
Stamp = tuple[int, int, int] | None


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
class Spool:
    """A spool folder. Cheap to create; caches parsed files by their stat stamp."""

    root: Path
    #: The random part of new job ids (tests replace it to force collisions).
    suffix: Callable[[], str] = field(default=lambda: secrets.token_hex(2))
    #: Parsed files and built records, by job folder, so an unchanged job costs a few stats.
    _cache: dict[str, _JobCache] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.root = Path(self.root)

    @property
    def archive_root(self) -> Path:
        return self.root / ARCHIVE_DIR

    # -- locating -------------------------------------------------------

    def ensure(self) -> None:
        """Create the spool if missing (OSError if that is impossible)."""
        self.root.mkdir(parents=True, exist_ok=True)

    def live_folder(self, job_id: str) -> Path:
        return self.root / _checked_id(job_id)

    def archived_folder(self, job_id: str) -> Path:
        return self.archive_root / _checked_id(job_id)

    def locate(self, job_id: str) -> tuple[Path, bool]:
        """The folder of ``job_id`` and whether it is archived; JobNotFound otherwise."""
        try:
            live, archived = self.live_folder(job_id), self.archived_folder(job_id)
        except ValueError as exc:
            raise JobNotFound(str(exc)) from None
        if live.is_dir():
            return live, False
        if archived.is_dir():
            return archived, True
        raise JobNotFound(f"no job {job_id!r} in {self.root}")

    @staticmethod
    def run_folder(job_folder: Path, number: int) -> Path:
        return job_folder / RUNS_DIR / str(number)

    @staticmethod
    def run_numbers(job_folder: Path) -> list[int]:
        try:
            names = os.listdir(os.path.join(job_folder, RUNS_DIR))
        except OSError:
            return []
        return sorted(int(name) for name in names if name.isascii() and name.isdigit() and int(name) > 0)

    # -- writing --------------------------------------------------------

    def create_job(
        self, *, argv: list[str], name: str | None, cwd: str, clock: Clock, host: str | None = None
    ) -> JobSpec:
        """Reserve a fresh job id and write its spec. The id sorts by creation time."""
        self.ensure()
        now = clock.now()
        for _ in range(_ID_TRIES):
            job_id = f"{now:%Y%m%d-%H%M%S}-{self.suffix()}"
            folder = self.root / job_id
            try:
                folder.mkdir()
            except FileExistsError:
                continue
            if self.archived_folder(job_id).exists():  # taken by an archived job
                folder.rmdir()
                continue
            spec = JobSpec(
                id=job_id, name=name, argv=list(argv), cwd=cwd, created=now, host=host or procs.this_host()
            )
            write_atomic(folder / SPEC_FILE, (spec.model_dump_json(indent=2) + "\n").encode())
            return spec
        raise FileExistsError(f"no free job id in {self.root} after {_ID_TRIES} tries")

    def create_run(self, job_folder: Path) -> tuple[int, Path]:
        """Reserve the next run number of a job: its number and its (empty) folder."""
        runs = job_folder / RUNS_DIR
        runs.mkdir(exist_ok=True)
        number = max(self.run_numbers(job_folder), default=0) + 1
        while True:
            folder = runs / str(number)
            try:
                folder.mkdir()
            except FileExistsError:
                number += 1
                continue
            return number, folder

    @staticmethod
    def claim_log(run_folder: Path) -> int | None:
        """Create the run's log exclusively: the runner that succeeds executes the run.

        Returns a file descriptor open for appending, or None if another runner
        has it already.
        """
        try:
            return os.open(run_folder / LOG_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return None

    @staticmethod
    def append_event(run_folder: Path, event: RunEvent) -> None:
        """Append one event as one write, so concurrent writers never interleave a line."""
        fd = os.open(run_folder / EVENTS_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            write_all(fd, event.to_line())
        finally:
            os.close(fd)

    def archive(self, job_id: str) -> Path:
        """Move a job into the archive (atomic rename). Returns its new folder."""
        source, target = self.live_folder(job_id), self.archived_folder(job_id)
        self.archive_root.mkdir(parents=True, exist_ok=True)
        return _move(source, target)

    def restore(self, job_id: str) -> Path:
        """Move a job back from the archive (atomic rename). Returns its new folder."""
        return _move(self.archived_folder(job_id), self.live_folder(job_id))

    # -- reading --------------------------------------------------------

    def read_spec(self, job_folder: Path) -> JobSpec:
        """The job's spec; SpecProblem saying what is wrong otherwise."""
        value = self._parsed(job_folder, SPEC_FILE, _parse_spec)
        if isinstance(value, JobSpec):
            return value
        raise SpecProblem(str(value))

    def read_run(self, job_folder: Path, number: int) -> RunRecord:
        relative = f"{RUNS_DIR}/{number}/{EVENTS_FILE}"
        parsed = self._parsed(job_folder, relative, _parse_events)
        events, problems = parsed if isinstance(parsed, tuple) else ((), (str(parsed),))
        # Progress is a nicety: a missing or broken file just means none reported.
        progress = self._parsed(job_folder, f"{RUNS_DIR}/{number}/{PROGRESS_FILE}", _parse_progress)
        return RunRecord(
            number=number,
            folder=self.run_folder(job_folder, number),
            events=events,
            problems=problems,
            progress=progress if isinstance(progress, ProgressReport) else None,
        )

    def read_runs(self, job_folder: Path) -> list[RunRecord]:
        """Every run of a job, oldest first."""
        return [self.read_run(job_folder, n) for n in self.run_numbers(job_folder)]

    def read_job(self, job_folder: Path, *, archived: bool) -> JobRecord:
        """Everything the deck shows about one job folder. Never raises for bad content.

        An unchanged job (same spec, runs and latest events) that is not
        active comes from the cache: a few ``stat`` calls.
        """
        base = os.fspath(job_folder)
        numbers = tuple(self.run_numbers(job_folder))
        key = (
            archived,
            numbers,
            _stamp(os.path.join(base, SPEC_FILE)),
            _stamp(os.path.join(base, RUNS_DIR, str(numbers[-1]), EVENTS_FILE)) if numbers else None,
        )
        cache = self._job_cache(base)
        hit = cache.record
        if hit is not None and hit[0] == key and not hit[1].state.is_active:
            return hit[1]
        record = self._build_job(job_folder, archived, numbers)
        cache.record = (key, record)
        return record

    def _build_job(self, job_folder: Path, archived: bool, numbers: tuple[int, ...]) -> JobRecord:
        problems: list[str] = []
        try:
            spec: JobSpec | None = self.read_spec(job_folder)
        except SpecProblem as exc:
            spec = None
            problems.append(str(exc))
        latest = self.read_run(job_folder, numbers[-1]) if numbers else None
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

    def scan(self) -> list[JobRecord]:
        """Every job, live then archived, each sorted by id (that is, by creation).

        OSError if the spool itself cannot be read; a bad job folder is a
        record with problems, never an error.
        """
        records: list[JobRecord] = []
        seen: set[str] = set()
        for folder, archived in self._job_folders():
            seen.add(os.fspath(folder))
            try:
                record = self.read_job(folder, archived=archived)
            except FileNotFoundError:
                continue  # archived or restored while we looked
            except OSError as exc:
                record = JobRecord(
                    id=folder.name,
                    folder=folder,
                    archived=archived,
                    spec=None,
                    problems=(f"cannot read the job folder: {exc.strerror or exc}",),
                )
            records.append(record)
        # Forget jobs that are no longer where they were.
        for base in self._cache.keys() - seen:
            self._cache.pop(base, None)
        return records

    def _job_folders(self) -> Iterable[tuple[Path, bool]]:
        live = _subfolders(self.root)
        try:
            archived = _subfolders(self.archive_root)
        except FileNotFoundError:
            archived = []
        yield from ((folder, False) for folder in live)
        yield from ((folder, True) for folder in archived)

    def _job_cache(self, base: str) -> _JobCache:
        """The cache of one job folder (``setdefault`` would build a throw-away one per call)."""
        cache = self._cache.get(base)
        if cache is None:
            cache = self._cache[base] = _JobCache()
        return cache

    def _parsed(self, job_folder: Path, relative: str, parse: Callable[[bytes], object]) -> object:
        """Parse a file of a job folder once per version of it."""
        base = os.fspath(job_folder)
        path = os.path.join(base, relative)
        files = self._job_cache(base).files
        stamp = _stamp(path)
        hit = files.get(relative)
        if hit is not None and hit.stamp == stamp:
            return hit.value
        if stamp is None:
            value = parse_missing(path)
        else:
            try:
                with open(path, "rb") as handle:
                    value = parse(handle.read())
            except FileNotFoundError:
                value = parse_missing(path)
            except OSError as exc:
                return f"cannot read {os.path.basename(path)}: {exc.strerror or exc}"
        files[relative] = _Cached(stamp, value)
        return value


# -- helpers --------------------------------------------------------------


def _stamp(path: str) -> Stamp:
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def parse_missing(path: str) -> object:
    if os.path.basename(path) == EVENTS_FILE:
        return ((), ())  # a run that has not written its first event yet
    return f"{os.path.basename(path)} is missing"


def _parse_spec(data: bytes) -> JobSpec | str:
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


def _parse_events(data: bytes) -> tuple[tuple[RunEvent, ...], tuple[str, ...]]:
    events: list[RunEvent] = []
    problems: list[str] = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
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
    return tuple(events), tuple(problems)


def _checked_id(job_id: str) -> str:
    """Refuse ids that would name anything but a job folder (``..``, ``a/b``, ``.archive``)."""
    if not job_id or job_id.startswith(".") or "/" in job_id or "\0" in job_id:
        raise ValueError(f"{job_id!r} is not a local job id")
    return job_id


def _subfolders(root: Path) -> list[Path]:
    """The job folders directly in ``root``: directories not starting with a dot, by name."""
    with os.scandir(root) as entries:
        names = [
            entry.name
            for entry in entries
            if not entry.name.startswith(".") and entry.is_dir(follow_symlinks=False)
        ]
    return [root / name for name in sorted(names)]


def _move(source: Path, target: Path) -> Path:
    if not source.is_dir():
        raise JobNotFound(f"no job folder {source}")
    # rename(2) would silently replace an empty target folder: refuse instead.
    if target.exists():
        raise FileExistsError(f"{target} already exists")
    os.rename(source, target)
    return target


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
