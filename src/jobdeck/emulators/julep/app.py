"""The Julep emulator: the agents-api's job, execution and transition routes
(contract: ``shared/contracts/julep.md``) over a simulated world.

Faithful details worth knowing:

- ``GET /jobs/{id}`` of an unknown workflow answers **400** with code
  ``NOT_FOUND`` (Temporal's RPC error), not 404; a non-UUID id answers 422.
- The API key is accepted from ``Authorization: Bearer <key>`` or
  ``X-Auth-Key: <key>``; a wrong or missing key answers 403.
- Every error body is wrapped: ``{"error": {"message", "code", "type"?}}``.
- The event streams poll the world and close once the execution has ended.
  While they have nothing to send they write a comment line (``: ping``) every
  ``heartbeat`` seconds, as the agents-api's sse-starlette does every 15 s.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from jobdeck.emulators.core import Emulator, Refusal, SimClock
from jobdeck.emulators.faults import Faults
from jobdeck.emulators.julep.heartbeat import PING, Heartbeat
from jobdeck.emulators.julep.models import (
    CreateExecutionRequest,
    ResumeExecutionRequest,
    StopExecutionRequest,
)
from jobdeck.emulators.julep.requests import (
    error,
    http_error,
    json_body,
    model_body,
    paging,
    uuid_param,
    validated,
    validation_error,
)
from jobdeck.emulators.julep.simulation import JulepWorld, SimExecution

#: The key the emulator accepts unless told otherwise (printed by `jobdeck emulate`).
DEFAULT_API_KEY = "julep-emulator-key"


class JulepEmulator(Emulator):
    """A Julep agents-api with two tasks whose executions come and go."""

    kind = "julep"

    def __init__(
        self,
        *,
        seed: int = 0,
        speed: float = 1.0,
        faults: Faults | None = None,
        clock: SimClock | None = None,
        api_key: str = DEFAULT_API_KEY,
        spawn_every: float | None = 12.0,
        history: bool = True,
        stream_poll: float = 0.25,
        heartbeat: float = 15.0,
    ) -> None:
        super().__init__(seed=seed, speed=speed, faults=faults, clock=clock)
        self.api_key = api_key
        #: Real seconds between the event streams' looks at the world.
        self.stream_poll = stream_poll
        #: Real seconds of quiet after which an event stream writes a comment line.
        self.heartbeat = heartbeat
        # The world starts at the clock's start, not at "now": the ids it makes are then
        # the same on every run with this seed, however long construction took (demo.py needs them).
        origin = self.clock.start
        self.world = JulepWorld(self.rng, origin, spawn_every=spawn_every)
        if history:
            self._seed_history(origin)
        #: Job ids worth watching in a demo: a finished one, one awaiting input, the newest.
        seeded = list(self.world.executions.values())
        self.showcase_jobs = [seeded[i].job_id for i in (0, 4, -1)] if len(seeded) > 4 else []
        self.world.advance_to(self.clock.now())

    # -- what tests and demos read ---------------------------------------------

    def task_ids(self) -> list[str]:
        return self.world.task_ids()

    def job_ids(self) -> list[str]:
        """The job (workflow) id of every execution, oldest first."""
        return [execution.job_id for execution in self.world.executions.values()]

    def execution(self, execution_id: str) -> SimExecution:
        return self.world.executions[execution_id]

    # -- the framework's hooks ---------------------------------------------------

    def step(self, now: datetime) -> None:
        self.world.advance_to(now)

    def summary(self) -> dict[str, Any]:
        by_status: dict[str, int] = {}
        for execution in self.world.executions.values():
            by_status[execution.status] = by_status.get(execution.status, 0) + 1
        return {
            "tasks": self.world.task_ids(),
            "task_names": {task_id: spec.name for task_id, spec in self.world.tasks.items()},
            "showcase_jobs": self.showcase_jobs,
            "executions": by_status,
        }

    def error_response(self, status: int, message: str) -> Response:
        return http_error(status, message)

    def drift(self, payload: Any) -> Any:
        """A newer server: unknown enum values, optional fields gone, new fields added."""
        if isinstance(payload, list):
            return [self.drift(item) for item in payload]
        if not isinstance(payload, dict):
            return payload
        drifted = {key: self.drift(value) for key, value in payload.items() if key not in _OPTIONAL_FIELDS}
        if drifted.get("state") == "in_progress":
            drifted["state"] = "suspended"
        if drifted.get("status") == "running":
            drifted["status"] = "throttled"
        if "id" in drifted:
            drifted["region"] = "eu-west-2"
        return drifted

    def routes(self) -> list[BaseRoute]:
        guarded = self.guarded
        return [
            Route("/jobs/{job_id}", guarded(self._get_job), methods=["GET"]),
            Route("/tasks/{task_id}/executions", guarded(self._create_execution), methods=["POST"]),
            Route("/tasks/{task_id}/executions", guarded(self._list_executions), methods=["GET"]),
            Route("/executions/{execution_id}", guarded(self._get_execution), methods=["GET"]),
            Route("/executions/{execution_id}", guarded(self._update_execution), methods=["PUT"]),
            Route("/executions/{execution_id}/transitions", guarded(self._list_transitions), methods=["GET"]),
            Route(
                "/executions/{execution_id}/transitions/{transition_id}",
                guarded(self._get_transition),
                methods=["GET"],
            ),
            Route("/executions/{execution_id}/status.stream", guarded(self._status_stream), methods=["GET"]),
            Route(
                "/executions/{execution_id}/transitions.stream",
                guarded(self._transitions_stream),
                methods=["GET"],
            ),
        ]

    def refuse(self, request: Request) -> Response | None:
        # The server strips a leading "Bearer " from whichever header it reads.
        for header in ("authorization", "x-auth-key"):
            value = request.headers.get(header, "")
            if value.removeprefix("Bearer ").strip() == self.api_key:
                return None
        return http_error(403, "Could not validate API KEY")

    # -- jobs -------------------------------------------------------------------------

    async def _get_job(self, request: Request) -> Response:
        job_id = uuid_param(request, "job_id")
        execution = self.world.execution_by_job(job_id)
        if execution is None:
            return error(400, "job not found or invalid", "NOT_FOUND", "rpc_error")
        return JSONResponse(execution.job_status().wire())

    # -- executions -----------------------------------------------------------------

    async def _create_execution(self, request: Request) -> Response:
        task_id = uuid_param(request, "task_id")
        if task_id not in self.world.tasks:
            return http_error(404, "Task not found")
        body = await model_body(request, CreateExecutionRequest)
        execution = self.world.create_execution(
            task_id, body.input, at=self.clock.now(), metadata=body.metadata
        )
        return JSONResponse(execution.wire().wire(), status_code=201)

    async def _list_executions(self, request: Request) -> Response:
        task_id = uuid_param(request, "task_id")
        page = paging(request, default_direction="desc")
        executions = page.apply(self.world.executions_of(task_id), lambda e: (e.created_at, e.updated_at))
        return JSONResponse({"items": [execution.wire().wire() for execution in executions]})

    async def _get_execution(self, request: Request) -> Response:
        return JSONResponse(self._execution(request).wire().wire())

    async def _update_execution(self, request: Request) -> Response:
        execution = self._execution(request)
        payload = await json_body(request)
        now = self.clock.now()
        status = payload.get("status") if isinstance(payload, dict) else None
        if status == "cancelled":
            stop = validated(StopExecutionRequest, payload, status_code=400)
            if not self.world.stop(execution.id, stop.reason, now):
                return http_error(500, "Failed to stop execution")
        elif status == "running":
            resume = validated(ResumeExecutionRequest, payload, status_code=400)
            if not self.world.resume(execution.id, resume.input, now):
                return http_error(500, "Failed to resume execution")
        else:
            return http_error(400, "Invalid request: status must be 'cancelled' or 'running'")
        # ResourceUpdatedResponse
        return JSONResponse({"id": execution.id, "updated_at": now.isoformat(), "jobs": [execution.job_id]})

    # -- transitions ------------------------------------------------------------------

    async def _list_transitions(self, request: Request) -> Response:
        execution = self._execution(request)
        page = paging(request, default_direction="desc")
        scope_id = request.query_params.get("scope_id")
        transitions = [t for t in execution.transitions if not scope_id or t.current.scope_id == scope_id]
        chosen = page.apply(transitions, lambda t: (t.created_at, t.updated_at))
        return JSONResponse({"items": [transition.wire() for transition in chosen]})

    async def _get_transition(self, request: Request) -> Response:
        execution = self._execution(request)
        transition_id = uuid_param(request, "transition_id")
        for transition in execution.transitions:
            if transition.id == transition_id:
                return JSONResponse(transition.wire())
        return http_error(404, "Transition not found")

    # -- event streams ------------------------------------------------------------------

    async def _status_stream(self, request: Request) -> Response:
        execution = self._execution(request)

        async def events() -> AsyncIterator[bytes]:
            last: str | None = None
            quiet = Heartbeat(lambda: self.heartbeat)
            while True:
                self.sync()
                with self.lock:
                    event = execution.status_event()
                text = json.dumps(event.wire())
                if text != last:
                    last = text
                    yield quiet.sent(_sse(text, event_id=str(event.transition_count or 0)))
                elif quiet.too_long():
                    yield quiet.sent(PING)
                if execution.terminal:
                    return
                await asyncio.sleep(self.stream_poll)

        return _event_stream(events())

    async def _transitions_stream(self, request: Request) -> Response:
        execution = self._execution(request)
        # The contract names the resume token next_token; the vendor SDK sends next_page_token.
        token = request.query_params.get("next_token") or request.query_params.get("next_page_token") or "0"
        if not token.isdigit():
            return validation_error("next_token", token, "Input should be a valid next token")
        start = int(token)

        async def events() -> AsyncIterator[bytes]:
            sent = start
            quiet = Heartbeat(lambda: self.heartbeat)
            while True:
                self.sync()
                with self.lock:
                    fresh = execution.transitions[sent:]
                    ended = execution.terminal
                for transition in fresh:
                    sent += 1
                    yield quiet.sent(_sse(json.dumps(transition.wire()), event_id=str(sent)))
                if not fresh and quiet.too_long():
                    yield quiet.sent(PING)
                if ended:
                    return
                await asyncio.sleep(self.stream_poll)

        return _event_stream(events())

    # -- helpers ----------------------------------------------------------------------------

    def _execution(self, request: Request) -> SimExecution:
        execution_id = uuid_param(request, "execution_id")
        execution = self.world.executions.get(execution_id)
        if execution is None:
            raise Refusal(http_error(404, "Execution not found"))
        return execution

    def _seed_history(self, now: datetime) -> None:
        """Executions that began before the emulator did, in every interesting state."""
        summarize, translate = self.world.task_ids()
        scenarios: list[tuple[str, float, str]] = [
            (summarize, 300, "succeeded"),
            (translate, 240, "failed"),
            (summarize, 180, "failed"),
            (translate, 150, "succeeded"),
            (translate, 90, "awaiting_input"),
            (summarize, 20, "succeeded"),
            # Begun 3 s ago: past init (2 s), before any step (4 s at the earliest), so running.
            (translate, 3, "failed"),
            (summarize, 3, "succeeded"),
        ]
        for n, (task_id, seconds_ago, outcome) in enumerate(scenarios, start=1):
            spec = self.world.tasks[task_id]
            self.world.create_execution(
                task_id,
                spec.make_input(self.rng, n),
                at=now - timedelta(seconds=seconds_ago),
                outcome=outcome,  # type: ignore[arg-type]
            )
        self.world.advance_to(now)


_OPTIONAL_FIELDS = frozenset({"reason", "has_progress", "progress", "metadata", "transition_count", "step_label"})


def _sse(data: str, *, event_id: str) -> bytes:
    return f"id: {event_id}\ndata: {data}\n\n".encode()


def _event_stream(events: AsyncIterator[bytes]) -> StreamingResponse:
    return StreamingResponse(
        events, media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )
