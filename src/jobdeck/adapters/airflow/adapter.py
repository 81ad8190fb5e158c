"""The Airflow adapter: the DAG runs of an Airflow 3 through its REST API (``/api/v2``).

- Each DAG run is a job (id ``dag_id/run_id``), grouped by DAG; the group counts the DAG's
  listed runs by state. A run's counts are its task instances (succeeded, failed, and by
  state in the detail); its runs are the tries of its task instances (``task[map]#try``).
- The listing asks only what changed since the last poll (``listing.py``).
- Timeline: the run queued, started and ended, and every try of every task instance.
- Log: a try's log (``…/logs/{try}``), structured lines as text, followed with Airflow's
  continuation token (the cursor's token); with no run chosen, a failed task's last try,
  else a running one's, else the one that started last.
- Actions: retry clears the run's failed task instances (``only_failed``), ``C`` clears every
  task of the run; cancel marks the run failed; pause/resume are the DAG's ``is_paused``.
- Credentials: ``user`` and the password in ``password_env`` are exchanged for a token
  (``auth.py``), renewed before it expires and once when refused; none is ever shown.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any, ClassVar

import httpx

from jobdeck.adapters.actions import ActionSpec
from jobdeck.adapters.airflow import convert, logs
from jobdeck.adapters.airflow.auth import Tokens
from jobdeck.adapters.airflow.listing import Listing
from jobdeck.adapters.airflow.settings import AirflowSettings
from jobdeck.adapters.airflow.wire import DagRun, Dags, ImportErrors, TaskInstance, TaskInstances, job_key
from jobdeck.adapters.base import ListedJobs, read_secret
from jobdeck.adapters.kit.http import HttpAdapter, HttpClient, all_results, gather_bounded, validate
from jobdeck.adapters.kit.http_paths import segment, web_page
from jobdeck.errors import AdapterError, AuthFailed, NotFound
from jobdeck.model import ActionResult, Capability, Job, JobGroup, JobRef, JobState, LogChunk, LogCursor, Run, StatusEvent

log = logging.getLogger(__name__)

#: Seconds between two reads of the DAGs (paused or not) and of the import errors.
DAGS_EVERY_S = 30.0
#: The cursor of a log read to its end (Airflow gives no token past the end of a finished try).
END = "end"


def _has_tasks_to_clear(job: Job) -> str | None:
    if job.state.is_active:
        return f"the run is still {job.raw_state or job.state.value}"
    return None


CLEAR_ALL = ActionSpec(
    "clear_all",
    key="C",
    verb="Clear every task",
    title="Clear every task of {name}?",
    question="Clear every task of run “{name}” (id {id}) on backend {backend}?",
    confirm="Airflow clears every task instance of this run, the successful ones too, and runs them all again "
    "(clearTaskInstances, only_failed false).",
    available=_has_tasks_to_clear,
)


def split_job_id(job_id: str) -> tuple[str, str]:
    dag_id, _, run_id = job_id.partition("/")
    if not dag_id or not run_id:
        raise NotFound(f"{job_id!r} is not an Airflow DAG run (dag_id/run_id)")
    return dag_id, run_id


class AirflowAdapter(HttpAdapter):
    kind = "airflow"
    Settings = AirflowSettings
    settings: AirflowSettings
    capabilities: ClassVar[frozenset[Capability]] = frozenset({
        Capability.LIST, Capability.LOG, Capability.TIMELINE, Capability.COUNTS, Capability.RUNS,
        Capability.RETRY, Capability.CANCEL, Capability.PAUSE, Capability.RESUME,
    })
    unsupported_reasons: ClassVar[dict[Capability, str]] = {
        Capability.ARCHIVE: "Airflow has no archive; jobdeck keeps its own",
        Capability.RESTORE: "Airflow has no archive; jobdeck keeps its own",
        Capability.PROGRESS: "Airflow runs report no progress (their task counts say how far they are)",
        Capability.PUSH: "Airflow's API has no change feed; jobdeck asks what changed since its last poll",
    }
    log_position: ClassVar[str] = "token"
    log_paging_reason: ClassVar[str] = "Airflow's task logs are read on with its continuation token, not by byte offset"

    def __init__(self, settings: AirflowSettings, **options: Any) -> None:
        super().__init__(settings, **options)
        self._listed = ListedJobs()
        self._listing = Listing(self.name, settings.dags, settings.max_runs)
        self._tokens: Tokens | None = None
        #: DAGs by id: paused or not, and their display names; import errors as read last.
        self._paused: dict[str, bool] = {}
        self._display: dict[str, str] = {}
        self._import_errors: list[str] = []
        self._dags_read_at: float | None = None

    # -- credentials, info ---------------------------------------------------------------------

    def connect(self) -> HttpClient:
        login = self.new_client()  # no credentials: it only ever asks /auth/token
        self._tokens = Tokens(backend=self.name, login=login, user=self.settings.user,
                              password_env=self.settings.password_env, clock=self.clock,
                              new_client=lambda headers: self.new_client(headers=headers))
        read_secret(self.settings.password_env, what="Airflow password")  # AuthFailed at once when unset
        return login

    async def close(self) -> None:
        tokens, self._tokens = self._tokens, None
        if tokens is not None:
            await tokens.aclose()
        await super().close()

    def error_message(self, response: httpx.Response) -> str | None:
        try:
            body = response.json()
        except (ValueError, UnicodeDecodeError):
            body = None
        if isinstance(body, dict):
            detail = body.get("detail")
            if isinstance(detail, str):
                return convert.one_line(detail, 300)
            if isinstance(detail, list) and detail and isinstance(detail[0], dict):
                return convert.one_line(str(detail[0].get("msg", detail[0])), 300)
        return super().error_message(response)

    def describe_backend(self) -> dict[str, str]:
        info = {"url": self.settings.url, "user": self.settings.user, "password from": f"${self.settings.password_env}"}
        if self.settings.dags:
            info["dags"] = ", ".join(self.settings.dags)
        info["dags paused"] = str(sum(self._paused.values())) if self._paused else "not read yet"
        return info

    def warnings(self) -> tuple[str, ...]:
        if not self._import_errors:
            return super().warnings()
        count = len(self._import_errors)
        files = ", ".join(self._import_errors[:3]) + (" …" if count > 3 else "")
        return (*super().warnings(), f"{count} DAG file{'s' if count != 1 else ''} failed to import: {files}")

    @property
    def tokens(self) -> Tokens:
        if self._tokens is None:
            self.http  # noqa: B018 - raises Unreachable: not connected
        assert self._tokens is not None
        return self._tokens

    async def _call(self, request: Any) -> Any:
        return await self.tokens.call(request)

    async def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return await self._call(lambda http: http.get_json(path, params=params))

    # -- listing ---------------------------------------------------------------------------------

    async def list_jobs(self) -> list[Job]:
        await self._call(partial(self._listing.poll, monotonic=self.clock.monotonic()))
        await self._refresh_dags()
        runs = sorted(self._listing.runs.values(), key=lambda run: (run.run_after or run.queued_at, run.key) , reverse=True)  # type: ignore[arg-type,return-value]
        groups = self._groups(runs)
        sources = []
        for run in runs:
            tis = tuple(self._listing.tis.get(run.key, {}).values())
            sources.append((run.key, (run, tis, groups[run.dag_id], self._paused.get(run.dag_id))))
        return self._listed.convert(sources, lambda source: convert.to_job(self.name, *source))

    @property
    def last_poll_requests(self) -> int:
        """How many requests the last poll's listing made (two on a quiet Airflow)."""
        return self._listing.requests

    def _groups(self, runs: list[DagRun]) -> dict[str, JobGroup]:
        by_dag: dict[str, list[DagRun]] = {}
        for run in runs:
            by_dag.setdefault(run.dag_id, []).append(run)
        return {dag: convert.dag_group(dag, self._display.get(dag) or dag_runs[0].dag_display_name, dag_runs,
                                       self._listing.tis)
                for dag, dag_runs in by_dag.items()}

    def forget_cached(self) -> None:
        self._listing.forget()
        self._dags_read_at = None

    async def _refresh_dags(self) -> None:
        """The DAGs (paused or not) and the import errors, every DAGS_EVERY_S seconds; a failure
        leaves what was known (the listing stands)."""
        now = self.clock.monotonic()
        if self._dags_read_at is not None and now - self._dags_read_at < DAGS_EVERY_S:
            return
        self._dags_read_at = now
        try:
            body = validate(Dags, await self._get("/api/v2/dags", {"limit": 1000}), what="the DAGs", backend=self.name)
            errors = validate(ImportErrors, await self._get("/api/v2/importErrors", {"limit": 100}),
                              what="the import errors", backend=self.name)
        except AuthFailed:
            raise
        except AdapterError as exc:
            log.debug("%s: the DAGs are not known for now: %s", self.name, exc)
            return
        self._paused = {dag.dag_id: bool(dag.is_paused) for dag in body.dags}
        self._display = {dag.dag_id: dag.dag_display_name or dag.dag_id for dag in body.dags}
        self._import_errors = [convert.one_line(error.filename or "?", 120) for error in errors.import_errors]

    async def get_job(self, job_id: str) -> Job:
        run = await self._run(job_id)
        tis = await self._task_instances(job_id)
        listed = [other for other in self._listing.runs.values() if other.dag_id == run.dag_id] or [run]
        group = convert.dag_group(run.dag_id, self._display.get(run.dag_id), listed)
        return convert.to_job(self.name, run, tuple(tis), group, self._paused.get(run.dag_id))

    async def _run(self, job_id: str) -> DagRun:
        dag_id, run_id = split_job_id(job_id)
        data = await self._get(f"/api/v2/dags/{segment(dag_id)}/dagRuns/{segment(run_id)}")
        return validate(DagRun, data, what=f"DAG run {convert.one_line(job_id, 80)}", backend=self.name)

    async def _task_instances(self, job_id: str) -> list[TaskInstance]:
        dag_id, run_id = split_job_id(job_id)
        path = f"/api/v2/dags/{segment(dag_id)}/dagRuns/{segment(run_id)}/taskInstances"
        found: list[TaskInstance] = []
        while True:
            data = await self._get(path, {"limit": 100, "offset": len(found)})
            body = validate(TaskInstances, data, what=f"the tasks of {convert.one_line(job_id, 80)}", backend=self.name)
            found.extend(body.task_instances)
            if len(body.task_instances) < 100 or (body.total_entries is not None and len(found) >= body.total_entries):
                return found

    def _ti_path(self, job_id: str, task_id: str, map_index: int) -> str:
        dag_id, run_id = split_job_id(job_id)
        path = f"/api/v2/dags/{segment(dag_id)}/dagRuns/{segment(run_id)}/taskInstances/{segment(task_id)}"
        return path if map_index < 0 else f"{path}/{map_index}"

    async def _tries(self, job_id: str, ti: TaskInstance) -> list[TaskInstance]:
        """Every try of ``ti``, oldest first (``…/tries`` only when it ran more than once)."""
        if ti.try_number <= 1:
            return convert.tries_of(ti, [])
        data = await self._get(f"{self._ti_path(job_id, ti.task_id, ti.map_index)}/tries")
        body = validate(TaskInstances, data, what=f"the tries of {ti.label}", backend=self.name)
        return convert.tries_of(ti, body.task_instances)

    async def _all_tries(self, job_id: str) -> list[TaskInstance]:
        tis = await self._task_instances(job_id)
        outcomes = await gather_bounded([partial(self._tries, job_id, ti) for ti in tis])
        return [attempt for tries in all_results(outcomes) for attempt in tries]

    async def list_runs(self, job_id: str) -> list[Run]:
        await self._run(job_id)  # NotFound for a run Airflow does not have (its task list would be empty)
        ref = JobRef(backend=self.name, id=job_id)
        return [convert.to_run(ref, ti) for ti in convert.newest_first(await self._all_tries(job_id))]

    async def timeline(self, job_id: str) -> list[StatusEvent]:
        run = await self._run(job_id)
        events = convert.run_events(run)
        for ti in await self._all_tries(job_id):
            events.extend(convert.try_events(ti))
        return sorted(events, key=lambda event: event.at)

    # -- log -----------------------------------------------------------------------------------------

    async def _log_target(self, job_id: str, run: str | None) -> tuple[TaskInstance, int, bool]:
        """The task instance, try and whether that try has ended (asked before its log is read:
        a log read after its try ended is all there is)."""
        if run is None:
            picked = convert.pick_task(await self._task_instances(job_id))
            if picked is None:
                raise NotFound(f"{self.name}: no task of {job_id} has run yet: there is no log to read")
            task_id, map_index, try_number = picked.task_id, picked.map_index, picked.try_number
        else:
            try:
                task_id, map_index, try_number = convert.parse_run_id(run)
            except ValueError:
                raise NotFound(f"{self.name}: {run!r} is not a try of {job_id} (task[map]#try)") from None
        data = await self._get(self._ti_path(job_id, task_id, map_index))
        ti = validate(TaskInstance, data, what=f"task {task_id} of {job_id}", backend=self.name)
        if try_number < 1:
            raise NotFound(f"{self.name}: {ti.label} has not run yet: there is no log to read")
        ended = try_number < ti.try_number or convert.task_state(ti) in convert.TRY_ENDED
        return ti, try_number, ended

    async def read_log(self, job_id: str, cursor: LogCursor | int = 0) -> LogChunk:
        cursor = cursor if isinstance(cursor, LogCursor) else LogCursor(position=cursor)
        ti, try_number, ended = await self._log_target(job_id, cursor.run)
        run = convert.run_id_of(ti, try_number)
        if cursor.position == END:
            return LogChunk(text="", cursor=LogCursor(position=END, run=run, stream=cursor.stream), complete=True)
        params: dict[str, Any] = {}
        if ti.map_index >= 0:
            params["map_index"] = ti.map_index
        token = cursor.position if isinstance(cursor.position, str) and cursor.position else None
        if token:
            params["token"] = token
        path = f"{self._ti_path(job_id, ti.task_id, -1)}/logs/{try_number}"
        # Streamed, only its last lines kept: a huge log opens at its end (logs.py says what Airflow allows).
        tail = await self._call(partial(logs.read_tail, path=path, params=params, ndjson=ended and not token,
                                        backend=self.name))
        complete = ended and not tail.token
        position: int | str = END if complete else (tail.token or cursor.position)
        return LogChunk(text=tail.text, complete=complete, notice=tail.notice(),
                        cursor=LogCursor(position=position, run=run, stream=cursor.stream))

    # -- actions ----------------------------------------------------------------------------------------

    def known_web_page(self, job: Job) -> str | None:
        """The DAG run's page in Airflow's UI (``/dags/DAG/runs/RUN``)."""
        dag_id, _, run_id = job.id.partition("/")
        return web_page(self.settings.url, "dags", dag_id, "runs", run_id) if run_id else None

    def actions(self) -> tuple[ActionSpec, ...]:
        return (*super().actions(), CLEAR_ALL)

    def why_not(self, capability: Capability, job: Job) -> str | None:
        if capability is Capability.RETRY:
            if not self.supports(capability):
                return self.why_unsupported(capability)
            if job.state.is_active:
                return f"the run is still {job.raw_state or job.state.value}"
            if not (job.counts and job.counts.failed) and job.state is not JobState.FAILED:
                return "no task of this run failed (C clears every task)"
            return None
        if capability in (Capability.PAUSE, Capability.RESUME):
            dag = job.labels.get("dag", "")
            paused = self._paused.get(dag, job.labels.get("dag_paused") == "yes")
            if capability is Capability.PAUSE and paused:
                return f"DAG {dag} is already paused"
            if capability is Capability.RESUME and not paused:
                return f"DAG {dag} is not paused"
            return None
        return super().why_not(capability, job)

    def confirm_text(self, capability: Capability, job: Job) -> str | None:
        dag = job.labels.get("dag", "its DAG")
        if capability is Capability.RETRY:
            return ("Airflow clears this run's failed task instances (and those upstream_failed below "
                    "them run again once they succeed); the successful ones stay as they are.")
        if capability is Capability.CANCEL:
            return "Airflow marks this run failed: its running tasks are stopped and the rest do not run."
        if capability is Capability.PAUSE:
            return f"Airflow pauses DAG {dag}: no new run of it starts (running tasks finish)."
        if capability is Capability.RESUME:
            return f"Airflow unpauses DAG {dag}: its queued and scheduled runs start."
        return None

    async def _clear(self, job_id: str, *, only_failed: bool) -> ActionResult:
        dag_id, run_id = split_job_id(job_id)
        body = {"dag_run_id": run_id, "dry_run": False, "only_failed": only_failed, "reset_dag_runs": True,
                "include_downstream": only_failed}
        response = await self._call(lambda http: http.request(
            "POST", f"/api/v2/dags/{segment(dag_id)}/clearTaskInstances", json=body))
        cleared = validate(TaskInstances, self.http.decode_json(response), what="the cleared tasks", backend=self.name)
        labels = [ti.label for ti in cleared.task_instances]
        if not labels:
            return ActionResult(ok=False, message=f"Airflow cleared nothing in {job_id}: "
                                + ("no task failed" if only_failed else "it has no task"))
        shown = ", ".join(labels[:5]) + (f" and {len(labels) - 5} more" if len(labels) > 5 else "")
        return ActionResult(ok=True, message=f"Airflow cleared {len(labels)} task{'s' if len(labels) != 1 else ''} of {job_id}: {shown}")

    async def retry(self, job_id: str) -> ActionResult:
        return await self._clear(job_id, only_failed=True)

    async def clear_all(self, job_id: str) -> ActionResult:
        return await self._clear(job_id, only_failed=False)

    async def cancel(self, job_id: str) -> ActionResult:
        dag_id, run_id = split_job_id(job_id)
        await self._call(lambda http: http.request(
            "PATCH", f"/api/v2/dags/{segment(dag_id)}/dagRuns/{segment(run_id)}", json={"state": "failed"}))
        return ActionResult(ok=True, message=f"Airflow marked run {job_id} failed")

    async def _set_paused(self, job_id: str, paused: bool) -> ActionResult:
        dag_id, _ = split_job_id(job_id)
        await self._call(lambda http: http.request("PATCH", f"/api/v2/dags/{segment(dag_id)}", json={"is_paused": paused}))
        self._paused[dag_id] = paused
        self._listed = ListedJobs()  # the runs of that DAG show it at once
        return ActionResult(ok=True, message=f"Airflow {'paused' if paused else 'unpaused'} DAG {dag_id}")

    async def pause(self, job_id: str) -> ActionResult:
        return await self._set_paused(job_id, True)

    async def resume(self, job_id: str) -> ActionResult:
        return await self._set_paused(job_id, False)


__all__ = ["AirflowAdapter", "job_key"]
