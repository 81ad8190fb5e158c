"""Airflow 3's REST API (``/api/v2``) as the adapter reads it.

Lenient on purpose: an unknown state stays a string (mapped to UNKNOWN, the raw value
kept), optional fields may be missing, extra fields are kept for the detail.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class DagRun(BaseModel):
    """``GET /api/v2/dags/~/dagRuns``: ``dag_runs`` items."""

    model_config = ConfigDict(extra="allow")

    dag_id: str
    dag_run_id: str
    state: str | None = None
    run_type: str | None = None
    triggered_by: str | None = None
    triggering_user_name: str | None = None
    logical_date: datetime | None = None
    run_after: datetime | None = None
    queued_at: datetime | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    duration: float | None = None
    note: str | None = None
    conf: dict[str, Any] | None = None
    dag_display_name: str | None = None

    @property
    def key(self) -> str:
        return job_key(self.dag_id, self.dag_run_id)


def job_key(dag_id: str, run_id: str) -> str:
    """A DAG run's job id: DAG ids never hold a ``/``, so the first one splits it."""
    return f"{dag_id}/{run_id}"


class DagRuns(BaseModel):
    model_config = ConfigDict(extra="ignore")

    dag_runs: list[DagRun]
    total_entries: int | None = None


class TaskInstance(BaseModel):
    """``…/taskInstances`` items, and ``…/tries`` items (one per try)."""

    model_config = ConfigDict(extra="allow")

    task_id: str
    map_index: int = -1
    state: str | None = None
    try_number: int = 0
    max_tries: int = 0
    start_date: datetime | None = None
    end_date: datetime | None = None
    queued_when: datetime | None = None
    scheduled_when: datetime | None = None
    duration: float | None = None
    hostname: str | None = None
    pid: int | None = None
    operator: str | None = None
    task_display_name: str | None = None

    @property
    def label(self) -> str:
        """The task as the deck names it: its id, with its map index when it is mapped."""
        return self.task_id if self.map_index < 0 else f"{self.task_id}[{self.map_index}]"


class TaskInstances(BaseModel):
    model_config = ConfigDict(extra="ignore")

    task_instances: list[TaskInstance]
    total_entries: int | None = None


class Dag(BaseModel):
    model_config = ConfigDict(extra="ignore")

    dag_id: str
    is_paused: bool | None = None
    dag_display_name: str | None = None


class Dags(BaseModel):
    model_config = ConfigDict(extra="ignore")

    dags: list[Dag]
    total_entries: int | None = None


class ImportError_(BaseModel):
    model_config = ConfigDict(extra="ignore")

    filename: str | None = None
    stack_trace: str | None = None


class ImportErrors(BaseModel):
    model_config = ConfigDict(extra="ignore")

    import_errors: list[ImportError_]
    total_entries: int | None = None


class TokenBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    access_token: str
