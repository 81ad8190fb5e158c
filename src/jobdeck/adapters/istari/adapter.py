"""The ``istari`` backend: jobs of an Istari Digital registry (``/api/v2``).

What maps to what (contract: ``../shared/contracts/istari.md``):

- list: pages of ``GET /api/v2/jobs`` (size 100, newest first), active jobs and
  then archived ones (``archive_status=archived``, shown with ``archived=True``);
- timeline: ``status_history`` merged with ``archive_status_history``;
- counts: Istari keeps no per-job counters (one job is one execution), so a
  job's ``counts`` stay None rather than show a made-up progress. Totals per
  status come from ``include_total`` and are shown in ``describe()`` (the
  backend) and in each job's detail (the backend and the job's function);
- log: Istari has no log API. The log is the status messages in order and,
  once the job has ended, its parameters file (read through its download URL);
- archive/restore: the server's own (``DELETE`` archives; ``POST …:restore``),
  with an optional reason; cancel: status ``Canceled``; retry: a new job with
  the same function and parameters file.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from functools import partial
from typing import Any, ClassVar, Literal

import httpx
from pydantic import Field

from jobdeck.adapters.base import ListedJobs, read_secret
from jobdeck.adapters.kit.http import HttpAdapter, HttpClient, all_results, gather_bounded, validate
from jobdeck.adapters.kit.http_paths import segment
from jobdeck.adapters.kit.http_settings import HttpBackendSettings
from jobdeck.adapters.istari import convert, wire
from jobdeck.errors import AdapterError
from jobdeck.model import ActionResult, Capability, Job, JobRef, JobState, LogChunk, LogCursor, StatusEvent
from jobdeck.sizes import byte_size

API = "/api/v2"
#: The largest page the registry serves.
PAGE_SIZE = 100
#: Parameters files larger than this are described, not shown.
MAX_PARAMETERS_BYTES = 64 * 1024
#: Functions whose totals are counted at most (each costs four requests).
MAX_COUNTED_FUNCTIONS = 12
#: The statuses counted per function (the backend's totals count every status).
FUNCTION_STATUSES = ("Completed", "Failed", "Canceled")
#: Parameters files kept in memory (content is immutable per sha).
_CACHED_FILES = 32
#: The log pane's notice (one row: it fits at 80 columns).
LOG_NOTICE = "Istari has no log API: the job's status messages, then its parameters."


class IstariSettings(HttpBackendSettings):
    url_key: ClassVar[str] = "registry_url"

    kind: Literal["istari"] = "istari"
    #: The tenant's registry, e.g. https://fileservice-v2.<tenant>.istari.app
    registry_url: str
    #: The environment variable holding the personal access token.
    token_env: str = "ISTARI_PERSONAL_ACCESS_TOKEN"
    #: The newest jobs listed, per archive state.
    max_jobs: int = Field(default=500, ge=1, le=100_000)
    #: Whether archived jobs are listed (they appear in the deck's archived view).
    include_archived: bool = True
    #: Seconds between two refreshes of the per-status totals (0: every poll).
    counts_interval: float = Field(default=30.0, ge=0, le=86_400)


class IstariAdapter(HttpAdapter):
    kind = "istari"
    Settings = IstariSettings
    capabilities = frozenset({
        Capability.LIST, Capability.LOG, Capability.TIMELINE, Capability.COUNTS,
        Capability.ARCHIVE, Capability.RESTORE, Capability.RETRY, Capability.CANCEL,
    })
    unsupported_reasons: ClassVar[dict[Capability, str]] = {
        Capability.PROGRESS: "Istari reports a job's status, not its progress",
        Capability.PUSH: "the Istari registry has no change feed; jobdeck polls it",
        Capability.RUNS: "an Istari job runs once; a retry is a new job",
    }

    settings: IstariSettings

    def __init__(self, settings: IstariSettings, **options: Any) -> None:
        super().__init__(settings, **options)
        self._storage: HttpClient | None = None
        #: Totals per status: "" for the backend, else by function name.
        self._totals: dict[str, dict[str, int]] = {}
        self._overall: dict[str, int | None] = {}
        self._counted_at: float | None = None
        self._files: OrderedDict[str, bytes] = OrderedDict()
        self._listed = ListedJobs()

    # -- life cycle -------------------------------------------------------------------

    def connect(self) -> HttpClient:
        client = super().connect()
        # Download URLs are pre-signed: the token is never sent to object storage.
        self._storage = self.new_client()
        return client

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {read_secret(self.settings.token_env, what='Istari personal access token')}"}

    def error_message(self, response: httpx.Response) -> str | None:
        return fastapi_error(response)

    async def close(self) -> None:
        storage, self._storage = self._storage, None
        if storage is not None:
            await storage.aclose()
        await super().close()

    def describe_backend(self) -> dict[str, str]:
        info = {
            "registry": self.settings.registry_url,
            "token": f"from ${self.settings.token_env}",
        }
        if "" in self._totals:
            info["jobs"] = convert.totals_text(self._totals[""], self._overall.get(""))
        for function in sorted(name for name in self._totals if name):
            info[f"function {function}"] = convert.totals_text(self._totals[function], self._overall.get(function))
        return info

    # -- reading ----------------------------------------------------------------------

    async def list_jobs(self, *, state: JobState | None = None) -> list[Job]:
        """Every job (archived ones with ``archived=True``); ``state`` filters on the server."""
        statuses: list[str | None] = list(wire.statuses_of(state)) if state is not None else [None]
        found: dict[str, tuple[wire.Job, bool]] = {}
        archive_states = ["active", "archived"] if self.settings.include_archived else ["active"]
        for archive_status in archive_states:
            for status in statuses:
                for job in await self._list(archive_status, status):
                    found[job.id] = (job, archive_status == "archived")
        functions = {job.function.name for job, _ in found.values() if job.function}
        await self._refresh_totals(sorted(functions))
        totals = self._totals_text()
        return self._listed.convert(
            ((job_id, (job, archived, totals)) for job_id, (job, archived) in found.items()),
            lambda source: convert.to_job(self.name, source[0], listed_archived=source[1], totals=source[2]),
        )

    async def get_job(self, job_id: str) -> Job:
        return convert.to_job(self.name, await self._job(job_id), totals=self._totals_text())

    async def timeline(self, job_id: str) -> list[StatusEvent]:
        return convert.timeline_of(await self._job(job_id))

    async def read_log(self, job_id: str, cursor: LogCursor | int = 0) -> LogChunk:
        offset = self.log_offset(cursor)
        job = await self._job(job_id)
        state, _ = convert.state_of(job)
        text = convert.status_log(job)
        if state.is_terminal:
            text += await self._parameters_section(job)
        data = text.encode()
        offset = max(0, min(offset, len(data)))
        return LogChunk(text=data[offset:].decode("utf-8", errors="replace"), offset=len(data),
                        complete=state.is_terminal, notice=LOG_NOTICE)

    # -- actions ----------------------------------------------------------------------

    def why_not(self, capability: Capability, job: Job) -> str | None:
        reason = super().why_not(capability, job)
        if reason is None and capability is Capability.RETRY and not job.labels.get("model"):
            return "the job names no model to run against, so it cannot be submitted again"
        return reason

    def confirm_text(self, capability: Capability, job: Job) -> str | None:
        if capability is Capability.ARCHIVE:
            return ("Istari archives it on the server: it leaves the active list and can be restored. "
                    "A reason can be given; it is kept in the job's archive history.")
        if capability is Capability.RESTORE:
            return ("Istari puts it back in the active list. "
                    "A reason can be given; it is kept in the job's archive history.")
        if capability is Capability.RETRY:
            function = job.labels.get("function", job.name)
            return (f"Istari has no retry: a new job will be created that runs {function} "
                    f"again with the same parameters file on model {job.labels.get('model', '?')}.")
        if capability is Capability.CANCEL:
            return "Its status becomes Canceled; an agent already running it stops at its next status report."
        return None

    #: Istari keeps an optional reason with each archive and restore.
    reason_actions = frozenset({Capability.ARCHIVE, Capability.RESTORE})

    async def archive(self, job_id: str, reason: str | None = None) -> ActionResult:
        response = await self.http.request(
            "DELETE", f"{API}/jobs/{segment(job_id)}", json={"reason": reason} if reason else None, expect=(200, 409)
        )
        if response.status_code == 409:
            return ActionResult(ok=False, message=f"{self.name}: {fastapi_error(response) or 'already archived'}")
        return ActionResult(ok=True, message=_with_reason(f"archived job {job_id} on {self.name}", reason))

    async def restore(self, job_id: str, reason: str | None = None) -> ActionResult:
        response = await self.http.request(
            "POST", f"{API}/jobs/{segment(job_id)}:restore", json={"reason": reason} if reason else None, expect=(200, 409)
        )
        if response.status_code == 409:
            return ActionResult(ok=False, message=f"{self.name}: {fastapi_error(response) or 'not archived'}")
        return ActionResult(ok=True, message=_with_reason(f"restored job {job_id} on {self.name}", reason))

    async def cancel(self, job_id: str) -> ActionResult:
        # Whether the registry refuses a status on a job that has ended is not settled (the contract
        # lists no 409 for PUT …/status; the SDK says a transition it does not permit is 409, naming
        # none), so a job that ended since the last poll is looked at first: Canceled after
        # Completed would rewrite how it ended.
        current = (await self._job(job_id)).status
        state = wire.STATE_BY_STATUS.get(current.name, JobState.UNKNOWN) if current else JobState.UNKNOWN
        if state.is_terminal:
            return ActionResult(ok=False, message=f"{self.name}: job {job_id} is already {current.name if current else '?'}; "
                                "there is nothing to cancel")
        response = await self.http.request(
            "PUT", f"{API}/jobs/{segment(job_id)}/status", params={"status_name": "Canceled"},
            json={"message": "canceled from jobdeck"}, expect=(200, 409),
        )
        if response.status_code == 409:
            return ActionResult(ok=False, message=f"{self.name}: {fastapi_error(response) or 'cannot cancel'}")
        return ActionResult(ok=True, message=f"canceled job {job_id} on {self.name}")

    async def retry(self, job_id: str) -> ActionResult:
        raw = await self.http.get_json(f"{API}/jobs/{segment(job_id)}")
        job = validate(wire.Job, raw, what=f"job {job_id}", backend=self.name)
        revisions = (raw.get("file") or {}).get("revisions") or []
        if job.function is None or not job.model_id or not revisions:
            return ActionResult(ok=False, message=f"{self.name}: job {job_id} lacks a function, model "
                                "or parameters file, so it cannot be submitted again")
        params = {"function_name": job.function.name, "function_version": job.function.version,
                  "tool_name": job.function.tool_name}
        response = await self.http.request(
            "POST", f"{API}/models/{segment(job.model_id)}/jobs",
            params={key: value for key, value in params.items() if value},
            json={"revision": revisions[-1]},
        )
        new = validate(wire.Job, self.http.decode_json(response), what="the new job", backend=self.name)
        return ActionResult(ok=True, message=f"submitted job {new.id} ({job.function.name}) on {self.name}",
                            new_ref=JobRef(backend=self.name, id=new.id))

    # -- helpers ----------------------------------------------------------------------

    async def _job(self, job_id: str) -> wire.Job:
        raw = await self.http.get_json(f"{API}/jobs/{segment(job_id)}")
        return validate(wire.Job, raw, what=f"job {job_id}", backend=self.name)

    async def _list(self, archive_status: str, status: str | None) -> list[wire.Job]:
        jobs: list[wire.Job] = []
        size = min(PAGE_SIZE, self.settings.max_jobs)
        page = 1
        while len(jobs) < self.settings.max_jobs:
            params: dict[str, Any] = {"page": page, "size": size, "archive_status": archive_status}
            if status:
                params["status_name"] = status
            data = await self.http.get_json(f"{API}/jobs", params=params)
            listing = validate(wire.JobPage, data, what="the job list", backend=self.name)
            jobs.extend(listing.items)
            if len(listing.items) < size:
                break
            page += 1
        return jobs[: self.settings.max_jobs]

    async def _count(self, *, status: str | None = None, function: str | None = None) -> int | None:
        params: dict[str, Any] = {"page": 1, "size": 1, "include_total": "true", "archive_status": "all"}
        if status:
            params["status_name"] = status
        if function:
            params["name"] = function
        data = await self.http.get_json(f"{API}/jobs", params=params)
        return validate(wire.JobPage, data, what="the job count", backend=self.name).total

    def forget_cached(self) -> None:
        self._counted_at = None  # the next poll counts the totals afresh

    async def _refresh_totals(self, functions: list[str]) -> None:
        """Per-status totals for the backend and each function, at most every counts_interval."""
        now = self.clock.monotonic()
        if self._counted_at is not None and now - self._counted_at < self.settings.counts_interval:
            return
        # (function, status) of each count: "" is the whole backend, None every status.
        # ``name`` is a substring match: a function whose name contains another's counts both.
        wanted: list[tuple[str, str | None]] = [("", None), *(("", status) for status in wire.STATUS_NAMES)]
        for function in functions[:MAX_COUNTED_FUNCTIONS]:
            wanted += [(function, None), *((function, status) for status in FUNCTION_STATUSES)]
        try:
            counted = all_results(await gather_bounded(
                [partial(self._count, status=status, function=function or None) for function, status in wanted]
            ))
        except AdapterError:
            # The list itself succeeded: keep the last totals rather than fail the poll.
            return
        totals: dict[str, dict[str, int]] = {}
        overall: dict[str, int | None] = {}
        for (function, status), count in zip(wanted, counted, strict=True):
            if status is None:
                overall[function], totals[function] = count, {}
            else:
                totals[function][status] = count or 0
        self._totals, self._overall, self._counted_at = totals, overall, now

    def _totals_text(self) -> dict[str, str]:
        return {name: convert.totals_text(counts, self._overall.get(name)) for name, counts in self._totals.items()}

    async def _parameters_section(self, job: wire.Job) -> str:
        revision = job.file.current if job.file else None
        if revision is None or revision.content_token is None:
            return "\n--- the job has no parameters file ---\n"
        name = revision.file_name or "parameters"
        head = f"\n--- parameters file {name}"
        if not convert.is_text_file(revision):
            return f"{head}: {revision.mime or 'binary'}, not shown ---\n"
        if revision.size is not None and revision.size > MAX_PARAMETERS_BYTES:
            return f"{head}: {byte_size(revision.size)}, too large to show ---\n"
        try:
            content = await self._download(revision.content_token.sha)
        except AdapterError as exc:
            return f"{head}: could not be read ({exc}) ---\n"
        return f"{head} ---\n{convert.parameters_text(revision, content[:MAX_PARAMETERS_BYTES])}"

    async def _download(self, sha: str) -> bytes:
        if sha in self._files:
            return self._files[sha]
        data = await self.http.get_json(f"{API}/tokens/{segment(sha)}/download-url")
        url = validate(wire.TemporaryUrl, data, what="the download URL", backend=self.name)
        assert self._storage is not None
        response = await self._storage.request("GET", url.url)
        content = response.content
        self._files[sha] = content
        while len(self._files) > _CACHED_FILES:
            self._files.popitem(last=False)
        return content


def fastapi_error(response: httpx.Response) -> str | None:
    """FastAPI's ``{"detail": "text"}`` or ``{"detail": [{"loc": [...], "msg": ...}]}``."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or None
    detail = body.get("detail") if isinstance(body, Mapping) else None
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list):
        problems = []
        for item in detail[:3]:
            if isinstance(item, Mapping):
                where = ".".join(str(part) for part in item.get("loc", []) if part not in ("query", "body"))
                problems.append(f"{where}: {item.get('msg')}" if where else str(item.get("msg")))
        return "; ".join(problems) or None
    return response.reason_phrase or None


def _with_reason(message: str, reason: str | None) -> str:
    return f"{message} (reason: {convert.redact_text(reason)})" if reason else message
