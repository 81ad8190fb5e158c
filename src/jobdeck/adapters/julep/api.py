"""The requests the ``julep`` adapter makes of an agents-api, each validated against the wire
models (``wire.py``), and Julep's error bodies read as words.

Each function takes the client to ask (``http``; the event streams' own client for a
stream) and the backend's name (for the messages of a bad response). What to ask, and
what to make of the answers as jobs, is the adapter's (``adapter.py``, ``convert.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx

from jobdeck.adapters.julep.convert import job_from_status, job_not_found, log_line, summarize
from jobdeck.adapters.julep.push import TERMINAL
from jobdeck.adapters.julep.sse import sse_events
from jobdeck.adapters.julep.wire import (
    ERROR_BODY,
    Execution,
    ExecutionList,
    ExecutionStatusEvent,
    JobStatus,
    Transition,
    TransitionList,
)
from jobdeck.adapters.kit.http import HttpClient, validate
from jobdeck.adapters.kit.http_body import loads
from jobdeck.adapters.kit.http_paths import segment
from jobdeck.errors import BadResponse
from jobdeck.model import Job, LogChunk

#: Transitions fetched per page.
PAGE = 100
#: A job id no server knows (the nil UUID). Asking for it (400 NOT_FOUND) is the cheapest
#: request that proves the server answers and takes the key, when nothing else is asked.
PROBE_JOB = "00000000-0000-0000-0000-000000000000"


async def probe(http: HttpClient) -> None:
    """Ask the server something (a backend with nothing to watch: "ok" means it answered)."""
    await http.request("GET", f"/jobs/{PROBE_JOB}", expect=(200, 400))


async def watched_job(http: HttpClient, backend: str, job_id: str) -> Job:
    """A watched job; one the server does not know is a job in state UNKNOWN, not a failure."""
    response = await http.request("GET", f"/jobs/{segment(job_id)}", expect=(200, 400, 422))
    body = http.decode_json(response)
    if response.status_code == 200:
        return job_from_status(backend, validate(JobStatus, body, what=f"job {job_id}", backend=backend))
    code, message = _error_parts(body)
    if response.status_code == 400 and code == "NOT_FOUND":
        return job_not_found(backend, job_id)
    if response.status_code == 422:
        return job_not_found(backend, job_id).model_copy(update={"error": f"not a valid job id ({message})"})
    raise BadResponse(f"{backend}: GET /jobs/{job_id}: HTTP {response.status_code} {code}: {message}")


async def executions(http: HttpClient, backend: str, task_id: str, limit: int) -> list[Execution]:
    """The task's latest ``limit`` executions, newest first."""
    params = {"limit": limit, "offset": 0, "sort_by": "created_at", "direction": "desc"}
    body = await http.get_json(f"/tasks/{segment(task_id)}/executions", params=params)
    return validate(ExecutionList, body, what=f"the executions of task {task_id}", backend=backend).items


async def execution(http: HttpClient, backend: str, execution_id: str) -> Execution:
    body = await http.get_json(f"/executions/{segment(execution_id)}")
    return validate(Execution, body, what=f"execution {execution_id}", backend=backend)


async def transitions(http: HttpClient, backend: str, execution_id: str) -> list[Transition]:
    """Every transition, oldest first (the server's default order is newest first)."""
    found: list[Transition] = []
    while True:
        params = {"limit": PAGE, "offset": len(found), "sort_by": "created_at", "direction": "asc"}
        body = await http.get_json(f"/executions/{segment(execution_id)}/transitions", params=params)
        what = f"the transitions of execution {execution_id}"
        page = validate(TransitionList, body, what=what, backend=backend).items
        found.extend(page)
        if len(page) < PAGE:
            return found


async def log_after(http: HttpClient, backend: str, execution_id: str, offset: int) -> tuple[LogChunk, int]:
    """The log (its transitions as lines) from byte ``offset`` to what is there now, and how
    many transitions it shows."""
    # Status first: if it is terminal, the transitions read after it are all there are.
    status = (await execution(http, backend, execution_id)).status
    shown = await transitions(http, backend, execution_id)
    text = "".join(log_line(t) for t in shown).encode()
    offset = max(0, min(offset, len(text)))
    return LogChunk(text=text[offset:].decode(errors="replace"), offset=len(text), complete=status in TERMINAL), len(shown)


async def streamed_transitions(streams: HttpClient, backend: str, execution_id: str, seen: int) -> AsyncIterator[str]:
    """Log lines of the transitions after the first ``seen``, as the server sends them."""
    path = f"/executions/{segment(execution_id)}/transitions.stream"
    async with streams.stream("GET", path, params={"next_token": seen}, expect=(200,)) as response:
        async for event in sse_events(response.aiter_lines()):
            transition = validate(Transition, _json_event(event.data, backend), what="a transition event", backend=backend)
            yield log_line(transition)


def status_stream(streams: HttpClient, execution_id: str) -> AbstractAsyncContextManager[httpx.Response]:
    """The execution's ``status.stream`` (the push channel's, ``push.py``)."""
    return streams.stream("GET", f"/executions/{segment(execution_id)}/status.stream", expect=(200,))


def status_event(data: str, backend: str) -> ExecutionStatusEvent:
    return validate(ExecutionStatusEvent, _json_event(data, backend), what="a status event", backend=backend)


def julep_error_message(response: httpx.Response) -> str | None:
    """Julep's own error text: ``{"error": {"message", "code"}}`` → "message (code)"."""
    try:
        code, message = _error_parts(response.json())
    except ValueError:
        return response.reason_phrase or None
    if not message:
        return response.reason_phrase or None
    return f"{message} ({code})" if code else message


def _error_parts(body: Any) -> tuple[str, str]:
    try:
        error = ERROR_BODY.validate_python(body).error
    except ValueError:
        return "", ""
    # Error text is free text: nothing to redact by key, but keep it one short line.
    return error.code, summarize(error.message, 200)


def _json_event(data: str, backend: str) -> Any:
    try:
        return loads(data)
    except ValueError:
        raise BadResponse(f"{backend}: an event of the stream is not valid JSON") from None
