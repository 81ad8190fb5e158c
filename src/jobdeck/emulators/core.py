"""The base of every emulator: a simulated clock, a lazy deterministic
simulation, and the app set-up they all share: the guard around each API
handler, the admin routes, errors in the backend's format and the fault
switch around the app. An emulator declares only its routes and hooks.

An emulator is a faithful local server for one backend's wire contract. It
imports nothing from ``jobdeck.adapters``: it is built from the contract, so
an adapter bug and an emulator bug cannot hide each other.

The simulation is lazy: before every request the framework calls ``sync()``,
which runs ``step`` once per whole ``tick`` of simulated time since the last
step. There is no background task, and what the simulation shows depends only
on the seed and the simulated time, never on when requests arrive.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property, wraps
from typing import Any

import httpx
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from jobdeck.emulators.faults import ADMIN_PREFIX, FaultMiddleware, Faults
from jobdeck.emulators.transport import StreamingASGITransport

#: Where simulated time starts unless told otherwise (the same instant as FrozenClock's).
DEFAULT_START = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)

#: How often a frozen SimClock's ``sleep`` looks whether time has moved (real seconds).
_FROZEN_POLL_SECONDS = 0.01

#: A route's handler, as Starlette calls it.
Handler = Callable[[Request], Awaitable[Response]]


class SimClock:
    """Simulated time: ``speed`` simulated seconds per real second, plus ``advance``.

    ``speed=1.0`` runs with real time (the demo); ``speed=0`` is frozen and
    only ``advance`` moves it (tests). Safe to read and advance from several
    threads (a test thread and the server thread of ``running()``).
    """

    def __init__(self, start: datetime | None = None, speed: float = 1.0) -> None:
        if speed < 0:
            raise ValueError(f"speed must be 0 or more, not {speed}")
        self.start = start or DEFAULT_START
        self.speed = speed
        self._real_origin = time.monotonic()
        self._advanced = 0.0
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        """Simulated seconds since the clock started."""
        with self._lock:
            return (time.monotonic() - self._real_origin) * self.speed + self._advanced

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.monotonic())

    def advance(self, seconds: float) -> None:
        """Move simulated time forward (never backward)."""
        if seconds < 0:
            raise ValueError(f"cannot move time backward ({seconds} s)")
        with self._lock:
            self._advanced += seconds

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of simulated time (frozen: until ``advance`` has moved past it)."""
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        deadline = self.monotonic() + seconds
        # Polled, not an asyncio.Event: advance() may come from another thread and loop,
        # and join real time meanwhile; whichever reaches the deadline first ends the wait.
        while (left := deadline - self.monotonic()) > 0:
            await asyncio.sleep(min(left / self.speed, 0.1) if self.speed > 0 else _FROZEN_POLL_SECONDS)


@dataclass(frozen=True)
class DemoSpec:
    """How ``jobdeck demo`` shows one emulated backend.

    ``settings(url)`` is the backend table (as in config.toml) that points
    the adapter at the emulator serving on ``url``; ``env`` holds the demo
    credentials the settings' ``*_env`` fields name.
    """

    kind: str
    seed: int
    settings: Callable[[str], dict[str, Any]]
    env: Mapping[str, str] = field(default_factory=dict)
    #: What ``jobdeck emulate`` prints about the credentials this emulator accepts.
    credentials: str = ""


class Refusal(Exception):
    """Raised inside a guarded handler (or anything it calls) to answer at once with
    ``response``, an error already in the backend's own format."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class Emulator:
    """Base class of every emulator (the seed ones and plugins'). Subclasses provide
    the hooks below; their ``routes`` wrap each API handler in ``guarded``."""

    #: Simulated seconds per ``step``.
    tick: float = 1.0
    #: The backend's name in messages (subclasses set it, e.g. "drp").
    kind: str = "emulator"

    def __init__(
        self,
        *,
        seed: int = 0,
        speed: float = 1.0,
        faults: Faults | None = None,
        clock: SimClock | None = None,
    ) -> None:
        self.seed = seed
        self.clock = clock or SimClock(speed=speed)
        self.faults = faults or Faults()
        #: The simulation's randomness: the same seed gives the same jobs and outcomes.
        self.rng = random.Random(seed)
        #: The fault switch's randomness, apart so faults never change the simulation.
        self.fault_rng = random.Random(f"faults:{seed}")
        self.steps = 0
        self._simulated_until = self.clock.now()
        #: Held by ``sync`` and by every guarded handler: a request reads or changes the
        #: simulation while no other thread (a test's, or the server's) moves it.
        self.lock = threading.RLock()

    # -- hooks for subclasses --------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        """The backend's own routes."""
        return []

    def refuse(self, request: Request) -> Response | None:
        """The backend's own check of a request before its handler runs (credentials, the
        tenant it names): the answer refusing it (401, 403 … in the backend's format),
        or None to serve it. Open by default."""
        return None

    def answer(self, exc: Exception) -> Response | None:
        """The backend's answer to an exception its own code raised in a guarded handler
        (an unknown job → 404 …); None leaves it to be a 500 in the backend's format."""
        return None

    def error_response(self, status: int, message: str) -> Response:
        """An error in the backend's own body format (overridden by every emulator)."""
        return JSONResponse({"error": message, "status": status}, status_code=status)

    def drift(self, payload: Any) -> Any:
        """Schema drift for the ``drift`` fault: unknown enum values, dropped optional fields."""
        return payload

    def step(self, now: datetime) -> None:
        """Advance the simulation by one tick ending at ``now``."""

    def summary(self) -> dict[str, Any]:
        """A few numbers for ``GET /_emulator/state`` (e.g. jobs by state)."""
        return {}

    # -- the simulation ------------------------------------------------------------

    def sync(self) -> None:
        """Run ``step`` for every whole tick between the last step and ``clock.now()``."""
        with self.lock:
            now = self.clock.now()
            tick = timedelta(seconds=self.tick)
            while self._simulated_until + tick <= now:
                self._simulated_until += tick
                self.steps += 1
                self.step(self._simulated_until)

    def advance(self, seconds: float) -> None:
        """Move simulated time forward and bring the simulation up to it."""
        self.clock.advance(seconds)
        self.sync()

    # -- serving ------------------------------------------------------------------

    def guarded(self, handler: Handler) -> Handler:
        """``handler`` behind what every request of the backend's API passes: ``refuse``
        first, then the handler under ``lock``; a Refusal raised inside is answered with
        its response, any other exception by ``answer`` (or it is a 500)."""

        @wraps(handler)
        async def endpoint(request: Request) -> Response:
            refused = self.refuse(request)
            if refused is not None:
                return refused
            try:
                with self.lock:
                    return await handler(request)
            except Refusal as refusal:
                return refusal.response
            except Exception as exc:
                answered = self.answer(exc)
                if answered is None:
                    raise
                return answered

        return endpoint

    @cached_property
    def app(self) -> FaultMiddleware:
        """The emulator's routes and the admin routes, inside the fault middleware."""
        starlette = Starlette(
            routes=[*self._admin_routes(), *self.routes()],
            exception_handlers={HTTPException: self._http_exception, Exception: self._server_error},
        )
        return FaultMiddleware(starlette, self)

    def transport(self) -> httpx.AsyncBaseTransport:
        """An in-process transport for httpx clients (streams like a socket, drops included)."""
        return StreamingASGITransport(self.app)

    async def _http_exception(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        response = self.error_response(exc.status_code, str(exc.detail))
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    async def _server_error(self, request: Request, exc: Exception) -> Response:
        return self.error_response(500, f"internal error: {type(exc).__name__}")

    # -- admin routes ---------------------------------------------------------------

    def _admin_routes(self) -> list[BaseRoute]:
        return [
            Route(f"{ADMIN_PREFIX}/faults", self._get_faults, methods=["GET"]),
            Route(f"{ADMIN_PREFIX}/faults", self._put_faults, methods=["PUT"]),
            Route(f"{ADMIN_PREFIX}/advance", self._advance, methods=["POST"]),
            Route(f"{ADMIN_PREFIX}/state", self._state, methods=["GET"]),
        ]

    async def _get_faults(self, request: Request) -> Response:
        return JSONResponse(self.faults.model_dump())

    async def _put_faults(self, request: Request) -> Response:
        try:
            self.faults = Faults.model_validate_json(await request.body())
        except ValidationError as exc:
            problems = [f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors()]
            return JSONResponse({"error": "invalid faults", "problems": problems}, status_code=422)
        return JSONResponse(self.faults.model_dump())

    async def _advance(self, request: Request) -> Response:
        try:
            seconds = float(request.query_params.get("seconds", "0"))
            if seconds < 0 or seconds != seconds:
                raise ValueError
        except ValueError:
            return JSONResponse({"error": "seconds must be a number, 0 or more"}, status_code=422)
        self.advance(seconds)
        return JSONResponse(self._state_payload())

    async def _state(self, request: Request) -> Response:
        return JSONResponse(self._state_payload())

    def _state_payload(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "seed": self.seed,
            "now": self.clock.now().isoformat().replace("+00:00", "Z"),
            "speed": self.clock.speed,
            "steps": self.steps,
            "faults": self.faults.spec(),
            **self.summary(),
        }
