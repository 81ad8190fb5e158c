"""The Intuned emulator's records: a job (its spec, state and how its runs behave: ``Profile``),
a run, and the errors a request may meet. Plain data; the rules that move them are
``simulation.py``'s, the wire bodies made of them ``bodies.py``'s."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jobdeck.emulators.intuned.models import FINAL_STATUSES, UpdateJob

#: The namespace of the ids made from names: a project's id, a results file's signature.
ID_NAMESPACE = uuid.UUID("6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b")

class SimulationError(Exception):
    """A request the simulation refuses; routes turn it into the documented error body."""

    status = 400

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFoundError(SimulationError):
    status = 404


@dataclass
class Profile:
    """How a job's runs behave. Emulator-only: never on the wire."""

    #: Chance that one payload fails.
    failure_rate: float = 0.05
    #: Payloads per payload item (Intuned APIs may extend a run's payloads).
    fan_out: int = 1
    #: Payloads finished per tick; None = the job's maxConcurrentRequests, else 1.
    rate: int | None = None
    #: Ticks a new run waits in the queue before its first payload finishes.
    queue_ticks: int = 2
    #: When set, runs fail with this error code after ``error_after`` payloads.
    error_code: str | None = None
    error_after: int = 0


@dataclass
class JobRecord:
    id: str
    project: str
    spec: UpdateJob
    created_at: datetime
    profile: Profile
    state: str = "ACTIVE"
    next_run_time: datetime | None = None
    last_run_time: datetime | None = None
    reason: dict[str, Any] | None = None
    schedule_id: str | None = None

    @property
    def total_payloads(self) -> int:
        return len(self.spec.payload) * max(1, self.profile.fan_out)

    @property
    def rate(self) -> int:
        configured = self.profile.rate or self.spec.configuration.maxConcurrentRequests or 1
        return max(1, configured)


@dataclass
class RunRecord:
    id: str
    job_id: str
    project: str
    type: str
    status: str
    created_at: datetime
    start_time: datetime
    updated_at: datetime
    payloads: int
    snapshot: dict[str, Any]
    rng: random.Random
    queue_left: int = 0
    end_time: datetime | None = None
    successful_runs: int = 0
    failed_runs: int = 0
    error: dict[str, Any] | None = None
    reason: dict[str, Any] | None = None

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def done(self) -> int:
        return self.successful_runs + self.failed_runs
