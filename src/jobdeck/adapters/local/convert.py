"""The spool's records in the common model: a job folder as a Job, a run as a Run, events as a timeline."""

from __future__ import annotations

import os

from jobdeck.local.job_facts import JobFacts, facts_of
from jobdeck.local.job_records import JobRecord, RunRecord
from jobdeck.local.layout import LOG_FILE, RUNS_DIR
from jobdeck.model import Counts, Job, JobRef, JobState, Run, StatusEvent

_SEP = os.sep


def job_from_record(backend: str, record: JobRecord) -> Job:
    """The Job of one job folder of the backend named ``backend``."""
    return job_from_facts(backend, facts_of(record))


def job_from_facts(backend: str, facts: JobFacts) -> Job:
    """The Job of one job folder's facts (``jobdeck.local.job_facts``)."""
    folder, run, spec = facts.folder, facts.run, facts.spec
    labels: dict[str, str]
    detail: dict[str, object]
    if spec is not None:
        host, cwd, argv, command = spec
        labels = {"host": host, "cwd": cwd, "command": command}
        detail = {"spool": folder, "runs": facts.runs, "argv": list(argv), "cwd": cwd, "host": host}
    else:
        labels, detail = {}, {"spool": folder, "runs": facts.runs}
    if run is not None:
        detail["run"] = run
        detail["log"] = f"{folder}{_SEP}{RUNS_DIR}{_SEP}{run}{_SEP}{LOG_FILE}"
        if facts.pid is not None:
            detail["pid"] = facts.pid
        if facts.exit_code is not None:
            labels["exit_code"] = str(facts.exit_code)
            detail["exit_code"] = facts.exit_code
    if facts.supervisor_gone is not None:
        detail["supervisor_gone"] = facts.supervisor_gone
    counts = facts.counts
    return Job(
        ref=JobRef(backend=backend, id=facts.id),
        name=facts.name,
        state=facts.state,
        raw_state=facts.raw_state,
        created=facts.created,
        started=facts.started,
        ended=facts.ended,
        updated=facts.updated,
        progress=facts.progress,
        counts=None if counts is None else Counts(total=counts[0], succeeded=counts[1], failed=counts[2]),
        archived=facts.archived,
        archived_by="backend" if facts.archived else None,
        labels=labels,
        error=facts.error,
        detail=detail,
    )


def run_from_record(ref: JobRef, record: JobRecord, run: RunRecord) -> Run:
    """The Run of one of the job's runs; the latest is unknown if its supervisor died."""
    is_latest = record.latest is not None and run.number == record.latest.number
    orphaned = is_latest and record.supervisor_gone is not None
    process = run.process
    detail: dict[str, object] = {"run": run.number, "log": str(run.log_path)}
    if process is not None:
        detail["pid"] = process.pid
    if run.exit_code is not None:
        detail["exit_code"] = run.exit_code
    problems = list(run.problems)
    if orphaned:
        problems.insert(0, f"the supervisor (pid {record.supervisor_gone}) is gone")
    elif run.state is JobState.FAILED:
        problems.append(run.message or "failed")
    return Run(
        job=ref,
        id=str(run.number),
        state=JobState.UNKNOWN if orphaned else run.state,
        raw_state=run.raw_state,
        started=run.started,
        ended=run.ended,
        progress=_progress(run),
        counts=_counts(run),
        error="; ".join(problems) or None,
        reason=run.message,
        detail=detail,
    )


def timeline_of(runs: list[RunRecord]) -> list[StatusEvent]:
    """Every event of every run, in the order written: runs in turn, each run's file in order.

    With several runs, each message says which run it is about.
    """
    several = len(runs) > 1
    timeline: list[StatusEvent] = []
    for run in runs:
        for event in run.events:
            message = event.message or event.raw_state
            timeline.append(
                StatusEvent(
                    at=event.at,
                    state=event.state,
                    raw_state=event.raw_state,
                    message=f"run #{run.number}: {message}" if several else message,
                    actor=event.actor,
                    run=str(run.number),
                )
            )
    return timeline


def _progress(run: RunRecord | None) -> float | None:
    """The progress the run reported (``::jobdeck progress=N``), if any."""
    report = run.progress if run else None
    return report.progress if report else None


def _counts(run: RunRecord | None) -> Counts | None:
    """The counts the run reported (``::jobdeck succeeded=N failed=M total=T``), if any."""
    report = run.progress if run else None
    if report is None or not report.has_counts:
        return None
    return Counts(total=report.total, succeeded=report.succeeded or 0, failed=report.failed or 0)
