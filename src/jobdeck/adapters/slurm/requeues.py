"""A requeued job's earlier runs, as runs and timeline events of their own.

Slurm runs a requeued job again under the same id (``scontrol requeue``, a node
failure, a preemption); accounting keeps a record per run (``sacct -D``), the
earlier ones in state REQUEUED. How an earlier run itself ended is its batch
step's (``<id>.batch``: COMPLETED, FAILED with its exit, CANCELLED when the
requeue stopped it while it ran), read when the job's runs are asked for.

The newest run keeps Slurm's id (``1234``, ``1234_5``); an earlier one is
``1234 run 1``, ``1234 run 2`` … in the order they ran.
"""

from __future__ import annotations

from typing import Any

from jobdeck.adapters.slurm.convert import Unit, record_detail, run_id, runs_of, timeline_of, when
from jobdeck.adapters.slurm.merge import Merged
from jobdeck.adapters.slurm.states import END_WORDS, exit_words, job_state
from jobdeck.adapters.slurm.wire import SlurmRecord
from jobdeck.model import JobRef, JobState, LogChunk, LogCursor, Run, StatusEvent

REQUEUED = "requeued: Slurm ran the job again under the same id"
SAME_FILE = ("Slurm writes every run of a requeued job to the same file: the newest run's log is that file "
             "(an earlier run's output is kept in it only with sbatch --open-mode=append)")
Steps = dict[tuple[str, int], SlurmRecord]


class Requeues:
    """The earlier runs of a poll's requeued jobs (``Merged``), with how each ended (the
    source's ``batch_steps``, read once a unit's set of earlier runs changes)."""

    def __init__(self, merged: Merged) -> None:
        self._merged = merged
        self._steps: dict[str, tuple[tuple[int, ...], Steps]] = {}

    def earlier(self, unit: Unit) -> dict[str, tuple[SlurmRecord, tuple[SlurmRecord, ...]]]:
        """The unit's runs that were requeued, by Slurm id: the record and its earlier runs."""
        found = {}
        for record in unit.records:
            earlier = self._merged.earlier_runs(record)
            if earlier:
                found[record.task_key] = (record, earlier)
        return found

    async def steps(self, source: Any, unit: Unit, requeued: dict[str, Any]) -> Steps:
        runs = tuple(sorted(run.submit or 0 for _, earlier in requeued.values() for run in earlier))
        kept = self._steps.get(unit.id)
        if kept is not None and kept[0] == runs:
            return kept[1]
        steps: Steps = await source.batch_steps(unit.id) if hasattr(source, "batch_steps") else {}
        if len(self._steps) >= 256:
            self._steps.clear()
        self._steps[unit.id] = (runs, steps)
        return steps

    async def runs(self, source: Any, backend: str, unit: Unit) -> list[Run]:
        """runs_of's runs, each newest run followed by its earlier ones."""
        runs = runs_of(backend, unit)
        requeued = self.earlier(unit)
        if not requeued:
            return runs
        steps = await self.steps(source, unit, requeued)
        by_run = {run_id(record): (record, earlier) for record, earlier in requeued.values()}
        ref = JobRef(backend=backend, id=unit.id)
        out: list[Run] = []
        for run in runs:
            found = by_run.get(run.id)
            if found is None:
                out.append(run)
                continue
            record, earlier = found
            out.append(run.model_copy(update={"detail": {**run.detail, "run": len(earlier) + 1}}))
            out.extend(earlier_runs(ref, record, earlier, own_steps(steps, record)))
        return out

    async def timelines(self, source: Any, unit: Unit) -> tuple[dict[str, Any], Steps]:
        """What ``timeline`` needs of the unit, asked once for all its records."""
        requeued = self.earlier(unit)
        return requeued, (await self.steps(source, unit, requeued) if requeued else {})

    @staticmethod
    def timeline(record: SlurmRecord, run: str | None, requeued: dict[str, Any], steps: Steps) -> list[StatusEvent]:
        """``record``'s events, with its earlier runs' when it was requeued (``timelines``)."""
        if record.task_key not in requeued:
            return timeline_of(record, run=run)
        return requeue_timeline(record, requeued[record.task_key][1], own_steps(steps, record), run)

    def log(self, unit: Unit, cursor: LogCursor) -> LogChunk | None:
        """The chunk of an earlier run's log (none of its own: see SAME_FILE); None for any other run."""
        if cursor.run is None or " run " not in cursor.run:
            return None
        for record, _ in self.earlier(unit).values():
            if is_earlier_run(record, cursor.run) is not None:
                return LogChunk(text="", cursor=cursor, notice=SAME_FILE, complete=True)
        return None


def own_steps(steps: Steps, record: SlurmRecord) -> dict[int, SlurmRecord]:
    """The batch steps of ``record``'s own runs, by the run's submit time."""
    return {submit: step for (key, submit), step in steps.items() if key == record.task_key}


def earlier_run_id(current: SlurmRecord, number: int) -> str:
    """The id of ``current``'s job's run ``number`` (1 the first) before ``current``."""
    return f"{run_id(current)} run {number}"


def is_earlier_run(current: SlurmRecord, run: str) -> int | None:
    """The number of the earlier run ``run`` names, when it is one of ``current``'s job."""
    prefix = f"{run_id(current)} run "
    if run.startswith(prefix) and run[len(prefix):].isdigit():
        return int(run[len(prefix):])
    return None


def outcome(run: SlurmRecord, step: SlurmRecord | None) -> tuple[JobState, str, str | None, int | None]:
    """How an earlier run ended: state, raw state, error and end time. Its batch step says; without
    it, the run's own exit code (a requeue records the code of the run it ended)."""
    if step is not None and step.state:
        state = job_state(step.state, None)
        error = None
        if state is JobState.CANCELED and step.end and run.end and step.end >= run.end:
            error = "stopped by the requeue" + (f" ({exit_words(step.exit)})" if step.exit and step.exit.signal else "")
        elif state in (JobState.FAILED, JobState.CANCELED):
            words = exit_words(step.exit)
            end = END_WORDS.get(step.state)
            error = f"{end} ({words})" if end and words and words != "exit 0" else (end or words)
        return state, step.state, error, step.end or run.end
    words = exit_words(run.exit)
    if words and words != "exit 0":
        return JobState.FAILED, "REQUEUED", words, run.end
    return JobState.UNKNOWN, "REQUEUED", None, run.end


def earlier_runs(
    job: JobRef, current: SlurmRecord, earlier: tuple[SlurmRecord, ...], steps: dict[int, SlurmRecord]
) -> list[Run]:
    """``current``'s earlier runs, newest first."""
    runs = []
    for number, run in enumerate(earlier, 1):
        state, raw, error, ended = outcome(run, steps.get(run.submit or 0))
        detail = record_detail(run) | {"run": number, "slurm_id": run_id(current)}
        runs.append(Run(job=job, id=earlier_run_id(current, number), state=state, raw_state=raw,
                        started=when(run.start), ended=when(ended), error=error, reason=REQUEUED, detail=detail))
    return runs[::-1]


def requeue_timeline(
    current: SlurmRecord, earlier: tuple[SlurmRecord, ...], steps: dict[int, SlurmRecord], run: str | None
) -> list[StatusEvent]:
    """Every run's submit (the first "submitted", the others "requeued"), start and end: the
    earlier runs' events carry their own run ids; the newest run's carry ``run``."""
    events: list[StatusEvent] = []
    for number, record in enumerate(earlier, 1):
        own = earlier_run_id(current, number)
        if record.submit:
            events.append(StatusEvent(at=when(record.submit), state=JobState.PENDING,
                                      raw_state="PENDING" if number == 1 else "REQUEUED",
                                      message="submitted" if number == 1 else "requeued", run=own))
        if record.start:
            events.append(StatusEvent(at=when(record.start), state=JobState.RUNNING, raw_state="RUNNING",
                                      message=f"started (run {number})" + (f" on {record.nodes}" if record.nodes else ""),
                                      run=own))
        state, raw, error, ended = outcome(record, steps.get(record.submit or 0))
        if ended:
            said = error or ("completed" if state is JobState.SUCCEEDED else raw.lower())
            events.append(StatusEvent(at=when(ended), state=state, raw_state=raw, message=f"run {number}: {said}",
                                      run=own))
    for event in timeline_of(current, run=run):
        if earlier and event.message == "submitted":
            event = event.model_copy(update={"message": "requeued", "raw_state": "REQUEUED"})
        events.append(event)
    return events
