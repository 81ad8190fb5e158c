"""``LocalAdapter``: the spool as a backend (listing, runs, timeline, logs, changes, actions).

Reading is plain file I/O, always in a worker thread so the event loop never
waits on the disk. Changes arrive through watches of the spool (``watching``:
inotify on Linux, else watchfiles; capability PUSH). The deck never owns a job's process: cancel signals the process group the
runner started, retry starts a detached runner (``runner.spawn_detached``).
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
from collections.abc import AsyncGenerator, Callable
from functools import partial
from pathlib import Path
from typing import Literal, TypeVar

from jobdeck import paths
from jobdeck.adapters.base import Adapter, BackendSettings, ListedJobs
from jobdeck.adapters.local import watching
from jobdeck.adapters.local.convert import job_from_facts, job_from_record, run_from_record, timeline_of
from jobdeck.adapters.local.logs import log_folder, log_tail_offset, read_log, run_number
from jobdeck.adapters.local.supervisor_ends import SupervisorEnds
from jobdeck.clock import Clock
from jobdeck.errors import NotFound, Unreachable
from jobdeck.local import control
from jobdeck.local.job_facts import JobFacts
from jobdeck.local.spool import JobNotFound, JobRecord, RunRecord, Spool
from jobdeck.local.spool_index import SpoolIndex
from jobdeck.model import ActionResult, Capability, Job, JobRef, LogChunk, LogCursor, Run, StatusEvent

T = TypeVar("T")
log = logging.getLogger(__name__)

#: The spool caches' folder in ``jobdeck.paths.cache_dir()`` (``jobdeck.local.spool_cache``).
SPOOL_CACHE_DIR = "spools"


class LocalSettings(BackendSettings):
    kind: Literal["local"] = "local"
    #: The spool folder; None means ``jobdeck.paths.spool_dir()``.
    spool: Path | None = None


class LocalAdapter(Adapter):
    kind = "local"
    Settings = LocalSettings
    capabilities = frozenset(
        {
            Capability.LIST,
            Capability.LOG,
            Capability.TIMELINE,
            Capability.RUNS,
            Capability.ARCHIVE,
            Capability.RESTORE,
            Capability.RETRY,
            Capability.CANCEL,
            Capability.PUSH,
            # Reported by the job itself with ``::jobdeck`` lines (jobdeck.local.progress).
            Capability.COUNTS,
            Capability.PROGRESS,
        }
    )
    #: The module a retry starts as ``python -m <module> run --rerun …`` (tests use the runner's own).
    runner_module: str = "jobdeck"

    def __init__(self, settings: BackendSettings, *, clock: Clock | None = None) -> None:
        super().__init__(settings, clock=clock)
        configured: Path | None = getattr(settings, "spool", None)
        self.spool = Spool(Path(configured) if configured else paths.spool_dir())
        #: The jobs between polls: while ``changes`` watches, a poll reads only what changed;
        #: the finished ones are kept in the cache folder for the next start (``spool_cache``).
        self._index = SpoolIndex(self.spool, cache_folder=paths.cache_dir() / SPOOL_CACHE_DIR)
        self._listed = ListedJobs()
        #: The last poll's facts and Jobs, position for position.
        self._last_listing: tuple[list[JobFacts], list[Job]] | None = None
        #: The active jobs' supervisors, watched for their ends (the spool's watch sees the rest).
        self._supervisor_ends = SupervisorEnds()

    @property
    def spool_path(self) -> Path:
        return self.spool.root

    def describe(self) -> dict[str, str]:
        return {"kind": self.kind, "spool": str(self.spool_path)}

    def why_not(self, capability: Capability, job: Job) -> str | None:
        orphaned = "supervisor_gone" in job.detail
        if capability is Capability.CANCEL and orphaned and not job.archived:
            return None  # cancel kills what the dead runner left behind and records it
        if capability is Capability.ARCHIVE and job.state.is_active and not job.archived:
            return "the job is still running"
        if capability is Capability.RETRY and job.archived:
            return "the job is archived; restore it first"
        if capability is Capability.RETRY and "argv" not in job.detail:
            return f"the job cannot be rerun: {job.error or 'its spec is unreadable'}"
        return super().why_not(capability, job)

    def confirm_text(self, capability: Capability, job: Job) -> str | None:
        command = job.labels.get("command")
        if capability is Capability.RETRY:
            where = job.labels.get("cwd")
            return (
                "Runs the same command again"
                + (f" ({command})" if command else "")
                + (f" in {where}" if where else "")
                + " as a new run of this job, supervised by a detached `jobdeck run`."
            )
        if capability is Capability.CANCEL:
            return "Sends SIGTERM to the command's process group; the job is recorded as canceled."
        if capability is Capability.ARCHIVE:
            return "Moves the job's folder into the spool's .archive folder; restore moves it back."
        if capability is Capability.RESTORE:
            return "Moves the job's folder back from the spool's .archive folder."
        return None

    # -- reading ----------------------------------------------------------

    async def list_jobs(self) -> list[Job]:
        last = self._last_listing
        if last is not None and self._index.quiet(self._supervisor_ends.all_watched):
            # Nothing was written in the spool since the last poll, and no supervisor ended:
            # the same jobs, without a thread or a file read (an idle deck's polls).
            return list(last[1])
        jobs = await self._io(self._list_jobs)
        self._supervisor_ends.register()
        return jobs

    def forget_cached(self) -> None:
        # The user asked for a refresh: the next poll reads the whole spool, what no watch
        # told of included (another machine's writes to a spool on a network filesystem).
        self._last_listing = None
        self._index.note_changed([os.fspath(self.spool.root)])

    async def close(self) -> None:
        self._supervisor_ends.close()

    async def get_job(self, job_id: str) -> Job:
        return job_from_record(self.name, await self._io(control.read, self.spool, job_id))

    async def list_runs(self, job_id: str) -> list[Run]:
        record, runs = await self._io(self._read_with_runs, job_id)
        ref = JobRef(backend=self.name, id=job_id)
        return [run_from_record(ref, record, run) for run in reversed(runs)]

    async def timeline(self, job_id: str) -> list[StatusEvent]:
        _, runs = await self._io(self._read_with_runs, job_id)
        return timeline_of(runs)

    async def read_log(self, job_id: str, cursor: LogCursor | int = 0) -> LogChunk:
        offset = self.log_offset(cursor)
        read = await self._io(read_log, self.spool, job_id, run_number(job_id, cursor), offset)
        return read.chunk

    async def log_tail_offset(self, job_id: str, lines: int, before: int | None = None) -> int:
        return await self._io(log_tail_offset, self.spool, job_id, lines, before)

    async def follow_log(self, job_id: str, cursor: LogCursor | int = 0) -> AsyncGenerator[LogChunk, None]:
        """Chunks as the runner writes them, until its run ends and the tail is read.

        Follows the run that is the latest when it starts, even if a retry
        starts another meanwhile. Waits on file events in the run's folder,
        re-reading at least every ``watching.LOG_RECHECK_MS``.
        """
        offset = self.log_offset(cursor)
        read = await self._io(read_log, self.spool, job_id, run_number(job_id, cursor), offset)
        watched = await self._io(log_folder, self.spool, job_id, read.number)
        watcher = watching.log_changes(watched)
        watched_ok = True
        try:
            while True:
                if read.chunk.text or read.chunk.complete:
                    yield read.chunk
                if read.chunk.complete:
                    return
                if read.at_end:  # else the read was capped: go on at once
                    watched_ok = watched_ok and await watching.next_change(watcher)
                    if not watched_ok:  # the folder moved (archived) or cannot be watched
                        await asyncio.sleep(watching.LOG_RECHECK_MS / 1000)
                read = await self._io(read_log, self.spool, job_id, read.number, read.chunk.offset)
        finally:
            await watcher.aclose()

    async def changes(self) -> AsyncGenerator[None, None]:
        """One yield per batch of changes to jobs in the spool or its archive."""
        await self._io(self._ensure_spool)
        inside = self._index.watch_inside
        while True:
            started = partial(self._index.watching, True, inside=inside)
            try:
                async for batch in watching.list_changes(self.spool_path, inside=inside, started=started):
                    self._index.note_changed(batch)
                    yield None
                return
            except OSError as exc:
                if inside and exc.errno == errno.ENOSPC:
                    # Out of inotify watches (a machine-wide limit): the spool's folder alone
                    # is watched, and polls read the running jobs as without a watch inside.
                    log.warning("too few inotify watches for every folder of %s: watching its own", self.spool_path)
                    inside = False
                    continue
                raise Unreachable(f"cannot watch the spool {self.spool_path}: {exc}") from exc
            except RuntimeError as exc:
                raise Unreachable(f"cannot watch the spool {self.spool_path}: {exc}") from exc
            finally:
                self._index.watching(False)

    # -- actions ----------------------------------------------------------

    async def archive(self, job_id: str) -> ActionResult:
        return self._acted(job_id, await self._io(control.archive, self.spool, job_id))

    async def restore(self, job_id: str) -> ActionResult:
        return self._acted(job_id, await self._io(control.restore, self.spool, job_id))

    async def retry(self, job_id: str) -> ActionResult:
        from jobdeck.local.runner import spawn_detached  # here: a deck starts without the runner's modules

        spawn = partial(spawn_detached, module=self.runner_module)
        return self._acted(job_id, await self._io(control.retry, self.spool, job_id, spawn=spawn, clock=self.clock))

    async def cancel(self, job_id: str) -> ActionResult:
        return self._acted(job_id, await self._io(control.cancel, self.spool, job_id, clock=self.clock))

    def _acted(self, job_id: str, outcome: control.Outcome) -> ActionResult:
        """An action's result; its job's folder is read at the next poll (the refresh the
        action asks for), not when the spool's watch tells of it a moment later."""
        if outcome.ok:
            folders = (self.spool.root / job_id, self.spool.archive_root / job_id)
            self._index.note_changed(os.fspath(folder) for folder in folders)
        return _result(outcome)

    # -- blocking helpers (run in a thread) --------------------------------

    async def _io(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        """Run blocking file work in a thread; turn its failures into adapter errors."""
        try:
            return await asyncio.to_thread(fn, *args, **kwargs)
        except JobNotFound as exc:
            raise NotFound(f"{exc} ({self.name})") from exc
        except OSError as exc:
            raise Unreachable(f"the spool {self.spool_path}: {exc.strerror or exc}") from exc

    def _ensure_spool(self) -> None:
        # Only the default spool is made on first use; one the config names must exist, as for
        # `jobdeck run --spool` (a typo must not become a new, empty spool).
        if self.spool_path != paths.spool_dir() and not self.spool_path.exists():
            raise Unreachable(f"spool folder {self.spool_path} does not exist")
        try:
            self.spool.ensure()
        except FileExistsError:
            raise Unreachable(f"the spool {self.spool_path} is not a folder") from None
        except OSError as exc:
            raise Unreachable(
                f"cannot create the spool folder {self.spool_path}: {exc.strerror or exc}"
            ) from exc

    def _scan(self) -> list[JobFacts]:
        self._ensure_spool()
        try:
            return self._index.scan()
        except NotADirectoryError:
            raise Unreachable(f"the spool {self.spool_path} is not a folder") from None
        except OSError as exc:
            raise Unreachable(
                f"cannot read the spool folder {self.spool_path}: {exc.strerror or exc}"
            ) from exc

    def _list_jobs(self) -> list[Job]:
        # An unchanged job keeps its Job: the index hands back the same facts (or equal ones).
        to_job = partial(job_from_facts, self.name)
        records = self._scan()
        reread, last = self._index.reread, self._last_listing
        if reread is not None and last is not None and len(last[0]) == len(records):
            # Only these positions were read again (the index keeps the order): the
            # other 50,000 jobs are not even looked at.
            old_facts, jobs = last[0], last[1].copy()
            for position in reread:
                facts = records[position]
                if facts != old_facts[position]:
                    jobs[position] = to_job(facts)
        else:
            jobs = self._listed.convert(((facts.folder, facts) for facts in records), to_job)
        self._last_listing = (records, jobs)
        self._supervisor_ends.open_new(self._index.supervisors.copy())
        return jobs

    def _read_with_runs(self, job_id: str) -> tuple[JobRecord, list[RunRecord]]:
        record = control.read(self.spool, job_id)
        return record, self.spool.read_runs(record.folder)


def _result(outcome: control.Outcome) -> ActionResult:
    return ActionResult(ok=outcome.ok, message=outcome.message)
