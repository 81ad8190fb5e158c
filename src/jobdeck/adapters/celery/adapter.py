"""The ``celery`` backend: Celery tasks, through Flower's REST API or the broker's event stream.

Each task invocation is a job, grouped by task name (each group counts its tasks by
state). A retry of a task is a run of its job; its events (sent, received, started,
each retry with its reason, the end) are the timeline, with the worker as the actor.
Celery keeps no log per task: the "log" is the task's result, or its exception and
traceback, and says so. Workers are summed up in the backend's description and, when
one is offline, in its warnings; a task whose worker went offline while it ran is
shown as unknown with a note, never as running for ever.

Cancel, Terminate and Retry are CeleryActions' (``actions.py``): a task sent again says in
Celery itself which task it repeats. Celery has no archive: the monitor uses jobdeck's own.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit

from jobdeck.adapters.base import ListedJobs, read_secret
from jobdeck.adapters.celery.actions import QUEUED, CeleryActions, retried_task
from jobdeck.adapters.celery.broker import BrokerSource
from jobdeck.adapters.celery.convert import (
    NO_TASK_LOGS,
    UNNAMED,
    Converter,
    group_of,
    idle_workers,
    lost_note,
    short_name,
    worker_name,
)
from jobdeck.adapters.celery.flower import FlowerSource, auth_header
from jobdeck.adapters.celery.settings import FLOWER, CelerySettings
from jobdeck.adapters.celery.wire import TASK, CeleryTask, RawTask, WorkerInfo
from jobdeck.adapters.changes import Change, Poll
from jobdeck.adapters.kit.blocking import run_blocking
from jobdeck.adapters.kit.http import HttpAdapter, HttpClient, validate
from jobdeck.errors import AdapterError, Unreachable
from jobdeck.log_cursor import LogCursor
from jobdeck.model import Capability, Job, JobGroup, LogChunk, Run, StatusEvent
from jobdeck.redact import SecretScrubber, secret_values

#: Seconds the first poll in broker mode waits for the receiver's first attempt to connect.
FIRST_CONNECT_WAIT = 5.0
#: Seconds between two checks for new events (broker mode's push channel).
PUSH_CHECK = 0.25
#: Seconds between two questions to Flower about the workers (their heartbeats come every 2 s;
#: Flower counts one offline after about 4 s without): one poll in a few, not every one.
WORKERS_EVERY = 5.0
#: Heartbeats an online worker may miss before the header names it (one late beat on a busy machine is no news).
MISSED_WARN = 2


def broker_password(settings: CelerySettings) -> frozenset[str]:
    """The password in the broker URL (as written and percent-decoded): a secret on its own,
    beside the whole URL, wherever a message shows it."""
    url = os.environ.get(settings.broker_url_env or "", "")
    try:
        password = urlsplit(url).password if url else None
    except ValueError:
        return frozenset()
    return frozenset({password, unquote(password)}) if password else frozenset()


class CeleryAdapter(CeleryActions, HttpAdapter):
    kind = "celery"
    Settings = CelerySettings
    settings: CelerySettings
    capabilities = frozenset(
        {Capability.LIST, Capability.LOG, Capability.TIMELINE, Capability.RUNS, Capability.RETRY, Capability.CANCEL}
    )
    unsupported_reasons: ClassVar[dict[Capability, str]] = {
        Capability.ARCHIVE: "Celery has no archive",
        Capability.RESTORE: "Celery has no archive",
        Capability.PAUSE: "Celery cannot pause a task",
        Capability.RESUME: "Celery cannot pause a task",
        Capability.PUSH: "through Flower, jobdeck polls; with broker_url_env it receives the events as they come",
        Capability.PROGRESS: "Celery reports no progress of a task",
        Capability.COUNTS: "a Celery task has no counts of its own; its task name's group counts its tasks by state",
        Capability.WATCH: "Celery lists its tasks itself: there is nothing to add by id",
    }

    def __init__(self, settings: CelerySettings, **options: Any) -> None:
        super().__init__(settings, **options)
        self.flower = FlowerSource(settings, self.name) if settings.mode == FLOWER else None
        self.broker: BrokerSource | None = None
        if settings.mode != FLOWER:
            self.capabilities = self.capabilities | {Capability.PUSH}
            self.unsupported_reasons = {
                capability: reason for capability, reason in self.unsupported_reasons.items()
                if capability is not Capability.PUSH
            }
        self.convert = Converter(self.name, SecretScrubber(secret_values(dict(settings)) | broker_password(settings)))
        self._listed = ListedJobs()
        self._groups: dict[str, JobGroup] = {}
        self._workers: list[WorkerInfo] = []
        #: Why part of what the workers are is unknown (Flower's workers view did not answer), or None.
        self._workers_problem: str | None = None
        #: When Flower was last asked about the workers (they are asked every WORKERS_EVERY seconds).
        self._workers_at: float | None = None
        #: Whether the last read told what the workers are (not while Flower or the broker is down).
        self._workers_known = True
        #: Tasks this jobdeck sent again, and the task each is a retry of.
        self._retry_of: dict[str, str] = {}
        #: Tasks this jobdeck revoked (a queued one stays RECEIVED until a worker takes it).
        self._revoked: set[str] = set()

    # -- life cycle -------------------------------------------------------------------

    def auth_headers(self) -> dict[str, str]:
        if not self.settings.auth_env:
            return {}
        return auth_header(read_secret(self.settings.auth_env, what="Flower credentials"))

    async def open(self) -> None:
        if self.flower is not None:
            await super().open()
            return
        if self.broker is None:
            url = read_secret(self.settings.broker_url_env, what="Celery broker URL")
            # In a thread: it imports Celery and builds its app (most of a second).
            source = await asyncio.to_thread(
                BrokerSource, url, max_tasks=self.settings.max_tasks, heartbeat_timeout=self.settings.heartbeat_timeout,
                backend=self.name, scrub=self.convert.scrub,
            )
            source.start()
            self.broker = source

    async def close(self) -> None:
        broker, self.broker = self.broker, None
        try:
            if broker is not None:
                await asyncio.to_thread(broker.stop)
        finally:
            await super().close()

    def describe_backend(self) -> dict[str, str]:
        if self.flower is not None:
            info = {"flower": self.settings.api_url}
            if self.settings.auth_env:
                info["auth from"] = f"${self.settings.auth_env}"
        else:
            info = {"broker from": f"${self.settings.broker_url_env}", "events": "received by jobdeck itself"}
        info["workers"] = self.workers_summary() or "none seen yet"
        return info

    def workers_summary(self) -> str:
        """The workers in a few words: "w1@host online, 2 active; w2@host offline (5 heartbeats missed)"."""
        parts = []
        for worker in self._workers:
            words = "online" if worker.online else "offline"
            if worker.online and worker.active is not None:
                words += f", {worker.active} active"
            if worker.missed_heartbeats:
                words += f" ({worker.missed_heartbeats} heartbeats missed)"
            parts.append(f"{worker.name} {words}")
        return "; ".join(parts)

    @property
    def workers(self) -> list[WorkerInfo]:
        return list(self._workers)

    def warnings(self) -> tuple[str, ...]:
        offline = [_missed(worker) for worker in self._workers if not worker.online]
        late = [worker for worker in self._workers if worker.online and (worker.missed_heartbeats or 0) >= MISSED_WARN]
        extra = [f"worker offline: {', '.join(offline)}"] if offline else []
        extra += [f"{worker.name} missed {worker.missed_heartbeats} heartbeats" for worker in late]
        return (*super().warnings(), *extra)

    def notes(self) -> tuple[str, ...]:
        """The workers in the header: "2 workers online, 3 active tasks" (or "1 of 2 workers online");
        what is unknown of them, and why, after it; nothing while they are not known (the health says why)."""
        if not self._workers_known:
            return ()
        if not self._workers:
            return ("no workers seen yet",) if self._workers_problem is None else (self._workers_problem,)
        online = [worker for worker in self._workers if worker.online]
        count = len(self._workers)
        words = f"{len(online)} of {count} workers online" if len(online) < count else (
            f"{count} worker{'s' if count != 1 else ''} online")
        active = [worker.active for worker in online]
        known = [count for count in active if count is not None]
        if known:
            # Workers Flower has no stats of (one just started, or gone quiet) are not counted: said so.
            total, uncounted = sum(known), len(active) - len(known)
            words += f", {total} active task{'s' if total != 1 else ''}"
            if uncounted:
                words += f" ({uncounted} worker{'s' if uncounted != 1 else ''} not counted)"
        return (words,) if self._workers_problem is None else (words, self._workers_problem)

    # -- reading ----------------------------------------------------------------------------

    async def list_jobs(self) -> list[Job]:
        try:
            tasks, workers = await self._tasks_and_workers()
        except Exception:
            # Flower (or the broker) did not answer: what the workers were is not known now, and
            # the header must not go on telling it ("worker offline: w1" while Flower is down).
            self._workers, self._workers_problem, self._workers_at, self._workers_known = [], None, None, False
            raise
        self._workers, self._workers_known = workers, True
        offline = {worker.name: not worker.online for worker in workers}
        idle = idle_workers(workers)
        limit = self.settings.max_tasks
        scope = f"the latest {len(tasks)} tasks" if len(tasks) >= limit else None
        # Whether each task is lost, told once: its row and its name's group show it alike.
        lost = [lost_note(raw.get("state"), worker_name(raw), raw.get("started"), offline, idle) for _, raw in tasks]
        self._groups = group_of((raw for _, raw in tasks), scope, now=self.clock.now().timestamp(),
                                lost=[note is not None for note in lost])
        # A task is read into the model only when what Celery says of it changed (or its group did).
        return self._listed.convert(
            ((uuid, (uuid, raw, self._groups.get(raw.get("name") or UNNAMED), uuid in self._revoked, note))
             for (uuid, raw), note in zip(tasks, lost, strict=True)),
            lambda source: self._job(self._parsed(*source[:2]), *source[2:]),
        )

    def forget_cached(self) -> None:
        # Every listing is complete (a task is reused only where what Celery sent is equal):
        # only the workers, asked every few polls, are asked again.
        self._workers_at = None

    async def get_job(self, job_id: str) -> Job:
        return self._job_alone(await self._task(job_id))

    async def list_runs(self, job_id: str) -> list[Run]:
        # The latest run is the task as the job shows it (unknown, with the note, if its worker went).
        task = await self._task(job_id)
        return self.convert.runs(self._job_alone(task), task)

    async def timeline(self, job_id: str) -> list[StatusEvent]:
        return self.convert.timeline(await self._task(job_id))

    async def read_log(self, job_id: str, cursor: LogCursor | int = 0) -> LogChunk:
        offset = self.log_offset(cursor)
        task = await self._task(job_id)
        data = self.convert.log_text(task).encode()
        offset = min(offset, len(data))
        complete = task.state in ("SUCCESS", "FAILURE", "REVOKED", "REJECTED")
        return LogChunk(text=data[offset:].decode(errors="replace"), offset=len(data), complete=complete,
                        notice=NO_TASK_LOGS)

    async def changes(self) -> AsyncIterator[Change | None]:
        """Broker mode: a Poll whenever events have arrived (at most every PUSH_CHECK seconds);
        the first yield once the receiver is connected."""
        if self.broker is None:
            async for change in super().changes():
                yield change
            return
        broker = self.broker
        while not broker.connected:
            if broker.error:
                raise Unreachable(f"{self.name}: {self.convert.scrub(broker.error)}")
            await self.clock.sleep(PUSH_CHECK)
        yield Poll()
        seen = broker.received
        while True:
            await self.clock.sleep(PUSH_CHECK)
            if not broker.connected:
                raise Unreachable(f"{self.name}: lost the broker: {self.convert.scrub(broker.error or '')}")
            if broker.received != seen:
                seen = broker.received
                yield Poll()

    # -- inside ------------------------------------------------------------------------------

    def _job(self, task: CeleryTask, group: JobGroup | None = None, revoked: bool = False,
             lost: str | None = None) -> Job:
        # A task read on its own is in its name's group as last listed (uncounted if never).
        name = short_name(task)
        group = group or self._groups.get(name) or JobGroup(key=name, name=name)
        job = self.convert.job(task, group, self._retry_of.get(task.uuid) or retried_task(task), lost=lost)
        if revoked and task.state in QUEUED:
            note = "revoked from jobdeck: the worker holding it discards it instead of running it"
            job = job.model_copy(update={"error": note})
        return job

    def _job_alone(self, task: CeleryTask) -> Job:
        """A task read on its own: in its group as last listed, its worker as last known."""
        offline = {worker.name: not worker.online for worker in self._workers}
        lost = lost_note(task.state, task.worker, task.started, offline, idle_workers(self._workers))
        return self._job(task, self._groups.get(short_name(task)), task.uuid in self._revoked, lost)

    async def _tasks_and_workers(self) -> tuple[list[tuple[str, RawTask]], list[WorkerInfo]]:
        if self.flower is not None:
            http: HttpClient = self.http
            now = self.clock.monotonic()
            if self._workers_at is not None and now - self._workers_at < WORKERS_EVERY:
                return await self.flower.tasks(http), self._workers
            tasks, (workers, self._workers_problem) = await asyncio.gather(
                self.flower.tasks(http), self.flower.workers(http, self.clock.now().timestamp()))
            self._workers_at = now
            return tasks, workers
        broker = self._broker()
        waited = 0.0
        while not broker.tried.is_set() and waited < FIRST_CONNECT_WAIT:
            await asyncio.sleep(0.05)  # real time: the receiver's thread does not read our clock
            waited += 0.05
        if not broker.connected:
            reason = self.convert.scrub(broker.error or "connecting to the broker")
            raise Unreachable(f"{self.name}: cannot receive events from the broker: {reason}")
        return broker.tasks(), broker.workers()

    def _parsed(self, uuid: str, raw: RawTask) -> CeleryTask:
        return validate(TASK, {**raw, "uuid": raw.get("uuid") or uuid}, what=f"task {uuid}", backend=self.name)

    async def _task(self, job_id: str) -> CeleryTask:
        if self.flower is not None:
            return await self.flower.task(self.http, job_id)
        return self._broker().task(job_id)

    def _broker(self) -> BrokerSource:
        if self.broker is None:
            raise Unreachable(f"{self.name}: not connected (open() has not succeeded)")
        return self.broker

    async def _blocking(self, call: Any, *args: Any, **kwargs: Any) -> Any:
        return await run_blocking(call, *args, deadline=self.settings.deadline, backend=self.name,
                                  map_error=self._broker_error, **kwargs)

    def _broker_error(self, exc: Exception) -> AdapterError:
        return Unreachable(f"{self.name}: the broker did not take it: {self.convert.scrub(str(exc))}")


def _missed(worker: WorkerInfo) -> str:
    """A worker's name, with the heartbeats it missed where known."""
    return f"{worker.name} ({worker.missed_heartbeats} heartbeats missed)" if worker.missed_heartbeats else worker.name
