"""The Ray Jobs API's shapes → jobdeck's common model."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import httpx

from jobdeck.adapters.kit.text import one_line
from jobdeck.adapters.ray.wire import RayJob
from jobdeck.model import Counts, Job, JobRef, JobState, StatusEvent, map_state
from jobdeck.redact import REDACTED, hide_named_secrets, redact

#: JobStatus of the Jobs API.
RAY_STATES: dict[str, JobState] = {
    "PENDING": JobState.PENDING,
    "RUNNING": JobState.RUNNING,
    "SUCCEEDED": JobState.SUCCEEDED,
    "FAILED": JobState.FAILED,
    "STOPPED": JobState.CANCELED,
}
TERMINAL_RAW = frozenset({"SUCCEEDED", "FAILED", "STOPPED"})

#: Task states of the state API that are done, by outcome; every other one is still to run or running.
TASK_SUCCEEDED = frozenset({"FINISHED"})
TASK_FAILED = frozenset({"FAILED"})

#: An environment variable whose name says it holds a credential (beyond ``redact``'s keys).
SECRET_ENV_NAME = re.compile(r"(KEY|PASS|PASSWD|PASSWORD|SECRET|TOKEN|CREDENTIAL|PRIVATE|AUTH|COOKIE|SESSION)", re.I)
#: A URL's credentials (``https://user:token@host/…``, ``https://token@host/…``), as runtime_env's
#: working_dir, py_modules and pip index URLs carry them for private repositories.
URL_CREDENTIALS = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)[^\s/@'\"]+@")
#: The part of a failure message after which Ray appends the log's end.
LOGS_APPENDED = re.compile(r"(,?\s*last available logs|\.?\s*Full traceback:).*", re.I | re.S)
ERROR_LIMIT = 300
NAME_LIMIT = 80
#: The line of a Python traceback that names the exception ("RuntimeError: Attempted to delete …").
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b.*:")
NO_TASKS = "no Ray tasks (the entrypoint did not start a Ray driver)"


def when(epoch_ms: int | None) -> datetime | None:
    if not epoch_ms or epoch_ms <= 0:
        return None
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)


def hide_url_credentials(data: Any) -> Any:
    """``data`` (text, or dicts and lists of it) with the credentials of every URL in it hidden;
    the rest of each URL is kept (``https://••••@github.com/org/repo``)."""
    if isinstance(data, str):
        return URL_CREDENTIALS.sub(lambda match: f"{match['scheme']}{REDACTED}@", data)
    if isinstance(data, dict):
        return {key: hide_url_credentials(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return type(data)(hide_url_credentials(item) for item in data)
    return data


def redacted_entrypoint(entrypoint: str) -> str:
    """The entrypoint with the secrets on its command line hidden (by their names) and those in its URLs."""
    return hide_url_credentials(hide_named_secrets(entrypoint))


def redacted_runtime_env(runtime_env: dict[str, Any] | None) -> dict[str, Any] | None:
    """``runtime_env`` with every secret hidden: keys that name one, and the values of
    environment variables whose names look like credentials (``AWS_SECRET_ACCESS_KEY``, ``DB_PASS``)."""
    if runtime_env is None:
        return None
    hidden = redact(runtime_env)
    env_vars = hidden.get("env_vars")
    if isinstance(env_vars, dict):
        hidden["env_vars"] = {
            name: REDACTED if isinstance(name, str) and SECRET_ENV_NAME.search(name) and value not in (None, "") else value
            for name, value in env_vars.items()
        }
    return hidden


def error_text(wire: RayJob) -> str | None:
    """What went wrong, in one line: Ray's message (without the log end it appends), its
    error type and the entrypoint's exit code. None for a job that did not fail or stop."""
    if wire.status not in ("FAILED", "STOPPED"):
        return None
    message = LOGS_APPENDED.sub("", wire.message or "").strip()
    first = message.splitlines()[0] if message else ""
    parts = [one_line(first, ERROR_LIMIT)] if first else []
    extra = [part for part in (wire.error_type, f"exit code {wire.driver_exit_code}" if wire.driver_exit_code is not None else None) if part]
    if extra:
        parts.append(f"({', '.join(extra)})")
    return hide_url_credentials(" ".join(parts)) or (wire.status.lower() if wire.status else None)


def labels_of(wire: RayJob) -> dict[str, str]:
    metadata = wire.metadata or {}
    return hide_url_credentials(redact({str(key): str(value) for key, value in metadata.items()}))


def name_of(wire: RayJob) -> str:
    metadata = wire.metadata or {}
    for key in ("name", "job_name"):
        if isinstance(metadata.get(key), str) and metadata[key].strip():
            return one_line(hide_url_credentials(metadata[key]), NAME_LIMIT)
    return one_line(redacted_entrypoint(wire.entrypoint), NAME_LIMIT) or wire.key


def task_counts(state_counts: dict[str, int]) -> Counts:
    total = sum(max(0, int(n)) for n in state_counts.values())
    succeeded = sum(n for state, n in state_counts.items() if state in TASK_SUCCEEDED)
    failed = sum(n for state, n in state_counts.items() if state in TASK_FAILED)
    return Counts(total=total, succeeded=succeeded, failed=failed)


def to_job(backend: str, wire: RayJob, counts: Counts | None) -> Job:
    state = map_state(wire.status, RAY_STATES)
    submitted = when(wire.start_time)
    detail: dict[str, Any] = {
        "submission_id": wire.submission_id,
        "job_id": wire.job_id,
        "type": wire.type,
        "entrypoint": redacted_entrypoint(wire.entrypoint),
        "message": wire.message,
        "error_type": wire.error_type,
        "driver_exit_code": wire.driver_exit_code,
        "metadata": wire.metadata,
        "runtime_env": redacted_runtime_env(wire.runtime_env),
        "driver_info": wire.driver_info,
        "driver_node_id": wire.driver_node_id,
    }
    if counts is None and wire.job_id is None:
        detail["tasks"] = NO_TASKS
    elif counts is not None:
        detail["tasks"] = {"total": counts.total, "succeeded": counts.succeeded, "failed": counts.failed,
                           "running or waiting": (counts.total or 0) - counts.done}
    extra = {key: value for key, value in (wire.model_extra or {}).items() if key not in detail}
    detail.update(extra)
    return Job(
        ref=JobRef(backend=backend, id=wire.key),
        name=name_of(wire),
        state=state,
        raw_state=wire.status,
        created=submitted,
        # The Jobs API keeps no start time of its own: a job that left PENDING started
        # at submission as far as it tells (the monitor records when it saw it running),
        # unless it ended with no driver ever started.
        started=submitted if state is not JobState.PENDING and not never_ran(wire) else None,
        ended=when(wire.end_time),
        counts=counts,
        labels=labels_of(wire),
        error=error_text(wire),
        detail=hide_url_credentials(redact({key: value for key, value in detail.items() if value is not None})),
    )


def never_ran(wire: RayJob) -> bool:
    """The job ended before its entrypoint started (a bad runtime_env, stopped while pending): no
    node ever ran it. A shell entrypoint that ran has a node but no Ray job id of its own."""
    return wire.status in TERMINAL_RAW and not wire.driver_node_id and not wire.job_id and not wire.driver_info


def own_events(wire: RayJob) -> list[StatusEvent]:
    """What the Jobs API tells of the job's history: its submission and its end."""
    events: list[StatusEvent] = []
    submitted = when(wire.start_time)
    if submitted is not None:
        events.append(StatusEvent(at=submitted, state=JobState.PENDING, raw_state="PENDING", message="submitted"))
    ended = when(wire.end_time)
    if ended is not None and wire.status in TERMINAL_RAW:
        events.append(StatusEvent(at=ended, state=map_state(wire.status, RAY_STATES), raw_state=wire.status,
                                  message=error_text(wire) or "ended"))
    return events


def nodes_words(nodes: tuple[int, int] | None) -> str:
    if nodes is None:
        return "not read yet"
    alive, dead = nodes
    return f"{alive} alive" + (f", {dead} dead" if dead else "")


def ray_error_message(response: httpx.Response) -> str | None:
    """Ray's own words from an error answer, with any secret it echoes hidden (an answer to a
    submission may quote its entrypoint or runtime_env)."""
    words = _ray_error_words(response)
    if words is None:
        return None
    return redacted_entrypoint(words)


def _ray_error_words(response: httpx.Response) -> str | None:
    """Ray's own words from an error answer: JSON ``message``/``detail``, or its plain text
    (the last line of a traceback says what failed)."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict):
        for key in ("message", "msg", "detail", "error"):
            if isinstance(body.get(key), str) and body[key].strip():
                return one_line(body[key], 300)
    text = response.text.strip() if response.content else ""
    lines = [line.strip() for line in text.splitlines() if any(c.isalnum() for c in line)]
    if not lines:
        return response.reason_phrase or None
    if lines[0].startswith("Traceback"):
        # Ray answers a failure with its traceback as text: the exception's line says what failed.
        raised = [line for line in lines if EXCEPTION_LINE.match(line)]
        return one_line(raised[-1] if raised else lines[-1], 300)
    return one_line(lines[0], 300)
