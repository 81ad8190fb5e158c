"""Reading a request and answering errors as the agents-api does: every error
body wrapped (``{"error": {"message", "code", "type"?}}``), FastAPI-style 422s
for a bad UUID, paging parameter or body, each raised as a ``Refusal``."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse

from jobdeck.emulators.core import Refusal
from jobdeck.emulators.julep.models import error_body


def error(status: int, message: str, code: str, type_: str | None = None, **extra: Any) -> JSONResponse:
    return JSONResponse(error_body(message, code, type_, **extra), status_code=status)


def http_error(status: int, message: str) -> JSONResponse:
    """The server's plain HTTPException body: code ``http_<status>``, type ``http_error``."""
    return error(status, message, f"http_{status}", "http_error")


def validation_error(field: str, received: Any, message: str, location: str = "query") -> JSONResponse:
    detail = {"type": "value_error", "msg": message, "loc": [location, field], "received": received}
    return error(422, "Validation error", "validation_error", details=[detail])


def uuid_param(request: Request, name: str) -> str:
    raw = str(request.path_params[name])
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise Refusal(validation_error(name, raw, "Input should be a valid UUID", "path")) from None


class Page:
    def __init__(self, limit: int, offset: int, sort_by: str, direction: str) -> None:
        self.limit, self.offset, self.sort_by, self.direction = limit, offset, sort_by, direction

    def apply(self, items: list[Any], keys: Callable[[Any], tuple[datetime, datetime]]) -> list[Any]:
        index = 0 if self.sort_by == "created_at" else 1
        # Python's sort is stable: ties keep creation order (uuid7 order on the server).
        ordered = sorted(items, key=lambda item: keys(item)[index], reverse=self.direction == "desc")
        return ordered[self.offset : self.offset + self.limit]


def paging(request: Request, *, default_direction: str) -> Page:
    params = request.query_params
    limit = int_param(params.get("limit"), "limit", default=100, low=1, high=999)
    offset = int_param(params.get("offset"), "offset", default=0, low=0, high=None)
    sort_by = params.get("sort_by", "created_at")
    if sort_by not in ("created_at", "updated_at"):
        raise Refusal(validation_error("sort_by", sort_by, "Input should be 'created_at' or 'updated_at'"))
    direction = params.get("direction", default_direction)
    if direction not in ("asc", "desc"):
        raise Refusal(validation_error("direction", direction, "Input should be 'asc' or 'desc'"))
    return Page(limit, offset, sort_by, direction)


def int_param(raw: str | None, name: str, *, default: int, low: int, high: int | None) -> int:
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise Refusal(validation_error(name, raw, "Input should be a valid integer")) from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise Refusal(validation_error(name, value, f"Input should be {bound}"))
    return value


async def json_body(request: Request) -> Any:
    try:
        return json.loads(await request.body() or b"null")
    except ValueError:
        raise Refusal(validation_error("body", None, "JSON decode error", "body")) from None


async def model_body(request: Request, model: type[BaseModel]) -> Any:
    return validated(model, await json_body(request), status_code=422)


def validated(model: type[BaseModel], payload: Any, *, status_code: int) -> Any:
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        details = [
            {"type": e["type"], "msg": e["msg"], "loc": ["body", *map(str, e["loc"])]} for e in exc.errors()[:5]
        ]
        if status_code == 422:
            raise Refusal(error(422, "Validation error", "validation_error", details=details)) from None
        raise Refusal(
            http_error(status_code, f"Invalid request: {details[0]['msg']}")
        ) from None
