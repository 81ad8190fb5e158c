"""The registry's ``/api/v2`` job routes, plus the pre-signed object storage
that ``GET /api/v2/tokens/{sha}/download-url`` and ``…/upload-url`` point at.

A file is stored the way the vendor's ``jobs.create`` stores a parameters file:
for its properties and then its content, ``GET /api/v2/tokens/{sha}/upload-url``
(409 when that sha is stored already: the client skips the upload) and ``PUT``
of the bytes to that pre-signed URL, with no bearer token; the job is then
submitted with a ``FileRevision`` naming those tokens, and a revision whose
content was never uploaded is refused (404).
"""

from __future__ import annotations

import hashlib
import hmac
import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from jobdeck.emulators.istari.access import AccessRelationship
from jobdeck.emulators.istari.models import (
    Archive,
    ArchiveStatus,
    FileRevision,
    Job,
    JobStatusMessage,
    NewJob,
    NewJobAssignedAgent,
    NewJobAssignedAgentPool,
    Restore,
    TemporaryUrl,
)
from jobdeck.emulators.istari.requests import (
    AccessPatchQuery,
    ListJobsQuery,
    ModelJobsQuery,
    PageQuery,
    StatusQuery,
    SubmitQuery,
    UploadUrlQuery,
    optional_body,
    query,
    required_body,
)
from jobdeck.emulators.istari.simulation import Conflict, IstariWorld, Missing
from jobdeck.emulators.istari.tenant import MODEL_IDS

if TYPE_CHECKING:
    import threading

    from jobdeck.emulators.core import Handler, SimClock

#: How long a pre-signed download or upload URL stays valid (simulated seconds).
PRESIGNED_URL_LIFETIME = timedelta(minutes=15)


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
            Route(f"{api}/jobs/{{job_id}}/assigned_agent", guarded(self.assigned_agent), methods=["PUT", "DELETE"]),
            Route(f"{api}/jobs/{{job_id}}/assigned_agent_pool", guarded(self.assigned_agent_pool),
                  methods=["PUT", "DELETE"]),
            Route(f"{api}/jobs/{{job_id}}/access", guarded(self.access), methods=["GET", "PATCH"]),
            Route(f"{api}/jobs/{{job_id}}", guarded(self.get_job), methods=["GET"]),
            Route(f"{api}/jobs/{{job_id}}", guarded(self.archive), methods=["DELETE"]),
            Route(f"{api}/jobs/{{job_id}}", guarded(self.update_file), methods=["PUT"]),
            Route(f"{api}/models/{{model_id}}/jobs", guarded(self.list_model_jobs), methods=["GET"]),
            Route(f"{api}/models/{{model_id}}/jobs", guarded(self.submit), methods=["POST"]),
            Route(f"{api}/agents/{{agent_id}}/available_jobs", guarded(self.available_jobs), methods=["GET"]),
            Route(f"{api}/tokens/{{sha}}/download-url", guarded(self.download_url), methods=["GET"]),
            Route(f"{api}/tokens/{{sha}}/upload-url", guarded(self.upload_url), methods=["GET"]),
            # Object storage: pre-signed, so no bearer token (as on S3).
            Route("/storage/objects/{sha}", self.download, methods=["GET"]),
            Route("/storage/objects/{sha}", self.upload, methods=["PUT"]),
        ]

    # -- jobs -------------------------------------------------------------------------

    async def list_jobs(self, request: Request) -> Response:
        q = query(request, ListJobsQuery)
        jobs = self.world.select(
            status=q.status_name, archived=_archived_filter(q.archive_status), name=q.name,
            model_id=q.model_id, agent_pool_id=q.assigned_agent_pool_id, newest_first=not _ascending(q.sort),
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
            assigned_agent_pool_id=q.assigned_agent_pool_id,
        )
        return _json(_job(job))

    async def update_file(self, request: Request) -> Response:
        """``PUT /jobs/{job_id}``: a new revision of the job's file (uploaded first, as for a submission)."""
        revision = await required_body(request, FileRevision)
        return _json(_job(self.world.add_revision(request.path_params["job_id"], revision)))

    async def assigned_agent(self, request: Request) -> Response:
        agent_id = None
        if request.method == "PUT":
            agent_id = (await required_body(request, NewJobAssignedAgent)).agent_id
        return _json(_job(self.world.assign_agent(request.path_params["job_id"], agent_id)))

    async def assigned_agent_pool(self, request: Request) -> Response:
        pool_id = None
        if request.method == "PUT":
            pool_id = (await required_body(request, NewJobAssignedAgentPool)).agent_pool_id
        return _json(_job(self.world.assign_agent_pool(request.path_params["job_id"], pool_id)))

    async def access(self, request: Request) -> Response:
        job_id = request.path_params["job_id"]
        if request.method == "GET":
            found = self.world.job_access(job_id)
        else:
            op = query(request, AccessPatchQuery).patch_op
            found = self.world.patch_access(job_id, await required_body(request, AccessRelationship), op)
        return _json([relationship.model_dump(mode="json") for relationship in found])

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
        return _json(self._presigned(request, sha, "get"))

    def _presigned(self, request: Request, sha: str, verb: str) -> dict[str, Any]:
        """A ``TemporaryURL`` to the object store, good for ``verb`` (get or put) on ``sha`` only."""
        expires = self.emulator.clock.now() + PRESIGNED_URL_LIFETIME
        stamp = str(int(expires.timestamp()))
        signature = self._sign(sha, stamp, verb)
        url = str(request.base_url).rstrip("/") + f"/storage/objects/{sha}?expires={stamp}&signature={signature}"
        return TemporaryUrl(url=url, expires=expires).model_dump(mode="json")

    def _refused(self, request: Request, sha: str, verb: str) -> Response | None:
        """The object store's 403 for a URL not signed for ``verb`` on ``sha``, or expired; else None."""
        stamp = request.query_params.get("expires", "")
        signature = request.query_params.get("signature", "")
        if not stamp.isdigit() or not hmac.compare_digest(signature, self._sign(sha, stamp, verb)):
            return Response("AccessDenied: the signature does not match", status_code=403, media_type="text/plain")
        if datetime.fromtimestamp(int(stamp), tz=self.emulator.clock.now().tzinfo) < self.emulator.clock.now():
            return Response("AccessDenied: request has expired", status_code=403, media_type="text/plain")
        return None

    async def upload_url(self, request: Request) -> Response:
        query(request, UploadUrlQuery)
        sha = request.path_params["sha"]
        if sha in self.world.blobs:
            raise Conflict("Token already exists")
        return _json(self._presigned(request, sha, "put"))

    async def upload(self, request: Request) -> Response:
        sha = request.path_params["sha"]
        refused = self._refused(request, sha, "put")
        if refused is not None:
            return refused
        content = await request.body()
        with self.emulator.lock:
            self.world.blobs.setdefault(sha, content)
        return Response(status_code=200)

    async def download(self, request: Request) -> Response:
        sha = request.path_params["sha"]
        refused = self._refused(request, sha, "get")
        if refused is not None:
            return refused
        with self.emulator.lock:
            content = self.world.blobs.get(sha)
        if content is None:
            return Response("NoSuchKey", status_code=404, media_type="text/plain")
        return Response(content, media_type="application/octet-stream")

    def _sign(self, sha: str, stamp: str, verb: str) -> str:
        key = f"istari-storage-{self.emulator.seed}".encode()
        return hmac.new(key, f"{verb}:{sha}:{stamp}".encode(), hashlib.sha256).hexdigest()[:32]


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
