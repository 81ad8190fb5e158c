"""From DRP's wire jobs to the common model: jobs, their detail, and timeline events.
Pure functions, no I/O: what the adapter knows of machines and counts is passed in."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from jobdeck.adapters.drp.wire import SECRET_FIELDS, STATES, WireJob
from jobdeck.model import Counts, Job, JobRef, JobState, StatusEvent, map_state
from jobdeck.redact import redact

#: The issue's list of seed Job fields, shown first and in this order in the detail.
DETAIL_ORDER = (
    "State", "ExitState", "Machine", "Task", "Stage", "Workflow", "WorkOrder", "BootEnv", "Context",
    "Current", "CurrentIndex", "NextIndex", "Previous", "ResultErrors", "Errors", "Independent",
    "TargetPrefix", "TargetKey", "CreatedBy", "CreatedAt", "LastModifiedBy", "LastModifiedAt",
    "Archived", "Meta",
)
TERMINAL_RAW = frozenset({"finished", "failed"})


def short(uuid: str) -> str:
    return uuid[:8]


def to_job(
    backend: str,
    wire: WireJob,
    raw: dict[str, Any],
    *,
    machine: str,
    machine_names: Mapping[str, str],
    counts: Mapping[tuple[str, str], Counts],
) -> Job:
    """The job ``wire`` (``raw`` as sent), run on the machine named ``machine``."""
    labels = {"machine": machine, "task": wire.Task, "stage": wire.Stage, "workflow": wire.Workflow}
    if wire.WorkOrder:
        labels["work order"] = short(wire.WorkOrder)
        order_counts = counts.get(("WorkOrder", wire.WorkOrder))
        if order_counts is not None:
            labels["work order jobs"] = f"{order_counts.succeeded} finished, {order_counts.failed} failed of {order_counts.total}"
    if wire.BootEnv:
        labels["boot env"] = wire.BootEnv
    if wire.ExitState:
        labels["exit"] = wire.ExitState
    errors = [*(wire.ResultErrors or []), *(wire.Errors or [])]
    return Job(
        ref=JobRef(backend=backend, id=wire.Uuid),
        name=f"{wire.Task or 'job'} @ {machine}",
        state=map_state(wire.State, STATES),
        raw_state=wire.State or None,
        created=wire.CreatedAt or wire.StartTime,
        started=wire.StartTime if wire.State != "created" else None,
        ended=wire.EndTime,
        updated=wire.LastModifiedAt,
        counts=counts.get(("Machine", wire.Machine)),
        archived=wire.Archived,
        archived_by="backend" if wire.Archived else None,
        labels={k: str(redact(v)) for k, v in labels.items() if v},
        error="; ".join(errors) or None,
        detail=detail(raw, machine_names),
    )


def detail(raw: dict[str, Any], machine_names: Mapping[str, str]) -> dict[str, Any]:
    """The job's own fields, seed fields first, secrets left out, the machine's name beside its id."""
    visible = {k: v for k, v in raw.items() if k not in SECRET_FIELDS}
    ordered = {k: visible[k] for k in DETAIL_ORDER if k in visible}
    ordered.update((k, v) for k, v in visible.items() if k not in ordered)
    if "Machine" in ordered and ordered["Machine"] in machine_names:
        ordered["MachineName"] = machine_names[ordered["Machine"]]
    return redact(ordered, SECRET_FIELDS)


# -- the timeline ------------------------------------------------------------------------


def chain_event(job: WireJob, machine: str) -> StatusEvent | None:
    """How an earlier job of the machine (in the ``Previous`` chain) ended; None if it never started."""
    at = job.EndTime or job.StartTime
    if at is None:
        return None
    errors = "; ".join(job.ResultErrors or [])
    return StatusEvent(
        at=at,
        state=map_state(job.State, STATES),
        raw_state=job.State,
        message=f"earlier job {short(job.Uuid)}: {job.Task} ({job.Stage}) {job.State}" + (f": {errors}" if errors else ""),
        actor=f"machine {machine}",
    )


def own_events(job: WireJob, machine: str, *, retry_of: str | None) -> list[StatusEvent]:
    """The job's own transitions; ``retry_of`` is the failed job it re-runs, if it does."""
    actor = f"machine {machine}"
    events: list[StatusEvent] = []
    created = job.CreatedAt or job.StartTime
    if created is not None:
        retry = f" (re-run after {short(retry_of)})" if retry_of else ""
        events.append(StatusEvent(at=created, state=JobState.PENDING, raw_state="created",
                                  message=f"{job.Task} created{retry}", actor=actor))
    if job.StartTime is not None and job.State != "created":
        events.append(StatusEvent(at=job.StartTime, state=JobState.RUNNING, raw_state="running",
                                  message=f"{job.Task} running", actor=actor))
    if job.EndTime is not None and job.State in TERMINAL_RAW | {"incomplete"}:
        errors = "; ".join(job.ResultErrors or [])
        events.append(StatusEvent(at=job.EndTime, state=map_state(job.State, STATES), raw_state=job.State,
                                  message=f"{job.Task} {job.State}, exit state {job.ExitState or '-'}"
                                  + (f": {errors}" if errors else ""), actor=actor))
    return events


def raw_time(value: datetime) -> str:
    """A time as DRP writes it (for a ``Lte(...)`` filter)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
