"""The ``local`` backend: the spool of jobs that ``jobdeck run`` creates.

Reading is plain file I/O, always in a worker thread so the event loop never
waits on the disk. Changes arrive through ``watchfiles`` (capability PUSH).
The deck never owns a job's process: cancel signals the process group the
runner started, retry starts a detached runner (``runner.spawn_detached``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

from jobdeck import paths
from jobdeck.adapters.base import Adapter, BackendSettings, ListedJobs
from jobdeck.adapters.logtext import read_from
from jobdeck.clock import Clock
from jobdeck.errors import AdapterError, NotFound, Unreachable
from jobdeck.files import NotARegularFile, Refused
from jobdeck.local import control
from jobdeck.local.logtail import tail_offset
from jobdeck.local.runner import spawn_detached
from jobdeck.local.spool import (
    ARCHIVE_DIR,
    LOG_FILE,
    JobNotFound,
    JobRecord,
    RunRecord,
    Spool,
)
from jobdeck.model import (
    ActionResult,
    Capability,
    Counts,
    Job,
    JobRef,
    JobState,
    LogChunk,
    Run,
    StatusEvent,
)

if TYPE_CHECKING:
    import watchfiles

T = TypeVar("T")

#: watchfiles timings (ms): a batch is yielded after this much quiet … (the watcher's
#: thread also wakes this often: with one spool watcher per backend always running,
#: the list's is longer, as a new job can wait a quarter second; a followed log cannot)
_STEP_MS = 50
_LIST_STEP_MS = 250
#: … or after this long at most while changes keep coming.
_LIST_DEBOUNCE_MS = 500
#: watchfiles groups a log's writes for this long before the pane hears of them:
#: short, because it is most of the delay between a line written and shown.
_LOG_DEBOUNCE_MS = 50
#: A log follower also re-reads this often without any change seen (a missed event costs no more).
_LOG_RECHECK_MS = 250


class LogRefused(AdapterError):
    """A run's log that jobdeck will not read: it leads out of the spool (a link to
    /etc/passwd, say), or is not a regular file (a FIFO would hang the reader)."""

    kind = "refused"
    transient = False


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
        self._listed = ListedJobs()

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

    # -- reading ----------------------------------------------------------

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

    async def list_jobs(self) -> list[Job]:
        return await self._io(self._list_jobs)

    async def get_job(self, job_id: str) -> Job:
        return self._job(await self._io(control.read, self.spool, job_id))

    async def list_runs(self, job_id: str) -> list[Run]:
        record, runs = await self._io(self._read_with_runs, job_id)
        ref = self._ref(job_id)
        return [self._run(ref, record, run) for run in reversed(runs)]

    async def timeline(self, job_id: str) -> list[StatusEvent]:
        _, runs = await self._io(self._read_with_runs, job_id)
        several = len(runs) > 1
        timeline: list[StatusEvent] = []
        for run in runs:
            for event in run.events:
                message = event.message or event.raw_state
                timeline.append(
                    StatusEvent(
                        at=event.at,
                        state=event.state,
                        raw_state=event.raw_state,
                        message=f"run #{run.number}: {message}" if several else message,
                        actor=event.actor,
                    )
                )
        return timeline  # in the order written: runs in turn, each run's file in order

    async def read_log(self, job_id: str, offset: int = 0) -> LogChunk:
        read = await self._io(self._read_log, job_id, None, offset)
        return read.chunk

    async def log_tail_offset(self, job_id: str, lines: int, before: int | None = None) -> int:
        def find() -> int:
            run = control.read(self.spool, job_id).latest
            if run is None:
                return 0
            try:
                return tail_offset(run.log_path, lines, before, inside=self.spool.root)
            except Refused as exc:
                raise _log_refused(job_id, exc) from None

        return await self._io(find)

    async def follow_log(self, job_id: str, offset: int = 0) -> AsyncGenerator[LogChunk, None]:
        """Chunks as the runner writes them, until its run ends and the tail is read.

        Follows the run that is the latest when it starts, even if a retry
        starts another meanwhile. Waits on file events in the run's folder,
        re-reading at least every quarter second.
        """
        read = await self._io(self._read_log, job_id, None, offset)
        watched = await self._io(self._log_folder, job_id, read.number)
        stop = asyncio.Event()
        import watchfiles  # here, not at the top: ~12 ms that start-up need not wait for

        watcher = watchfiles.awatch(
            watched,
            stop_event=stop,
            step=_STEP_MS,
            debounce=_LOG_DEBOUNCE_MS,
            rust_timeout=_LOG_RECHECK_MS,
            yield_on_timeout=True,
            recursive=False,
        )
        watching = True
        try:
            while True:
                if read.chunk.text or read.chunk.complete:
                    yield read.chunk
                if read.chunk.complete:
                    return
                if read.at_end:  # else the read was capped: go on at once
                    watching = watching and await _next_change(watcher)
                    if not watching:  # the folder moved (archived) or cannot be watched
                        await asyncio.sleep(_LOG_RECHECK_MS / 1000)
                read = await self._io(self._read_log, job_id, read.number, read.chunk.offset)
        finally:
            stop.set()
            await watcher.aclose()

    async def changes(self) -> AsyncGenerator[None, None]:
        """One yield per batch of changes to jobs in the spool or its archive."""
        await self._io(self._ensure_spool)
        stop = asyncio.Event()
        import watchfiles  # see follow_log

        try:
            async for _ in watchfiles.awatch(
                self.spool_path,
                stop_event=stop,
                watch_filter=changes_the_list,
                step=_LIST_STEP_MS,
                debounce=_LIST_DEBOUNCE_MS,
            ):
                yield None
        except (OSError, RuntimeError) as exc:
            raise Unreachable(f"cannot watch the spool {self.spool_path}: {exc}") from exc
        finally:
            stop.set()  # lets the watcher thread end now rather than at its next timeout

    # -- actions ----------------------------------------------------------

    async def archive(self, job_id: str) -> ActionResult:
        return _result(await self._io(control.archive, self.spool, job_id))

    async def restore(self, job_id: str) -> ActionResult:
        return _result(await self._io(control.restore, self.spool, job_id))

    async def retry(self, job_id: str) -> ActionResult:
        spawn = partial(spawn_detached, module=self.runner_module)
        return _result(await self._io(control.retry, self.spool, job_id, spawn=spawn, clock=self.clock))

    async def cancel(self, job_id: str) -> ActionResult:
        return _result(await self._io(control.cancel, self.spool, job_id, clock=self.clock))

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

    def _scan(self) -> list[JobRecord]:
        self._ensure_spool()
        try:
            return self.spool.scan()
        except NotADirectoryError:
            raise Unreachable(f"the spool {self.spool_path} is not a folder") from None
        except OSError as exc:
            raise Unreachable(
                f"cannot read the spool folder {self.spool_path}: {exc.strerror or exc}"
            ) from exc

    def _list_jobs(self) -> list[Job]:
        # An unchanged job keeps its Job: the spool hands back the same record (or an equal one).
        return self._listed.convert(((str(record.folder), record) for record in self._scan()), self._job)

    def _read_with_runs(self, job_id: str) -> tuple[JobRecord, list[RunRecord]]:
        record = control.read(self.spool, job_id)
        return record, self.spool.read_runs(record.folder)

    def _read_log(self, job_id: str, number: int | None, offset: int) -> _LogRead:
        """Run ``number``'s log (the latest run's when None) from ``offset``.

        Whether the run has ended is decided before reading, so a chunk marked
        complete can never miss bytes written after the read.
        """
        record = control.read(self.spool, job_id)
        latest = record.latest
        if number is None and latest is None:
            return _LogRead(
                LogChunk(text="", offset=offset, notice="the job has not started yet"), None, True
            )
        if number is None or (latest is not None and latest.number == number):
            assert latest is not None
            run, orphaned = latest, record.supervisor_gone is not None
        else:
            run, orphaned = self.spool.read_run(record.folder, number), False
        final = run.state.is_terminal or orphaned
        try:
            piece = read_from(run.log_path, offset, final=final, inside=self.spool.root)
        except Refused as exc:
            raise _log_refused(job_id, exc) from None
        notice = f"the supervisor (pid {record.supervisor_gone}) is gone" if orphaned else None
        chunk = LogChunk(text=piece.text, offset=piece.offset, complete=final and piece.at_end, notice=notice)
        return _LogRead(chunk, run.number, piece.at_end)

    def _log_folder(self, job_id: str, number: int | None) -> Path:
        folder, _ = self.spool.locate(job_id)
        return Spool.run_folder(folder, number) if number is not None else folder

    # -- conversion to the common model ----------------------------------

    def _ref(self, job_id: str) -> JobRef:
        return JobRef(backend=self.name, id=job_id)

    def _job(self, record: JobRecord) -> Job:
        spec, run = record.spec, record.latest
        labels: dict[str, str] = {}
        detail: dict[str, object] = {"spool": str(record.folder), "runs": len(record.run_numbers)}
        if spec is not None:
            labels.update(host=spec.host, cwd=spec.cwd, command=control.short_command(spec.argv))
            detail.update(argv=list(spec.argv), cwd=spec.cwd, host=spec.host)
        if run is not None:
            process = run.process
            detail.update(run=run.number, log=str(run.log_path))
            if process is not None:
                detail["pid"] = process.pid
            if run.exit_code is not None:
                labels["exit_code"] = str(run.exit_code)
                detail["exit_code"] = run.exit_code
        if record.supervisor_gone is not None:
            detail["supervisor_gone"] = record.supervisor_gone
        return Job(
            ref=self._ref(record.id),
            name=control.display_name(record),
            state=record.state,
            raw_state=run.raw_state if run else None,
            created=spec.created if spec else (run.created if run else None),
            started=run.started if run else None,
            ended=run.ended if run else None,
            updated=run.updated if run else None,
            progress=_progress(run),
            counts=_counts(run),
            archived=record.archived,
            archived_by="backend" if record.archived else None,
            labels=labels,
            error=record.error,
            detail=detail,
        )

    def _run(self, ref: JobRef, record: JobRecord, run: RunRecord) -> Run:
        is_latest = record.latest is not None and run.number == record.latest.number
        orphaned = is_latest and record.supervisor_gone is not None
        process = run.process
        detail: dict[str, object] = {"run": run.number, "log": str(run.log_path)}
        if process is not None:
            detail["pid"] = process.pid
        if run.exit_code is not None:
            detail["exit_code"] = run.exit_code
        problems = list(run.problems)
        if orphaned:
            problems.insert(0, f"the supervisor (pid {record.supervisor_gone}) is gone")
        elif run.state is JobState.FAILED:
            problems.append(run.message or "failed")
        return Run(
            job=ref,
            id=str(run.number),
            state=JobState.UNKNOWN if orphaned else run.state,
            raw_state=run.raw_state,
            started=run.started,
            ended=run.ended,
            progress=_progress(run),
            counts=_counts(run),
            error="; ".join(problems) or None,
            reason=run.message,
            detail=detail,
        )


def _progress(run: RunRecord | None) -> float | None:
    """The progress the run reported (``::jobdeck progress=N``), if any."""
    report = run.progress if run else None
    return report.progress if report else None


def _counts(run: RunRecord | None) -> Counts | None:
    """The counts the run reported (``::jobdeck succeeded=N failed=M total=T``), if any."""
    report = run.progress if run else None
    if report is None or not report.has_counts:
        return None
    return Counts(total=report.total, succeeded=report.succeeded or 0, failed=report.failed or 0)


@dataclass(frozen=True)
class _LogRead:
    chunk: LogChunk
    #: The run read (pinned by a follower), None before the job's first run.
    number: int | None
    #: Whether the read reached the end of the log as it was (reads are capped).
    at_end: bool


async def _next_change(watcher: AsyncGenerator[set[tuple[watchfiles.Change, str]], None]) -> bool:
    """Wait for the watcher's next batch (or its timeout); False if it cannot watch any more."""
    try:
        await anext(watcher)
    except (OSError, RuntimeError, StopAsyncIteration):
        return False
    return True


def _log_refused(job_id: str, exc: Refused) -> LogRefused:
    what = "is not a regular file" if isinstance(exc, NotARegularFile) else "points outside the spool"
    return LogRefused(f"the log of {job_id} {what}; not read")


def _result(outcome: control.Outcome) -> ActionResult:
    return ActionResult(ok=outcome.ok, message=outcome.message)


def changes_the_list(change: watchfiles.Change, path: str) -> bool:
    """Log writes and temporary files never change the job list; everything else may."""
    name = Path(path).name
    if name == LOG_FILE:
        return False
    return not name.startswith(".") or name == ARCHIVE_DIR
