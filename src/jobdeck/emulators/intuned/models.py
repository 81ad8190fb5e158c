"""Intuned wire models, written from ``shared/contracts/intuned.md``.

Field names are the wire names, casing and all: the job and run objects are
snake_case at the top level, the nested configuration objects camelCase.
Request bodies are validated here; unknown keys are ignored (legacy clients
still send ``runMode``), wrong types give the documented 400 error body.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

API_PREFIX = "/api/v1/workspace"
DOC_ERRORS = "https://docs.intunedhq.com/docs/support/errors"
DOC_REASONS = "https://docs.intunedhq.com/docs/support/reasons"

JobStateName = Literal["ACTIVE", "PAUSED"]
RunType = Literal["MANUAL", "SCHEDULED"]
RunStatus = Literal[
    "CANCELED", "PENDING", "PAUSED", "PAUSING", "RESUMING", "SUCCESS", "FAILURE", "TERMINATED", "COMPLETED"
]
#: Run statuses after which nothing changes any more.
FINAL_STATUSES: frozenset[str] = frozenset({"CANCELED", "SUCCESS", "FAILURE", "TERMINATED", "COMPLETED"})


class _Body(BaseModel):
    """A request body: wire names, unknown keys ignored."""

    model_config = ConfigDict(extra="ignore")


class Retry(_Body):
    maximumAttempts: int = Field(default=3, ge=1)


class Configuration(_Body):
    retry: Retry | None = None
    maxConcurrentRequests: int | None = Field(default=None, ge=1)
    requestTimeout: int = Field(default=600, ge=1)
    maxRuns: int | None = Field(default=None, ge=1)
    proxy: str | None = None


class PayloadItem(_Body):
    apiName: str = Field(min_length=1)
    parameters: dict[str, Any] = Field(default_factory=dict)
    requestTimeout: int | None = Field(default=None, ge=1)
    retry: Retry | None = None


class WebhookSink(_Body):
    type: Literal["webhook"]
    url: str
    headers: dict[str, str] | None = None
    skipOnFail: bool = False
    apisToSend: list[str] | None = None


class S3Sink(_Body):
    type: Literal["s3"]
    bucket: str
    accessKeyId: str
    secretAccessKey: str
    region: str
    prefix: str | None = None
    skipOnFail: bool = False
    apisToSend: list[str] | None = None
    endpoint: str | None = None
    forcePathStyle: bool | None = None


Sink = Annotated[WebhookSink | S3Sink, Field(discriminator="type")]


class Interval(_Body):
    every: int | str


class Schedule(_Body):
    jitter: int | str | None = None
    intervals: list[Interval] | None = None
    # Calendar values are numbers, ranges, lists, "*" or names: kept as given.
    calendars: list[dict[str, Any]] | None = None


class AuthSession(_Body):
    id: str
    checkAttempts: int = 3
    createAttempts: int = 3
    saveTrace: bool | None = None


class Notification(_Body):
    type: Literal["webhook"]
    url: str
    headers: dict[str, str] | None = None


class UpdateJob(_Body):
    """PUT body: CreateJob without ``id``."""

    payload: list[PayloadItem] = Field(min_length=1)
    configuration: Configuration
    schedule: Schedule | None = None
    sink: Sink | None = None
    proxy: str | None = None
    auth_session: AuthSession | None = None
    notifications: list[Notification] | None = None


class CreateJob(UpdateJob):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")


def iso(moment: datetime | None) -> str | None:
    """The wire's timestamp format: ISO 8601 in UTC with a ``Z``."""
    if moment is None:
        return None
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def dump(model: BaseModel | None) -> dict[str, Any] | None:
    """A body model as it goes back on the wire (absent optionals left out)."""
    return None if model is None else model.model_dump(mode="json", exclude_none=True)


def error_body(code: str, message: str, *, correlation_id: str, category: str = "user",
               retirable: bool = False, details: Any = None) -> dict[str, Any]:
    """The documented error shape: ``{code, category, message, retirable, details?, correlationId}``."""
    body: dict[str, Any] = {"code": code, "category": category, "message": message, "retirable": retirable}
    if details is not None:
        body["details"] = details
    body["correlationId"] = correlation_id
    return body
