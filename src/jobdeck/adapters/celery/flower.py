"""Flower mode: the tasks and workers Flower has seen, through its REST API.

Flower keeps what it saw in memory only (a restart forgets every task): the monitor
marks forgotten tasks gone and the history keeps them. Revoking and sending a task
again go through Flower too (``/api/task/revoke``, ``/api/task/async-apply``).
"""

from __future__ import annotations

import base64
from typing import Any

from pydantic import ValidationError

from jobdeck.adapters.celery.settings import CelerySettings
from jobdeck.adapters.celery.wire import TASK, WORKER_SEEN, CeleryTask, RawTask, Reprs, WorkerInfo, WorkerSeen
from jobdeck.adapters.kit.http import HttpClient, validate
from jobdeck.adapters.kit.http_paths import segment
from jobdeck.errors import AdapterError, AuthFailed, BadResponse, NotFound



def auth_header(credentials: str) -> dict[str, str]:
    """``user:password`` as basic auth (Flower's ``--basic-auth``), anything else as a bearer token."""
    if ":" in credentials:
        return {"Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()}
    return {"Authorization": f"Bearer {credentials}"}


def refused(settings: CelerySettings, backend: str) -> AuthFailed:
    """A 401/403 from Flower, in words that say what to set up."""
    if settings.auth_env:
        return AuthFailed(
            f"{backend}: Flower refused the credentials in ${settings.auth_env} (user:password for "
            "--basic-auth, or a token): check them against Flower's --basic-auth or --auth settings"
        )
    return AuthFailed(
        f"{backend}: Flower refused its API (401): start Flower with FLOWER_UNAUTHENTICATED_API=true, or with "
        "--basic-auth=user:password and set auth_env to a variable holding user:password"
    )


class FlowerSource:
    def __init__(self, settings: CelerySettings, backend: str) -> None:
        self.settings = settings
        self.backend = backend

    async def _call(self, http: HttpClient, method: str, path: str, **options: Any) -> Any:
        try:
            response = await http.request(method, path, **options)
        except AuthFailed:
            raise refused(self.settings, self.backend) from None
        return response

    async def tasks(self, http: HttpClient) -> list[tuple[str, RawTask]]:
        """Each task Flower keeps, as it sent it (read into the model only where it changed)."""
        params = {"limit": self.settings.max_tasks, "sort_by": "-received"}
        response = await self._call(http, "GET", "/api/tasks", params=params)
        listing = await _json(http, response)
        if not isinstance(listing, dict) or not all(isinstance(task, dict) for task in listing.values()):
            raise BadResponse(f"{self.backend}: the task list is not an object of tasks")
        return [(str(uuid), task) for uuid, task in listing.items()]

    async def task(self, http: HttpClient, task_id: str) -> CeleryTask:
        try:
            response = await self._call(http, "GET", f"/api/task/info/{segment(task_id)}")
        except NotFound:
            raise NotFound(f"{self.backend}: Flower does not know task {task_id} (it forgets every task when it restarts)") from None
        data = await _json(http, response)
        if not isinstance(data, dict):
            raise BadResponse(f"{self.backend}: task {task_id}: not a task")
        return validate(TASK, {**data, "uuid": data.get("uuid") or task_id}, what=f"task {task_id}", backend=self.backend)

    async def workers(self, http: HttpClient, now: float) -> tuple[list[WorkerInfo], str | None]:
        """Online or not by their heartbeats (``/api/workers?status=1``: a worker killed without a
        word goes offline when its heartbeats stop); then, optionally, the tasks each runs and its
        heartbeats missed by ``now`` (epoch seconds), from Flower's workers view
        (``/workers?json=1``). Without that view the workers stand, and the second value says why."""
        response = await self._call(http, "GET", "/api/workers", params={"status": 1})
        alive = await _json(http, response)
        if not isinstance(alive, dict):
            raise BadResponse(f"{self.backend}: the worker list is not an object")
        problem = None
        try:
            details = await self._worker_details(http)
        except AdapterError as exc:  # a 401 too: the view may want a login the API does not
            details, problem = {}, f"active tasks and heartbeats unknown: {exc}"
        workers = []
        for name, up in sorted(alive.items()):
            seen = details.get(str(name))
            missed = seen.missed(now) if seen is not None else None
            active = (seen.active if seen is not None else None) if up else 0
            beat_at = max(seen.heartbeats) if seen is not None and seen.heartbeats else None
            workers.append(WorkerInfo(name=str(name), online=bool(up), active=active, missed_heartbeats=missed,
                                      beat_at=beat_at))
        return workers, problem

    async def _worker_details(self, http: HttpClient) -> dict[str, WorkerSeen]:
        body = http.decode_json(await http.request("GET", "/workers", params={"json": 1}))
        rows = body.get("data") if isinstance(body, dict) else None
        if not isinstance(rows, list):
            raise BadResponse(f"{self.backend}: Flower's workers view did not send its workers")
        found = {}
        for row in rows:
            try:
                seen = WORKER_SEEN.validate_python(row)
            except ValidationError:
                continue  # one odd row costs that worker its details, not the others theirs
            found[seen.hostname] = seen
        return found

    async def revoke(self, http: HttpClient, task_id: str, *, terminate: bool) -> None:
        params = {"terminate": "true", "signal": "SIGTERM"} if terminate else None
        await self._call(http, "POST", f"/api/task/revoke/{segment(task_id)}", params=params)

    async def send(self, http: HttpClient, name: str, args: list[Any], kwargs: dict[str, Any], reprs: Reprs,
                   ids: dict[str, str] | None = None) -> str:
        # Flower hands the body's other fields to apply_async: the reprs are Celery's argsrepr/kwargsrepr,
        # ``ids`` its task_id, root_id and parent_id.
        body = {"args": args, "kwargs": kwargs, "argsrepr": reprs.args, "kwargsrepr": reprs.kwargs, **(ids or {})}
        response = await self._call(http, "POST", f"/api/task/async-apply/{segment(name)}", json=body)
        data = await _json(http, response)
        new_id = data.get("task-id") if isinstance(data, dict) else None
        if not isinstance(new_id, str) or not new_id:
            raise BadResponse(f"{self.backend}: Flower sent task {name} but did not say its id")
        return new_id


async def _json(http: HttpClient, response: Any) -> Any:
    return http.decode_json(response)
