"""Intuned's wire format, as the adapter reads it (``shared/contracts/intuned.md``).

Tolerant on purpose: enums are plain strings (an unknown status maps to
``unknown`` later, never an error), optional fields may be missing, unknown
fields are ignored. Field names are the wire's own, mixed casing included
(``successful_runs`` next to ``jobRuns`` and ``correlationId``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

#: Run statuses after which a run never changes again (``FAILED`` is the legacy spelling).
FINAL_STATUSES = frozenset({"CANCELED", "SUCCESS", "FAILURE", "FAILED", "TERMINATED", "COMPLETED"})


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore")


class WireReason(_Wire):
    type: str | None = None
    message: str | None = None
    details: Any = None
    doc_url: str | None = None
    timestamp: str | None = None


class WireRunError(_Wire):
    message: str | None = None
    code: str | None = None
    category: str | None = None
    correlationId: str | None = None  # noqa: N815 - the wire's name
    retirable: bool | None = None
    doc_url: str | None = None


class WireRun(_Wire):
    id: str
    job_id: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    type: str | None = None
    status: str | None = None
    payloads: int | None = None
    successful_runs: int | None = None
    failed_runs: int | None = None
    error: WireRunError | None = None
    reason: WireReason | None = None
    job_configuration_snapshot: dict[str, Any] | None = None

    @property
    def final(self) -> bool:
        return (self.status or "").upper() in FINAL_STATUSES

    @property
    def done(self) -> int:
        return (self.successful_runs or 0) + (self.failed_runs or 0)


class WireJob(_Wire):
    """JobDBObject, one item of the (unpaginated) job list."""

    id: str
    state: str | None = None
    configuration: dict[str, Any] | None = None
    payload: list[Any] | None = None
    sink: dict[str, Any] | None = None
    schedule: dict[str, Any] | None = None
    next_run_time: datetime | None = None
    last_run_time: datetime | None = None
    created_at: datetime | None = None
    auth_session: dict[str, Any] | None = None
    # An object ``{version, url}`` in the list, a plain URL string in GET-one.
    proxy: dict[str, Any] | str | None = None
    reason: WireReason | None = None
    notifications: list[Any] | None = None
    source: str | None = None


class WireRunPage(_Wire):
    jobRuns: list[WireRun]  # noqa: N815
    totalCount: int | None = None  # noqa: N815


class WireResults(_Wire):
    signed_url: str | None = None
    signed_url_expiration: str | None = None
    size: float | None = None
    key: str | None = None
    format: str | None = None


class WireRunDetail(_Wire):
    jobRun: WireRun  # noqa: N815
    results: WireResults | None = None


class WireTriggered(_Wire):
    jobRunId: str | None = None  # noqa: N815
    # The legacy response: ``{"id", "message": "Triggered"}``.
    id: str | None = None
    message: str | None = None

    @property
    def run_id(self) -> str | None:
        return self.jobRunId or self.id


class WireMessage(_Wire):
    message: str | None = None
