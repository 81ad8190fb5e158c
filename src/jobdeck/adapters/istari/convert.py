"""From Istari's wire objects to the common model: jobs, timelines and the
status-message "log". Pure functions, no I/O."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from jobdeck.adapters.istari import wire
from jobdeck.model import Job, JobRef, JobState, StatusEvent, map_state
from jobdeck.redact import hide_secret_lines, redact
from jobdeck.sizes import byte_size

#: Extensions and MIME types of parameters files worth showing as text.
TEXT_EXTENSIONS = frozenset({"json", "txt", "yaml", "yml", "toml", "ini", "cfg", "csv", "xml", "md"})
TEXT_MIME = ("text/", "application/json", "application/xml", "application/yaml", "application/x-yaml")
#: How many comments the detail lists.
MAX_COMMENTS = 5


def state_of(job: wire.Job) -> tuple[JobState, str | None]:
    raw = job.status.name if job.status else None
    return map_state(raw, wire.STATE_BY_STATUS), raw


def to_job(
    backend: str, job: wire.Job, *, listed_archived: bool = False, totals: Mapping[str, str] | None = None
) -> Job:
    """The deck's Job. ``listed_archived``: it came from the ``archive_status=archived`` listing."""
    state, raw = state_of(job)
    archived = job.archived if job.archived is not None else listed_archived
    started = next((s.created for s in job.status_history if map_state(s.name, wire.STATE_BY_STATUS)
                    in (JobState.RUNNING, JobState.SUCCEEDED, JobState.FAILED)), None)
    ended = job.status.created if job.status and state.is_terminal else None
    moments = [s.created for s in job.status_history] + [a.created for a in job.archive_status_history]
    error = job.status.message if job.status and state is JobState.FAILED else None
    return Job(
        ref=JobRef(backend=backend, id=job.id),
        name=name_of(job),
        state=state,
        raw_state=raw,
        created=job.created,
        started=started,
        ended=ended,
        updated=max(moments) if moments else job.created,
        # Istari keeps no per-job counters: one job is one execution. Backend and
        # function totals go in ``detail`` instead (see IstariAdapter.describe).
        counts=None,
        archived=archived,
        archived_by="backend" if archived else None,
        labels=redact(labels_of(job)),
        error=redact_text(error) if error else None,
        detail=redact(detail_of(job, totals or {})),
    )


def name_of(job: wire.Job) -> str:
    """Istari jobs have no name: the function, and the model it runs on, say what a job is."""
    function = job.function.name if job.function else f"job {job.id[:8]}"
    return f"{function} · {job.model_id}" if job.model_id else function


def agent_name(job: wire.Job, agent_id: str | None = None) -> str | None:
    info = job.agent_information
    wanted = agent_id or job.assigned_agent_id
    if info and (wanted is None or info.agent_id == wanted):
        return info.display_name or info.agent_id
    return wanted


def labels_of(job: wire.Job) -> dict[str, str]:
    labels = {
        "function": job.function.name if job.function else None,
        "model": job.model_id,
        "agent": agent_name(job),
        # Only the pool's agents may claim the job: why a Pending one may wait while others run.
        "agent pool": job.assigned_agent_pool_id,
        "tool": (job.function.tool_display_name or job.function.tool_name) if job.function else None,
    }
    return {key: value for key, value in labels.items() if value}


def detail_of(job: wire.Job, totals: Mapping[str, str]) -> dict[str, Any]:
    function = job.function
    revision = job.file.current if job.file else None
    detail: dict[str, Any] = {
        "function": {
            "name": function.name if function else None,
            "version": function.version if function else None,
            "tool": (function.tool_display_name or function.tool_name) if function else None,
            "entrypoint": function.entrypoint if function else None,
            "module": function.module_name if function else None,
        },
        "model": job.model_id,
        "agent": {"id": job.agent_information.agent_id if job.agent_information else job.assigned_agent_id,
                  "name": agent_name(job)},
        "created by": job.created_by_id,
        "tenant": job.tenant_id,
        "input file": {
            "name": revision.file_name if revision else None,
            "size": byte_size(revision.size) if revision and revision.size is not None else None,
            "type": revision.mime if revision else None,
        },
        "comments": comments_of(job) or "none",
    }
    if function and function.name in totals:
        detail["function totals"] = totals[function.name]
    if "" in totals:
        detail["backend totals"] = totals[""]
    return detail


def comments_of(job: wire.Job) -> dict[str, str]:
    shown: dict[str, str] = {}
    for number, comment in enumerate(job.comments[-MAX_COMMENTS:], start=max(1, len(job.comments) - MAX_COMMENTS + 1)):
        revision = comment.file.current if comment.file else None
        text = (revision.description or revision.file_name) if revision else None
        when = iso(comment.created) if comment.created else "?"
        shown[str(number)] = f"{comment.created_by_id or 'someone'}, {when}: {text or '(text in the comment file)'}"
    return shown


def timeline_of(job: wire.Job) -> list[StatusEvent]:
    """``status_history`` merged with ``archive_status_history``, oldest first.

    The first archive entry ("Active" at creation) says nothing and is left out.
    An archive entry carries the job's state at that moment.
    """
    events: list[tuple[datetime, int, StatusEvent]] = []
    for order, status in enumerate(job.status_history):
        events.append((status.created, order, StatusEvent(
            at=status.created,
            state=map_state(status.name, wire.STATE_BY_STATUS),
            raw_state=status.name,
            message=redact_text(status.message) if status.message else None,
            actor=agent_name(job, status.agent_id) if status.agent_id else status.created_by_id,
        )))
    history = job.archive_status_history
    for order, entry in enumerate(history[1:] if history and not history[0].archived else history):
        state = _state_at(job, entry.created)
        verb = "archived" if entry.archived else "restored"
        reason = redact_text(entry.reason) if entry.reason else None
        events.append((entry.created, len(job.status_history) + order, StatusEvent(
            at=entry.created, state=state, raw_state=entry.name,
            message=f"{verb}: {reason}" if reason else verb, actor=entry.created_by_id,
        )))
    return [event for _, _, event in sorted(events, key=lambda item: (item[0], item[1]))]


def _state_at(job: wire.Job, moment: datetime) -> JobState:
    state = JobState.UNKNOWN
    for status in job.status_history:
        if status.created <= moment:
            state = map_state(status.name, wire.STATE_BY_STATUS)
    return state


def status_log(job: wire.Job) -> str:
    """The status messages as log lines: time, status, message, who."""
    lines = []
    for status in job.status_history:
        who = agent_name(job, status.agent_id) if status.agent_id else status.created_by_id
        message = redact_text(status.message) if status.message else ""
        line = f"{iso(status.created)}  {status.name:<10}  {message}".rstrip()
        lines.append(f"{line}  [{who}]" if who else line)
    return "".join(f"{line}\n" for line in lines)


def is_text_file(revision: wire.FileRevision) -> bool:
    mime = (revision.mime or "").lower()
    extension = (revision.extension or "").lower().lstrip(".")
    return mime.startswith(TEXT_MIME) or extension in TEXT_EXTENSIONS


def parameters_text(revision: wire.FileRevision, content: bytes) -> str:
    """The parameters file, decoded and with secrets hidden; a short note when it is not text."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return f"(the parameters file is binary, {byte_size(len(content))}; not shown)\n"
    try:
        data = json.loads(text)
    except ValueError:
        return redact_text(text).rstrip("\n") + "\n"
    return json.dumps(redact(data), indent=2, ensure_ascii=False) + "\n"


def redact_text(text: str) -> str:
    """``text`` with the value of every ``password = x`` / ``api_token: x`` line hidden."""
    return hide_secret_lines(text)


def totals_text(totals: Mapping[str, int], overall: int | None) -> str:
    """``118 jobs: 97 Completed, 12 Failed`` (statuses with none are left out)."""
    parts = [f"{count} {name}" for name, count in totals.items() if count]
    head = f"{overall} jobs" if overall is not None else f"{sum(totals.values())} jobs"
    return f"{head}: {', '.join(parts)}" if parts else head


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
