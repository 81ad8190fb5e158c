"""A tiny emulator for testing the emulator framework itself (not a real backend).

Import it as ``from toy_emulator import ToyEmulator`` (``tests/`` is on ``sys.path``).

Wire format:
- ``GET /jobs`` (needs ``Authorization: Bearer toy-token``) → ``{"jobs": [{"id", "state", "runs", "optional"}]}``;
  every tick each job may move on, decided by the seeded rng.
- ``GET /log`` → ``LOG_TEXT`` as text/plain with a Content-Length.
- ``GET /events`` → ``EVENTS`` streamed as server-sent events (no Content-Length); ``?endless=1`` never ends.
- ``WS /ws`` → sends ``WS_MESSAGES`` then closes normally.
- errors → ``{"error": {"message", "code"}}``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

from jobdeck.emulators.core import Emulator

TOKEN = "toy-token"
LOG_TEXT = "".join(f"line {n:03d}\n" for n in range(100))
EVENTS = [f"data: event {n}\n\n" for n in range(4)]
WS_MESSAGES = ["one", "two", "three"]
STATES = ["queued", "running", "done"]


class ToyEmulator(Emulator):
    kind = "toy"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.jobs: list[dict[str, Any]] = [
            {"id": f"job-{n}", "state": "queued", "runs": 0, "optional": "here"} for n in range(3)
        ]

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/jobs", self.list_jobs),
            Route("/log", self.log),
            Route("/events", self.events),
            WebSocketRoute("/ws", self.websocket),
        ]

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
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return self.error_response(401, "missing or wrong token")
        return JSONResponse({"jobs": self.jobs})

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
