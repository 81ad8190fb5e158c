"""Flower mode: the tasks and workers Flower has seen, through its REST API.

Flower keeps what it saw in memory only (a restart forgets every task): the monitor
marks forgotten tasks gone and the history keeps them. Revoking and sending a task
again go through Flower too (``/api/task/revoke``, ``/api/task/async-apply``).
"""

from __future__ import annotations

import base64
import re
from typing import Any

from jobdeck.adapters.celery.settings import CelerySettings
from jobdeck.adapters.celery.wire import TASK, CeleryTask, RawTask, WorkerInfo
from jobdeck.adapters.kit.http import HttpClient, validate
from jobdeck.adapters.kit.http_paths import segment
from jobdeck.errors import AuthFailed, BadResponse, NotFound

#: Flower's Prometheus gauge of each worker's running tasks (cheaper than asking the workers).
_GAUGE = re.compile(r'^(flower_worker_number_of_currently_executing_tasks)\{worker="([^"]*)"\}\s+(\S+)$')


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

    async def workers(self, http: HttpClient) -> list[WorkerInfo]:
        """Online or not by their heartbeats (``/api/workers?status=1``: a worker killed without a
        word goes offline when its heartbeats stop), and the tasks each runs (Flower's gauges)."""
        response = await self._call(http, "GET", "/api/workers", params={"status": 1})
        alive = await _json(http, response)
        if not isinstance(alive, dict):
            raise BadResponse(f"{self.backend}: the worker list is not an object")
        active: dict[str, int] = {}
        for line in (await self._call(http, "GET", "/metrics")).text.splitlines():
            match = _GAUGE.match(line)
            if match and match.group(1) == "flower_worker_number_of_currently_executing_tasks":
                try:
                    active[match.group(2)] = int(float(match.group(3)))
                except ValueError:
                    continue
        return [
            WorkerInfo(name=str(name), online=bool(up), active=active.get(str(name)) if up else 0)
            for name, up in sorted(alive.items())
        ]

    async def revoke(self, http: HttpClient, task_id: str, *, terminate: bool) -> None:
        params = {"terminate": "true", "signal": "SIGTERM"} if terminate else None
        await self._call(http, "POST", f"/api/task/revoke/{segment(task_id)}", params=params)

    async def send(self, http: HttpClient, name: str, args: list[Any], kwargs: dict[str, Any]) -> str:
        response = await self._call(
            http, "POST", f"/api/task/async-apply/{segment(name)}", json={"args": args, "kwargs": kwargs}
        )
        data = await _json(http, response)
        new_id = data.get("task-id") if isinstance(data, dict) else None
        if not isinstance(new_id, str) or not new_id:
            raise BadResponse(f"{self.backend}: Flower sent task {name} but did not say its id")
        return new_id


async def _json(http: HttpClient, response: Any) -> Any:
    return http.decode_json(response)
