"""Slurm records → jobdeck's jobs, runs and timelines.

A plain job is one ``Job``. An array is one ``Job`` too (its id the array's
job id, its group ``1234_[0-99]`` with the tasks' counts by state) whose runs
are its tasks (``1234_0`` …); the queue's one record for the tasks still
pending (``1234_[5-99]``) is spread into one pending task each. A
heterogeneous job is one ``Job`` whose runs are its components (``1234+0`` …).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jobdeck.adapters.slurm.states import END_WORDS, exit_words, explain_reason, job_state
from jobdeck.adapters.slurm.wire import SlurmRecord
from jobdeck.model import Counts, Job, JobGroup, JobRef, JobState, Run, StateCounts, StatusEvent
from jobdeck.redact import redact

#: At most this many pending tasks are spread out of one record (MaxArraySize can be millions).
MAX_SPREAD = 100_000
#: The order in which an array's task states decide the array's own state.
_ARRAY_STATE_ORDER = (JobState.RUNNING, JobState.PENDING, JobState.PAUSED, JobState.FAILED, JobState.CANCELED,
                      JobState.UNKNOWN, JobState.SUCCEEDED)


@dataclass(frozen=True, slots=True)
class Unit:
    """What becomes one Job: a plain job, or an array's (or a het job's) records."""

    id: str
    kind: str  # "job", "array", "het"
    records: tuple[SlurmRecord, ...]


def when(seconds: int | None) -> datetime | None:
    return datetime.fromtimestamp(seconds, UTC) if seconds else None


def task_ids(spec: str) -> list[int]:
    """``"2-4"``, ``"1,3,5-7"``, ``"0-99:2"`` or ``"0-99%5"`` as task ids (at most MAX_SPREAD)."""
    ids: list[int] = []
    for part in spec.split("%", 1)[0].strip("[]").split(","):
        bounds, _, step_text = part.partition(":")
        first, _, last = bounds.partition("-")
        try:
            start, stop, step = int(first), int(last or first), int(step_text or 1)
        except ValueError:
            continue
        ids.extend(range(start, min(stop, start + MAX_SPREAD * step) + 1, max(1, step)))
        if len(ids) >= MAX_SPREAD:
            return ids[:MAX_SPREAD]
    return ids


def compress(ids: Iterable[int]) -> str:
    """Task ids as Slurm writes them: ``0-4,7``."""
    ordered = sorted(set(ids))
    parts: list[str] = []
    start = prev = None
    for task in ordered:
        if start is None:
            start = prev = task
        elif task == prev + 1:
            prev = task
        else:
            parts.append(f"{start}" if start == prev else f"{start}-{prev}")
            start = prev = task
    if start is not None:
        parts.append(f"{start}" if start == prev else f"{start}-{prev}")
    return ",".join(parts)


def spread(records: Iterable[SlurmRecord]) -> list[SlurmRecord]:
    """Records with each array's pending-tasks record made into one record per task."""
    from dataclasses import replace

    out: list[SlurmRecord] = []
    for record in records:
        if not record.array_job_id or record.array_task_id is not None:
            out.append(record)
        elif record.array_pending:
            out.extend(replace(record, array_task_id=task, array_pending=None) for task in task_ids(record.array_pending))
        # else: an array record that names no task: nothing to show of it
    return out


def run_id(record: SlurmRecord) -> str:
    if record.het_job_id is not None and record.het_offset is not None:
        return f"{record.het_job_id}+{record.het_offset}"
    return record.task_key


def units(records: Iterable[SlurmRecord], last: dict[str, Unit] | None = None) -> list[Unit]:
    """Records grouped into what becomes one Job each, in the order first seen; a unit of
    ``last`` (the last poll's, by id) whose records are the very same is reused."""
    last = last or {}
    found: dict[str, Unit | list[SlurmRecord]] = {}
    for record in records:
        key = record.unit_key
        if record.unit_kind == "job":
            earlier = last.get(key)
            if earlier is not None and len(earlier.records) == 1 and earlier.records[0] is record:
                found[key] = earlier
            else:
                found[key] = Unit(key, "job", (record,))
            continue
        group = found.get(key)
        if isinstance(group, list):
            group.append(record)
        else:
            found[key] = [record]
    made: list[Unit] = []
    for key, entry in found.items():
        if isinstance(entry, Unit):
            made.append(entry)
            continue
        earlier = last.get(key)
        if earlier is not None and len(earlier.records) == len(entry) and all(
            a is b for a, b in zip(earlier.records, entry)  # noqa: B905 - same length
        ):
            made.append(earlier)
        else:
            made.append(Unit(key, entry[0].unit_kind, tuple(entry)))
    return made


def record_state(record: SlurmRecord) -> JobState:
    return job_state(record.state, record.reason)


def record_error(record: SlurmRecord) -> str | None:
    """Why a job did not succeed, in a few words (None when it did, or has not ended)."""
    state = record_state(record)
    if state not in (JobState.FAILED, JobState.CANCELED):
        return None
    words = exit_words(record.exit)
    end = END_WORDS.get(record.state or "")
    if end and words and not words.startswith("exit 0"):
        return f"{end} ({words})"
    if end:
        return end
    if words and words != "exit 0":
        return words
    return explain_reason(record.reason) or (record.state or "").lower() or None


def _labels(record: SlurmRecord) -> dict[str, str]:
    labels = {
        "user": record.user or "",
        "partition": record.partition or "",
        "nodes": record.nodes or "",
        "reason": record.reason if record.reason and record.reason != "None" else "",
        "exit": (exit_words(record.exit) or "") if record_state(record).is_terminal else "",
    }
    if record.restarts:
        labels["requeued"] = str(record.restarts)
    return {key: value for key, value in labels.items() if value}


def record_detail(record: SlurmRecord) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "job_id": record.job_id,
        "slurm_id": run_id(record),
        "state": record.state,
        "state_flags": list(record.flags),
        "reason": record.reason,
        "reason_means": explain_reason(record.reason),
        "exit": exit_words(record.exit) if record_state(record).is_terminal else None,
        "restarts": record.restarts,
        "user": record.user,
        "partition": record.partition,
        "nodes": record.nodes,
        "stdout": record.stdout,
        "stderr": record.stderr,
        "workdir": record.workdir,
        "time_limit_minutes": record.time_limit,
        "from": record.source,
    }
    return redact({key: value for key, value in fields.items() if value not in (None, "", [])})


def raw_state(record: SlurmRecord) -> str | None:
    """Slurm's state, with the reason of a job still waiting (``PENDING (Resources)``): what it waits for."""
    if record.state and record.reason and record.reason != "None" and record_state(record) in (
        JobState.PENDING, JobState.PAUSED):
        return f"{record.state} ({record.reason})"
    return record.state


def job_from_unit(backend: str, unit: Unit) -> Job:
    if unit.kind == "job":
        return _plain_job(backend, unit.records[0])
    return _group_job(backend, unit)


def _plain_job(backend: str, record: SlurmRecord) -> Job:
    state = record_state(record)
    return Job(
        ref=JobRef(backend=backend, id=unit_id(record)),
        name=record.name or str(record.job_id),
        state=state,
        raw_state=raw_state(record),
        created=when(record.submit),
        started=when(record.start),
        ended=when(record.end) if state.is_terminal else None,
        labels=_labels(record),
        error=record_error(record),
        detail=record_detail(record),
    )


def unit_id(record: SlurmRecord) -> str:
    return str(record.array_job_id or record.het_job_id or record.job_id)


def group_state(tasks: Iterable[SlurmRecord]) -> tuple[JobState, StateCounts]:
    """An array's (or a het job's) state, decided by its tasks' states, and their counts."""
    tally = StateCounts.of(record_state(task) for task in tasks)
    return next((s for s in _ARRAY_STATE_ORDER if tally.count(s)), JobState.UNKNOWN), tally


def _group_job(backend: str, unit: Unit) -> Job:
    tasks = sorted(unit.records, key=run_order)
    state, tally = group_state(tasks)
    if unit.kind == "array":
        ids = [task.array_task_id for task in tasks if task.array_task_id is not None]
        group_name = f"{unit.id}_[{compress(ids)}]"
    else:
        group_name = f"{unit.id}+[0-{len(tasks) - 1}]"
    group = JobGroup(key=unit.id, name=group_name, counts=tally)
    first = tasks[0]
    starts = [task.start for task in tasks if task.start]
    ends = [task.end for task in tasks if task.end]
    failed = [task for task in tasks if record_state(task) in (JobState.FAILED, JobState.CANCELED)]
    error = None
    if failed:
        example = failed[0]
        error = f"{len(failed)} of {len(tasks)} {'tasks' if unit.kind == 'array' else 'components'} did not succeed"
        words = record_error(example)
        error += f" ({run_id(example)}: {words})" if words else ""
    raw = ", ".join(f"{n} {s}" for s, n in Counter(task.state or "?" for task in tasks).most_common())
    labels = {"user": first.user or "", "partition": first.partition or "", unit.kind: group_name}
    return Job(
        ref=JobRef(backend=backend, id=unit.id),
        name=first.name or unit.id,
        state=state,
        raw_state=raw,
        created=when(min((task.submit for task in tasks if task.submit), default=None)),
        started=when(min(starts, default=None)),
        ended=when(max(ends, default=None)) if state.is_terminal else None,
        counts=tally.as_counts() if unit.kind == "array" else Counts(total=len(tasks), succeeded=tally.count(JobState.SUCCEEDED), failed=len(failed)),
        labels={key: value for key, value in labels.items() if value},
        error=error,
        detail=redact({"kind": unit.kind, "slurm_id": group_name, "tasks": len(tasks), "from": first.source}),
        group=group,
    )


def run_order(record: SlurmRecord) -> tuple[int, int]:
    return (record.array_task_id if record.array_task_id is not None else (record.het_offset or 0), record.job_id)


def runs_of(backend: str, unit: Unit) -> list[Run]:
    """The unit's runs, newest first (an array's tasks by task id, highest first)."""
    job_ref = JobRef(backend=backend, id=unit.id)
    runs = []
    for record in sorted(unit.records, key=run_order, reverse=True):
        state = record_state(record)
        runs.append(
            Run(
                job=job_ref,
                id=run_id(record),
                state=state,
                raw_state=raw_state(record),
                started=when(record.start),
                ended=when(record.end) if state.is_terminal else None,
                error=record_error(record),
                reason=explain_reason(record.reason) or (record.reason if record.reason != "None" else None),
                detail=record_detail(record),
            )
        )
    return runs


def timeline_of(record: SlurmRecord, *, run: str | None = None) -> list[StatusEvent]:
    """Submit, eligible, start and end of one record, from Slurm's own times."""
    events: list[StatusEvent] = []
    if record.submit:
        events.append(StatusEvent(at=when(record.submit), state=JobState.PENDING, raw_state="PENDING",
                                  message="submitted", run=run))
    if record.eligible and record.eligible != record.submit and (not record.start or record.eligible <= record.start):
        events.append(StatusEvent(at=when(record.eligible), state=JobState.PENDING, raw_state="PENDING",
                                  message="eligible to start", run=run))
    if record.start:
        started = "started" + (f" (run {record.restarts + 1}, after {record.restarts} requeue"
                               f"{'s' if record.restarts > 1 else ''})" if record.restarts else "")
        started += f" on {record.nodes}" if record.nodes else ""
        events.append(StatusEvent(at=when(record.start), state=JobState.RUNNING, raw_state="RUNNING",
                                  message=started, run=run))
    state = record_state(record)
    if record.end and state.is_terminal:
        words = record_error(record) or exit_words(record.exit)
        events.append(StatusEvent(at=when(record.end), state=state, raw_state=record.state, message=words, run=run))
    return events


def group_timeline(unit: Unit) -> list[StatusEvent]:
    """An array's (or a het job's) own events, about no task (run None): submitted, its first
    task started, and how it ended once every task has. A task's own "submitted" at the same
    time as the array's is left out of the task's events (``is_group_submit``)."""
    tasks = unit.records
    noun, what = ("array", "tasks") if unit.kind == "array" else ("het job", "components")
    events: list[StatusEvent] = []
    submitted = min((task.submit for task in tasks if task.submit), default=None)
    if submitted:
        events.append(StatusEvent(at=when(submitted), state=JobState.PENDING, raw_state="PENDING",
                                  message=f"{noun} submitted: {len(tasks)} {what}"))
    started = [task for task in tasks if task.start]
    if started:
        first = min(started, key=lambda task: (task.start or 0, run_order(task)))
        events.append(StatusEvent(at=when(first.start), state=JobState.RUNNING, raw_state="RUNNING",
                                  message=f"{noun} started: {run_id(first)} first"
                                  + (f", on {first.nodes}" if first.nodes else "")))
    state, tally = group_state(tasks)
    ended = max((task.end for task in tasks if task.end), default=None)
    if state.is_terminal and ended:
        said = ", ".join(f"{tally.count(s)} {s.value}" for s in _ARRAY_STATE_ORDER if tally.count(s))
        events.append(StatusEvent(at=when(ended), state=state, raw_state=state.value.upper(),
                                  message=f"{noun} ended: {said}"))
    return events


def is_group_submit(event: StatusEvent, group: list[StatusEvent]) -> bool:
    """Whether ``event`` is a task's "submitted" said already by its array's own (at the same time)."""
    return event.message == "submitted" and bool(group) and group[0].state is JobState.PENDING and group[0].at == event.at
