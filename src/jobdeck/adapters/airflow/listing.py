"""What the adapter knows of Airflow between polls: the listed DAG runs and their task
instances, kept up to date by asking only what changed since the last poll.

A poll asks ``…/dagRuns?updated_at_gte=T`` and ``…/dagRuns/~/taskInstances?updated_at_gte=T``,
T being Airflow's own clock (its ``Date`` header) at the previous poll, less a margin: a quiet
Airflow costs two small requests however many runs it keeps. Every ``FULL_EVERY_S`` seconds (five minutes)
(and after ``forget``) the runs are listed whole instead, newest first, up to ``max_runs``:
a run deleted on the server then leaves the listing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from jobdeck.adapters.airflow.wire import DagRun, DagRuns, TaskInstance, TaskInstances
from jobdeck.adapters.kit.http import HttpClient, validate
from jobdeck.adapters.kit.http_paths import segment

#: Seconds between two whole listings of the runs (what shows a run deleted on the server).
FULL_EVERY_S = 300.0
#: How far before Airflow's clock at the last poll the next one asks for changes: its Date
#: header has whole seconds and lagged 8 s behind its scheduler's heartbeat on a loaded
#: machine; what changed in the overlap is only asked again.
MARGIN = timedelta(seconds=30)
PAGE = 100

TiKey = tuple[str, int]


def server_time(response: httpx.Response) -> datetime | None:
    try:
        return parsedate_to_datetime(response.headers["date"])
    except (KeyError, TypeError, ValueError):
        return None


class Listing:
    def __init__(self, backend: str, dags: list[str], max_runs: int) -> None:
        self.backend = backend
        self.scopes = [segment(dag) for dag in dags] or ["~"]
        self.max_runs = max_runs
        #: Runs by job id, and their task instances by (task id, map index).
        self.runs: dict[str, DagRun] = {}
        self.tis: dict[str, dict[TiKey, TaskInstance]] = {}
        self._since: datetime | None = None
        self._full_at: float | None = None
        #: Requests the last poll made (the benchmark and the tests read it).
        self.requests = 0

    def forget(self) -> None:
        self._since = None
        self._full_at = None

    async def poll(self, http: HttpClient, monotonic: float) -> None:
        """Bring the runs and their task instances up to date."""
        self.requests = 0
        first = self._since is None
        whole = first or self._full_at is None or monotonic - self._full_at >= FULL_EVERY_S
        changed_since = None if whole else self._since
        runs, now = await self._runs(http, changed_since)
        if whole:
            self.runs = {run.key: run for run in runs}
            self._full_at = monotonic
        else:
            self.runs.update((run.key, run) for run in runs)
        if first:
            oldest = min((run.run_after for run in self.runs.values() if run.run_after), default=None)
            tis = await self._task_instances(http, {"run_after_gte": oldest.isoformat()} if oldest else {})
            self.tis = {}
        else:
            assert self._since is not None
            tis = await self._task_instances(http, {"updated_at_gte": self._since.isoformat()})
        for ti in tis:
            key = job_key_of(ti)
            if key is not None:
                self.tis.setdefault(key, {})[(ti.task_id, ti.map_index)] = ti
        for key in [key for key in self.tis if key not in self.runs]:
            del self.tis[key]
        if now is not None:
            self._since = now - MARGIN

    async def _runs(self, http: HttpClient, since: datetime | None) -> tuple[list[DagRun], datetime | None]:
        found: list[DagRun] = []
        now: datetime | None = None
        for scope in self.scopes:
            params: dict[str, Any] = {"order_by": "-run_after"}
            if since is not None:
                params["updated_at_gte"] = since.isoformat()
            page, when = await self._pages(http, f"/api/v2/dags/{scope}/dagRuns", params, DagRuns, "dag_runs")
            found.extend(page)
            now = now or when
        return found, now

    async def _task_instances(self, http: HttpClient, params: dict[str, Any]) -> list[TaskInstance]:
        found: list[TaskInstance] = []
        for scope in self.scopes:
            page, _ = await self._pages(http, f"/api/v2/dags/{scope}/dagRuns/~/taskInstances",
                                        params, TaskInstances, "task_instances", limit=None)
            found.extend(page)
        return found

    async def _pages(self, http: HttpClient, path: str, params: dict[str, Any], model: Any, field: str,
                     limit: int | None = -1) -> tuple[list[Any], datetime | None]:
        """Every item of a paged list (up to ``max_runs`` unless ``limit`` is None), and Airflow's
        clock at its first page."""
        cap = self.max_runs if limit == -1 else None
        items: list[Any] = []
        when: datetime | None = None
        while True:
            asked = PAGE if cap is None else min(PAGE, cap - len(items))
            response = await http.request("GET", path, params={**params, "limit": asked, "offset": len(items)})
            self.requests += 1
            when = when or server_time(response)
            body = validate(model, http.decode_json(response), what=f"GET {path}", backend=self.backend)
            page = getattr(body, field)
            items.extend(page)
            total = body.total_entries
            if len(page) < asked or (total is not None and len(items) >= total) or (cap is not None and len(items) >= cap):
                return items, when


def job_key_of(ti: TaskInstance) -> str | None:
    extra = ti.model_extra or {}
    dag_id, run_id = extra.get("dag_id"), extra.get("dag_run_id")
    if not isinstance(dag_id, str) or not isinstance(run_id, str):
        return None
    return f"{dag_id}/{run_id}"
