"""Intuned wire objects → jobdeck's model, secrets redacted on the way.

A job row is the job plus the run that speaks for it: the active run if
there is one, else the newest. Its state is the job's when paused, else that
run's; its counts are that run's ``payloads`` / ``successful_runs`` /
``failed_runs``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from jobdeck.clock import as_utc
from jobdeck.model import Counts, Job, JobRef, JobState, Run, StatusEvent, map_state
from jobdeck.redact import REDACTED, redact

from jobdeck.adapters.intuned.wire import WireJob, WireResults, WireRun, WireRunError, WireReason

#: Keys whose values are secrets wherever they appear: S3 credentials and
#: webhook (sink or notification) headers, besides redact's own
#: secret/password/token/authorization rule.
SECRET_KEYS = ("secretAccessKey", "accessKeyId", "headers")

#: Intuned has no RUNNING status: PENDING covers queued and in-flight runs,
#: told apart here by whether any payload has finished (see ``run_state``).
RUN_STATES: dict[str, JobState] = {
    "PENDING": JobState.PENDING,
    "PAUSING": JobState.PAUSED,
    "PAUSED": JobState.PAUSED,
    "RESUMING": JobState.RUNNING,
    "SUCCESS": JobState.SUCCEEDED,
    "COMPLETED": JobState.SUCCEEDED,
    "FAILURE": JobState.FAILED,
    "FAILED": JobState.FAILED,  # the legacy spelling
    "TERMINATED": JobState.CANCELED,
    "CANCELED": JobState.CANCELED,
}


# -- secrets ------------------------------------------------------------------------------


def scrub(data: Any) -> Any:
    """``data`` with every Intuned secret hidden: S3 keys, webhook headers, auth
    session ids, credentials in proxy URLs and the signature of signed URLs."""
    return _scrub_ids(redact(data, SECRET_KEYS))


def _scrub_ids(data: Any) -> Any:
    if isinstance(data, dict):
        cleaned: dict[str, Any] = {}
        for key, value in data.items():
            if key == "auth_session" and isinstance(value, dict):
                value = {**value, "id": REDACTED} if value.get("id") else value
            elif key in ("url", "proxy", "signed_url") and isinstance(value, str):
                value = safe_url(value, keep_query=key != "signed_url")
            cleaned[key] = _scrub_ids(value)
        return cleaned
    if isinstance(data, list):
        return [_scrub_ids(item) for item in data]
    return data


def safe_url(url: str, *, keep_query: bool = True) -> str:
    """A URL without user:password (and without its query when that is a signature)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return REDACTED
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rsplit('@', 1)[1]}"
    query = parts.query if keep_query else (REDACTED if parts.query else "")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


# -- states and words ------------------------------------------------------------------------


def run_state(run: WireRun) -> JobState:
    state = map_state(run.status, RUN_STATES)
    if state is JobState.PENDING and run.done > 0:
        return JobState.RUNNING
    return state


def short_id(run_id: str) -> str:
    return run_id[:8]


def counts_of(run: WireRun) -> Counts | None:
    if run.payloads is None and run.successful_runs is None and run.failed_runs is None:
        return None
    return Counts(total=run.payloads, succeeded=run.successful_runs or 0, failed=run.failed_runs or 0)


def counts_words(run: WireRun) -> str:
    total = "?" if run.payloads is None else str(run.payloads)
    return f"{run.successful_runs or 0} succeeded, {run.failed_runs or 0} failed of {total} payloads"


def error_text(error: WireRunError | None) -> str | None:
    """``message (code, category) · correlation id …``: everything support asks for, on one line."""
    if error is None:
        return None
    words = error.message or "the run failed"
    kind = ", ".join(part for part in (error.code, error.category) if part)
    if kind:
        words += f" ({kind})"
    if error.correlationId:
        words += f" · correlation id {error.correlationId}"
    return words


def reason_text(reason: WireReason | None) -> str | None:
    if reason is None or not (reason.type or reason.message):
        return None
    return ": ".join(part for part in (reason.type, reason.message) if part)


def schedule_text(schedule: dict[str, Any] | None) -> str | None:
    """``every 3m``, ``daily 02:00``, ``MONDAY 06:00`` … from a schedule object."""
    if not isinstance(schedule, dict):
        return None
    parts: list[str] = []
    for interval in schedule.get("intervals") or []:
        every = interval.get("every") if isinstance(interval, dict) else None
        if every is not None:
            parts.append(f"every {every}" if isinstance(every, str) else f"every {every}s")
    for calendar in schedule.get("calendars") or []:
        if isinstance(calendar, dict):
            parts.append(_calendar_text(calendar))
    return ", ".join(parts) or None


def _calendar_text(calendar: dict[str, Any]) -> str:
    hour, minute = calendar.get("hour", 0), calendar.get("minute", 0)
    at = f"{hour:02d}:{minute:02d}" if isinstance(hour, int) and isinstance(minute, int) else "calendar"
    day = calendar.get("dayOfWeek")
    if isinstance(day, str) and day != "*":
        return f"{day.capitalize()} {at}"
    if calendar.get("dayOfMonth") not in (None, "*"):
        return f"monthly {at}"
    return f"daily {at}"


def moment(value: datetime | None) -> str | None:
    """``2026-01-01 12:00`` in UTC, for labels."""
    if value is None:
        return None
    return f"{as_utc(value):%Y-%m-%d %H:%M}"


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


# -- model objects ---------------------------------------------------------------------------


def run_detail(run: WireRun, results: WireResults | None = None) -> dict[str, Any]:
    """A run's own fields for the detail pane, secrets redacted."""
    detail: dict[str, Any] = {
        "id": run.id,
        "type": run.type,
        "status": run.status,
        "payloads": run.payloads,
        "successful_runs": run.successful_runs,
        "failed_runs": run.failed_runs,
        "start_time": iso(run.start_time),
        "end_time": iso(run.end_time),
    }
    if run.error is not None:
        detail["error"] = {
            "message": run.error.message,
            "code": run.error.code,
            "category": run.error.category,
            "correlationId": run.error.correlationId,
            "doc_url": run.error.doc_url,
        }
    if run.reason is not None:
        detail["reason"] = {"type": run.reason.type, "message": run.reason.message, "doc_url": run.reason.doc_url}
    if results is not None:
        detail["results"] = {"format": results.format, "size": results.size, "signed_url": results.signed_url,
                             "expires": results.signed_url_expiration}
    return scrub(detail)


def to_run(backend: str, job_id: str, run: WireRun, results: WireResults | None = None) -> Run:
    detail = run_detail(run, results)
    if run.job_configuration_snapshot:
        detail["job_configuration_snapshot"] = scrub(run.job_configuration_snapshot)
    return Run(
        job=JobRef(backend=backend, id=job_id),
        id=run.id,
        state=run_state(run),
        raw_state=run.status,
        started=run.start_time,
        ended=run.end_time,
        counts=counts_of(run),
        error=error_text(run.error),
        reason=reason_text(run.reason),
        detail=detail,
    )


def to_job(backend: str, project: str, job: WireJob, run: WireRun | None) -> Job:
    paused = (job.state or "").upper() == "PAUSED"
    if paused:
        state, raw = JobState.PAUSED, job.state
    elif (job.state or "").upper() not in ("ACTIVE", ""):
        state, raw = JobState.UNKNOWN, job.state  # a job state this adapter does not know
    elif run is not None:
        state, raw = run_state(run), run.status
    else:
        state, raw = JobState.PENDING, job.state  # active, waiting for its first run
    labels = {
        "project": project,
        "state": job.state or "?",
        "schedule": schedule_text(job.schedule),
        "next run": moment(job.next_run_time),
        "last run": moment(job.last_run_time),
        "run": run.type.lower() if run is not None and run.type else None,
    }
    if paused and job.reason is not None and job.reason.message:
        labels["paused"] = job.reason.message
    detail: dict[str, Any] = {
        "state": job.state,
        "schedule": schedule_text(job.schedule),
        "next_run_time": iso(job.next_run_time),
        "last_run_time": iso(job.last_run_time),
        "configuration": job.configuration,
        "payload": f"{len(job.payload or [])} items",
        "sink": job.sink,
        "auth_session": job.auth_session,
        "proxy": job.proxy,
    }
    if job.reason is not None:
        detail["reason"] = {"type": job.reason.type, "message": job.reason.message}
    if run is not None:
        detail["run"] = run_detail(run)
    error = None
    if run is not None and not paused:
        error = error_text(run.error) or (reason_text(run.reason) if run_state(run) is JobState.FAILED else None)
    return Job(
        ref=JobRef(backend=backend, id=job.id),
        name=job.id,
        state=state,
        raw_state=raw,
        created=job.created_at,
        started=run.start_time if run else None,
        ended=run.end_time if run else None,
        updated=(run.updated_at or run.start_time) if run else job.created_at,
        counts=counts_of(run) if run else None,
        labels=scrub({key: value for key, value in labels.items() if value}),
        error=error,
        detail=scrub({key: value for key, value in detail.items() if value is not None}),
    )


def run_events(run: WireRun) -> list[StatusEvent]:
    """A run's start and (if over) end, for the timeline."""
    events: list[StatusEvent] = []
    kind = (run.type or "").lower() or "a"
    if run.start_time is not None:
        events.append(StatusEvent(at=run.start_time, state=JobState.RUNNING, raw_state="PENDING",
                                  message=f"{kind} run {short_id(run.id)} started", actor="intuned"))
    if run.end_time is not None and run.final:
        words = f"run {short_id(run.id)} {run.status}: {counts_words(run)}"
        extra = error_text(run.error) or reason_text(run.reason)
        events.append(StatusEvent(at=run.end_time, state=run_state(run), raw_state=run.status,
                                  message=f"{words}; {extra}" if extra else words, actor="intuned"))
    return events
