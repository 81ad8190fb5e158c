"""A Celery task as jobdeck reads it: Flower's task (``GET /api/tasks``, ``/api/task/info/{id}``),
or the same fields gathered from the workers' task events in broker mode.

Lenient on purpose: every field but the id may be missing or null, an unknown state
stays a string (mapped to unknown later), extra fields are ignored.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator


class TaskEvent(BaseModel):
    """One task event a worker (or the sender) sent: ``task-received``, ``task-retried`` …"""

    model_config = ConfigDict(frozen=True)

    type: str
    at: float
    hostname: str | None = None
    #: The exception of a retry or a failure, its reason of a rejection or revocation.
    reason: str | None = None


class CeleryTask(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    uuid: str
    name: str | None = None
    state: str | None = None
    #: Epoch seconds of the latest event of each kind.
    sent: float | None = None
    received: float | None = None
    started: float | None = None
    succeeded: float | None = None
    failed: float | None = None
    retried: float | None = None
    revoked: float | None = None
    rejected: float | None = None
    timestamp: float | None = None
    runtime: float | None = None
    #: Reprs, as the workers sent them (cut by Celery at about 1 KiB).
    args: str | None = None
    kwargs: str | None = None
    result: str | None = None
    exception: str | None = None
    traceback: str | None = None
    retries: int | None = None
    eta: str | None = None
    expires: str | None = None
    worker: str | None = None
    routing_key: str | None = None
    root_id: str | None = None
    parent_id: str | None = None
    #: Every event seen of the task, oldest first (broker mode; Flower keeps only the latest of each kind).
    events: tuple[TaskEvent, ...] = Field(default=())

    @field_validator("args", "kwargs", "result", "exception", "traceback", "eta", "expires", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        # Flower sends reprs as strings; an older one (or a result) may be a JSON value.
        return value if value is None or isinstance(value, str) else repr(value)

    @field_validator("worker", mode="before")
    @classmethod
    def _worker_name(cls, value: Any) -> Any:
        # Flower sends the hostname; some versions the worker object ({"hostname": …}).
        if isinstance(value, dict):
            return value.get("hostname")
        return value

    @field_validator("retries", mode="before")
    @classmethod
    def _count(cls, value: Any) -> Any:
        try:
            return max(0, int(value)) if value is not None else None
        except (TypeError, ValueError):
            return None


class Reprs(NamedTuple):
    """A task's arguments as Celery wrote them (its argsrepr and kwargsrepr), which a task sent
    again carries so that it reads as the one it repeats (not as the JSON list it went as)."""

    args: str
    kwargs: str


#: A task as Flower sent it (or as the receiver keeps it): read into a CeleryTask where it changed.
RawTask = dict[str, Any]
TASK = TypeAdapter(CeleryTask)


class WorkerInfo(BaseModel):
    """A worker as the header shows it."""

    model_config = ConfigDict(frozen=True)

    name: str
    online: bool
    #: Tasks it runs now, where known.
    active: int | None = None
    #: Heartbeats it has missed (broker mode; Flower only says online or not).
    missed_heartbeats: int | None = None
    #: Epoch seconds of its latest heartbeat, which told ``active`` (where known).
    beat_at: float | None = None


class WorkerSeen(BaseModel):
    """A worker as Flower's workers view tells it (``/workers?json=1``): its heartbeats and running tasks."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    hostname: str
    #: Seconds between two heartbeats.
    freq: float = 2.0
    #: Epoch seconds of its latest heartbeats (Flower keeps a few).
    heartbeats: tuple[float, ...] = ()
    active: int | None = None

    @field_validator("heartbeats", mode="before")
    @classmethod
    def _beats(cls, value: Any) -> Any:
        return tuple(v for v in value if isinstance(v, int | float)) if isinstance(value, list | tuple) else ()

    @field_validator("freq", mode="before")
    @classmethod
    def _freq(cls, value: Any) -> Any:
        return value if isinstance(value, int | float) and value > 0 else 2.0

    @field_validator("active", mode="before")
    @classmethod
    def _active(cls, value: Any) -> Any:
        return value if isinstance(value, int) and value >= 0 else None

    def missed(self, now: float) -> int | None:
        """Heartbeats missed by ``now``: none while the latest is less than two beats old."""
        if not self.heartbeats:
            return None
        return max(0, int((now - max(self.heartbeats)) / self.freq) - 1)


WORKER_SEEN = TypeAdapter(WorkerSeen)
