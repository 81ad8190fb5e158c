"""Julep's wire shapes → jobdeck's common model."""

from __future__ import annotations

import json
from typing import Any

from jobdeck.adapters.kit.text import one_line
from jobdeck.adapters.julep.wire import Execution, JobStatus, Transition
from jobdeck.model import Job, JobGroup, JobRef, JobState, StateCounts, StatusEvent, map_state
from jobdeck.redact import redact

#: JobStatus.state. The server never sends pending or retrying, but both are in the enum.
JOB_STATES: dict[str, JobState] = {
    "pending": JobState.PENDING,
    "in_progress": JobState.RUNNING,
    "retrying": JobState.RUNNING,
    "succeeded": JobState.SUCCEEDED,
    "aborted": JobState.CANCELED,
    "failed": JobState.FAILED,
    "unknown": JobState.UNKNOWN,
}

EXECUTION_STATES: dict[str, JobState] = {
    "queued": JobState.PENDING,
    "starting": JobState.PENDING,
    "running": JobState.RUNNING,
    "awaiting_input": JobState.PAUSED,
    "succeeded": JobState.SUCCEEDED,
    "failed": JobState.FAILED,
    "cancelled": JobState.CANCELED,
}

#: What each transition type means for the execution's state, for the timeline.
TRANSITION_STATES: dict[str, JobState] = {
    "init": JobState.RUNNING,
    "init_branch": JobState.RUNNING,
    "step": JobState.RUNNING,
    "finish_branch": JobState.RUNNING,
    "resume": JobState.RUNNING,
    "wait": JobState.PAUSED,
    "finish": JobState.SUCCEEDED,
    "error": JobState.FAILED,
    "cancelled": JobState.CANCELED,
}

NOT_FOUND_ERROR = "not found on the server"
SUMMARY_LIMIT = 60
LOG_OUTPUT_LIMIT = 100


def short_id(value: str) -> str:
    return value[:8]


def job_from_status(backend: str, status: JobStatus) -> Job:
    """A watched job (a Temporal workflow) as the deck shows it."""
    state = map_state(status.state, JOB_STATES)
    workflow = status.name or "job"
    labels = {"type": "job", "workflow": workflow}
    if status.reason:
        labels["reason"] = status.reason
    failed = state in (JobState.FAILED, JobState.CANCELED)
    return Job(
        ref=JobRef(backend=backend, id=status.id),
        name=f"{workflow} {short_id(status.id)}",
        state=state,
        raw_state=status.state,
        created=status.created_at,
        # updated_at is the workflow's execution_time, not when it ended: no start/end shown.
        updated=status.updated_at,
        progress=status.progress if status.has_progress else None,
        labels=redact(labels),
        error=(status.reason or status.state) if failed else None,
        detail={"kind": "job", **redact(status.model_dump(mode="json"))},
    )


def job_not_found(backend: str, job_id: str) -> Job:
    """A watched id the server does not know: shown as one job, not as a failure of the backend."""
    return Job(
        ref=JobRef(backend=backend, id=job_id),
        name=f"job {short_id(job_id)}",
        state=JobState.UNKNOWN,
        raw_state=None,
        labels={"type": "job"},
        error=NOT_FOUND_ERROR,
        detail={"kind": "job", "id": job_id},
    )


def task_group(task_id: str, task_name: str, executions: list[Execution], limit: int) -> JobGroup:
    """The group of a task's executions: their tally by state, and, when the listing
    was cut at ``limit``, that the tally is over the latest ones only."""
    listed = {execution.id: map_state(execution.status, EXECUTION_STATES) for execution in executions}
    return JobGroup(
        key=task_id,
        name=task_name,
        counts=StateCounts.of(listed.values()),
        scope=f"the latest {len(listed)} executions" if len(executions) >= limit else None,
    )


def job_from_execution(backend: str, execution: Execution, task_name: str, group: JobGroup | None = None) -> Job:
    state = map_state(execution.status, EXECUTION_STATES)
    shown_input = summarize(redact(execution.input))
    shown_output = summarize(redact(execution.output)) if execution.output is not None else ""
    labels = {"type": "execution", "task": task_name, "input": shown_input}
    if shown_output:
        labels["output"] = shown_output
    if execution.transition_count is not None:
        labels["transitions"] = str(execution.transition_count)
    started = execution.created_at if state not in (JobState.PENDING, JobState.UNKNOWN) else None
    return Job(
        ref=JobRef(backend=backend, id=execution.id),
        name=f"{task_name}: {shown_input}" if shown_input else task_name,
        state=state,
        raw_state=execution.status,
        created=execution.created_at,
        started=started,
        ended=execution.updated_at if state.is_terminal else None,
        updated=execution.updated_at,
        labels={key: value for key, value in labels.items() if value},
        error=execution.error if state is JobState.FAILED else None,
        detail={"kind": "execution", **redact(execution.model_dump(mode="json"))},
        group=group,
    )


def event_from_transition(transition: Transition) -> StatusEvent:
    return StatusEvent(
        at=transition.created_at,
        state=map_state(transition.type, TRANSITION_STATES),
        raw_state=transition.type,
        message=_step_text(transition) + (f": {_output_text(transition)}" if _output_text(transition) else ""),
    )


def log_line(transition: Transition) -> str:
    """One log line per transition: time, type, step and a short output."""
    output = _output_text(transition)
    return f"{transition.created_at:%H:%M:%S} {transition.type:<9} {_step_text(transition)}" + (
        f"  {output}" if output else ""
    ) + "\n"


def summarize(value: Any, limit: int = SUMMARY_LIMIT) -> str:
    """A short one-line text of an input or output: ``key=value, …``."""
    if value is None:
        return ""
    if isinstance(value, dict):
        text = ", ".join(f"{key}={_scalar(item)}" for key, item in value.items())
    else:
        text = _scalar(value)
    return one_line(text, limit)


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(value)


def _step_text(transition: Transition) -> str:
    step = transition.current.step if transition.current and transition.current.step is not None else "?"
    label = f" {transition.step_label}" if transition.step_label else ""
    return f"step {step}{label}"


def _output_text(transition: Transition) -> str:
    return summarize(redact(transition.output), LOG_OUTPUT_LIMIT) if transition.output not in (None, {}, "") else ""
