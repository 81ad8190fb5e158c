"""The Intuned emulator: the Jobs / JobRuns API under
``/api/v1/workspace/{workspaceId}/projects/{projectName}`` with ``x-api-key``
auth and the documented error body, over the simulation in ``simulation.py``.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from jobdeck.emulators.core import Emulator, SimClock
from jobdeck.emulators.faults import Faults
from jobdeck.emulators.intuned.models import API_PREFIX, CreateJob, UpdateJob, error_body
from jobdeck.emulators.intuned.scenario import (
    DEFAULT_API_KEY,
    DEFAULT_PROJECT,
    DEFAULT_WORKSPACE_ID,
    seed_scenario,
)
from jobdeck.emulators.intuned.bodies import job_details, job_list_item, results_wire, run_wire
from jobdeck.emulators.intuned.simulation import IntunedSimulation, RunRecord, SimulationError

BASE = API_PREFIX + "/{workspace_id}/projects/{project}/jobs"
#: Run list paging: the docs' example uses 10; the maximum is not documented *(inference)*.
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100
SORT_FIELDS = frozenset({"start_time", "end_time", "created_at", "updated_at", "status", "type"})
#: The error code of each status the emulator (or its fault switch) answers with.
_CODES = {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found", 405: "method-not-allowed",
          429: "too-many-requests"}

_Model = TypeVar("_Model", bound=BaseModel)


class IntunedEmulator(Emulator):
    """A faithful local Intuned: one workspace, its projects, their jobs and runs."""

    kind = "intuned"

    def __init__(
        self,
        *,
        seed: int = 0,
        speed: float = 1.0,
        faults: Faults | None = None,
        clock: SimClock | None = None,
        workspace_id: str = DEFAULT_WORKSPACE_ID,
        projects: tuple[str, ...] = (DEFAULT_PROJECT,),
        api_key: str = DEFAULT_API_KEY,
        scenario: str = "demo",
    ) -> None:
        super().__init__(seed=seed, speed=speed, faults=faults, clock=clock)
        self.workspace_id = workspace_id
        self.api_key = api_key
        self.sim = IntunedSimulation(seed=seed, workspace_id=workspace_id, projects=list(projects))
        for project in projects:
            seed_scenario(self.sim, scenario, project, self.clock.now())

    # -- framework hooks ------------------------------------------------------------

    def step(self, now: datetime) -> None:
        self.sim.step(now)

    def error_response(self, status: int, message: str, *, details: Any = None) -> Response:
        code = _CODES.get(status, "internal-server-error")
        category = "user" if status < 500 and status != 429 else "infrastructure"
        body = error_body(code, message, category=category, retirable=status >= 429, details=details,
                          correlation_id=self._correlation_id())
        return JSONResponse(body, status_code=status)

    def drift(self, payload: Any) -> Any:
        """Unknown enum values (run ``RUNNING``, job ``ARCHIVED``), dropped optionals, a legacy extra."""
        if isinstance(payload, list):
            return [self.drift(item) for item in payload]
        if not isinstance(payload, dict):
            return payload
        drifted = {key: self.drift(value) for key, value in payload.items()}
        if "successful_runs" in drifted:  # a JobRun
            if drifted.get("status") == "PENDING":
                drifted["status"] = "RUNNING"
            for optional in ("error", "reason", "updated_at"):
                drifted.pop(optional, None)
            drifted["attempts"] = 1
        elif "configuration" in drifted and "state" in drifted:  # a job
            if drifted["state"] == "PAUSED":
                drifted["state"] = "ARCHIVED"
            for optional in ("schedule_id", "source", "next_run_time", "reason", "sink"):
                drifted.pop(optional, None)
            drifted["runMode"] = "Order-Irrelevant"
        return drifted

    def summary(self) -> dict[str, Any]:
        jobs = [job for project in self.sim.jobs.values() for job in project.values()]
        runs = [run for runs in self.sim.runs.values() for run in runs]
        return {
            "workspace_id": self.workspace_id,
            "projects": sorted(self.sim.jobs),
            "jobs": dict(Counter(job.state for job in jobs)),
            "runs": dict(Counter(run.status for run in runs)),
        }

    # -- routes ---------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        guarded = self.guarded
        return [
            Route(BASE, guarded(self._list_jobs), methods=["GET"]),
            Route(BASE, guarded(self._create_job), methods=["POST"]),
            Route(BASE + "/{job_id}", guarded(self._get_job), methods=["GET"]),
            Route(BASE + "/{job_id}", guarded(self._update_job), methods=["PUT"]),
            Route(BASE + "/{job_id}", guarded(self._delete_job), methods=["DELETE"]),
            Route(BASE + "/{job_id}/pause", guarded(self._pause), methods=["POST"]),
            Route(BASE + "/{job_id}/resume", guarded(self._resume), methods=["POST"]),
            Route(BASE + "/{job_id}/trigger", guarded(self._trigger), methods=["POST"]),
            Route(BASE + "/{job_id}/runs", guarded(self._list_runs), methods=["GET"]),
            Route(BASE + "/{job_id}/runs/{run_id}", guarded(self._get_run), methods=["GET"]),
            Route(BASE + "/{job_id}/runs/{run_id}/terminate", guarded(self._terminate), methods=["POST"]),
        ]

    def refuse(self, request: Request) -> Response | None:
        if request.headers.get("x-api-key") != self.api_key:
            return self.error_response(401, "Invalid or missing API key")
        if request.path_params["workspace_id"] != self.workspace_id:
            return self.error_response(404, f"Workspace {request.path_params['workspace_id']} not found")
        return None

    def answer(self, exc: Exception) -> Response | None:
        if isinstance(exc, SimulationError):
            return self.error_response(exc.status, exc.message, details=exc.details)
        return None

    def _correlation_id(self) -> str:
        # Its own generator: error bodies must not shift the simulation's ids.
        return str(uuid.UUID(int=self.fault_rng.getrandbits(128), version=4))

    # -- jobs -------------------------------------------------------------------------

    async def _list_jobs(self, request: Request) -> Response:
        jobs = self.sim.project_jobs(request.path_params["project"])
        return JSONResponse([job_list_item(self.sim, job) for job in jobs.values()])

    async def _create_job(self, request: Request) -> Response:
        project = request.path_params["project"]
        self.sim.project_jobs(project)
        body = await _body(request, CreateJob)
        job = self.sim.create_job(project, body, self.clock.now())
        return JSONResponse({"id": job.id, "message": "created"}, status_code=201)

    async def _get_job(self, request: Request) -> Response:
        job = self.sim.job(request.path_params["project"], request.path_params["job_id"])
        return JSONResponse(job_details(self.sim, job))

    async def _update_job(self, request: Request) -> Response:
        project, job_id = request.path_params["project"], request.path_params["job_id"]
        self.sim.job(project, job_id)
        body = await _body(request, UpdateJob)
        self.sim.update_job(project, job_id, body, self.clock.now())
        return JSONResponse({"id": job_id, "message": "updated job successfully"})

    async def _delete_job(self, request: Request) -> Response:
        self.sim.delete_job(request.path_params["project"], request.path_params["job_id"])
        return Response(status_code=204)

    async def _pause(self, request: Request) -> Response:
        self.sim.pause(request.path_params["project"], request.path_params["job_id"], self.clock.now())
        return JSONResponse({"message": "Paused"})

    async def _resume(self, request: Request) -> Response:
        self.sim.resume(request.path_params["project"], request.path_params["job_id"], self.clock.now())
        return JSONResponse({"message": "Resumed"})

    async def _trigger(self, request: Request) -> Response:
        run = self.sim.trigger(request.path_params["project"], request.path_params["job_id"], self.clock.now())
        if run.status == "CANCELED":
            message = "Another job run is active; the new run was canceled"
        else:
            message = "Job run started"
        return JSONResponse({"jobRunId": run.id, "message": message})

    # -- runs -------------------------------------------------------------------------

    async def _list_runs(self, request: Request) -> Response:
        runs = self.sim.job_runs(request.path_params["project"], request.path_params["job_id"])
        query = request.query_params
        size = _int_param(query.get("pageSize"), "pageSize", DEFAULT_PAGE_SIZE, low=1, high=MAX_PAGE_SIZE)
        number = _int_param(query.get("pageNumber"), "pageNumber", 0, low=0)
        ordered = _sorted_runs(runs, query.get("sortBy") or "start_time,desc")
        page = ordered[number * size : (number + 1) * size]
        return JSONResponse({"jobRuns": [run_wire(self.sim, run) for run in page], "totalCount": len(runs)})

    async def _get_run(self, request: Request) -> Response:
        params = request.path_params
        run = self.sim.run(params["project"], params["job_id"], params["run_id"])
        body: dict[str, Any] = {"jobRun": run_wire(self.sim, run)}
        results = results_wire(self.sim, run, self.clock.now())
        if results is not None:
            body["results"] = results
        return JSONResponse(body)

    async def _terminate(self, request: Request) -> Response:
        params = request.path_params
        run = self.sim.run(params["project"], params["job_id"], params["run_id"])
        already = run.status if run.final else None
        self.sim.terminate(params["project"], params["job_id"], params["run_id"], self.clock.now())
        message = f"Job run already finished ({already})" if already else "Job run terminated"
        return JSONResponse({"message": message})


async def _body(request: Request, model: type[_Model]) -> _Model:
    try:
        data = json.loads(await request.body() or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise SimulationError(f"The request body is not valid JSON: {exc}") from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = [{"path": ".".join(map(str, e["loc"])), "message": e["msg"]} for e in exc.errors()[:10]]
        raise SimulationError("Invalid request body", details=details) from exc


def _int_param(raw: str | None, name: str, default: int, *, low: int, high: int | None = None) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SimulationError(f"{name} must be an integer, not {raw!r}") from None
    if value < low or (high is not None and value > high):
        limit = f"between {low} and {high}" if high is not None else f"{low} or more"
        raise SimulationError(f"{name} must be {limit}, not {value}")
    return value


def _sorted_runs(runs: list[RunRecord], sort_by: str) -> list[RunRecord]:
    """``start_time,desc/status,asc``: keys separated by ``/``, applied first key first."""
    keys: list[tuple[str, bool]] = []
    for part in sort_by.split("/"):
        field, _, direction = part.strip().partition(",")
        direction = (direction or "asc").strip().lower()
        if field not in SORT_FIELDS or direction not in ("asc", "desc"):
            raise SimulationError(
                f"sortBy {part!r} is not FIELD,asc|desc with FIELD one of {', '.join(sorted(SORT_FIELDS))}"
            )
        keys.append((field, direction == "desc"))
    ordered = list(runs)
    for field, descending in reversed(keys):  # stable sorts: the last key first
        ordered.sort(key=lambda run, f=field: _sort_value(run, f), reverse=descending)
    return ordered


def _sort_value(run: RunRecord, field: str) -> tuple[bool, Any]:
    value = getattr(run, field)
    return (value is None, value if value is not None else 0)
