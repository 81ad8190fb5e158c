"""The Ray adapter: the jobs of a Ray cluster through its dashboard's Jobs API (Ray 2.x).

- The list is ``GET /api/jobs/`` (every job the cluster remembers); a job is known by its
  submission id (a driver started outside the Jobs API by its Ray job id).
- Counts: the Ray tasks of a job that started a driver (``ray.init()``), by state, from the
  state API (``/api/v0/tasks/summarize``); asked while the job runs and once after it ended.
- The log is read by byte offset from the driver's log file through the state API, streamed
  (``logfile.py``: a huge log opens at its end without being held whole), else from the Jobs
  API's ``/logs``; it is followed live through the state API's stream of that file, or the
  Jobs API's websocket ``/logs/tail`` where there is no file (``follow.py``), resumed by what
  has been received.
- The cluster's nodes (alive, dead) are read beside the jobs every 30 s, for ``jobdeck info``
  and a warning when one is dead.
- Cancel is Ray's stop; retry submits the same entrypoint, runtime_env and metadata again
  under a new submission id whose metadata names the job it retries (Ray has no retry);
  deleting a finished job from Ray is an action of its own (``D``), never the archive,
  which is jobdeck's own.
- ``headers_env`` holds extra headers (JSON) for a dashboard behind an auth proxy: they are
  sent, scrubbed out of every error, and never shown.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import AsyncIterator
from functools import partial
from typing import Any, ClassVar

import httpx

from jobdeck.adapters.actions import ActionSpec
from jobdeck.adapters.base import ListedJobs, read_secret
from jobdeck.adapters.kit.http import HttpAdapter, HttpClient, all_results, gather_bounded, validate
from jobdeck.adapters.kit.http_paths import segment, web_page
from jobdeck.adapters.kit.logtext import decode_complete
from jobdeck.adapters.kit.tls import ssl_context
from jobdeck.adapters.ray import logfile, logs
from jobdeck.adapters.ray.convert import (
    TERMINAL_RAW,
    never_ran,
    nodes_words,
    one_line,
    own_events,
    ray_error_message,
    task_counts,
    to_job,
)
from jobdeck.adapters.ray.follow import Follow, tail_opener
from jobdeck.adapters.ray.settings import RaySettings
from jobdeck.adapters.ray.wire import RAY_JOBS, DeleteBody, LogsBody, RayJob, StopBody, SubmitBody
from jobdeck.errors import AdapterError, AuthFailed, BadResponse, Unsupported
from jobdeck.model import ActionResult, Capability, Counts, Job, JobRef, LogChunk, LogCursor, StatusEvent

log = logging.getLogger(__name__)

#: The metadata key a resubmitted job carries: the submission id of the job it retries.
RETRY_OF = "jobdeck_retry_of"
#: Seconds after a job's end when its task counts are final (not asked again).
COUNTS_SETTLE = 10.0
#: Seconds between two reads of the cluster's nodes.
NODES_EVERY = 30.0
#: Seconds a followed log's stream may stay silent (a quiet job) before it counts as broken.
STREAM_READ_TIMEOUT = 3600.0
#: A job's own resources, resubmitted by a retry where Ray tells them (2.60's Jobs API does not).
RESOURCE_KEYS = ("entrypoint_num_cpus", "entrypoint_num_gpus", "entrypoint_memory", "entrypoint_resources")
NOT_SUBMITTED = "this job's driver was started outside the Jobs API (no submission id): Ray can only read it"


def _finished_only(job: Job) -> str | None:
    if not job.state.is_terminal:
        return f"Ray deletes only finished jobs (this one is {job.raw_state or job.state.value})"
    if not job.detail.get("submission_id"):
        return NOT_SUBMITTED
    return None


def _no_log_notice(wire: RayJob, size: int) -> str | None:
    """Why an ended job's log is empty, where Ray says: its entrypoint never started."""
    if size or not never_ran(wire):
        return None
    return "no log: Ray ended this job before its entrypoint started (its error says why)"


DELETE = ActionSpec(
    "delete_job",
    key="D",
    verb="Delete from Ray",
    title="Delete {name} from Ray?",
    question="Delete job “{name}” (id {id}) from Ray (backend {backend})?",
    confirm="Ray forgets job {id}: its record and its log are deleted from the cluster "
    "(jobdeck's history keeps what it saw). This cannot be undone.",
    available=_finished_only,
)


class RayAdapter(HttpAdapter):
    kind = "ray"
    Settings = RaySettings
    settings: RaySettings
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.LIST, Capability.LOG, Capability.TIMELINE, Capability.COUNTS, Capability.CANCEL, Capability.RETRY}
    )
    unsupported_reasons: ClassVar[dict[Capability, str]] = {
        Capability.ARCHIVE: "Ray has no archive; jobdeck keeps its own",
        Capability.RESTORE: "Ray has no archive; jobdeck keeps its own",
        Capability.PAUSE: "Ray jobs cannot be paused",
        Capability.RESUME: "Ray jobs cannot be paused",
        Capability.PROGRESS: "Ray jobs report no progress",
        Capability.PUSH: "Ray's Jobs API has no change feed; jobdeck polls it",
    }

    def __init__(self, settings: RaySettings, **options: Any) -> None:
        super().__init__(settings, **options)
        self._listed = ListedJobs()
        #: Task counts by Ray job id; those of ended jobs are final and not asked again.
        self._counts: dict[str, Counts] = {}
        self._final_counts: set[str] = set()
        #: The cluster's nodes (alive, dead) as last read, and when (the adapter's monotonic clock).
        self._nodes: tuple[int, int] | None = None
        self._nodes_read_at: float | None = None

    @property
    def stream_http(self) -> HttpClient:
        """The client of the log streams: a read timeout that outlasts a quiet job's silences."""
        return self.stream_client(STREAM_READ_TIMEOUT)

    # -- credentials, errors, info ---------------------------------------------------------

    def auth_headers(self) -> dict[str, str]:
        if not self.settings.headers_env:
            return {}
        raw = read_secret(self.settings.headers_env, what="Ray dashboard headers")
        try:
            headers = json.loads(raw)
        except ValueError:
            headers = None
        if not isinstance(headers, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
            raise AuthFailed(f"{self.name}: ${self.settings.headers_env} is not a JSON object of header names to text values")
        return headers

    def error_message(self, response: httpx.Response) -> str | None:
        return ray_error_message(response)

    def describe_backend(self) -> dict[str, str]:
        info = {"url": self.settings.url, "jobs api": f"{self.settings.url}/api/jobs/"}
        if self.settings.headers_env:
            info["headers from"] = f"${self.settings.headers_env}"
        info["task counts"] = "state API, per job with a driver" if self.settings.task_counts else "off"
        info["nodes"] = nodes_words(self._nodes)
        return info

    def warnings(self) -> tuple[str, ...]:
        dead = self._nodes[1] if self._nodes is not None else 0
        return (*super().warnings(), *((f"{dead} Ray node{'s' if dead != 1 else ''} dead",) if dead else ()))

    # -- listing ------------------------------------------------------------------------------

    async def list_jobs(self) -> list[Job]:
        data = await self.http.get_json("/api/jobs/")
        if not isinstance(data, list):
            raise BadResponse(f"{self.name}: GET /api/jobs/ did not return a JSON array")
        wires = [wire for wire in validate(RAY_JOBS, data, what="the job list", backend=self.name) if wire.key]
        await self._refresh_counts(wires)
        await self._refresh_nodes()
        sources = ((wire.key, (wire, self._counts.get(wire.job_id or ""))) for wire in wires)
        return self._listed.convert(sources, lambda source: to_job(self.name, *source))

    def forget_cached(self) -> None:
        self._final_counts.clear()

    async def get_job(self, job_id: str) -> Job:
        wire = await self._fetch(job_id)
        if wire.job_id and self.settings.task_counts:
            await self._refresh_counts([wire])
        return to_job(self.name, wire, self._counts.get(wire.job_id or ""))

    async def _fetch(self, job_id: str) -> RayJob:
        data = await self.http.get_json(f"/api/jobs/{segment(job_id)}")
        return validate(RayJob, data, what=f"job {one_line(job_id, 60)}", backend=self.name)

    # -- the cluster's nodes --------------------------------------------------------------------

    async def _refresh_nodes(self) -> None:
        """The cluster's nodes, alive and dead, at most every NODES_EVERY seconds; a failure
        leaves the last known figures (the job listing stands)."""
        now = self.clock.monotonic()
        if self._nodes_read_at is not None and now - self._nodes_read_at < NODES_EVERY:
            return
        self._nodes_read_at = now
        try:
            body = await self.http.get_json("/api/v0/nodes", params={"detail": "false", "limit": 10_000})
            nodes = body["data"]["result"]["result"]
            states = [str(node.get("state")) for node in nodes if isinstance(node, dict)]
        except AuthFailed:
            raise
        except (AdapterError, KeyError, TypeError) as exc:
            log.debug("%s: the cluster's nodes are not known for now: %s", self.name, exc)
            return
        self._nodes = (states.count("ALIVE"), states.count("DEAD"))

    # -- counts ---------------------------------------------------------------------------------

    async def _refresh_counts(self, wires: list[RayJob]) -> None:
        if not self.settings.task_counts:
            return
        wanted = [wire.job_id for wire in wires if wire.job_id and wire.job_id not in self._final_counts]
        if not wanted:
            return
        outcomes = await gather_bounded([partial(self._count_or_none, job_id) for job_id in wanted])
        # Workers report task events about once a second: counts read just after a job ended may
        # still miss its last tasks, so they are final only once it ended COUNTS_SETTLE s ago.
        settled = self.clock.now().timestamp() * 1000 - COUNTS_SETTLE * 1000
        terminal = {wire.job_id for wire in wires
                    if wire.status in TERMINAL_RAW and wire.end_time is not None and wire.end_time <= settled}
        for job_id, counts in zip(wanted, all_results(outcomes), strict=True):
            if counts is None:
                continue
            self._counts[job_id] = counts
            if job_id in terminal:
                self._final_counts.add(job_id)

    async def _count_or_none(self, job_id: str) -> Counts | None:
        """The job's tasks by outcome, or None when the state API cannot say now (the listing stands)."""
        try:
            return await self._count(job_id)
        except AuthFailed:
            raise
        except AdapterError as exc:
            log.debug("%s: the tasks of Ray job %s are not counted for now: %s", self.name, job_id, exc)
            return None

    async def _count(self, job_id: str) -> Counts:
        params = {"filter_keys": "job_id", "filter_predicates": "=", "filter_values": job_id}
        body = await self.http.get_json("/api/v0/tasks/summarize", params=params)
        try:
            by_function = body["data"]["result"]["result"]["node_id_to_summary"]["cluster"]["summary"]
        except (KeyError, TypeError):
            raise BadResponse(f"{self.name}: the task summary of Ray job {job_id} is not in the expected format") from None
        state_counts: dict[str, int] = {}
        for entry in by_function.values() if isinstance(by_function, dict) else ():
            for state, count in (entry.get("state_counts") or {}).items() if isinstance(entry, dict) else ():
                if isinstance(count, int):
                    state_counts[str(state)] = state_counts.get(str(state), 0) + count
        return task_counts(state_counts)

    # -- timeline -----------------------------------------------------------------------------

    async def timeline(self, job_id: str) -> list[StatusEvent]:
        return own_events(await self._fetch(job_id))

    # -- log -----------------------------------------------------------------------------------

    async def _log_job(self, job_id: str) -> RayJob:
        # First: if the job has ended, the log read after it is all there is.
        wire = await self._fetch(job_id)
        if not wire.submission_id:
            raise Unsupported(NOT_SUBMITTED)
        return wire

    async def _whole_log(self, job_id: str) -> str:
        """The Jobs API's log, whole (what is read where the state API has no file for it)."""
        body = await self.http.get_json(f"/api/jobs/{segment(job_id)}/logs")
        return validate(LogsBody, body, what=f"the log of {one_line(job_id, 60)}", backend=self.name).logs

    async def read_log(self, job_id: str, cursor: LogCursor | int = 0) -> LogChunk:
        offset = self.log_offset(cursor)
        wire = await self._log_job(job_id)
        final = wire.status in TERMINAL_RAW
        params = logfile.file_params(wire)
        if params is not None:
            try:
                data, ended = await logfile.read_file(self.http, params, start=offset, limit=logfile.read_limit(offset))
            except logfile.FileUnavailable:
                pass
            else:
                text, used = decode_complete(data, final=final and ended)
                return LogChunk(text=text, offset=offset + used, complete=final and ended and used == len(data))
        new, end = logs.from_offset(await self._whole_log(job_id), offset)
        return LogChunk(text=new, offset=max(offset, end), complete=final, notice=_no_log_notice(wire, end))

    async def log_tail_offset(self, job_id: str, lines: int, before: int | None = None) -> int:
        params = logfile.file_params(await self._log_job(job_id))
        if params is not None:
            try:
                return await logfile.tail_offset(self.http, params, lines, before)
            except logfile.FileUnavailable:
                pass
        data = (await self._whole_log(job_id)).encode("utf-8", "surrogatepass")
        end = len(data) if before is None else max(0, min(before, len(data)))
        return logfile.line_start(data[:end], lines) or 0

    async def follow_log(self, job_id: str, cursor: LogCursor | int = 0) -> AsyncIterator[LogChunk]:
        """The log from ``cursor`` as it grows, until the job ends (``follow.py``): the state API's
        stream of the driver's log file, or the Jobs API's websocket tail. A stream that breaks
        raises Unreachable; the caller resumes from the last chunk's cursor, with nothing lost
        or repeated."""
        offset = self.log_offset(cursor)
        url = logs.tail_url(self.settings.url, f"/api/jobs/{segment(job_id)}/logs/tail")
        ssl_ctx = ssl_context(self.settings.verify) if url.startswith("wss://") else None
        tail = tail_opener(url, headers=self.auth_headers(), backend=self.name, ssl_ctx=ssl_ctx,
                           max_size=self.settings.max_response_bytes)
        following = Follow(
            job_id=job_id, read_log=self.read_log, fetch=self._fetch, stream_http=lambda: self.stream_http,
            open_tail=tail, clock=self.clock, interval=self.settings.interval,
            max_response_bytes=self.settings.max_response_bytes, max_response_mb=self.settings.max_response_mb,
        )
        async for chunk in following.chunks(offset):
            yield chunk

    # -- actions ----------------------------------------------------------------------------------

    def known_web_page(self, job: Job) -> str | None:
        """The job's page in the Ray dashboard (its router reads the fragment)."""
        return web_page(self.settings.url, "jobs", job.id, fragment=True)

    def actions(self) -> tuple[ActionSpec, ...]:
        return (*super().actions(), DELETE)

    def why_not(self, capability: Capability, job: Job) -> str | None:
        reason = super().why_not(capability, job)
        if reason is None and capability in (Capability.CANCEL, Capability.RETRY) and not job.detail.get("submission_id"):
            return NOT_SUBMITTED
        return reason

    def confirm_text(self, capability: Capability, job: Job) -> str | None:
        if capability is Capability.CANCEL:
            return (f"Ray stops job {job.id} (POST /api/jobs/{job.id}/stop): its entrypoint is sent SIGTERM, "
                    "then killed; the job ends STOPPED.")
        if capability is Capability.RETRY:
            told = any(job.detail.get(key) is not None for key in RESOURCE_KEYS)
            return ("Ray has no retry: jobdeck submits the same entrypoint, runtime_env, metadata"
                    + (" and entrypoint resources" if told else "")
                    + f" again as a new job, under a new submission id whose metadata says it retries {job.id}; "
                    "this job stays as it is."
                    + ("" if told else " Ray's Jobs API does not tell this job's entrypoint resources "
                       "(entrypoint_num_cpus …): the new job gets Ray's defaults."))
        return None

    async def cancel(self, job_id: str) -> ActionResult:
        response = await self.http.request("POST", f"/api/jobs/{segment(job_id)}/stop")
        stopped = validate(StopBody, self.http.decode_json(response), what="the answer to stop", backend=self.name).stopped
        if not stopped:
            return ActionResult(ok=False, message=f"Ray did not stop {job_id}: it had already ended (stopped: false)")
        return ActionResult(ok=True, message=f"Ray is stopping {job_id}")

    async def retry(self, job_id: str) -> ActionResult:
        # Fresh from Ray: the job's own detail is redacted, the resubmission needs the real values.
        original = await self._fetch(job_id)
        if not original.submission_id:
            raise Unsupported(NOT_SUBMITTED)
        metadata = {str(k): str(v) for k, v in (original.metadata or {}).items()}
        metadata[RETRY_OF] = original.submission_id
        new_id = f"{original.submission_id[:80]}-retry-{secrets.token_hex(3)}"
        request: dict[str, Any] = {"entrypoint": original.entrypoint, "submission_id": new_id, "metadata": metadata}
        if original.runtime_env:
            request["runtime_env"] = original.runtime_env
        for key in RESOURCE_KEYS:
            value = (original.model_extra or {}).get(key)
            if value is not None:
                request[key] = value
        response = await self.http.request("POST", "/api/jobs/", json=request, expect=(200,))
        created = validate(SubmitBody, self.http.decode_json(response), what="the resubmitted job", backend=self.name)
        return ActionResult(ok=True, message=f"submitted {created.submission_id} again as a retry of {job_id}",
                            new_ref=JobRef(backend=self.name, id=created.submission_id))

    async def delete_job(self, job_id: str) -> ActionResult:
        response = await self.http.request("DELETE", f"/api/jobs/{segment(job_id)}")
        deleted = validate(DeleteBody, self.http.decode_json(response), what="the answer to delete", backend=self.name).deleted
        if not deleted:
            return ActionResult(ok=False, message=f"Ray did not delete {job_id} (deleted: false)")
        return ActionResult(ok=True, message=f"Ray deleted {job_id}: it is gone from the cluster")
