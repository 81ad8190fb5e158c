"""A spool folder: one folder per job, one folder per run; where each job is, and the list of them.

``Spool`` is what the runner, the actions and the adapter use. It locates
jobs here (``spool_index`` lists and reads them for the adapter), and hands the rest to the modules beside
it: ``layout`` (the names of files and folders), ``writing`` (atomic writes,
as several runners and decks may write at once), ``reading`` (job folders
read into records, each file parsed once per version) and ``job_records``
(the records).

Readers never raise for a bad job folder: what cannot be read becomes a
sentence in the record's ``problems`` and the rest is still shown.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from jobdeck.clock import Clock
from jobdeck.local import layout, writing
from jobdeck.local.job_records import JobRecord, RunRecord
from jobdeck.local.layout import (
    ARCHIVE_DIR,
    EVENTS_FILE,
    LOG_FILE,
    RUNS_DIR,
    JobNotFound,
    checked_id,
)
from jobdeck.local.reading import JobFolderReader, SpecProblem
from jobdeck.local.records import JobSpec

# The names other modules (and tests) have always taken from here.
__all__ = [
    "ARCHIVE_DIR",
    "EVENTS_FILE",
    "LOG_FILE",
    "RUNS_DIR",
    "JobNotFound",
    "JobRecord",
    "RunRecord",
    "SpecProblem",
    "Spool",
]


@dataclass
class Spool:
    """A spool folder. Cheap to create; caches parsed files by their stat stamp."""

    root: Path
    #: The random part of new job ids (tests replace it to force collisions).
    suffix: Callable[[], str] = field(default=lambda: secrets.token_hex(2))
    #: Parsed files and built records, by job folder, so an unchanged job costs a few stats.
    _reader: JobFolderReader = field(default_factory=JobFolderReader, repr=False)

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
        return self.root / checked_id(job_id)

    def archived_folder(self, job_id: str) -> Path:
        return self.archive_root / checked_id(job_id)

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

    run_folder = staticmethod(layout.run_folder)
    run_numbers = staticmethod(layout.run_numbers)

    # -- writing (jobdeck.local.writing) --------------------------------

    def create_job(
        self, *, argv: list[str], name: str | None, cwd: str, clock: Clock, host: str | None = None
    ) -> JobSpec:
        """Reserve a fresh job id and write its spec. The id sorts by creation time."""
        self.ensure()
        return writing.create_job(
            self.root, self.archive_root, suffix=self.suffix, argv=argv, name=name, cwd=cwd, clock=clock, host=host
        )

    create_run = staticmethod(writing.create_run)
    claim_log = staticmethod(writing.claim_log)
    append_event = staticmethod(writing.append_event)

    def archive(self, job_id: str) -> Path:
        """Move a job into the archive (atomic rename). Returns its new folder."""
        source, target = self.live_folder(job_id), self.archived_folder(job_id)
        self.archive_root.mkdir(parents=True, exist_ok=True)
        return writing.move_job(source, target)

    def restore(self, job_id: str) -> Path:
        """Move a job back from the archive (atomic rename). Returns its new folder."""
        return writing.move_job(self.archived_folder(job_id), self.live_folder(job_id))

    # -- reading (jobdeck.local.reading) --------------------------------

    def read_spec(self, job_folder: Path) -> JobSpec:
        """The job's spec; SpecProblem saying what is wrong otherwise."""
        return self._reader.read_spec(job_folder)

    def read_run(self, job_folder: Path, number: int) -> RunRecord:
        return self._reader.read_run(job_folder, number)

    def read_runs(self, job_folder: Path) -> list[RunRecord]:
        """Every run of a job, oldest first."""
        return self._reader.read_runs(job_folder)

    def read_job(self, job_folder: Path, *, archived: bool) -> JobRecord:
        """Everything the deck shows about one job folder. Never raises for bad content."""
        return self._reader.read_job(job_folder, archived=archived)

    def read_job_keyed(
        self, job_folder: Path, *, archived: bool, key: tuple[object, ...] | None = None
    ) -> tuple[tuple[object, ...], JobRecord]:
        """``read_job``, with the version of the folder read (``reading.job_key``; ``key``:
        that version, when the caller took it just before)."""
        return self._reader.read_job_keyed(job_folder, archived=archived, key=key)

    def forget_all_but(self, kept: set[str]) -> None:
        """Drop what was read of job folders other than ``kept`` (paths): they moved or went."""
        self._reader.forget_all_but(kept)

    def forget(self, job_folder: str) -> None:
        """Drop what was read of one job folder (its path): it is read again when asked for."""
        self._reader.forget(job_folder)
