"""Reading a request the way the FastAPI registry does: typed query parameters
and optional JSON bodies, with FastAPI's own 422 body when they are wrong."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse

from jobdeck.emulators.core import Refusal
from jobdeck.emulators.istari.access import PatchOp
from jobdeck.emulators.istari.models import ArchiveStatus, JobStatusName

M = TypeVar("M", bound=BaseModel)


class Invalid(Refusal):
    """A request FastAPI would answer with 422; ``errors`` is its ``detail`` list."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(JSONResponse({"detail": errors}, status_code=422))
        self.errors = errors


class Query(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ListJobsQuery(Query):
    model_id: str | None = None
    status_name: JobStatusName | None = None
    all_users: bool | None = None
    assigned_agent_pool_id: str | None = None
    name: str | None = None
    page: int = Field(default=1, ge=1)
    size: int = Field(default=10, ge=1, le=100)
    archive_status: ArchiveStatus = ArchiveStatus.ACTIVE
    sort: str | None = None
    include_total: bool = False


class ModelJobsQuery(Query):
    status_name: JobStatusName | None = None
    page: int = Field(default=1, ge=1)
    size: int = Field(default=10, ge=1, le=100)
    archive_status: ArchiveStatus = ArchiveStatus.ACTIVE
    sort: str | None = None


class PageQuery(Query):
    page: int = Field(default=1, ge=1)
    size: int = Field(default=10, ge=1, le=100)


class SubmitQuery(Query):
    function_name: str
    function_version: str | None = None
    tool_name: str | None = None
    tool_version: str | None = None
    operating_system: str | None = None
    assigned_agent_id: str | None = None
    assigned_agent_pool_id: str | None = None
    agent_id: str | None = None
    module_name: str | None = None


class UploadUrlQuery(Query):
    model_id: str | None = None
    receiving_remote_id: str | None = None


class AccessPatchQuery(Query):
    patch_op: PatchOp = PatchOp.SET


class StatusQuery(Query):
    status_name: JobStatusName
    agent_id: str | None = None


def _fastapi_errors(exc: ValidationError, where: str) -> list[dict[str, Any]]:
    # exc.json() makes ctx values JSON-safe; FastAPI prefixes each loc with where it was.
    errors: list[dict[str, Any]] = json.loads(exc.json(include_url=False))
    for error in errors:
        error["loc"] = [where, *error["loc"]]
    return errors


def query(request: Request, model: type[M]) -> M:
    # A repeated parameter counts once (the last), as FastAPI does for scalar parameters.
    try:
        return model.model_validate(dict(request.query_params))
    except ValidationError as exc:
        raise Invalid(_fastapi_errors(exc, "query")) from None


async def optional_body(request: Request, model: type[M]) -> M | None:
    """The JSON body as ``model``, or None when there is no body (or it is ``null``)."""
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise Invalid([{
            "type": "json_invalid", "loc": ["body", exc.pos], "msg": "JSON decode error",
            "input": {}, "ctx": {"error": exc.msg},
        }]) from None
    if data is None:
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Invalid(_fastapi_errors(exc, "body")) from None


async def required_body(request: Request, model: type[M]) -> M:
    body = await optional_body(request, model)
    if body is None:
        raise Invalid([{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}])
    return body
