"""The benchmark's backend: jobs made in memory, logs read from real files.

Like the test suite's fake, but written for load: ``synthetic_jobs`` jobs,
and one job per file in ``logs`` whose log is that file, read by offset
(capped reads, like the local backend) and opened at its tail through
``log_tail_offset``. ``list_jobs`` notes when it hands its data back, so a
figure can start its clock at "data in hand".
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Literal

from jobdeck.adapters import registry
from jobdeck.adapters.base import Adapter, BackendSettings
from jobdeck.adapters.kit.logtext import read_from
from jobdeck.errors import NotFound
from jobdeck.local.logtail import tail_offset
from jobdeck.model import Capability, Counts, Job, JobRef, JobState, LogChunk, LogCursor

#: How often a followed log is re-read once its end is reached.
FOLLOW_POLL = 0.02

_EPOCH = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
_STATES = (
    JobState.SUCCEEDED,
    JobState.SUCCEEDED,
    JobState.SUCCEEDED,
    JobState.RUNNING,
    JobState.FAILED,
    JobState.PENDING,
    JobState.CANCELED,
    JobState.PAUSED,
)
_WORDS = ("nightly", "etl", "backup", "train", "render", "scrape", "index", "report", "deploy", "sync")


class BenchSettings(BackendSettings):
    kind: Literal["bench"] = "bench"
    #: How many made-up jobs to list.
    synthetic_jobs: int = 0
    #: Log files; each is one job (id: the file's stem) whose log is that file.
    logs: list[Path] = []


def make_jobs(count: int, backend: str, *, start: int = 0) -> list[Job]:
    """``count`` varied jobs: states, names, labels, progress and counts."""
    jobs = []
    for number in range(start, start + count):
        state = _STATES[number % len(_STATES)]
        created = _EPOCH - timedelta(seconds=count - number + 600)
        started = created + timedelta(seconds=5)
        ended = started + timedelta(seconds=60 + number % 900) if state.is_terminal else None
        jobs.append(
            Job(
                ref=JobRef(backend=backend, id=f"j{number:07d}"),
                name=f"{_WORDS[number % len(_WORDS)]}-{number}",
                state=state,
                raw_state=state.value.upper(),
                created=created,
                started=started,
                ended=ended,
                updated=ended or started + timedelta(seconds=30),
                progress=float(number % 100) if state is JobState.RUNNING else None,
                counts=Counts(total=300, succeeded=number % 280, failed=number % 7) if number % 5 == 0 else None,
                labels={"machine": f"m-{number % 64:02d}", "project": _WORDS[(number // 7) % len(_WORDS)]},
                error="exit code 3" if state is JobState.FAILED else None,
            )
        )
    return jobs


class BenchAdapter(Adapter):
    kind = "bench"
    Settings = BenchSettings
    capabilities = frozenset({Capability.LIST, Capability.LOG, Capability.COUNTS, Capability.PROGRESS})

    def __init__(self, settings: BackendSettings, **kwargs: object) -> None:
        super().__init__(settings, **kwargs)  # type: ignore[arg-type]
        assert isinstance(settings, BenchSettings)
        self._logs = {path.stem: Path(path) for path in settings.logs}
        files = [self._file_job(job_id, path) for job_id, path in self._logs.items()]
        self._jobs: dict[str, Job] = {job.id: job for job in [*files, *make_jobs(settings.synthetic_jobs, self.name)]}
        #: ``time.monotonic()`` and the UI thread's CPU time when ``list_jobs`` last handed its data back.
        self.listed_at = 0.0
        self.listed_cpu = 0.0
        self.list_calls = 0
        #: While set, ``list_jobs`` waits for it (a figure starts its clock on release).
        self.gate: asyncio.Event | None = None

    @classmethod
    def build(cls, name: str, *, jobs: int = 0, logs: Iterable[Path] = (), interval: float = 3600.0) -> BenchAdapter:
        return cls(BenchSettings(name=name, synthetic_jobs=jobs, logs=list(logs), interval=interval))

    def _file_job(self, job_id: str, path: Path) -> Job:
        return Job(
            ref=JobRef(backend=self.name, id=job_id),
            name=path.name,
            state=JobState.RUNNING,
            raw_state="RUNNING",
            created=_EPOCH,
            started=_EPOCH,
            # Newest of all, so it is the first row under the "recent" sort.
            updated=_EPOCH + timedelta(days=1),
        )

    # -- scripting ------------------------------------------------------------

    @property
    def jobs(self) -> list[Job]:
        return list(self._jobs.values())

    def replace_jobs(self, jobs: Iterable[Job]) -> None:
        """Put these versions of jobs in place (a new object is a changed job)."""
        for job in jobs:
            self._jobs[job.id] = job

    # -- the adapter contract -------------------------------------------------

    async def list_jobs(self) -> list[Job]:
        self.list_calls += 1
        if self.gate is not None:
            await self.gate.wait()
        listed = list(self._jobs.values())
        self.listed_at = time.monotonic()
        self.listed_cpu = time.thread_time()
        return listed

    async def get_job(self, job_id: str) -> Job:
        try:
            return self._jobs[job_id]
        except KeyError:
            raise NotFound(f"no job {job_id!r} on {self.name}") from None

    def _log_path(self, job_id: str) -> Path:
        path = self._logs.get(job_id)
        if path is None:
            raise NotFound(f"job {job_id} has no log")
        return path

    async def read_log(self, job_id: str, cursor: LogCursor | int = 0) -> LogChunk:
        offset = self.log_offset(cursor)
        piece = await asyncio.to_thread(read_from, self._log_path(job_id), offset, final=False)
        return LogChunk(text=piece.text, offset=piece.offset)

    async def log_tail_offset(self, job_id: str, lines: int, before: int | None = None) -> int:
        return await asyncio.to_thread(tail_offset, self._log_path(job_id), lines, before)

    async def follow_log(self, job_id: str, cursor: LogCursor | int = 0) -> AsyncIterator[LogChunk]:
        offset = self.log_offset(cursor)
        path = self._log_path(job_id)
        while True:
            piece = await asyncio.to_thread(read_from, path, offset, final=False)
            if piece.text:
                yield LogChunk(text=piece.text, offset=piece.offset)
            offset = piece.offset
            if piece.at_end:
                await asyncio.sleep(FOLLOW_POLL)


registry.register("bench", BenchAdapter)
