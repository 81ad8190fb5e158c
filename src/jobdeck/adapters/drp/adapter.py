"""The Digital Rebar Provision adapter (wire contract: ``shared/contracts/drp.md``).

- The list is the newest ``max_jobs`` jobs (``sort=StartTime&reverse``, paged
  with ``offset``/``limit`` and the configured server-side filters). Between
  full listings only jobs with ``LastModifiedAt=Gte(<last seen>)`` travel, so
  a server with 50,000 jobs is not read whole on every poll.
- Counts come from ``HEAD /jobs?Machine=…&State=…`` (``X-DRP-LIST-COUNT``,
  sent without offset/limit: the contract's trap).
- Logs are read with ``Range: bytes=<offset>-``; a connection dropped half way
  keeps what arrived and resumes from that byte.
- Retry makes the machine Runnable again, or restarts the job's work order.
- The runner's JWT (``Token``) and ``ExtraClaims`` never leave this module.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import AsyncIterator
from datetime import datetime
from functools import partial
from typing import Any, ClassVar

import httpx

from jobdeck.adapters.base import ListedJobs, read_secret
from jobdeck.adapters.drp import logs, push
from jobdeck.adapters.drp.convert import TERMINAL_RAW, chain_event, own_events, raw_time, short, to_job
from jobdeck.adapters.drp.settings import DrpSettings
from jobdeck.adapters.drp.wire import JOBS, MACHINES, WireJob, WireWorkOrder, error_text
from jobdeck.adapters.kit.http import HttpAdapter, all_results, gather_bounded, validate
from jobdeck.adapters.kit.http_paths import segment
from jobdeck.adapters.kit.tls import ssl_context
from jobdeck.errors import AdapterError, AuthFailed, BadResponse, NotFound, Unsupported
from jobdeck.model import ActionResult, Capability, Counts, Job, LogChunk, LogCursor, StatusEvent

#: The HEAD filters of a machine's (or work order's) counts: all its jobs, finished ones, failed ones.
_COUNTED_STATES: tuple[dict[str, str], ...] = ({}, {"State": "finished"}, {"State": "failed"})
log = logging.getLogger(__name__)

#: How many of a machine's jobs the timeline follows back through ``Previous``.
CHAIN_LENGTH = 20


class DrpAdapter(HttpAdapter):
    kind = "drp"
    Settings = DrpSettings
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.LIST, Capability.LOG, Capability.TIMELINE, Capability.COUNTS, Capability.RETRY, Capability.PUSH}
    )
    unsupported_reasons: ClassVar[dict[Capability, str]] = {
        Capability.ARCHIVE: "DRP archives job logs itself (Archived is set by the server); jobdeck keeps its own archive",
        Capability.RESTORE: "DRP has no restore for archived jobs",
        Capability.CANCEL: "DRP jobs cannot be canceled through the API (stop the machine's workflow instead)",
        Capability.PROGRESS: "DRP jobs report no progress",
        Capability.PUSH: "the DRP event websocket is off (push = false) or not reachable in-process",
    }

    settings: DrpSettings

    def __init__(self, settings: DrpSettings, **options: Any) -> None:
        super().__init__(settings, **options)
        # An injected in-process transport cannot carry a websocket: polling only.
        transport = self._transport
        if not settings.push or (transport is not None and not isinstance(transport, httpx.AsyncHTTPTransport)):
            self.capabilities = type(self).capabilities - {Capability.PUSH}
        self._jobs: dict[str, WireJob] = {}
        self._raw: dict[str, dict[str, Any]] = {}
        self._machine_names: dict[str, str] = {}
        self._counts: dict[tuple[str, str], Counts] = {}
        #: Keys whose last count failed: asked again first at the next poll.
        self._uncounted: set[tuple[str, str]] = set()
        self._watermark: tuple[datetime, str] | None = None
        self._last_full: float | None = None
        self._deleted: set[str] = set()
        self._listed = ListedJobs()

    # -- credentials, errors, info ---------------------------------------------------------

    def auth_headers(self) -> dict[str, str]:
        if self.settings.token_env:
            token = read_secret(self.settings.token_env, what="DRP token")
            return {"Authorization": f"Bearer {token}"}
        user = read_secret(self.settings.user_env, what="DRP user name")
        password = read_secret(self.settings.password_env, what="DRP password")
        return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}

    def error_message(self, response: httpx.Response) -> str | None:
        try:
            return error_text(response.json())
        except ValueError:
            return None

    def describe_backend(self) -> dict[str, str]:
        drp = self.settings
        info = {
            "endpoint": drp.api_url,
            "auth": f"Bearer token from ${drp.token_env}" if drp.token_env
            else f"Basic, user from ${drp.user_env}, password from ${drp.password_env}",
            "changes": "event websocket (register jobs.*.*), polling as fallback"
            if Capability.PUSH in self.capabilities else "polling",
            "list": f"newest {drp.max_jobs} jobs, pages of {drp.page_size}"
            + (f", filters {drp.filters}" if drp.filters else ""),
        }
        if drp.older_tls_keys:
            info["tls setting"] = f"{' and '.join(drp.older_tls_keys)}: older spelling; verify is preferred"
        return info

    # -- listing ------------------------------------------------------------------------

    async def list_jobs(self) -> list[Job]:
        now = self.clock.monotonic()
        if self._last_full is None or self._watermark is None or now - self._last_full >= self.settings.full_refresh:
            changed = await self._full_listing()
            self._last_full = now
        else:
            changed = await self._delta_listing()
        for uuid in self._deleted:
            self._jobs.pop(uuid, None)
            self._raw.pop(uuid, None)
        self._deleted.clear()
        kept = self._trim()
        await self._refresh_counts(changed)
        shown = ((wire.Uuid, self._shown(wire)) for wire in kept)
        return self._listed.convert(shown, lambda source: self._to_job(source[0], source[1]))

    def forget_cached(self) -> None:
        self._last_full = None  # the next poll lists every job, not the changes since the last

    async def _full_listing(self) -> list[WireJob]:
        await self._load_machine_names()
        fresh: dict[str, WireJob] = {}
        raw: dict[str, dict[str, Any]] = {}
        offset = 0
        while len(fresh) < self.settings.max_jobs:
            limit = min(self.settings.page_size, self.settings.max_jobs - len(fresh))
            page = await self._jobs_page({"sort": "StartTime", "reverse": "true", "offset": offset, "limit": limit})
            for job, data in page:
                fresh[job.Uuid] = job
                raw[job.Uuid] = data
            if len(page) < limit:
                break
            offset += limit
        self._jobs, self._raw = fresh, raw
        self._watermark = None
        self._advance_watermark(fresh.values())
        return list(fresh.values())

    async def _load_machine_names(self) -> None:
        machines = await self.http.get_json("/machines")
        self._machine_names = {m.Uuid: m.Name for m in validate(MACHINES, machines, what="the machine list", backend=self.name)}

    async def _delta_listing(self) -> list[WireJob]:
        assert self._watermark is not None
        since = self._watermark[1]
        changed: list[WireJob] = []
        offset = 0
        while True:
            params = {"LastModifiedAt": f"Gte({since})", "sort": "LastModifiedAt", "offset": offset, "limit": self.settings.page_size}
            page = await self._jobs_page(params)
            for job, data in page:
                if self._raw.get(job.Uuid) != data:  # Gte re-sends the jobs at the watermark itself
                    changed.append(job)
                    # An unchanged job keeps its wire object: ListedJobs then reuses its Job by identity.
                    self._jobs[job.Uuid] = job
                    self._raw[job.Uuid] = data
            if len(page) < self.settings.page_size:
                break
            offset += self.settings.page_size
        self._advance_watermark(changed)
        return changed

    async def _jobs_page(self, params: dict[str, Any]) -> list[tuple[WireJob, dict[str, Any]]]:
        query = {**self.settings.filters, **params}
        data = await self.http.get_json("/jobs", params=query)
        if not isinstance(data, list):
            raise BadResponse(f"{self.name}: GET /jobs did not return a JSON array")
        jobs = validate(JOBS, data, what="the job list", backend=self.name)
        return list(zip(jobs, data, strict=True))

    def _advance_watermark(self, jobs: Any) -> None:
        for job in jobs:
            modified = job.LastModifiedAt
            raw = self._raw.get(job.Uuid, {}).get("LastModifiedAt")
            if modified is not None and isinstance(raw, str) and (self._watermark is None or modified > self._watermark[0]):
                # The server's own text is sent back, so its precision is never lost.
                self._watermark = (modified, raw)

    def _newest_first(self) -> list[WireJob]:
        floor = datetime.min.replace(tzinfo=None)
        return sorted(
            self._jobs.values(),
            key=lambda job: (job.StartTime.replace(tzinfo=None) if job.StartTime else floor, job.Uuid),
            reverse=True,
        )

    def _trim(self) -> list[WireJob]:
        """Forget all but the newest ``max_jobs`` jobs; those, newest first."""
        newest = self._newest_first()
        for job in newest[self.settings.max_jobs :]:
            self._jobs.pop(job.Uuid, None)
            self._raw.pop(job.Uuid, None)
        return newest[: self.settings.max_jobs]

    # -- counts -------------------------------------------------------------------------

    async def _refresh_counts(self, changed: list[WireJob]) -> None:
        """Counts of the machines (and work orders) whose jobs changed, newest first, within budget;
        before them, those whose count failed last time."""
        wanted: list[tuple[str, str]] = sorted(self._uncounted)
        for job in sorted(changed, key=lambda j: j.LastModifiedAt.timestamp() if j.LastModifiedAt else 0.0, reverse=True):
            for key in (("Machine", job.Machine), ("WorkOrder", job.WorkOrder)):
                if key[1] and key not in wanted:
                    wanted.append(key)
        await self._count(wanted[: self.settings.counts_budget])

    async def _count(self, keys: list[tuple[str, str]]) -> None:
        """Count the jobs of each (index, value) key: three HEADs per key (all, finished, failed), concurrently.

        A key whose count cannot be had keeps its last known counts (none: unknown) and is
        asked again at the next poll; the listing stands. Only a refused login fails the poll.
        """
        outcomes = await gather_bounded(
            [partial(self._count_or_none, {index: value, **state}) for index, value in keys for state in _COUNTED_STATES]
        )
        per_key = len(_COUNTED_STATES)
        for number, key in enumerate(keys):
            # As if counted one by one: the keys before a refused login keep their new counts.
            total, finished, failed = all_results(outcomes[number * per_key : (number + 1) * per_key])
            if total is None or finished is None or failed is None:
                self._uncounted.add(key)
                continue
            self._uncounted.discard(key)
            self._counts[key] = Counts(total=total, succeeded=finished, failed=failed)

    async def _count_or_none(self, filters: dict[str, str]) -> int | None:
        """One count, or None when the backend cannot give it now (after the HTTP helper's retries)."""
        try:
            return await self._head_count(filters)
        except AuthFailed:
            raise
        except AdapterError as exc:
            log.debug("%s: a count is unknown for now (%s): %s", self.name, filters, exc)
            return None

    async def _head_count(self, filters: dict[str, str]) -> int:
        # No offset/limit here: X-DRP-LIST-COUNT counts after them (the contract's trap).
        response = await self.http.request("HEAD", "/jobs", params=filters)
        header = response.headers.get("X-DRP-LIST-COUNT")
        if header is None or not header.strip().isdigit():
            raise BadResponse(f"{self.name}: HEAD /jobs gave no X-DRP-LIST-COUNT header")
        return int(header)

    # -- conversion -----------------------------------------------------------------------

    def _machine_name(self, uuid: str) -> str:
        return self._machine_names.get(uuid) or short(uuid) or "?"

    def _shown(self, wire: WireJob) -> tuple[WireJob, dict[str, Any], str | None, Counts | None, Counts | None]:
        """All ``_to_job`` reads of a listed job: it as sent, its machine's name and counts, its work order's counts."""
        return (
            wire,
            self._raw.get(wire.Uuid, {}),
            self._machine_names.get(wire.Machine),
            self._counts.get(("Machine", wire.Machine)),
            self._counts.get(("WorkOrder", wire.WorkOrder)),
        )

    def _to_job(self, wire: WireJob, raw: dict[str, Any]) -> Job:
        return to_job(self.name, wire, raw, machine=self._machine_name(wire.Machine),
                      machine_names=self._machine_names, counts=self._counts)

    async def _fetch(self, job_id: str) -> tuple[WireJob, dict[str, Any]]:
        data = await self.http.get_json(f"/jobs/{segment(job_id)}")
        job = validate(WireJob, data, what=f"job {short(job_id)}", backend=self.name)
        return job, data

    async def get_job(self, job_id: str) -> Job:
        job, data = await self._fetch(job_id)
        if job.Machine and ("Machine", job.Machine) not in self._counts:
            await self._count([("Machine", job.Machine)])
        return self._to_job(job, data)

    # -- timeline ---------------------------------------------------------------------------

    async def timeline(self, job_id: str) -> list[StatusEvent]:
        """This job's own transitions, after the machine's earlier jobs (its ``Previous`` chain)."""
        job, _ = await self._fetch(job_id)
        if not self._machine_names:
            await self._load_machine_names()
        chain: list[WireJob] = []
        if job.Previous and job.Machine:
            params: dict[str, Any] = {"Machine": job.Machine, "sort": "StartTime", "reverse": "true", "limit": CHAIN_LENGTH + 1}
            data = await self.http.get_json("/jobs", params=params | ({"StartTime": f"Lte({raw_time(job.StartTime)})"} if job.StartTime else {}))
            known = {j.Uuid: j for j in validate(JOBS, data, what="the machine's jobs", backend=self.name)}
            previous = job.Previous
            while previous and previous in known and len(chain) < CHAIN_LENGTH:
                chain.append(known[previous])
                previous = known[previous].Previous
        events = [chain_event(earlier, self._machine_name(earlier.Machine)) for earlier in reversed(chain)]
        retry_of = job.Previous if job.Previous and self._is_retry(job) else None
        events.extend(own_events(job, self._machine_name(job.Machine), retry_of=retry_of))
        return [event for event in events if event is not None]

    def _is_retry(self, job: WireJob) -> bool:
        previous = self._jobs.get(job.Previous)
        return previous is not None and previous.State == "failed" and previous.Task == job.Task

    # -- log ----------------------------------------------------------------------------------

    async def read_log(self, job_id: str, cursor: LogCursor | int = 0) -> LogChunk:
        offset = self.log_offset(cursor)
        job, _ = await self._fetch(job_id)
        if not job.Archived:
            try:
                return await logs.read_live(self.http, job_id, offset, done=job.State in TERMINAL_RAW, backend=self.name)
            except NotFound:
                # The job may have been archived between the two requests.
                job, _ = await self._fetch(job_id)
                if not job.Archived:
                    raise
        return await logs.read_archived(self.http, job_id, offset)

    # -- push -----------------------------------------------------------------------------------

    async def changes(self) -> AsyncIterator[None]:
        if Capability.PUSH not in self.capabilities:
            raise Unsupported(self.why_unsupported(Capability.PUSH))
        ssl_ctx = ssl_context(self.settings.verify) if self.settings.api_url.startswith("https") else None
        events = push.job_events(push.ws_url(self.settings.api_url), headers=self.auth_headers(),
                                 backend=self.name, ssl_ctx=ssl_ctx)
        async for message in events:
            if message is not None and message.get("Action") in ("delete", "destroy") and message.get("Key"):
                self._deleted.add(str(message["Key"]))
            yield

    # -- retry ------------------------------------------------------------------------------------

    def why_not(self, capability: Capability, job: Job) -> str | None:
        reason = super().why_not(capability, job)
        if reason is not None or capability is not Capability.RETRY:
            return reason
        if job.raw_state != "failed":
            return f"only a failed DRP job can be re-run (this one is {job.raw_state or 'unknown'})"
        if job.detail.get("Current") is False and not job.detail.get("WorkOrder"):
            return f"a newer job has run on {job.labels.get('machine', 'the machine')} since: DRP re-runs only a machine's current task"
        return None

    def confirm_text(self, capability: Capability, job: Job) -> str | None:
        if capability is not Capability.RETRY:
            return None
        task, machine = job.labels.get("task", "the task"), job.labels.get("machine", "the machine")
        order = job.detail.get("WorkOrder")
        if order:
            return (f"Restart work order {short(str(order))} in retry mode: DRP creates a successor work order "
                    f"and re-runs task {task} as a new job on {machine}.")
        return (f"Make machine {machine} Runnable again: its agent re-runs task {task} "
                f"(stage {job.labels.get('stage', '?')}) as a new job whose Previous is {short(job.id)}.")

    async def retry(self, job_id: str) -> ActionResult:
        job, _ = await self._fetch(job_id)
        machine = self._machine_name(job.Machine)
        if job.WorkOrder:
            response = await self.http.request("POST", f"/work_orders/{segment(job.WorkOrder)}/restart",
                                               json={"mode": "retry"}, expect=(200, 201))
            successor = validate(WireWorkOrder, self.http.decode_json(response), what="the restarted work order", backend=self.name)
            return ActionResult(ok=True, message=f"work order {short(job.WorkOrder)} restarted as {short(successor.Uuid)}: "
                                                 f"{machine} re-runs {job.Task}")
        await self.http.request("PATCH", f"/machines/{segment(job.Machine)}",
                                json=[{"op": "replace", "path": "/Runnable", "value": True}])
        return ActionResult(ok=True, message=f"machine {machine} is Runnable again: it re-runs {job.Task} as a new job")

