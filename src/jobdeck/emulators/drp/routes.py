"""The DRP API routes (``/api/v3``): jobs, their logs and archive, machines,
work orders, user tokens and the event websocket.

Every route is guarded: the emulator authenticates first (Basic, Bearer or
``?token=``). Errors use the DRP body ``{Model, Key, Type, Messages, Code}``.

``POST /jobs`` is the runner's "give me my next job", answered as the v3 code
does (201/202/204/409/422, 400 without ``Machine``); a job the API creates is
then run by the simulated agent like any other. ``GET /users/{name}/token``
answers ``models.UserToken``: the token and the server's full ``Info`` (see
``info``), since the vendor client cannot read a token without it.
"""

from __future__ import annotations

import ipaddress
import json
from typing import TYPE_CHECKING, Any, Protocol
from uuid import NAMESPACE_URL, uuid5

import jsonpatch
import jsonpointer
from pydantic import BaseModel, ValidationError
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

from jobdeck.emulators.drp.actions import render_actions
from jobdeck.emulators.drp.events import serve_events
from jobdeck.emulators.drp.info import server_info
from jobdeck.emulators.drp.models import Job, Machine, error_body, event
from jobdeck.emulators.drp.queries import JOB_INDEXES, QueryError, parse_query, run_query
from jobdeck.emulators.drp.ranges import OCTET, serve_bytes

if TYPE_CHECKING:
    from jobdeck.emulators.core import Handler, SimClock
    from jobdeck.emulators.drp.auth import Auth
    from jobdeck.emulators.drp.events import EventHub
    from jobdeck.emulators.drp.simulation import World

API = "/api/v3"
RESTART_MODES = ("retry", "continue", "from-start")

class DrpServer(Protocol):
    """What the routes need of the emulator serving them (``DrpEmulator`` has it all;
    named here, not imported: the emulator builds the routes, not the other way round)."""

    world: World
    auth: Auth
    hub: EventHub
    clock: SimClock

    def sync(self) -> None: ...

    def guarded(self, handler: Handler) -> Handler: ...


class DrpApi:
    def __init__(self, emulator: DrpServer) -> None:
        self.emulator = emulator
        self.world = emulator.world

    def routes(self) -> list[BaseRoute]:
        """The API's routes, each behind the emulator's guard (its credential check, its lock);
        the event websocket checks credentials itself, to refuse a handshake as DRP does."""
        guarded = self.emulator.guarded
        return [
            Route(f"{API}/jobs", guarded(self.jobs), methods=["GET", "HEAD", "POST"]),
            Route(f"{API}/indexes/jobs", guarded(self.job_indexes), methods=["GET"]),
            Route(f"{API}/jobs/{{uuid}}", guarded(self.one_job), methods=["GET", "HEAD", "PATCH", "PUT", "DELETE"]),
            Route(f"{API}/jobs/{{uuid}}/log", guarded(self.job_log), methods=["GET", "HEAD", "PUT"]),
            Route(f"{API}/jobs/{{uuid}}/archive", guarded(self.job_archive), methods=["GET"]),
            Route(f"{API}/jobs/{{uuid}}/actions", guarded(self.job_actions), methods=["GET"]),
            Route(f"{API}/jobs/{{uuid}}/plugin_actions", guarded(self.plugin_actions), methods=["GET"]),
            Route(f"{API}/jobs/{{uuid}}/plugin_actions/{{cmd}}", guarded(self.plugin_actions), methods=["GET", "POST"]),
            Route(f"{API}/machines", guarded(self.list_machines), methods=["GET", "HEAD"]),
            Route(f"{API}/machines/{{uuid}}", guarded(self.one_machine), methods=["GET", "PATCH"]),
            Route(f"{API}/work_orders/{{uuid}}", guarded(self.one_work_order), methods=["GET"]),
            Route(f"{API}/work_orders/{{uuid}}/restart", guarded(self.restart_work_order), methods=["POST"]),
            Route(f"{API}/users/{{name}}/token", guarded(self.user_token), methods=["GET"]),
            WebSocketRoute(f"{API}/ws", self.websocket),
        ]

    # -- helpers ------------------------------------------------------------------

    def error(self, code: int, message: str, *, model: str = "jobs", key: str = "", type_: str = "GET") -> JSONResponse:
        return JSONResponse(error_body(model=model, key=key, type_=type_, messages=[message], code=code), status_code=code)

    def _principal(self, conn: HTTPConnection) -> str | Response:
        return self.emulator.auth.principal(conn.headers, conn.query_params)

    def _now(self) -> Any:
        return self.emulator.clock.now()

    async def _json_body(self, request: Request) -> Any:
        try:
            return json.loads(await request.body() or b"null")
        except ValueError:
            return _BAD_JSON

    # -- jobs ---------------------------------------------------------------------

    async def jobs(self, request: Request) -> Response:
        if request.method == "POST":
            return await self.create_job(request)
        return await self.list_jobs(request)

    async def list_jobs(self, request: Request) -> Response:
        try:
            query = parse_query(list(request.query_params.multi_items()))
        except QueryError as exc:
            return self.error(406, exc.message, type_=request.method)
        everything = [job.wire() for job in self.world.jobs.values()]
        page = run_query(query, everything)
        headers = {
            # The contract's trap: LIST-COUNT is counted after offset/limit (v3 code).
            "X-DRP-LIST-COUNT": str(len(page)),
            "X-DRP-LIST-TOTAL-COUNT": str(len(everything)),
        }
        if request.method == "HEAD":
            return Response(status_code=200, headers=headers, media_type="application/json")
        return JSONResponse(page, headers=headers)

    async def create_job(self, request: Request) -> Response:
        """``POST /jobs``: a runner asks for its machine's next job (v3 code, contract's codes)."""
        body = await self._json_body(request)
        if not isinstance(body, dict):
            return self.error(400, "Body must be a Job object", type_="POST")
        machine, wanted = body.get("Machine"), body.get("Uuid") or None
        if not isinstance(machine, str) or not machine:
            return self.error(400, "Create request must have Machine field", type_="POST")
        if wanted is not None and (not isinstance(wanted, str) or wanted in self.world.jobs):
            return self.error(409, f"already exists: {wanted}", key=str(wanted), type_="Conflict")
        code, job, message = self.world.post_job(machine, self._now(), job_id=wanted)
        if code in (409, 422):
            return self.error(code, message, type_="Conflict" if code == 409 else "ValidationError")
        if job is None:
            return Response(status_code=204, media_type="application/json")
        return JSONResponse(job.wire(), status_code=code)

    async def job_actions(self, request: Request) -> Response:
        """``GET /jobs/{uuid}/actions``: the job's task templates rendered for its machine
        (``JobAction{Name, Path, Content, Meta}``), only those valid for ``?os=`` when given."""
        uuid = request.path_params["uuid"]
        job = self.world.jobs.get(uuid)
        if job is None:
            return self.error(404, f"Job {uuid} does not exist", key=uuid, type_="ValidationError")
        machine = self.world.machines.get(job.Machine)
        if machine is None:
            return self.error(422, f"Machine {job.Machine} does not exist", key=uuid, type_="ValidationError")
        return JSONResponse(render_actions(job, machine.Name, request.query_params.get("os", "")))

    async def plugin_actions(self, request: Request) -> Response:
        """``/jobs/{uuid}/plugin_actions[/{cmd}]``: what plugins offer to do to a job. The emulated
        server runs no plugin, so the list is empty and any one command is 404, as DRP answers an
        action no plugin provides (v3 ``frontend/actions.go``)."""
        uuid, cmd = request.path_params["uuid"], request.path_params.get("cmd")
        if uuid not in self.world.jobs:
            return self.error(404, "Not Found", key=uuid, type_=request.method)
        if cmd is None:
            return JSONResponse([])
        if request.method == "POST" and not isinstance(await self._json_body(request), dict):
            return self.error(400, "Body must be an object of action parameters", key=uuid, type_="POST")
        return self.error(404, f"{cmd}: Not Found", key=uuid, type_="INVOKE" if request.method == "POST" else "GET")

    async def job_indexes(self, request: Request) -> Response:
        return JSONResponse({name: {"Type": kind, "Unique": name == "Uuid"} for name, kind in JOB_INDEXES.items()})

    async def one_job(self, request: Request) -> Response:
        uuid = request.path_params["uuid"]
        job = self.world.jobs.get(uuid)
        if job is None:
            return self.error(404, "Not Found", key=uuid, type_=request.method)
        if request.method == "HEAD":
            return Response(status_code=200)
        if request.method == "GET":
            return JSONResponse(job.wire())
        who = _who(request)
        if request.method == "DELETE":
            return JSONResponse(self.world.delete_job(uuid, principal=who).wire())
        body = await self._json_body(request)
        if request.method == "PATCH":
            return self._patch_job(job, body, who)
        return self._put_job(job, body, who)

    def _patched(self, current: dict[str, Any], body: Any, *, model: str, key: str) -> dict[str, Any] | Response:
        """``current`` with the RFC 6902 patch ``body`` applied, or the error response for a bad patch."""
        if not isinstance(body, list):
            return self.error(400, "Patch must be a JSON array of RFC 6902 operations", model=model, key=key, type_="PATCH")
        try:
            return jsonpatch.JsonPatch(body).apply(current)
        except jsonpatch.JsonPatchTestFailed as exc:
            # 409 for a failed `test` op: DRP's convention for a stale object (contract: inference).
            return self.error(409, f"Patch test failed: {exc}", model=model, key=key, type_="PATCH")
        except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException, TypeError, KeyError) as exc:
            # A patch that cannot be applied (bad op or path) is "not acceptable" (inference).
            return self.error(406, f"Cannot apply patch: {exc}", model=model, key=key, type_="PATCH")

    def _patch_job(self, job: Job, body: Any, who: str) -> Response:
        patched = self._patched(job.wire(), body, model="jobs", key=job.Uuid)
        if isinstance(patched, Response):
            return patched
        return self._store_job(job, patched, who, action="update", type_="PATCH")

    def _put_job(self, job: Job, body: Any, who: str) -> Response:
        if not isinstance(body, dict):
            return self.error(400, "Body must be a Job object", key=job.Uuid, type_="PUT")
        return self._store_job(job, body, who, action="save", type_="PUT")

    def _store_job(self, job: Job, data: dict[str, Any], who: str, *, action: str, type_: str) -> Response:
        if data.get("Uuid") != job.Uuid:
            return self.error(400, "Key change is not allowed", key=job.Uuid, type_=type_)
        new = _validated(Job, data)
        if isinstance(new, str):
            return self.error(422, new, key=job.Uuid, type_="ValidationError")
        return JSONResponse(self.world.replace_job(new, self._now(), action=action, principal=who).wire())

    # -- logs -----------------------------------------------------------------------

    async def job_log(self, request: Request) -> Response:
        uuid = request.path_params["uuid"]
        job = self.world.jobs.get(uuid)
        if job is None:
            return self.error(404, "Not Found", key=uuid, type_=request.method)
        if request.method == "PUT":
            if request.headers.get("content-type", "").split(";")[0].strip() != OCTET:
                return self.error(415, f"Content-Type must be {OCTET}", key=uuid, type_="PUT")
            self.world.logs.setdefault(uuid, bytearray()).extend(await request.body())
            return Response(status_code=204)
        if uuid not in self.world.logs:
            # Archived: the log is no longer served from /log (contract); 404 naming the
            # archive endpoint is our reading of "can no longer be fetched" (inference).
            return self.error(404, f"Log archived; see {API}/jobs/{uuid}/archive", key=uuid, type_=request.method)
        return serve_bytes(bytes(self.world.logs[uuid]), request)

    async def job_archive(self, request: Request) -> Response:
        uuid = request.path_params["uuid"]
        if uuid not in self.world.jobs or uuid not in self.world.archives:
            return self.error(404, "Not Found", key=uuid)
        return Response(self.world.archives[uuid], media_type=OCTET)

    # -- machines and work orders ---------------------------------------------------

    async def list_machines(self, request: Request) -> Response:
        machines = [m.wire() for m in self.world.machines.values()]
        headers = {"X-DRP-LIST-COUNT": str(len(machines)), "X-DRP-LIST-TOTAL-COUNT": str(len(machines))}
        if request.method == "HEAD":
            return Response(status_code=200, headers=headers, media_type="application/json")
        return JSONResponse(machines, headers=headers)

    async def one_machine(self, request: Request) -> Response:
        uuid = request.path_params["uuid"]
        machine = self.world.machines.get(uuid)
        if machine is None:
            return self.error(404, "Not Found", model="machines", key=uuid, type_=request.method)
        if request.method == "GET":
            return JSONResponse(machine.wire())
        patched = self._patched(machine.wire(), await self._json_body(request), model="machines", key=uuid)
        if isinstance(patched, Response):
            return patched
        if patched.get("Uuid") != uuid:
            return self.error(400, "Key change is not allowed", model="machines", key=uuid, type_="PATCH")
        new = _validated(Machine, patched)
        if isinstance(new, str):
            return self.error(422, new, model="machines", key=uuid, type_="ValidationError")
        for name in type(new).model_fields:
            if name != "Runnable":
                setattr(machine, name, getattr(new, name))
        # Runnable=true on a stopped machine: its agent re-runs the failed task on the next tick.
        self.world.set_runnable(uuid, new.Runnable)
        return JSONResponse(machine.wire())

    async def one_work_order(self, request: Request) -> Response:
        uuid = request.path_params["uuid"]
        order = self.world.work_orders.get(uuid)
        if order is None:
            return self.error(404, "Not Found", model="work_orders", key=uuid)
        return JSONResponse(order.wire())

    async def restart_work_order(self, request: Request) -> Response:
        uuid = request.path_params["uuid"]
        order = self.world.work_orders.get(uuid)
        if order is None:
            return self.error(404, "Not Found", model="work_orders", key=uuid, type_="POST")
        body = await self._json_body(request)
        mode = "retry"
        if isinstance(body, dict) and "mode" in body:
            mode = str(body["mode"])
        elif body not in (None, {}):
            return self.error(400, "Body must be an object like {\"mode\": \"retry\"}", model="work_orders", key=uuid, type_="POST")
        if mode not in RESTART_MODES:
            return self.error(400, f"Invalid mode {mode!r}; use one of {', '.join(RESTART_MODES)}", model="work_orders", key=uuid, type_="POST")
        if order.State != "failed":
            return self.error(409, f"Work order is {order.State}, not failed", model="work_orders", key=uuid, type_="Conflict")
        successor = self.world.restart_work_order(uuid, mode, self._now())
        return JSONResponse(successor.wire())

    async def user_token(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in self.emulator.auth.users:
            return self.error(404, "Not Found", model="users", key=name)
        try:
            ttl = int(request.query_params.get("ttl", "600"))
        except ValueError:
            return self.error(400, "ttl must be a number of seconds", model="users", key=name)
        if ttl < 0:
            return self.error(400, "ttl must not be negative", model="users", key=name)
        token = self.emulator.auth.issue_token(name, len(self.emulator.auth.tokens) + 1)
        # models.UserToken{Token, Info}: Info is the full system info (see emulators.drp.info).
        server = request.scope.get("server") or ("127.0.0.1", 8092)
        info = server_info(server_id=str(uuid5(NAMESPACE_URL, f"drp-emulator-{self.world.seed}")),
                           address=_ip_or_loopback(str(server[0])), hostname="drp-emulator",
                           machines=len(self.world.machines))
        return JSONResponse({"Token": token, "Info": info})

    # -- events -----------------------------------------------------------------------

    async def websocket(self, websocket: WebSocket) -> None:
        who = self._principal(websocket)
        if isinstance(who, Response):
            if "websocket.http.response" in websocket.scope.get("extensions", {}):
                await websocket.send_denial_response(who)
            else:
                await websocket.close(code=1008)
            return
        await websocket.accept()

        def ack(command: str, pattern: str) -> dict[str, Any]:
            return event(time=self._now(), type_="websocket", action=command, key=pattern, principal=who, obj=None)

        await serve_events(websocket, self.emulator.hub, principal=who, ack=ack, sync=self.emulator.sync)


def _ip_or_loopback(host: str) -> str:
    """Info's ``address`` is a Go ``net.IP``: the host the caller reached, when it is an address."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return "127.0.0.1"


def _who(request: Request) -> str:
    """Who sent ``request`` (``user:<name>``), as the emulator's credential check found."""
    return str(request.state.principal)


class _BadJson:
    """Marks a request body that is not JSON."""


_BAD_JSON = _BadJson()


def _validated(model: type[BaseModel], data: Any) -> Any:
    """The model, or a DRP-style validation message."""
    if not isinstance(data, dict):
        return "Body must be an object"
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        return f"{where}: {first['msg']}"
