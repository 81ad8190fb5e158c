"""The step rules of a simulated Istari job: its hidden plan, and the status that follows each one.

Pure decisions: the random numbers come from the world's ``random.Random``,
passed in and drawn in a fixed order, so a world stays the same for its seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from jobdeck.emulators.istari.models import JobStatusName
from jobdeck.emulators.istari.tenant import FunctionSpec

_FAILURES_AT_VALIDATION = (
    "validation failed: parameter 'units' is not one of mm, in",
    "validation failed: the model revision has no geometry",
)
_FAILURES_AT_RUN = (
    "tool exited with code 3",
    "license server unreachable (FlexLM error -15)",
    "out of memory while meshing",
)
_CANCEL_MESSAGES = ("canceled by the agent: exceeded the 10 min time limit",)


@dataclass
class Plan:
    """Hidden per-job schedule: what will happen to the job and when it is next due."""

    outcome: JobStatusName
    #: The status in which the job fails (Validating or Running), if it fails.
    fail_in: JobStatusName | None
    seconds: dict[JobStatusName, int]
    due: datetime | None = None


def plan_job(spec: FunctionSpec, created: datetime, rng: random.Random) -> Plan:
    """How a job of ``spec`` submitted at ``created`` will end, and how long each status lasts."""
    roll = rng.random()
    fail_in: JobStatusName | None = None
    if roll < spec.failure_rate:
        outcome = JobStatusName.FAILED
        fail_in = JobStatusName.VALIDATING if rng.random() < 0.35 else JobStatusName.RUNNING
    elif roll < spec.failure_rate + 0.04:
        outcome = JobStatusName.CANCELED
    else:
        outcome = JobStatusName.COMPLETED
    seconds = {
        JobStatusName.CREATED: rng.randint(1, 3),
        JobStatusName.CLAIMED: rng.randint(1, 3),
        JobStatusName.VALIDATING: rng.randint(2, 6),
        JobStatusName.RUNNING: rng.randint(12, 75),
        JobStatusName.UPLOADING: rng.randint(2, 8),
    }
    return Plan(outcome=outcome, fail_in=fail_in, seconds=seconds,
                due=created + timedelta(seconds=seconds[JobStatusName.CREATED]))


def next_status(
    current: JobStatusName, plan: Plan, spec: FunctionSpec, rng: random.Random
) -> tuple[JobStatusName, str] | None:
    """What the agent reports after ``current``, with its message; None if the agent has nothing to say."""
    if current is JobStatusName.CLAIMED:
        return JobStatusName.VALIDATING, f"validating inputs for {spec.name}"
    if current is JobStatusName.VALIDATING:
        if plan.fail_in is JobStatusName.VALIDATING:
            return JobStatusName.FAILED, rng.choice(_FAILURES_AT_VALIDATION)
        return JobStatusName.RUNNING, f"running {spec.tool_display} ({spec.entrypoint})"
    if current is JobStatusName.RUNNING:
        if plan.fail_in is JobStatusName.RUNNING:
            return JobStatusName.FAILED, rng.choice(_FAILURES_AT_RUN)
        if plan.outcome is JobStatusName.CANCELED:
            return JobStatusName.CANCELED, rng.choice(_CANCEL_MESSAGES)
        artifacts = rng.randint(1, 4)
        return JobStatusName.UPLOADING, f"uploading {artifacts} artifact{'s' if artifacts > 1 else ''}"
    if current is JobStatusName.UPLOADING:
        return JobStatusName.COMPLETED, "artifacts uploaded"
    return None


def due_after(plan: Plan, status: JobStatusName, now: datetime) -> datetime | None:
    """When a job that became ``status`` at ``now`` is next due; None once it has ended."""
    return now + timedelta(seconds=plan.seconds.get(status, 1)) if not status.is_terminal else None
