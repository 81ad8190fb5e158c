"""The Istari registry emulator: ``/api/v2`` jobs served from a simulated tenant.

Where the sources disagree (issue 23, gap 7): ``PUT /jobs/{id}/status`` on a
job that has ended. The contract lists 200/403/404/422 for it, no 409, and
infers that resubmitting a job (``status_name=Pending``) is how it is run
again; istari-digital-client 13.3.4 says the registry "validates whether the
transition is permitted from the job's current status" and raises
``ConflictError`` (409) when it is not, naming no transition. The emulator
takes both at their word: a finished job may be resubmitted (``Pending``: it
gets a new run, claimed by the next free agent), and any other status on a
finished job is 409. Jobs that have not ended take any status, as before.
"""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from jobdeck.emulators.core import Emulator, SimClock
from jobdeck.emulators.faults import Faults
from jobdeck.emulators.istari.routes import RegistryApi
from jobdeck.emulators.istari.simulation import Conflict, IstariWorld, Missing

#: The personal access token the emulator accepts unless told otherwise.
DEFAULT_TOKEN = "istari-emulator-pat"

#: Schema drift: statuses renamed to values the contract does not know.
_DRIFTED_STATUSES = {"Pending": "Queued", "Validating": "Preflight"}
#: Optional Job fields a drifted registry leaves out.
_DROPPED_FIELDS = ("agent_information", "tenant_id", "assigned_agent_pool_id", "comments")


class IstariEmulator(Emulator):
    kind = "istari"

    def __init__(
        self,
        *,
        seed: int = 0,
        speed: float = 1.0,
        faults: Faults | None = None,
        clock: SimClock | None = None,
        token: str = DEFAULT_TOKEN,
    ) -> None:
        super().__init__(seed=seed, speed=speed, faults=faults, clock=clock)
        self.token = token
        self.world = IstariWorld(seed=seed, start=self.clock.now())
        self.world.backfill()

    def routes(self) -> list[BaseRoute]:
        return RegistryApi(self).routes()

    def refuse(self, request: Request) -> Response | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            response = self.error_response(401, "Not authenticated")
        elif not hmac.compare_digest(token.strip(), self.token):
            response = self.error_response(401, "Invalid authentication credentials")
        else:
            return None
        response.headers["WWW-Authenticate"] = "Bearer"
        return response

    def answer(self, exc: Exception) -> Response | None:
        if isinstance(exc, Missing):
            return self.error_response(404, str(exc))
        if isinstance(exc, Conflict):
            return self.error_response(409, str(exc))
        return None

    def error_response(self, status: int, message: str) -> Response:
        # FastAPI's HTTPException body.
        return JSONResponse({"detail": message}, status_code=status)

    def step(self, now: datetime) -> None:
        self.world.step(now)

    def summary(self) -> dict[str, Any]:
        with self.lock:
            return self.world.summary()

    def drift(self, payload: Any) -> Any:
        if isinstance(payload, dict) and isinstance(payload.get("items"), list):
            return {**payload, "items": [self.drift(item) for item in payload["items"]]}
        if isinstance(payload, dict) and "status_history" in payload:
            job = {k: v for k, v in payload.items() if k not in _DROPPED_FIELDS}
            job["priority"] = "normal"  # a field the contract does not have
            job["status_history"] = [
                {**entry, "name": _DRIFTED_STATUSES.get(entry.get("name"), entry.get("name"))}
                for entry in payload.get("status_history") or []
            ]
            return job
        return payload
