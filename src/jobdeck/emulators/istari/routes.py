"""The registry's ``/api/v2`` job routes, plus the pre-signed object storage
that ``GET /api/v2/tokens/{sha}/download-url`` points at."""

from __future__ import annotations

import hashlib
import hmac
import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from jobdeck.emulators.istari.models import (
    ArchiveStatus,
    Archive,
    Job,
    JobStatusMessage,
    NewJob,
    Restore,
    TemporaryUrl,
)
from jobdeck.emulators.istari.requests import (
    ListJobsQuery,
    ModelJobsQuery,
    PageQuery,
    StatusQuery,
    SubmitQuery,
    optional_body,
    query,
    required_body,
)
from jobdeck.emulators.istari.simulation import IstariWorld, Missing
from jobdeck.emulators.istari.tenant import MODEL_IDS

if TYPE_CHECKING:
    import threading

    from jobdeck.emulators.core import Handler, SimClock

#: How long a download URL stays valid (simulated seconds).
DOWNLOAD_URL_LIFETIME = timedelta(minutes=15)


def _json(payload: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(payload, status_code=status)


def _job(job: Job) -> dict[str, Any]:
    return job.model_dump(mode="json")


class RegistryServer(Protocol):
    """What the routes need of the emulator serving them (``IstariEmulator`` has it all;
    named here, not imported: the emulator builds the routes, not the other way round)."""

    world: IstariWorld
    clock: SimClock
    #: Held while a request reads or changes the world.
    lock: threading.RLock
    seed: int

    def guarded(self, handler: Handler) -> Handler: ...


class RegistryApi:
    """Route handlers bound to one emulator (its world, clock and lock)."""

    def __init__(self, emulator: RegistryServer) -> None:
        self.emulator = emulator

    @property
    def world(self) -> IstariWorld:
        return self.emulator.world

    def routes(self) -> list[BaseRoute]:
        """The API's routes, each behind the emulator's guard: its bearer token, its lock,
        and 422 (``Invalid``), 404 (``Missing``) and 409 (``Conflict``) answered as FastAPI would."""
        api = "/api/v2"
        guarded = self.emulator.guarded
        return [
            Route(f"{api}/jobs", guarded(self.list_jobs), methods=["GET"]),
            Route(f"{api}/jobs/{{job_id}}:restore", guarded(self.restore), methods=["POST"]),
            Route(f"{api}/jobs/{{job_id}}/status", guarded(self.set_status), methods=["PUT"]),
            Route(f"{api}/jobs/{{job_id}}", guarded(self.get_job), methods=["GET"]),
            Route(f"{api}/jobs/{{job_id}}", guarded(self.archive), methods=["DELETE"]),
            Route(f"{api}/models/{{model_id}}/jobs", guarded(self.list_model_jobs), methods=["GET"]),
            Route(f"{api}/models/{{model_id}}/jobs", guarded(self.submit), methods=["POST"]),
            Route(f"{api}/agents/{{agent_id}}/available_jobs", guarded(self.available_jobs), methods=["GET"]),
            Route(f"{api}/tokens/{{sha}}/download-url", guarded(self.download_url), methods=["GET"]),
            # Object storage: pre-signed, so no bearer token (as on S3).
            Route("/storage/objects/{sha}", self.download, methods=["GET"]),
        ]

    # -- jobs -------------------------------------------------------------------------

    async def list_jobs(self, request: Request) -> Response:
        q = query(request, ListJobsQuery)
        jobs = self.world.select(
            status=q.status_name, archived=_archived_filter(q.archive_status), name=q.name,
            model_id=q.model_id, newest_first=not _ascending(q.sort),
        )
        return _json(_page(jobs, q.page, q.size, with_total=q.include_total))

    async def list_model_jobs(self, request: Request) -> Response:
        model_id = request.path_params["model_id"]
        q = query(request, ModelJobsQuery)
        if model_id not in MODEL_IDS:
            raise Missing("Model not found")
        jobs = self.world.select(status=q.status_name, archived=_archived_filter(q.archive_status),
                                 model_id=model_id, newest_first=not _ascending(q.sort))
        return _json(_page(jobs, q.page, q.size, with_total=True))

    async def get_job(self, request: Request) -> Response:
        return _json(_job(self.world.get(request.path_params["job_id"])))

    async def submit(self, request: Request) -> Response:
        q = query(request, SubmitQuery)
        body = await required_body(request, NewJob)
        job = self.world.submit(
            request.path_params["model_id"], q.function_name, body.revision, at=self.emulator.clock.now(),
            function_version=q.function_version, assigned_agent_id=q.assigned_agent_id or q.agent_id,
        )
        return _json(_job(job))

    async def archive(self, request: Request) -> Response:
        body = await optional_body(request, Archive)
        job = self.world.archive(request.path_params["job_id"], reason=body.reason if body else None,
                                 at=self.emulator.clock.now())
        return _json(_job(job))

    async def restore(self, request: Request) -> Response:
        body = await optional_body(request, Restore)
        job = self.world.restore(request.path_params["job_id"], reason=body.reason if body else None,
                                 at=self.emulator.clock.now())
        return _json(_job(job))

    async def set_status(self, request: Request) -> Response:
        q = query(request, StatusQuery)
        body = await optional_body(request, JobStatusMessage)
        job = self.world.set_status(request.path_params["job_id"], q.status_name, at=self.emulator.clock.now(),
                                    agent_id=q.agent_id, message=body.message if body else None)
        return _json(_job(job))

    async def available_jobs(self, request: Request) -> Response:
        q = query(request, PageQuery)
        jobs = self.world.available_for(request.path_params["agent_id"])
        return _json(_page(jobs, q.page, q.size, with_total=True))

    # -- storage ----------------------------------------------------------------------

    async def download_url(self, request: Request) -> Response:
        sha = request.path_params["sha"]
        if sha not in self.world.blobs:
            raise Missing("Token not found")
        expires = self.emulator.clock.now() + DOWNLOAD_URL_LIFETIME
        stamp = str(int(expires.timestamp()))
        url = str(request.base_url).rstrip("/") + f"/storage/objects/{sha}?expires={stamp}&signature={self._sign(sha, stamp)}"
        return _json(TemporaryUrl(url=url, expires=expires).model_dump(mode="json"))

    async def download(self, request: Request) -> Response:
        sha = request.path_params["sha"]
        stamp = request.query_params.get("expires", "")
        signature = request.query_params.get("signature", "")
        if not stamp.isdigit() or not hmac.compare_digest(signature, self._sign(sha, stamp)):
            return Response("AccessDenied: the signature does not match", status_code=403, media_type="text/plain")
        if datetime.fromtimestamp(int(stamp), tz=self.emulator.clock.now().tzinfo) < self.emulator.clock.now():
            return Response("AccessDenied: request has expired", status_code=403, media_type="text/plain")
        with self.emulator.lock:
            content = self.world.blobs.get(sha)
        if content is None:
            return Response("NoSuchKey", status_code=404, media_type="text/plain")
        return Response(content, media_type="application/octet-stream")

    def _sign(self, sha: str, stamp: str) -> str:
        key = f"istari-storage-{self.emulator.seed}".encode()
        return hmac.new(key, f"{sha}:{stamp}".encode(), hashlib.sha256).hexdigest()[:32]


def _archived_filter(status: ArchiveStatus) -> bool | None:
    return {ArchiveStatus.ACTIVE: False, ArchiveStatus.ARCHIVED: True, ArchiveStatus.ALL: None}[status]


def _ascending(sort: str | None) -> bool:
    # The sort format is undocumented; "created" / "created:asc" ascend, the default is newest first.
    if not sort:
        return False
    text = sort.strip().lower()
    return not text.startswith("-") and not text.endswith(("desc", ":desc"))


def _page(jobs: list[Job], page: int, size: int, *, with_total: bool) -> dict[str, Any]:
    start = (page - 1) * size
    items = [_job(job) for job in jobs[start : start + size]]
    total = len(jobs)
    return {
        "items": items,
        "total": total if with_total else None,
        "page": page,
        "size": size,
        "pages": math.ceil(total / size) if with_total else None,
    }
