"""What the monitor reports to its listeners (the UI, the CLI)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from jobdeck.model import ActionResult, Job, JobRef, StatusEvent


class HealthStatus(StrEnum):
    """What a backend's rows are worth (the rules: ``jobdeck.monitor.health``)."""

    STARTING = "starting"  # the first poll is under way, and not overdue yet
    OK = "ok"
    DEGRADED = "degraded"  # worked before, failing (or not answering) since, not for long; rows are recent
    DOWN = "down"  # never worked yet, failing repeatedly, or credentials refused; rows are stale


@dataclass(frozen=True)
class BackendHealth:
    name: str
    kind: str
    status: HealthStatus = HealthStatus.STARTING
    #: When the last poll succeeded.
    last_ok: datetime | None = None
    #: Text of the last error, kept until the next success.
    last_error: str | None = None
    consecutive_failures: int = 0
    #: Seconds until the next poll (grows with backoff).
    next_poll_in: float | None = None
    #: True while the backend's push channel (capability PUSH) is connected.
    pushing: bool = False
    #: Why the push channel is not connected while it is being reconnected (None when it
    #: is connected, not opened yet, or the backend has none). Polls go on meanwhile.
    push_error: str | None = None
    #: Short warnings to show in the header, e.g. "TLS verification off".
    warnings: tuple[str, ...] = ()
    #: Short facts the adapter tells as it answers, e.g. "2 workers online, 3 active tasks".
    notes: tuple[str, ...] = ()

    @property
    def stale(self) -> bool:
        return self.status is HealthStatus.DOWN


@dataclass(frozen=True)
class JobsChanged:
    """A poll's diff for one backend. Only what changed is carried."""

    backend: str
    added: list[Job] = field(default_factory=list)
    changed: list[Job] = field(default_factory=list)
    removed: list[JobRef] = field(default_factory=list)


@dataclass(frozen=True)
class HealthChanged:
    health: BackendHealth


@dataclass(frozen=True)
class TimelineChanged:
    """The monitor observed a state transition of ``ref``."""

    ref: JobRef
    event: StatusEvent


@dataclass(frozen=True)
class ActionDone:
    ref: JobRef
    #: The action's name (an ``Action`` member for the standard six).
    action: str
    result: ActionResult


MonitorEvent = JobsChanged | HealthChanged | TimelineChanged | ActionDone
