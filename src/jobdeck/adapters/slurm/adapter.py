"""The ``slurm`` backend: a Slurm cluster's queue and accounting, merged.

Mode "cli" runs Slurm's own commands (``squeue --json``, text ``sacct``,
``scontrol``, ``scancel``) as subprocesses of the event loop, within
``command_timeout``; mode "rest" asks slurmrestd (``rest_source.py``). Either
way one poll reads the queue, and accounting only every
``accounting_interval`` seconds or when a job has left the queue (from the
last read on, with a margin): a quiet cluster costs one ``squeue``.

An array is one job whose runs are its tasks (``convert.py``); a held pending
job is paused, and pause/resume are hold/release; retry is ``scontrol
requeue`` (with the start time set to now: a requeued job would otherwise
wait about two minutes), and Slurm's refusal is explained. Changes of state
reason are recorded as they are seen, for the timeline.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, ClassVar

from jobdeck.adapters.base import ListedJobs, read_secret
from jobdeck.adapters.kit.blocking import run_blocking
from jobdeck.adapters.kit.http import HttpAdapter
from jobdeck.adapters.slurm.cli_source import AccountingOff, CliSource
from jobdeck.adapters.slurm.convert import (
    Unit,
    group_timeline,
    is_group_submit,
    job_from_unit,
    record_state,
    run_id,
    run_order,
    spread,
    units,
)
from jobdeck.adapters.slurm.logs import log_path, read_file
from jobdeck.adapters.slurm.merge import Merged
from jobdeck.adapters.slurm.observed import Observed
from jobdeck.adapters.slurm.requeues import Requeues
from jobdeck.adapters.slurm.settings import SlurmSettings
from jobdeck.adapters.slurm.states import job_state
from jobdeck.adapters.slurm.wire import Parsed, SlurmRecord
from jobdeck.errors import AdapterError, NotFound, Unsupported
from jobdeck.log_cursor import STDERR, STDOUT, as_log_cursor
from jobdeck.model import ActionResult, Capability, Job, JobState, LogChunk, LogCursor, Run, StatusEvent

#: Seconds of accounting read again on each read (jobs whose end was recorded late).
ACCOUNTING_MARGIN = 120
ACCOUNTING_OFF_WARNING = "accounting is off (no slurmdbd): finished jobs are kept from what jobdeck saw"


class SlurmAdapter(HttpAdapter):
    kind = "slurm"
    Settings = SlurmSettings
    settings: SlurmSettings
    capabilities = frozenset(
        {
            Capability.LIST,
            Capability.LOG,
            Capability.TIMELINE,
            Capability.RUNS,
            Capability.COUNTS,
            Capability.RETRY,
            Capability.CANCEL,
            Capability.PAUSE,
            Capability.RESUME,
        }
    )
    unsupported_reasons: ClassVar[dict[Capability, str]] = {
        Capability.ARCHIVE: "Slurm has no archive; jobdeck keeps its own",
        Capability.RESTORE: "Slurm has no archive; jobdeck keeps its own",
        Capability.PROGRESS: "Slurm reports no progress",
        Capability.PUSH: "Slurm pushes nothing; jobdeck polls",
    }
    log_streams: ClassVar[tuple[str, ...]] = (STDOUT, STDERR)

    def __init__(self, settings: SlurmSettings, **options: Any) -> None:
        super().__init__(settings, **options)
        self._source: Any = CliSource(settings.name, settings) if settings.mode == "cli" else None
        self._merged = Merged()
        self._requeues = Requeues(self._merged)
        self._listed = ListedJobs()
        self._units: dict[str, Unit] = {}
        self._observed = Observed()
        self._accounting_at: float | None = None
        self._accounting_off: str | None = None
        self._unread: str | None = None
        self._last_records: list[SlurmRecord] = []
        self._last_jobs: list[Job] = []

    # -- life cycle ----------------------------------------------------------------

    async def open(self) -> None:
        if self.settings.mode == "rest":
            await super().open()
            if self._source is None:
                from jobdeck.adapters.slurm.rest_source import RestSource

                self._source = RestSource(self)

    def auth_headers(self) -> dict[str, str]:
        if self.settings.mode != "rest":
            return {}
        token = read_secret(self.settings.token_env, what="Slurm JWT")
        headers = {"X-SLURM-USER-TOKEN": token}
        if self.settings.user:
            headers["X-SLURM-USER-NAME"] = self.settings.user
        return headers

    def forget_cached(self) -> None:
        self._accounting_at = None
        self._last_records = []
        if hasattr(self._source, "forget"):
            self._source.forget()

    def describe_backend(self) -> dict[str, str]:
        settings = self.settings
        info = {"mode": settings.mode}
        if settings.mode == "rest":
            info["url"] = settings.url
            info["token from"] = f"${settings.token_env}"
        info["users"] = ", ".join(settings.users) or "the current user"
        if settings.partitions:
            info["partitions"] = ", ".join(settings.partitions)
        info["history"] = f"{settings.history_hours:g} h of accounting"
        return info

    def describe(self) -> dict[str, str]:
        if self.settings.mode == "rest":
            return super().describe()
        return {"kind": self.kind, **self.describe_backend()}

    def warnings(self) -> tuple[str, ...]:
        found = list(super().warnings()) if self.settings.mode == "rest" else []
        if self._accounting_off:
            found.append(ACCOUNTING_OFF_WARNING)
        if self._unread:
            found.append(self._unread)
        return tuple(found)

    @property
    def source(self) -> Any:
        if self._source is None:
            self.http  # noqa: B018 - Unreachable: not open
        return self._source

    # -- reading ---------------------------------------------------------------------

    async def list_jobs(self) -> list[Job]:
        now = time.time()
        source = self.source
        due = self._accounting_due(now)
        if due:
            queue, accounting = await asyncio.gather(source.queue(), self._accounting(now))
        else:
            queue, accounting = await source.queue(), None
        left = self._merged.take_queue(self._wanted(queue.records))
        if accounting is None and left and not self._accounting_off:
            accounting = await self._accounting(now)  # a job left the queue: what became of it
        if accounting is not None:
            self._merged.take_accounting(self._wanted(accounting.records))
        self._merged.prune(now - self.settings.history_hours * 3600)
        self._note_unread(queue, accounting)
        records = self._merged.records()
        last = self._last_records
        if len(records) == len(last) and all(a is b for a, b in zip(records, last)):  # noqa: B905
            return list(self._last_jobs)  # nothing changed since the last poll
        self._observed.see(records, self.clock.now())
        grouped = units(spread(records), self._units)
        self._units = {unit.id: unit for unit in grouped}
        jobs = self._listed.convert(((unit.id, unit) for unit in grouped), lambda unit: job_from_unit(self.name, unit))
        self._last_records, self._last_jobs = records, jobs
        return list(jobs)

    # Every read asks Slurm (a job's page in the deck is Slurm's word now, or Slurm's error).

    async def get_job(self, job_id: str) -> Job:
        await self.list_jobs()
        return job_from_unit(self.name, self._unit(job_id))

    async def list_runs(self, job_id: str) -> list[Run]:
        await self.list_jobs()
        return await self._requeues.runs(self.source, self.name, self._unit(job_id))

    async def timeline(self, job_id: str) -> list[StatusEvent]:
        await self.list_jobs()
        unit = self._unit(job_id)
        # An array's own events (about no task) go with every task's; a task's own "submitted"
        # is the array's, said once.
        group = group_timeline(unit) if unit.kind != "job" else []
        events: list[StatusEvent] = [event for event in group if not event.state.is_terminal]
        requeued, steps = await self._requeues.timelines(self.source, unit)
        for record in unit.records:
            run = run_id(record) if unit.kind != "job" else None
            own = self._requeues.timeline(record, run, requeued, steps)
            events.extend(event for event in own if not is_group_submit(event, group))
            events.extend(self._observed.events(record.task_key, run))
        events.extend(event for event in group if event.state.is_terminal)  # after its last task's, at one time
        return sorted(events, key=lambda event: event.at)

    async def read_log(self, job_id: str, cursor: LogCursor | int = 0) -> LogChunk:
        cursor = as_log_cursor(cursor)
        offset = self.log_offset(cursor)
        if job_id not in self._units:
            await self.list_jobs()
        unit = self._unit(job_id)
        earlier = self._requeues.log(unit, cursor)
        if earlier is not None:
            return earlier
        record = self._run_record(unit, cursor.run)
        # The job's state now, asked before the file is read: a log marked complete misses nothing.
        shown = await self._show(record)
        state = job_state(shown["JobState"], shown.get("Reason")) if shown and shown.get("JobState") else record_state(record)
        path = log_path(record, cursor.stream, shown)
        if path is None:
            return LogChunk(text="", cursor=cursor, notice="Slurm names no log file for this job", complete=True)
        chunk = await run_blocking(
            # A job Slurm has forgotten (shown is None) has ended, whatever it was last seen doing.
            read_file, path, offset, final=state.is_terminal or shown is None,
            pending=shown is not None and state in (JobState.PENDING, JobState.PAUSED),
            deadline=self.settings.command_timeout, backend=self.name,
        )
        notice = chunk.notice
        if notice is None and cursor.stream == "stderr" and path == log_path(record, "stdout", shown):
            notice = f"no -e: stderr is written into the stdout file with it ({path})"
        return LogChunk(
            text=chunk.text,
            cursor=LogCursor(position=chunk.cursor.position, run=cursor.run, stream=cursor.stream),
            complete=chunk.complete,
            notice=notice,
        )

    # -- actions ------------------------------------------------------------------------

    def why_not(self, capability: Capability, job: Job) -> str | None:
        reason = super().why_not(capability, job)
        if reason is not None:
            return reason
        if capability is Capability.RETRY and self.settings.mode == "rest":
            from jobdeck.adapters.slurm.rest_source import NO_REQUEUE

            return NO_REQUEUE
        if capability is Capability.PAUSE and job.state is not JobState.PENDING:
            return "only a pending job can be held (pause); this one is " + job.state.value
        return None

    def confirm_text(self, capability: Capability, job: Job) -> str | None:
        if self.settings.mode == "rest":
            return {
                Capability.CANCEL: "slurmrestd (DELETE): Slurm ends it (every task, for an array).",
                Capability.PAUSE: "slurmrestd (hold): it stays queued until it is released (resume).",
                Capability.RESUME: "slurmrestd (release): the scheduler may start it again.",
            }.get(capability)
        words = {
            Capability.CANCEL: "scancel: Slurm ends it (every task, for an array).",
            Capability.RETRY: "scontrol requeue: Slurm runs it again under the same id, "
            "as soon as it can (its output file is written afresh).",
            Capability.PAUSE: "scontrol hold: it stays queued until it is released (resume).",
            Capability.RESUME: "scontrol release: the scheduler may start it again.",
        }
        return words.get(capability)

    async def cancel(self, job_id: str) -> ActionResult:
        await self.source.show_job(job_id)  # scancel says nothing of an unknown id: NotFound here
        await self.source.cancel(job_id)
        return ActionResult(ok=True, message=f"asked Slurm to cancel {job_id}")

    async def retry(self, job_id: str) -> ActionResult:
        unit = await self._fresh_unit(job_id)
        ids = [run_id(r) for r in unit.records if record_state(r) in (JobState.FAILED, JobState.CANCELED)]
        if unit.kind == "job" or not ids:
            ids = [job_id] if unit.kind == "job" else [run_id(r) for r in unit.records]
        try:
            await self.source.requeue(ids)
        except AdapterError as exc:
            if isinstance(exc, NotFound) or "invalid job id" in exc.message.lower():
                why = "the controller no longer holds it (finished jobs are kept for MinJobAge); submit it again"
            else:
                why = requeue_refusal(exc.message)
            return ActionResult(ok=False, message=f"Slurm would not requeue {job_id}: {why}")
        await self.source.start_now(ids)
        what = f"{len(ids)} task{'s' if len(ids) > 1 else ''} of {job_id}" if unit.kind != "job" else job_id
        return ActionResult(ok=True, message=f"requeued {what}")

    async def pause(self, job_id: str) -> ActionResult:
        await self.source.hold(job_id)
        return ActionResult(ok=True, message=f"held {job_id}: it will not start until released")

    async def resume(self, job_id: str) -> ActionResult:
        unit = await self._fresh_unit(job_id)
        if any(r.state == "SUSPENDED" for r in unit.records):
            await self.source.resume(job_id)
            return ActionResult(ok=True, message=f"resumed {job_id}")
        await self.source.release(job_id)
        return ActionResult(ok=True, message=f"released {job_id}")

    # -- inside ------------------------------------------------------------------------------

    def _unit(self, job_id: str) -> Unit:
        unit = self._units.get(job_id)
        if unit is None:
            raise NotFound(f"{self.name}: no job {job_id} in the queue or in accounting")
        return unit

    async def _fresh_unit(self, job_id: str) -> Unit:
        await self.list_jobs()
        return self._unit(job_id)

    def _run_record(self, unit: Unit, run: str | None) -> SlurmRecord:
        if run is None:
            # The newest run as runs_of orders them (an array's highest task), once it has started;
            # before that the one started last. Not by job id: an array's last task keeps the
            # array's own id, the lowest of all.
            newest = max(unit.records, key=run_order)
            if newest.start:
                return newest
            started = [r for r in unit.records if r.start]
            return max(started, key=lambda r: (r.start or 0, run_order(r))) if started else newest
        for record in unit.records:
            if run_id(record) == run:
                return record
        raise NotFound(f"{self.name}: job {unit.id} has no run {run}")

    async def _show(self, record: SlurmRecord) -> dict[str, str] | None:
        """``scontrol show job``'s fields (state, reason, expanded paths); None once Slurm forgot the job."""
        try:
            return await self.source.show_job(run_id(record))
        except NotFound:
            return None

    def _accounting_due(self, now: float) -> bool:
        if self._accounting_off and self._accounting_at is not None:
            return now - self._accounting_at >= max(600.0, self.settings.accounting_interval)
        return self._accounting_at is None or now - self._accounting_at >= self.settings.accounting_interval

    async def _accounting(self, now: float) -> Parsed | None:
        since = (
            now - self.settings.history_hours * 3600
            if self._accounting_at is None
            else self._accounting_at - ACCOUNTING_MARGIN
        )
        try:
            parsed = await self.source.accounting(since)
        except AccountingOff as off:
            self._accounting_off = str(off) or "off"
            self._accounting_at = now
            return None
        self._accounting_off = None
        self._accounting_at = now
        return parsed

    def _wanted(self, records: list[SlurmRecord]) -> list[SlurmRecord]:
        settings = self.settings
        users = None if settings.everyone else set(self.source.users())
        partitions = set(settings.partitions) or None
        return [
            r for r in records
            if (users is None or r.user in users)
            and (partitions is None or (r.partition or "") in partitions or any(p in partitions for p in (r.partition or "").split(",")))
        ]

    def _note_unread(self, queue: Parsed, accounting: Parsed | None) -> None:
        problems = []
        for what, parsed in (("the queue", queue), ("accounting", accounting)):
            if parsed is None:
                continue
            if parsed.skipped:
                version = f" (Slurm {parsed.release or '?'}, {parsed.plugin})" if parsed.unknown_version else ""
                problems.append(f"{parsed.skipped} jobs of {what} could not be read{version}: {parsed.why_skipped}")
        self._unread = "; ".join(problems) or None


def requeue_refusal(message: str) -> str:
    """Slurm's refusal to requeue, and what it means."""
    said = message.split(": ", 1)[-1]
    lower = said.lower()
    if "disabled" in lower:
        return f"{said} (the job cannot be requeued: submitted with --no-requeue, or the cluster sets JobRequeue=0)"
    if "pending" in lower:
        return f"{said} (it is still queued: nothing to run again)"
    if "only batch" in lower or "batch job" in lower:
        return f"{said} (only batch jobs can be requeued, not srun/salloc ones)"
    if "permission" in lower or "access" in lower:
        return f"{said} (only its owner or an operator may requeue it)"
    return said
