"""Julep's wire shapes, as the agents-api serves them (contract: julep.md).

snake_case keys, ISO-8601 UTC datetimes, UUID ids. These are the emulator's
own models; it shares nothing with the adapter, so a mistake in one cannot
hide a mistake in the other.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

JobStateName = Literal["pending", "in_progress", "retrying", "succeeded", "aborted", "failed", "unknown"]
ExecutionStatusName = Literal["queued", "starting", "running", "awaiting_input", "succeeded", "failed", "cancelled"]
TransitionType = Literal[
    "init", "init_branch", "finish", "finish_branch", "wait", "resume", "error", "step", "cancelled"
]

#: Execution statuses after which nothing changes any more.
TERMINAL_STATUSES: frozenset[str] = frozenset({"succeeded", "failed", "cancelled"})


class WireModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def wire(self) -> dict[str, Any]:
        """The JSON-ready body, datetimes as ISO-8601 strings."""
        return self.model_dump(mode="json")


class JobStatus(WireModel):
    """``GET /jobs/{id}``: the Temporal workflow behind a job. All 8 fields are always sent."""

    id: str
    created_at: datetime
    updated_at: datetime
    name: str = Field(default="", max_length=120)
    reason: str = ""
    has_progress: bool = False
    progress: float = Field(default=0.0, ge=0, le=100)
    state: JobStateName = "pending"


class TransitionTarget(WireModel):
    workflow: str
    step: int
    scope_id: str


class Transition(WireModel):
    id: str
    execution_id: str
    type: TransitionType
    output: Any
    current: TransitionTarget
    next: TransitionTarget | None
    step_label: str | None = None
    metadata: dict[str, Any] | None = None
    created_at: datetime
    updated_at: datetime


class Execution(WireModel):
    id: str
    task_id: str
    status: ExecutionStatusName
    input: dict[str, Any]
    output: Any = None
    error: str | None = None
    transition_count: int | None = None
    metadata: dict[str, Any] | None = None
    created_at: datetime
    updated_at: datetime


class ExecutionStatusEvent(WireModel):
    """One ``data:`` line of ``GET /executions/{id}/status.stream``."""

    execution_id: str
    status: ExecutionStatusName
    updated_at: datetime
    error: str | None = None
    transition_count: int | None = None
    metadata: dict[str, Any] | None = None


class CreateExecutionRequest(BaseModel):
    """``POST /tasks/{task_id}/executions``."""

    model_config = ConfigDict(extra="forbid")

    input: dict[str, Any]
    metadata: dict[str, Any] | None = None


class StopExecutionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["cancelled"]
    reason: str | None = None


class ResumeExecutionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["running"]
    input: dict[str, Any] | None = None


def error_body(message: str, code: str, type_: str | None = None, **extra: Any) -> dict[str, Any]:
    """Julep wraps every error: ``{"error": {"message", "code", "type"?, ...}}``."""
    error: dict[str, Any] = {"message": message, "code": code}
    if type_ is not None:
        error["type"] = type_
    error.update(extra)
    return {"error": error}
