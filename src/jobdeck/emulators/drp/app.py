"""The DRP emulator: the simulated world served through the DRP API."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from jobdeck.emulators.core import Emulator, SimClock
from jobdeck.emulators.drp.auth import DEFAULT_USERS, Auth, forbidden, unauthorized
from jobdeck.emulators.drp.events import EventHub
from jobdeck.emulators.drp.models import error_body, event
from jobdeck.emulators.drp.routes import DrpApi
from jobdeck.emulators.drp.simulation import World
from jobdeck.emulators.faults import Faults

#: A token the demo and tests can use without asking for one first.
DEMO_TOKEN = "eyJhbGciOiJIUzI1NiJ9.ZGVtbw.drp-emulator-demo"

#: Optional Job fields the ``drift`` fault drops (every one has a default in the swagger model).
_DRIFT_DROPPED = ("Meta", "Errors", "Context", "Bundle", "Endpoint", "Pipeline", "TargetPrefix", "TargetKey")


class DrpEmulator(Emulator):
    kind = "drp"

    def __init__(
        self,
        *,
        seed: int = 0,
        speed: float = 1.0,
        faults: Faults | None = None,
        clock: SimClock | None = None,
        machines: int = 6,
        history: float = 600.0,
        users: dict[str, str] | None = None,
    ) -> None:
        super().__init__(seed=seed, speed=speed, faults=faults, clock=clock)
        self.hub = EventHub()
        self.auth = Auth(users=dict(users if users is not None else DEFAULT_USERS), tokens={DEMO_TOKEN: "rocketskates"})
        self.world = World(seed=seed, machine_count=machines, publish=self._publish)
        self._warm_up(history)
        self.api = DrpApi(self)

    def _warm_up(self, history: float) -> None:
        """Simulate ``history`` seconds before the clock's start, so there are jobs at once."""
        now = self.clock.now()
        tick = timedelta(seconds=self.tick)
        at = now - timedelta(seconds=int(history // self.tick) * self.tick)
        while at < now:
            at += tick
            self.world.step(at)

    # -- Emulator hooks -------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        return self.api.routes()

    def step(self, now: datetime) -> None:
        self.world.step(now)

    def refuse(self, request: Request) -> Response | None:
        who = self.auth.principal(request.headers, request.query_params)
        if isinstance(who, Response):
            return who
        request.state.principal = who  # the routes record who changed a job
        return None

    def error_response(self, status: int, message: str) -> Response:
        # DRP answers a missing/bad credential with an empty body (contract: Auth).
        if status == 401:
            return unauthorized()
        if status == 403:
            return forbidden()
        return JSONResponse(error_body(model="", key="", type_="API ERROR", messages=[message], code=status), status_code=status)

    def drift(self, payload: Any) -> Any:
        """Unknown State values (``created`` → ``queued``), dropped optional fields, one new field."""
        if isinstance(payload, list):
            return [self.drift(item) for item in payload]
        if isinstance(payload, dict) and "Uuid" in payload and "State" in payload:
            drifted = {k: v for k, v in payload.items() if k not in _DRIFT_DROPPED}
            if drifted["State"] == "created":
                drifted["State"] = "queued"
            drifted["Priority"] = 0
            return drifted
        return payload

    def summary(self) -> dict[str, Any]:
        states = Counter(job.State for job in self.world.jobs.values())
        return {"jobs": len(self.world.jobs), "states": dict(sorted(states.items())), "machines": len(self.world.machines)}

    # -- events -----------------------------------------------------------------------

    def _publish(self, action: str, job: dict[str, Any], original: dict[str, Any] | None, principal: str) -> None:
        self.hub.publish(event(
            time=self.clock.now(), type_="jobs", action=action, key=job["Uuid"],
            principal=principal, obj=job, original=original,
        ))
