"""The Ray Jobs API's shapes as the adapter reads them (Ray 2.x dashboard, ``/api/jobs/``).

Lenient on purpose: an unknown status stays a string (mapped to UNKNOWN, the raw
value kept), optional fields may be missing, extra fields are kept for the detail.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter


class RayJob(BaseModel):
    """``GET /api/jobs/`` items and ``GET /api/jobs/{id}``: JobDetails."""

    model_config = ConfigDict(extra="allow")

    type: str | None = None
    job_id: str | None = None
    submission_id: str | None = None
    status: str | None = None
    entrypoint: str = ""
    message: str | None = None
    error_type: str | None = None
    #: Epoch milliseconds: when the job was submitted, and when it ended.
    start_time: int | None = None
    end_time: int | None = None
    metadata: dict[str, Any] | None = None
    runtime_env: dict[str, Any] | None = None
    driver_info: dict[str, Any] | None = None
    driver_exit_code: int | None = None
    driver_node_id: str | None = None

    @property
    def key(self) -> str:
        """The id jobdeck knows the job by: its submission id, or the Ray job id of a driver
        started outside the Jobs API (which has none)."""
        return self.submission_id or self.job_id or ""


RAY_JOBS = TypeAdapter(list[RayJob])


class LogsBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    logs: str = ""


class StopBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    stopped: bool


class DeleteBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    deleted: bool


class SubmitBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    submission_id: str
    job_id: str | None = None
