"""Airflow's shapes → jobdeck's common model: DAG runs as jobs (grouped by DAG), their task
instances' tries as runs, a task log's structured lines as text."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from jobdeck.adapters.airflow.wire import DagRun, TaskInstance
from jobdeck.adapters.kit.text import one_line
from jobdeck.model import Counts, Job, JobGroup, JobRef, JobState, Run, StateCounts, StatusEvent, map_state
from jobdeck.redact import redact

#: DagRunState.
RUN_STATES: dict[str, JobState] = {
    "queued": JobState.PENDING,
    "running": JobState.RUNNING,
    "success": JobState.SUCCEEDED,
    "failed": JobState.FAILED,
}
#: TaskInstanceState (None, "no status yet", is pending): a task that never ran because of
#: an upstream failure, or was skipped or removed, ended without running (canceled).
TASK_STATES: dict[str, JobState] = {
    "none": JobState.PENDING,
    "scheduled": JobState.PENDING,
    "queued": JobState.PENDING,
    "up_for_retry": JobState.PENDING,
    "up_for_reschedule": JobState.PENDING,
    "deferred": JobState.PENDING,
    "restarting": JobState.PENDING,
    "running": JobState.RUNNING,
    "success": JobState.SUCCEEDED,
    "failed": JobState.FAILED,
    "upstream_failed": JobState.CANCELED,
    "skipped": JobState.CANCELED,
    "removed": JobState.CANCELED,
}
TERMINAL_RUN = frozenset({"success", "failed"})
#: Task states in which the task's current try has ended (up_for_retry: it failed, another follows).
TRY_ENDED = frozenset({"success", "failed", "upstream_failed", "skipped", "removed", "up_for_retry"})
#: Task states before a try starts: the times the API gives then are the previous try's.
NOT_STARTED = frozenset({"none", "scheduled", "queued", "up_for_reschedule", "restarting"})
#: How many of a DAG's newest runs its group row's strip shows.
STRIP_RUNS = 25
NAME_LIMIT = 120


def task_state(ti: TaskInstance) -> str:
    return ti.state or "none"


def run_id_of(ti: TaskInstance, try_number: int | None = None) -> str:
    """A try's run id: the task (with its map index) and the try number, ``flaky#2``."""
    return f"{ti.label}#{ti.try_number if try_number is None else try_number}"


def parse_run_id(run: str) -> tuple[str, int, int]:
    """``task[3]#2`` → (task id, map index, try number); ValueError when it is not one."""
    label, _, tried = run.rpartition("#")
    if not label or not tried.isdigit():
        raise ValueError(run)
    map_index = -1
    if label.endswith("]") and "[" in label:
        task, _, index = label[:-1].rpartition("[")
        if index.lstrip("-").isdigit():
            label, map_index = task, int(index)
    return label, map_index, int(tried)


def task_counts(tis: Iterable[TaskInstance]) -> tuple[Counts, dict[str, int]]:
    """The run's task instances: succeeded and failed (upstream_failed included), and by state."""
    by_state = Counter(task_state(ti) for ti in tis)
    total = sum(by_state.values())
    failed = by_state.get("failed", 0) + by_state.get("upstream_failed", 0)
    return Counts(total=total, succeeded=by_state.get("success", 0), failed=failed), dict(sorted(by_state.items()))


def error_text(wire: DagRun, tis: Iterable[TaskInstance]) -> str | None:
    """Which tasks failed, with their tries; None unless the run failed or has failed tasks."""
    failed = [ti for ti in tis if ti.state == "failed"]
    upstream = sum(1 for ti in tis if ti.state == "upstream_failed")
    if not failed and wire.state != "failed":
        return None
    parts = [f"{ti.label} failed (try {ti.try_number} of {ti.max_tries + 1})" for ti in failed[:3]]
    if len(failed) > 3:
        parts.append(f"{len(failed) - 3} more failed")
    if upstream:
        parts.append(f"{upstream} upstream_failed")
    return one_line("; ".join(parts) or "failed", 300)


#: How many of a DAG's latest runs its group row shows as a strip of states (Airflow's grid in one line).
RECENT_RUNS = 30


def dag_group(dag_id: str, display: str | None, runs: list[DagRun],
              tis: Mapping[str, Mapping[Any, TaskInstance]] | None = None) -> JobGroup:
    """The DAG as the group of its runs, counted over its listed runs (newest first): their
    states, the latest ones as a strip (newest last) and, with the runs' task instances
    (``tis`` by run key), the retries their tasks had (each try after the first)."""
    states = [map_state(run.state, RUN_STATES) for run in runs]
    retries = None
    if tis is not None:
        retries = sum(max(0, ti.try_number - 1) for run in runs for ti in tis.get(run.key, {}).values())
    return JobGroup(key=dag_id, name=display or dag_id, counts=StateCounts.of(states),
                    scope=f"its {len(runs)} listed runs", retries=retries,
                    recent=tuple(reversed(states[:RECENT_RUNS])))


def to_job(backend: str, wire: DagRun, tis: tuple[TaskInstance, ...], group: JobGroup, paused: bool | None) -> Job:
    state = map_state(wire.state, RUN_STATES)
    labels = {"dag": wire.dag_id}
    for key, value in (("run_type", wire.run_type), ("triggered_by", wire.triggered_by),
                       ("user", wire.triggering_user_name)):
        if value:
            labels[key] = one_line(value, 80)
    if paused:
        labels["dag_paused"] = "yes"
    counts, by_state = task_counts(tis) if tis else (None, {})
    detail: dict[str, Any] = wire.model_dump(mode="json", exclude_none=True)
    if by_state:
        detail["tasks"] = by_state
        detail["tries"] = {ti.label: f"{ti.try_number} of {ti.max_tries + 1}" for ti in tis if ti.try_number}
    return Job(
        ref=JobRef(backend=backend, id=wire.key),
        name=one_line(f"{wire.dag_id} {wire.dag_run_id}", NAME_LIMIT),
        state=state,
        raw_state=wire.state,
        created=wire.queued_at or wire.run_after,
        started=wire.start_date,
        ended=wire.end_date if wire.state in TERMINAL_RUN else None,
        counts=counts,
        labels=redact(labels),
        error=error_text(wire, tis) if state is JobState.FAILED or counts and counts.failed else None,
        detail=redact(detail),
        group=group,
    )


def tries_of(ti: TaskInstance, history: list[TaskInstance]) -> list[TaskInstance]:
    """Every try of a task instance, oldest first: ``…/tries`` (which holds the current one
    too) merged with the instance as listed; a try not started yet loses the previous try's times."""
    by_try = {h.try_number: h for h in history if h.try_number > 0}
    if ti.try_number > 0 or not by_try:
        by_try[ti.try_number] = ti
    tries = [by_try[n] for n in sorted(by_try)]
    cleaned: list[TaskInstance] = []
    for earlier, this in zip([None, *tries], tries, strict=False):
        if task_state(this) in NOT_STARTED or (earlier is not None and this.start_date == earlier.start_date):
            this = this.model_copy(update={"start_date": None, "end_date": None, "duration": None})
        cleaned.append(this)
    return cleaned


def newest_first(tries: list[TaskInstance]) -> list[TaskInstance]:
    """The tries as the deck lists runs, newest first: the latest started first (the one the
    deck shows unless another is chosen), then those that never started (upstream_failed,
    skipped, still queued: no times, no log), by task."""
    ran: list[tuple[datetime, TaskInstance]] = []
    never: list[TaskInstance] = []
    for ti in tries:
        if ti.try_number > 0 and ti.start_date is not None:
            ran.append((ti.start_date, ti))
        else:
            never.append(ti)
    ran.sort(key=lambda pair: (pair[0], pair[1].label, pair[1].try_number), reverse=True)
    never.sort(key=lambda ti: (ti.label, ti.try_number))
    return [ti for _, ti in ran] + never


def to_run(ref: JobRef, ti: TaskInstance) -> Run:
    state = map_state(task_state(ti), TASK_STATES)
    detail = {
        "task_id": ti.task_id, "map_index": ti.map_index, "try_number": ti.try_number, "max_tries": ti.max_tries,
        "tries": f"{ti.try_number} of {ti.max_tries + 1}", "operator": ti.operator, "hostname": ti.hostname,
        "pid": ti.pid, "duration": ti.duration,
    }
    return Run(
        job=ref,
        id=run_id_of(ti),
        state=state,
        raw_state=task_state(ti),
        started=ti.start_date if ti.try_number else None,
        ended=ti.end_date if state.is_terminal else None,
        error=f"{ti.label} {task_state(ti)} on try {ti.try_number}" if state is JobState.FAILED else None,
        reason=None if ti.try_number else "not run yet",
        detail=redact({key: value for key, value in detail.items() if value is not None}),
    )


def run_events(wire: DagRun) -> list[StatusEvent]:
    events: list[StatusEvent] = []
    if wire.queued_at is not None:
        events.append(StatusEvent(at=wire.queued_at, state=JobState.PENDING, raw_state="queued", message="queued",
                                  actor=wire.triggering_user_name or wire.triggered_by))
    if wire.start_date is not None:
        events.append(StatusEvent(at=wire.start_date, state=JobState.RUNNING, raw_state="running", message="started"))
    if wire.end_date is not None and wire.state in TERMINAL_RUN:
        events.append(StatusEvent(at=wire.end_date, state=map_state(wire.state, RUN_STATES), raw_state=wire.state,
                                  message=f"run {wire.state}"))
    return events


def try_events(ti: TaskInstance) -> list[StatusEvent]:
    run = run_id_of(ti)
    events: list[StatusEvent] = []
    if ti.try_number == 0:  # never ran: only how it ended (upstream_failed, skipped, removed)
        state = task_state(ti)
        at = ti.end_date or ti.start_date
        if at is not None and map_state(state, TASK_STATES).is_terminal:
            events.append(StatusEvent(at=at, state=map_state(state, TASK_STATES), raw_state=state,
                                      message=f"{ti.label} {state}", run=run))
        return events
    if ti.start_date is not None:
        events.append(StatusEvent(at=ti.start_date, state=JobState.RUNNING, raw_state="running",
                                  message=f"{ti.label} try {ti.try_number} started", run=run))
    state = task_state(ti)
    ended = ti.end_date
    if ended is not None and map_state(state, TASK_STATES).is_terminal:
        events.append(StatusEvent(at=ended, state=map_state(state, TASK_STATES), raw_state=state,
                                  message=f"{ti.label} try {ti.try_number} {state}", run=run))
    elif ended is not None and state == "up_for_retry":
        events.append(StatusEvent(at=ended, state=JobState.FAILED, raw_state=state,
                                  message=f"{ti.label} try {ti.try_number} failed, up for retry", run=run))
    return events


# -- logs ------------------------------------------------------------------------------------


def _when(value: Any) -> str:
    if isinstance(value, str) and len(value) >= 19:
        return value[:23].replace("T", " ")
    return ""


def log_line(entry: Any) -> str:
    """One structured log entry as text: time, level, the message, and an exception's traceback."""
    if isinstance(entry, str):
        return entry
    if not isinstance(entry, Mapping):
        return str(entry)
    event = str(entry.get("event", ""))
    if event == "::endgroup::":
        return ""
    if event.startswith("::group::"):
        event = f"── {event.removeprefix('::group::')}"
    parts = [part for part in (_when(entry.get("timestamp")), str(entry.get("level") or "").upper()) if part]
    text = " ".join([*parts, event])
    for error in entry.get("error_detail") or ():
        if not isinstance(error, Mapping):
            continue
        lines = [f'  File "{f.get("filename")}", line {f.get("lineno")}, in {f.get("name")}'
                 for f in error.get("frames") or () if isinstance(f, Mapping)]
        text += "\n" + "\n".join(["Traceback (most recent call last):", *lines,
                                   f"{error.get('exc_type')}: {error.get('exc_value')}"])
    return text + "\n"


#: The group Airflow puts first in a log: where it read it from (the worker's log server while
#: the try runs, the file after), not the log itself, so it is left out.
SOURCES_GROUP = "::group::Log message source details"


def pick_task(tis: Iterable[TaskInstance]) -> TaskInstance | None:
    """The task instance whose log a run's log shows when none is chosen: a failed one, else
    one running, else the one that started last."""
    started = [ti for ti in tis if ti.try_number > 0]
    for wanted in ("failed", "running", "up_for_retry"):
        hits = [ti for ti in started if ti.state == wanted]
        if hits:
            return hits[0]
    dated = [ti for ti in started if ti.start_date is not None]
    if dated:
        return max(dated, key=lambda ti: ti.start_date or datetime.min)
    return started[-1] if started else None
