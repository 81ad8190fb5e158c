"""Julep's wire shapes as the adapter reads them (contract: julep.md).

Lenient on purpose: unknown enum values stay strings (mapped to UNKNOWN
later, raw value kept), optional fields may be missing, extra fields are
ignored, so a newer server does not break the deck.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore")


class JobStatus(_Wire):
    """``GET /jobs/{id}``: the Temporal workflow behind a job."""

    id: str
    created_at: datetime
    updated_at: datetime
    name: str | None = None
    reason: str | None = None
    has_progress: bool | None = None
    progress: float | None = None
    state: str | None = None


class Execution(_Wire):
    id: str
    task_id: str
    status: str
    input: Any = None
    output: Any = None
    error: str | None = None
    transition_count: int | None = None
    metadata: Any = None
    created_at: datetime
    updated_at: datetime


class TransitionTarget(_Wire):
    workflow: str | None = None
    step: int | None = None
    scope_id: str | None = None


class Transition(_Wire):
    id: str
    execution_id: str
    type: str
    output: Any = None
    current: TransitionTarget | None = None
    next: TransitionTarget | None = None
    step_label: str | None = None
    created_at: datetime
    updated_at: datetime | None = None


class ExecutionList(_Wire):
    items: list[Execution]


class TransitionList(_Wire):
    items: list[Transition]


class ExecutionStatusEvent(_Wire):
    """One ``data:`` payload of ``status.stream``."""

    execution_id: str | None = None
    status: str
    updated_at: datetime | None = None
    error: str | None = None
    transition_count: int | None = None


class ErrorDetail(_Wire):
    message: str = ""
    code: str = ""
    type: str | None = None


class ErrorBody(_Wire):
    """Every Julep error: ``{"error": {"message", "code", "type"?}}``."""

    error: ErrorDetail


ERROR_BODY = TypeAdapter(ErrorBody)
