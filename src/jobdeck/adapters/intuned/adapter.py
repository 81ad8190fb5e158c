"""The ``intuned`` backend: Intuned's Jobs / JobRuns API.

- List: one row per job (``GET …/jobs``, not paginated), each with the run
  that speaks for it (``GET …/jobs/{id}/runs``, page 0, newest first). A job
  whose run is over and whose record has not changed since (a new run moves
  its ``last_run_time``) keeps that run for up to SETTLED_RUNS_SECONDS, so a
  project of finished jobs costs one request a poll, not one a job. An action,
  or a refresh the user asks for, asks every job again.
- Runs: paged (``pageNumber`` from 0, ``pageSize``), with their counts.
- Timeline: the job's runs (start, end, status) plus the status changes
  jobdeck observed; Intuned keeps no history.
- Log: Intuned has no log API; the log pane gets the run events jobdeck
  observed, with a notice saying so.
- Retry = trigger (a new MANUAL run), cancel = terminate the active run;
  ``pause`` / ``resume`` are extra actions. There is no archive: jobdeck's own
  archive is used (ARCHIVE and RESTORE are deliberately not declared).
"""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar, Literal

import httpx
from pydantic import Field, TypeAdapter

from jobdeck.adapters.base import ListedJobs, read_secret
from jobdeck.adapters.kit.http import HttpAdapter, HttpClient, gather_bounded, validate
from jobdeck.adapters.kit.http_paths import segment
from jobdeck.adapters.kit.http_settings import HttpBackendSettings
from jobdeck.adapters.intuned.convert import counts_words, run_events, short_id, to_job, to_run
from jobdeck.adapters.intuned.observed import ObservedRunEvents
from jobdeck.adapters.intuned.wire import (
    FINAL_STATUSES,
    WireJob,
    WireMessage,
    WireRun,
    WireRunDetail,
    WireRunPage,
    WireTriggered,
)
from jobdeck.errors import NotFound, Unreachable
from jobdeck.model import ActionResult, Capability, Job, LogChunk, LogCursor, Run, RunPage, StatusEvent
from jobdeck.redact import redact

PUBLIC_BASE_URL = "https://app.intuned.io/api/v1/workspace"
#: Runs read per job when listing, to find an active run behind a newer canceled one.
RUNS_PER_JOB = 5
#: Seconds a job's finished run is taken to still speak for it while the job's record
#: stays the same. The contract does not promise that a new run changes the record
#: (the emulator, like the service as far as seen, moves ``last_run_time``): this bounds
#: how late a run started elsewhere can show.
SETTLED_RUNS_SECONDS = 60.0
LOG_NOTICE = "Intuned has no log API: these are the run events jobdeck observed."
_JOB_LIST = TypeAdapter(list[WireJob])


class IntunedSettings(HttpBackendSettings):
    url_key: ClassVar[str] = "base_url"

    kind: Literal["intuned"] = "intuned"
    workspace_id: str = Field(min_length=1, description="the workspace UUID")
    project: str = Field(min_length=1, description="the project name")
    api_key_env: str = Field(default="INTUNED_API_KEY", description="environment variable holding the API key")
    base_url: str = PUBLIC_BASE_URL
    runs_page_size: int = Field(default=10, ge=1, le=100, description="runs per page in the detail pane")


class IntunedAdapter(HttpAdapter):
    kind = "intuned"
    Settings = IntunedSettings
    capabilities = frozenset(
        {
            Capability.LIST,
            Capability.RUNS,
            Capability.COUNTS,
            Capability.TIMELINE,
            Capability.LOG,
            Capability.RETRY,
            Capability.CANCEL,
            Capability.PAUSE,
            Capability.RESUME,
        }
    )
    unsupported_reasons: ClassVar[dict[Capability, str]] = {
        Capability.ARCHIVE: "Intuned has no archive (only pause and delete); jobdeck keeps its own",
        Capability.RESTORE: "Intuned has no archive to restore from; jobdeck keeps its own",
        Capability.PUSH: "Intuned has no push channel; jobdeck polls it",
        Capability.PROGRESS: "Intuned reports payload counts, not a progress figure",
    }

    settings: IntunedSettings

    def __init__(self, settings: IntunedSettings, **options: Any) -> None:
        super().__init__(settings, **options)
        self._observed = ObservedRunEvents()
        self._jobs: dict[str, WireJob] = {}
        self._listed = ListedJobs()
        #: Jobs whose run is over: the record and run last asked, and when (monotonic).
        self._settled: dict[str, tuple[WireJob, WireRun | None, float]] = {}

    # -- life cycle ----------------------------------------------------------------

    def connect(self) -> HttpClient:
        # Messages name the kind too: "intuned <name>: ...".
        return self.new_client(backend=self._who, headers=self.auth_headers())

    def auth_headers(self) -> dict[str, str]:
        return {"x-api-key": read_secret(self.settings.api_key_env, what="Intuned API key")}

    def error_message(self, response: httpx.Response) -> str | None:
        return intuned_error_message(response)

    def describe_backend(self) -> dict[str, str]:
        return {
            "base_url": self.settings.base_url,
            "workspace": self.settings.workspace_id,
            "project": self.settings.project,
            "api key from": f"${self.settings.api_key_env}",
        }

    # -- reading ---------------------------------------------------------------------

    async def list_jobs(self) -> list[Job]:
        jobs = validate(_JOB_LIST, await self._get(self._jobs_path()), what="the job list", backend=self._who)
        # One runs request per job: a few at a time, not all of a big project's at once.
        picked = await gather_bounded([partial(self._with_speaking_run, job) for job in jobs])
        now = self.clock.now()
        listed: list[tuple[str, tuple[WireJob, WireRun | None]]] = []
        self._jobs = {job.id: job for job in jobs}
        self._observed.retain(self._jobs)
        self._settled = {job_id: kept for job_id, kept in self._settled.items() if job_id in self._jobs}
        for outcome in picked:
            if isinstance(outcome, Exception):
                raise outcome
            if outcome is None:  # deleted between the two requests
                continue
            job, run = outcome
            if run is not None:
                self._observed.observe(job.id, run, now)
            listed.append((job.id, outcome))
        return self._listed.convert(listed, lambda source: to_job(self.name, self.settings.project, *source))

    async def get_job(self, job_id: str) -> Job:
        """One job (``GET …/jobs/{id}``, JobDetails) with the run that speaks for it."""
        data = await self._get(self._job_path(job_id))
        job = validate(WireJob, data, what="the job", backend=self._who)
        run = await self._speaking_run(job_id)
        if run is not None:
            self._observed.observe(job_id, run, self.clock.now())
        return to_job(self.name, self.settings.project, job, run)

    async def list_runs(self, job_id: str) -> list[Run]:
        """The first page of the job's runs, newest first."""
        return (await self.list_runs_page(job_id, 0)).runs

    async def runs_page(self, job_id: str, page: int = 0) -> RunPage:
        """Page ``page`` of the job's runs, ``runs_page_size`` runs a page."""
        return await self.list_runs_page(job_id, page)

    async def list_runs_page(self, job_id: str, page: int = 0, page_size: int | None = None) -> RunPage:
        """Page ``page`` (from 0) of the job's runs, newest first, with the total count."""
        size = page_size or self.settings.runs_page_size
        wire = await self._run_page(job_id, page=page, size=size)
        runs = [to_run(self.name, job_id, run) for run in wire.jobRuns]
        total = wire.totalCount
        if total is not None:
            pages: int | None = max(1, -(-total // size))
        else:
            # Without a total, a short page is the last one; a full one may not be.
            pages = page + 1 if len(runs) < size else None
        return RunPage(runs=runs, page=page, pages=pages, total=total, page_size=size)

    async def get_run(self, job_id: str, run_id: str) -> Run:
        """One run with its results link (the signature of the signed URL hidden)."""
        data = await self._get(f"{self._job_path(job_id)}/runs/{segment(run_id)}")
        detail = validate(WireRunDetail, data, what="the job run", backend=self._who)
        return to_run(self.name, job_id, detail.jobRun, detail.results)

    async def timeline(self, job_id: str) -> list[StatusEvent]:
        wire = await self._run_page(job_id, page=0, size=self.settings.runs_page_size)
        events = [event for run in reversed(wire.jobRuns) for event in run_events(run)]
        events.extend(self._observed.transitions(job_id))
        return sorted(events, key=lambda event: event.at)

    async def read_log(self, job_id: str, cursor: LogCursor | int = 0) -> LogChunk:
        """The run events jobdeck observed (Intuned has no log), refreshed from the backend first."""
        offset = self.log_offset(cursor)
        run = await self._speaking_run(job_id)
        if run is not None:
            self._observed.observe(job_id, run, self.clock.now())
        text, end = self._observed.read(job_id, offset)
        return LogChunk(text=text, offset=end, notice=LOG_NOTICE, complete=self._log_complete(job_id, run))

    def _log_complete(self, job_id: str, run: WireRun | None) -> bool:
        """Nothing more will happen: the last run is over and no run is scheduled."""
        job = self._jobs.get(job_id)
        if run is not None and not run.final:
            return False
        if job is None:
            return run is not None
        return (job.state or "").upper() == "PAUSED" or job.next_run_time is None

    # -- actions -------------------------------------------------------------------------

    def why_not(self, capability: Capability, job: Job) -> str | None:
        if not self.supports(capability):
            return self.why_unsupported(capability)
        run = job.detail.get("run") if isinstance(job.detail.get("run"), dict) else None
        active = run is not None and str(run.get("status") or "").upper() not in FINAL_STATUSES
        if capability is Capability.RETRY:
            if str(job.detail.get("state") or "").upper() == "PAUSED":
                return "the job is paused; resume it before starting a run"
            if active and run is not None:
                return f"run {short_id(str(run.get('id')))} is still {run.get('status')}; Intuned would cancel a new one"
            return None
        if capability is Capability.CANCEL:
            return None if active else "no run of this job is active"
        # The job's own state (ACTIVE or PAUSED), not its latest run's.
        paused = str(job.detail.get("state") or "").upper() == "PAUSED"
        if capability is Capability.PAUSE:
            return "the job is already paused" if paused else None
        if capability is Capability.RESUME:
            return None if paused else "the job is not paused"
        return super().why_not(capability, job)

    def confirm_text(self, capability: Capability, job: Job) -> str | None:
        run = job.detail.get("run") if isinstance(job.detail.get("run"), dict) else {}
        if capability is Capability.RETRY:
            total = job.counts.total if job.counts and job.counts.total is not None else "all its"
            return f"Intuned starts a new manual run of the whole job ({total} payloads); earlier runs are kept."
        if capability is Capability.PAUSE:
            return "Intuned starts no new runs of this job until it is resumed; an active run pauses too."
        if capability is Capability.RESUME:
            return "Intuned runs the job on its schedule again, and resumes a paused run."
        if capability is Capability.CANCEL and run:
            done = f"{job.counts.done} of {job.counts.total}" if job.counts else "some"
            return (f"Intuned terminates run {short_id(str(run.get('id')))} ({done} payloads done); "
                    "the payloads not done yet are not run.")
        return None

    async def retry(self, job_id: str) -> ActionResult:
        """Trigger the job: Intuned starts a new MANUAL run."""
        response = await self._post(f"{self._job_path(job_id)}/trigger")
        triggered = validate(WireTriggered, self.http.decode_json(response), what="the trigger answer",
                             backend=self._who)
        run_id = triggered.run_id
        if not run_id:
            return ActionResult(ok=True, message=f"triggered {job_id}: {triggered.message or 'a new run starts'}")
        try:
            run = await self.get_run(job_id, run_id)
        except (NotFound, Unreachable):
            run = None
        if run is not None and run.raw_state == "CANCELED":
            return ActionResult(ok=False, message=f"Intuned canceled the new run {short_id(run_id)}: {run.reason}")
        return ActionResult(ok=True, message=f"triggered {job_id}: new manual run {short_id(run_id)} started")

    async def cancel(self, job_id: str) -> ActionResult:
        """Terminate the job's active run."""
        run = await self._speaking_run(job_id)
        if run is None or run.final:
            return ActionResult(ok=False, message=f"no run of {job_id} is active")
        response = await self._post(f"{self._job_path(job_id)}/runs/{segment(run.id)}/terminate")
        said = validate(WireMessage, self.http.decode_json(response), what="the terminate answer",
                        backend=self._who).message
        self._observed.observe(job_id, run, self.clock.now())
        return ActionResult(ok=True, message=f"terminated run {short_id(run.id)} of {job_id} "
                                             f"({counts_words(run)}){': ' + said if said else ''}")

    async def pause(self, job_id: str) -> ActionResult:
        """Pause the job: no new runs start; an active run pauses too."""
        await self._post(f"{self._job_path(job_id)}/pause")
        return ActionResult(ok=True, message=f"paused {job_id}: no new runs start until it is resumed")

    async def resume(self, job_id: str) -> ActionResult:
        """Resume a paused job (and its paused run)."""
        await self._post(f"{self._job_path(job_id)}/resume")
        return ActionResult(ok=True, message=f"resumed {job_id}: its schedule runs again")

    # -- requests ----------------------------------------------------------------------------

    @property
    def _who(self) -> str:
        return f"intuned {self.name}"

    def _jobs_path(self) -> str:
        workspace = segment(self.settings.workspace_id)
        return f"/{workspace}/projects/{segment(self.settings.project)}/jobs"

    def _job_path(self, job_id: str) -> str:
        return f"{self._jobs_path()}/{segment(job_id)}"

    async def _get(self, path: str, params: dict[str, str] | None = None) -> Any:
        return await self.http.get_json(path, params=params)

    async def _post(self, path: str) -> httpx.Response:
        self._settled.clear()  # an action may start, end or pause a run of any job asked next
        return await self.http.request("POST", path, expect=(200, 201))

    async def _run_page(self, job_id: str, *, page: int, size: int) -> WireRunPage:
        params = {"pageSize": str(size), "pageNumber": str(page), "sortBy": "start_time,desc"}
        data = await self._get(f"{self._job_path(job_id)}/runs", params)
        return validate(WireRunPage, data, what="the job's runs", backend=self._who)

    async def _with_speaking_run(self, job: WireJob) -> tuple[WireJob, WireRun | None] | None:
        """The job with the run that speaks for it; None if the job is gone (not a failure of the batch)."""
        now = self.clock.monotonic()
        kept = self._settled.get(job.id)
        if kept is not None and kept[0] == job and now - kept[2] < SETTLED_RUNS_SECONDS:
            return job, kept[1]
        try:
            run = await self._speaking_run(job.id)
        except NotFound:
            return None
        if run is None or run.final:
            self._settled[job.id] = (job, run, now)
        else:
            self._settled.pop(job.id, None)  # an active run's counts move: asked every poll
        return job, run

    def forget_cached(self) -> None:
        self._settled.clear()

    async def _speaking_run(self, job_id: str) -> WireRun | None:
        """The active run if any (a newer run may be a canceled trigger), else the newest."""
        runs = (await self._run_page(job_id, page=0, size=RUNS_PER_JOB)).jobRuns
        return next((run for run in runs if not run.final), runs[0] if runs else None)


def intuned_error_message(response: httpx.Response) -> str | None:
    """``message [code] (correlation id …)`` from Intuned's error body."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        return response.reason_phrase or None
    if not isinstance(body, dict):
        return None
    body = redact(body)
    message = str(body.get("message") or response.reason_phrase or "")
    if body.get("code"):
        message += f" [{body['code']}]"
    if body.get("correlationId"):
        message += f" (correlation id {body['correlationId']})"
    return message or None
