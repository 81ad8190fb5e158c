"""A tiny emulator for testing the emulator framework itself (not a real backend).

Import it as ``from toy_emulator import ToyEmulator`` (``tests/`` is on ``sys.path``).

Wire format:
- ``GET /jobs`` (needs ``Authorization: Bearer toy-token``, like every guarded route)
  → ``{"jobs": [{"id", "state", "runs", "optional"}]}``; every tick each job may move on,
  decided by the seeded rng.
- ``GET /jobs/{id}`` (guarded) → the job; an unknown id raises ``UnknownJob``, answered 404.
- ``GET /trouble/{what}`` (guarded): ``refusal`` raises a ``Refusal`` (409), ``bug`` a RuntimeError
  (a 500), ``lock`` answers whether another thread could take the emulator's lock meanwhile.
- ``GET /log`` → ``LOG_TEXT`` as text/plain with a Content-Length.
- ``GET /events`` → ``EVENTS`` streamed as server-sent events (no Content-Length); ``?endless=1`` never ends.
- ``WS /ws`` → sends ``WS_MESSAGES`` then closes normally.
- errors → ``{"error": {"message", "code"}}``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

from jobdeck.emulators.core import Emulator, Refusal

TOKEN = "toy-token"
LOG_TEXT = "".join(f"line {n:03d}\n" for n in range(100))
EVENTS = [f"data: event {n}\n\n" for n in range(4)]
WS_MESSAGES = ["one", "two", "three"]
STATES = ["queued", "running", "done"]


class UnknownJob(Exception):
    """What the toy's own code raises for a job it does not have."""


class ToyEmulator(Emulator):
    kind = "toy"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.jobs: list[dict[str, Any]] = [
            {"id": f"job-{n}", "state": "queued", "runs": 0, "optional": "here"} for n in range(3)
        ]

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/jobs", self.guarded(self.list_jobs)),
            Route("/jobs/{job_id}", self.guarded(self.one_job)),
            Route("/trouble/{what}", self.guarded(self.trouble)),
            Route("/log", self.log),
            Route("/events", self.events),
            WebSocketRoute("/ws", self.websocket),
        ]

    def refuse(self, request: Request) -> Response | None:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return self.error_response(401, "missing or wrong token")
        return None

    def answer(self, exc: Exception) -> Response | None:
        return self.error_response(404, f"no job {exc}") if isinstance(exc, UnknownJob) else None

    def error_response(self, status: int, message: str) -> Response:
        return JSONResponse({"error": {"message": message, "code": status}}, status_code=status)

    def drift(self, payload: Any) -> Any:
        payload["schema"] = "v99"  # an unknown extra field
        for job in payload.get("jobs", []):
            job["state"] = "mystery"
            job.pop("optional", None)
        return payload

    def step(self, now: datetime) -> None:
        for job in self.jobs:
            if job["state"] != "done" and self.rng.random() < 0.5:
                job["state"] = STATES[STATES.index(job["state"]) + 1]
                job["runs"] += 1

    def summary(self) -> dict[str, Any]:
        return {"jobs": len(self.jobs)}

    async def list_jobs(self, request: Request) -> Response:
        return JSONResponse({"jobs": self.jobs})

    async def one_job(self, request: Request) -> Response:
        job_id = request.path_params["job_id"]
        for job in self.jobs:
            if job["id"] == job_id:
                return JSONResponse(job)
        raise UnknownJob(job_id)

    async def trouble(self, request: Request) -> Response:
        what = request.path_params["what"]
        if what == "refusal":
            raise Refusal(self.error_response(409, "refused from inside"))
        if what == "lock":
            taken: list[bool] = []
            other = threading.Thread(target=lambda: taken.append(self.lock.acquire(blocking=False)))
            other.start()
            other.join()
            if taken[0]:
                self.lock.release()
            return JSONResponse({"another_thread_took_the_lock": taken[0]})
        raise RuntimeError(f"a bug: {what}")

    async def log(self, request: Request) -> Response:
        return PlainTextResponse(LOG_TEXT)

    async def events(self, request: Request) -> Response:
        endless = request.query_params.get("endless") == "1"

        async def stream() -> AsyncIterator[str]:
            n = 0
            while endless or n < len(EVENTS):
                yield f"data: event {n}\n\n"
                n += 1
                await asyncio.sleep(0)

        return StreamingResponse(stream(), media_type="text/event-stream")

    async def websocket(self, websocket: WebSocket) -> None:
        await websocket.accept()
        for message in WS_MESSAGES:
            await websocket.send_text(message)
        await websocket.close()
