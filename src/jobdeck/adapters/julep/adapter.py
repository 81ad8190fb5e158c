"""The ``julep`` backend: watched jobs (Temporal workflows) and the executions of tasks.

Julep cannot list jobs: each watched id is fetched on its own
(``GET /jobs/{id}``), and an id the server does not know (400 ``NOT_FOUND``)
becomes one job in state UNKNOWN, never a failure of the whole backend. Task
executions are listed per task; an execution's transitions are its timeline
and its log, live through the ``transitions.stream`` event stream, with
polling as the fallback. Cancel stops an execution; retry starts a new
execution of the same task with the same input. Julep has no archive, so the
monitor uses jobdeck's own.

Event streams (a log followed live, and the push channel: ``push.py``) go
through a client of their own, whose read timeout outlasts the server's
heartbeats. A backend with nothing to watch still asks the server something
on each poll, so that "ok" always means the server answered.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from functools import partial
from typing import Any, ClassVar

import httpx

from jobdeck.adapters.base import ListedJobs, read_secret
from jobdeck.adapters.changes import Change
from jobdeck.adapters.julep import api
from jobdeck.adapters.julep.api import julep_error_message
from jobdeck.adapters.julep.convert import event_from_transition, job_from_execution, short_id, task_group
from jobdeck.adapters.julep.push import STREAM_READ_TIMEOUT, ListedExecutions, StatusStreams
from jobdeck.adapters.julep.settings import JulepSettings, canonical_uuid
from jobdeck.adapters.julep.wire import Execution, ExecutionStatusEvent
from jobdeck.adapters.kit.http import HttpAdapter, HttpClient, all_results, gather_bounded, validate
from jobdeck.adapters.kit.http_paths import segment
from jobdeck.errors import AdapterError, NotFound, Unsupported
from jobdeck.model import ActionResult, Capability, Job, JobGroup, JobRef, LogChunk, LogCursor, StatusEvent

log = logging.getLogger(__name__)

#: What the deck says when a job (not an execution) is asked for a log.
JOB_HAS_NO_LOG = "a Julep job has no log: the transitions of a task execution are its log"
JOB_NOT_ACTIONABLE = "Julep jobs can only be read; stop or rerun one of the task's executions instead"


class JulepAdapter(HttpAdapter):
    kind = "julep"
    Settings = JulepSettings
    capabilities = frozenset(
        {
            Capability.LIST,
            Capability.LOG,
            Capability.TIMELINE,
            Capability.RUNS,
            Capability.PROGRESS,
            Capability.RETRY,
            Capability.CANCEL,
            Capability.PUSH,
            Capability.WATCH,
        }
    )
    unsupported_reasons: ClassVar[dict[Capability, str]] = {
        Capability.COUNTS: "Julep reports no success or failure counts",
        Capability.ARCHIVE: "Julep has no archive",
        Capability.RESTORE: "Julep has no archive",
    }

    settings: JulepSettings

    def __init__(self, settings: JulepSettings, **options: Any) -> None:
        super().__init__(settings, **options)
        self._watched: list[str] = list(dict.fromkeys(settings.jobs))
        #: Status of every execution in the last listing, by id (PUSH follows the active ones).
        self._last_status: dict[str, str] = {}
        self._listed = ListedJobs()
        #: Each listed task's group (its executions' tally by state), by task id.
        self._groups: dict[str, JobGroup] = {}
        #: What a pushed status makes of the last listing's executions (contract v2: Upsert).
        self._listed_executions = ListedExecutions(self._pushed_job)
        self._push = StatusStreams(
            clock=self.clock,
            interval=settings.interval,
            statuses=lambda: self._last_status,
            open_stream=self._open_status_stream,
            read_event=self._status_event,
            on_status=self._listed_executions.changes,
        )

    # -- life cycle -------------------------------------------------------------

    @property
    def streams_http(self) -> HttpClient:
        """The client of the event streams: connections of their own (a stream holds one for
        as long as it lasts), and a read timeout longer than the server's heartbeat."""
        return self.stream_client(max(self.settings.timeout, STREAM_READ_TIMEOUT))

    def auth_headers(self) -> dict[str, str]:
        key = read_secret(self.settings.api_key_env, what="Julep API key")
        return {"Authorization": f"Bearer {key}"} if self.settings.auth_header == "Authorization" else {"X-Auth-Key": key}

    def error_message(self, response: httpx.Response) -> str | None:
        return julep_error_message(response)

    def describe_backend(self) -> dict[str, str]:
        return {
            "url": self.settings.url,
            "api key": f"${self.settings.api_key_env} in {self.settings.auth_header}",
            "watched jobs": str(len(self._watched)),
            "tasks": str(len(self.settings.tasks)),
        }

    # -- the watched set -----------------------------------------------------------

    @property
    def watched(self) -> list[str]:
        return list(self._watched)

    def watch_job(self, job_id: str) -> None:
        """Watch one more job id from now on (not persisted). ValueError if it is not a UUID."""
        canonical = canonical_uuid(job_id)
        if canonical not in self._watched:
            self._watched.append(canonical)

    def is_watched_job(self, job_id: str) -> bool:
        return job_id in self._watched

    # -- reading ------------------------------------------------------------------------

    async def list_jobs(self) -> list[Job]:
        if not self._watched and not self.settings.tasks:
            await api.probe(self.http)  # nothing to ask: ask something, or "ok" would mean nothing
            return []
        watched = all_results(await gather_bounded([partial(api.watched_job, self.http, self.name, job_id) for job_id in self._watched]))
        tasks = self.settings.tasks
        listings = all_results(await gather_bounded([partial(self._executions, task_id) for task_id in tasks]))
        limit = self.settings.executions_per_task
        self._listed_executions.listed(dict(zip(tasks, listings, strict=True)))
        self._groups = {
            task_id: task_group(task_id, self._task_name(task_id), listing, limit)
            for task_id, listing in zip(tasks, listings, strict=True)
        }
        # A task's tally is part of each execution's job: a change in one is a change in all.
        executions = self._listed.convert(
            (
                (execution.id, (execution, self._groups[task_id]))
                for task_id, listing in zip(tasks, listings, strict=True)
                for execution in listing
            ),
            lambda source: self._execution_job(*source),
        )
        self._last_status = {job.id: job.raw_state or "" for job in executions}
        return [*watched, *executions]

    async def get_job(self, job_id: str) -> Job:
        if self.is_watched_job(job_id):
            return await api.watched_job(self.http, self.name, job_id)
        return self._execution_job(await api.execution(self.http, self.name, job_id))

    async def timeline(self, job_id: str) -> list[StatusEvent]:
        if self.is_watched_job(job_id):
            return []  # a job keeps no history; the monitor records what it observes
        return [event_from_transition(t) for t in await api.transitions(self.http, self.name, job_id)]

    async def read_log(self, job_id: str, cursor: LogCursor | int = 0) -> LogChunk:
        offset = self.log_offset(cursor)
        if self.is_watched_job(job_id):
            raise Unsupported(JOB_HAS_NO_LOG)
        chunk, _ = await api.log_after(self.http, self.name, job_id, offset)
        return chunk

    async def follow_log(self, job_id: str, cursor: LogCursor | int = 0) -> AsyncIterator[LogChunk]:
        """The transitions as they happen, through ``transitions.stream``; polling if the stream fails."""
        offset = self.log_offset(cursor)
        if self.is_watched_job(job_id):
            raise Unsupported(JOB_HAS_NO_LOG)
        while True:
            chunk, seen = await api.log_after(self.http, self.name, job_id, offset)
            if chunk.text or chunk.complete:
                yield chunk
            if chunk.complete:
                return
            offset = chunk.offset
            streamed = 0
            try:
                async for line in api.streamed_transitions(self.streams_http, self.name, job_id, seen):
                    streamed += 1
                    offset += len(line.encode())
                    yield LogChunk(text=line, offset=offset)
                if streamed:
                    continue  # the stream ended with the execution: catch up and finish
            except AdapterError as exc:
                if isinstance(exc, NotFound) or not exc.transient:
                    raise
                log.info("the transitions stream of %s broke (%s); polling instead", job_id, exc)
            # The stream broke or gave nothing: poll after a pause, then try it again.
            await self.clock.sleep(min(1.0, self.settings.interval))

    def changes(self) -> AsyncIterator[Change | None]:
        """Yields once the status streams of the active executions have answered, then
        whenever the status of one changes, what changed (``push.py``)."""
        return self._push.changes()

    # -- actions ----------------------------------------------------------------------------

    def why_not(self, capability: Capability, job: Job) -> str | None:
        if self.is_watched_job(job.id) and capability in (Capability.CANCEL, Capability.RETRY):
            return JOB_NOT_ACTIONABLE
        return super().why_not(capability, job)

    def confirm_text(self, capability: Capability, job: Job) -> str | None:
        task = job.labels.get("task", "its task")
        if capability is Capability.RETRY:
            shown = job.labels.get("input")
            return (
                f"Starts a new execution of task {task} with the same input"
                + (f" ({shown})" if shown else "")
                + "; this execution stays as it is."
            )
        if capability is Capability.CANCEL:
            return f"Stops this execution of task {task} on the Julep server (its workflow is cancelled)."
        return None

    async def cancel(self, job_id: str) -> ActionResult:
        response = await self.http.request(
            "PUT",
            f"/executions/{segment(job_id)}",
            json={"status": "cancelled", "reason": "stopped from jobdeck"},
            expect=(200, 500),
        )
        if response.status_code == 500:
            return ActionResult(ok=False, message=f"Julep could not stop execution {short_id(job_id)}: "
                                f"{julep_error_message(response) or 'server error'}")
        return ActionResult(ok=True, message=f"stopped execution {short_id(job_id)}")

    async def retry(self, job_id: str) -> ActionResult:
        # The input comes fresh from the server: the job's own detail is redacted.
        original = await api.execution(self.http, self.name, job_id)
        metadata = dict(original.metadata) if isinstance(original.metadata, dict) else {}
        metadata["retry_of"] = original.id
        response = await self.http.request(
            "POST",
            f"/tasks/{segment(original.task_id)}/executions",
            json={"input": original.input if original.input is not None else {}, "metadata": metadata},
            expect=(200, 201),
        )
        created = validate(Execution, self.http.decode_json(response), what="the new execution", backend=self.name)
        task = self._task_name(original.task_id)
        return ActionResult(
            ok=True,
            message=f"started execution {short_id(created.id)} of task {task} with the same input",
            new_ref=JobRef(backend=self.name, id=created.id),
        )

    # -- inside: requests (``api.py``) -------------------------------------------------------

    async def _executions(self, task_id: str) -> list[Execution]:
        return await api.executions(self.http, self.name, task_id, self.settings.executions_per_task)

    def _open_status_stream(self, execution_id: str) -> AbstractAsyncContextManager[httpx.Response]:
        return api.status_stream(self.streams_http, execution_id)

    def _status_event(self, data: str) -> ExecutionStatusEvent:
        return api.status_event(data, self.name)

    # -- inside: conversion ------------------------------------------------------------------

    def _execution_job(self, execution: Execution, group: JobGroup | None = None) -> Job:
        task_id = execution.task_id
        # An execution read on its own is in its task's group as last listed (uncounted if never).
        group = group or self._groups.get(task_id) or JobGroup(key=task_id, name=self._task_name(task_id))
        return job_from_execution(self.name, execution, self._task_name(task_id), group)

    def _pushed_job(self, task_id: str, executions: list[Execution], execution: Execution) -> Job:
        """``execution``'s job after a pushed status, its task's tally counted from ``executions``."""
        limit = self.settings.executions_per_task
        group = self._groups[task_id] = task_group(task_id, self._task_name(task_id), executions, limit)
        return self._execution_job(execution, group)

    def _task_name(self, task_id: str) -> str:
        return self.settings.task_names.get(task_id) or f"task {short_id(task_id)}"
