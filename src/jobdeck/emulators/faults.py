"""The fault switch of every emulator: what goes wrong, and how often.

``Faults`` is plain data (it travels as JSON through ``/_emulator/faults``
and is parsed from ``jobdeck emulate --faults``). ``FaultMiddleware`` applies
it to an emulator's Starlette app as pure ASGI middleware, so streaming
responses, server-sent events and websockets pass through untouched unless a
fault asks otherwise.

Which request gets a fault is decided by the emulator's ``fault_rng`` (seeded
from the emulator's seed), so a run with the same seed and the same requests
fails the same way. Admin routes (``/_emulator/...``) are never faulted.

What each switch does:

- ``latency``: every request waits this many real seconds first.
- ``unauthorized``: every request gets 401 in the backend's error format;
  a websocket handshake is refused with a 401 response where the server
  supports the ASGI denial-response extension (uvicorn does), else closed
  with code 1008 (policy violation) before it is accepted.
- ``error_rate`` / ``rate_limit``: that fraction of requests gets 503, or 429
  with ``Retry-After: <retry_after>``, in the backend's error format.
- ``malformed`` / ``truncated``: that fraction of JSON responses gets a
  200 with a garbage body, or the real body cut in half.
- ``drift``: JSON bodies of 2xx responses pass through ``emulator.drift``
  (schema drift); error bodies stay as they are.

Body faults leave HEAD requests alone: they have no body, and their headers
(counts, lengths) stay true.
- ``drop_log``: non-JSON bodies (logs, event streams) are cut after about
  half their content and the connection is dropped; a websocket is closed
  (code 1011) after its first message.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import ClientDisconnect
from starlette.responses import Response

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Requests under this path are the emulator's own controls: never faulted.
ADMIN_PREFIX = "/_emulator"

#: The body of a "malformed" response: plausible on the wire, not JSON.
MALFORMED_BODY = b"<html><body>502 Bad Gateway</body></html>\x00\xff{\"not\": json"


class Faults(BaseModel):
    """What an emulator does wrong. Fractions are of requests, from 0 to 1."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    latency: float = Field(default=0.0, ge=0, le=60, description="seconds added to every request")
    error_rate: float = Field(default=0.0, ge=0, le=1, description="fraction answered 503")
    rate_limit: float = Field(default=0.0, ge=0, le=1, description="fraction answered 429")
    retry_after: int = Field(default=1, ge=0, le=3600, description="Retry-After seconds of a 429")
    unauthorized: bool = Field(default=False, description="every request answered 401")
    malformed: float = Field(default=0.0, ge=0, le=1, description="fraction of JSON bodies replaced by garbage")
    truncated: float = Field(default=0.0, ge=0, le=1, description="fraction of JSON bodies cut in half")
    drift: bool = Field(default=False, description="JSON bodies pass through the emulator's drift")
    drop_log: bool = Field(default=False, description="streaming bodies dropped half way")

    #: ``--faults`` item names (and aliases) → field names.
    ALIASES: ClassVar[dict[str, str]] = {
        "latency": "latency",
        "5xx": "error_rate",
        "503": "error_rate",
        "error": "error_rate",
        "error_rate": "error_rate",
        "429": "rate_limit",
        "rate_limit": "rate_limit",
        "retry_after": "retry_after",
        "401": "unauthorized",
        "unauthorized": "unauthorized",
        "malformed": "malformed",
        "truncated": "truncated",
        "drift": "drift",
        "drop_log": "drop_log",
    }

    @classmethod
    def parse(cls, spec: str) -> Faults:
        """Faults from ``"latency=0.2,5xx=0.1,429=0.05,401,malformed=0.1,truncated=0.1,drift,drop-log"``.

        A flag without a value switches a boolean on, or sets a fraction to 1.
        ValueError names the first bad item and what is allowed.
        """
        values: dict[str, Any] = {}
        for raw_item in spec.split(","):
            item = raw_item.strip()
            if not item:
                continue
            name, has_value, value = item.partition("=")
            key = name.strip().lower().replace("-", "_")
            field = cls.ALIASES.get(key)
            if field is None:
                known = ", ".join(sorted({name.replace("_", "-") for name in cls.ALIASES}))
                raise ValueError(f"unknown fault {name.strip()!r} in {spec!r}; known faults: {known}")
            if not has_value:
                values[field] = 1.0 if cls.model_fields[field].annotation is float else True
                continue
            values[field] = value.strip()
            try:
                cls.model_validate(values)
            except ValidationError as exc:
                reason = exc.errors()[0]["msg"]
                raise ValueError(f"bad fault value {item!r}: {reason}") from None
        return cls.model_validate(values)

    #: Field names → the ``--faults`` names the README and the help use, so ``spec()`` echoes what was typed.
    SPEC_NAMES: ClassVar[dict[str, str]] = {"error_rate": "5xx", "rate_limit": "429", "unauthorized": "401"}

    def spec(self) -> str:
        """The ``--faults`` text for these faults, in the names ``--faults`` is documented with
        ("" when nothing is switched on)."""
        items: list[str] = []
        for field, value in self.model_dump(exclude_defaults=True).items():
            name = self.SPEC_NAMES.get(field, field.replace("_", "-"))
            if value is True:
                items.append(name)
            else:
                items.append(f"{name}={value:g}" if isinstance(value, float) else f"{name}={value}")
        return ",".join(items)

    @property
    def any(self) -> bool:
        """Whether any fault is switched on."""
        return self != Faults()


# -- the middleware -----------------------------------------------------------------


class FaultedEmulator(Protocol):
    """What the middleware needs of the emulator it wraps (``core.Emulator`` has it all;
    named here, not imported, so the fault switch sits below the emulators' base)."""

    faults: Faults
    fault_rng: random.Random

    def sync(self) -> None: ...

    def error_response(self, status: int, message: str) -> Response: ...

    def drift(self, payload: Any) -> Any: ...


class _ConnectionDropped(Exception):
    """Raised into the app's ``send`` once the fault has dropped the connection."""


class FaultMiddleware:
    """Pure ASGI middleware applying ``emulator.faults`` to each request.

    It also brings the simulation up to date (``emulator.sync()``) before
    every request, faulted or not, so the simulation needs no background task.
    """

    def __init__(self, app: ASGIApp, emulator: FaultedEmulator) -> None:
        self.app = app
        self.emulator = emulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)  # lifespan
            return
        self.emulator.sync()
        if str(scope.get("path", "")).startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        faults = self.emulator.faults
        if faults.latency:
            await asyncio.sleep(faults.latency)
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send, faults)
        else:
            await self._http(scope, receive, send, faults)

    # -- http ---------------------------------------------------------------------

    async def _http(self, scope: Scope, receive: Receive, send: Send, faults: Faults) -> None:
        rng = self.emulator.fault_rng
        if faults.unauthorized:
            await self._error(scope, receive, send, 401, "unauthorized: the credentials were rejected")
            return
        if _happens(rng, faults.error_rate):
            await self._error(scope, receive, send, 503, "service unavailable (injected fault)")
            return
        if _happens(rng, faults.rate_limit):
            response = self.emulator.error_response(429, "too many requests (injected fault)")
            response.headers["Retry-After"] = str(faults.retry_after)
            await response(scope, receive, send)
            return
        # A HEAD answer has no body to spoil (its headers, e.g. counts, stay true).
        has_body = scope.get("method") != "HEAD"
        body_fault = _BodyFault(
            malformed=has_body and _happens(rng, faults.malformed),
            truncated=has_body and _happens(rng, faults.truncated),
            drift=has_body and faults.drift,
            drop_log=has_body and faults.drop_log,
        )
        if not body_fault.any:
            await self.app(scope, receive, send)
            return
        await _FaultedResponse(body_fault, self.emulator.drift, send).run(self.app, scope, receive)

    async def _error(self, scope: Scope, receive: Receive, send: Send, status: int, message: str) -> None:
        await self.emulator.error_response(status, message)(scope, receive, send)

    # -- websockets ---------------------------------------------------------------

    async def _websocket(self, scope: Scope, receive: Receive, send: Send, faults: Faults) -> None:
        if faults.unauthorized:
            await self._refuse_websocket(scope, receive, send)
            return
        if not faults.drop_log:
            await self.app(scope, receive, send)
            return
        sent_messages = 0
        dropped = False

        async def dropping_send(message: Message) -> None:
            nonlocal sent_messages, dropped
            if dropped:
                raise _ConnectionDropped
            if message["type"] == "websocket.send":
                sent_messages += 1
                if sent_messages > 1:
                    dropped = True
                    await send({"type": "websocket.close", "code": 1011, "reason": "dropped (injected fault)"})
                    raise _ConnectionDropped
            await send(message)

        try:
            await self.app(scope, receive, dropping_send)
        except (_ConnectionDropped, OSError):
            if not dropped:
                raise

    async def _refuse_websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        await receive()  # websocket.connect
        if "websocket.http.response" in scope.get("extensions", {}):
            # The denial-response extension: the handshake gets the backend's own 401.
            response = self.emulator.error_response(401, "unauthorized: the credentials were rejected")
            await send({"type": "websocket.http.response.start", "status": 401, "headers": response.raw_headers})
            await send({"type": "websocket.http.response.body", "body": response.body, "more_body": False})
        else:
            await send({"type": "websocket.close", "code": 1008, "reason": "unauthorized"})


def _happens(rng: random.Random, fraction: float) -> bool:
    """One seeded draw; no draw at all when the fault is off, so it disturbs nothing."""
    if fraction <= 0:
        return False
    return fraction >= 1 or rng.random() < fraction


class _BodyFault:
    def __init__(self, *, malformed: bool, truncated: bool, drift: bool, drop_log: bool) -> None:
        self.malformed = malformed
        self.truncated = truncated
        self.drift = drift
        self.drop_log = drop_log

    @property
    def any(self) -> bool:
        return self.malformed or self.truncated or self.drift or self.drop_log

    @property
    def changes_json(self) -> bool:
        return self.malformed or self.truncated or self.drift


class _FaultedResponse:
    """Rewrites one HTTP response on its way out.

    JSON responses are buffered (they are small) and rewritten whole;
    other bodies stream through, and ``drop_log`` cuts them: at half the
    Content-Length when it is known, else half way through the second
    non-empty chunk (or the first, if it is also the last), then the app's
    further sends fail and the response is left incomplete, which the
    server turns into a dropped connection.
    """

    def __init__(self, fault: _BodyFault, drift: Callable[[Any], Any], send: Send) -> None:
        self.fault = fault
        self.drift = drift
        self.send = send
        self.start: Message | None = None
        self.mode = "pass"  # "pass" | "json" | "drop"
        self.buffer = bytearray()
        self.length: int | None = None
        self.sent = 0
        self.chunks = 0
        self.dropped = False

    async def run(self, app: ASGIApp, scope: Scope, receive: Receive) -> None:
        try:
            await app(scope, receive, self.on_send)
        except (_ConnectionDropped, OSError, ClientDisconnect):
            # What the app makes of a send that failed once the fault dropped the connection.
            if not self.dropped:
                raise

    async def on_send(self, message: Message) -> None:
        if self.dropped:
            raise _ConnectionDropped
        if message["type"] == "http.response.start":
            self.start = message
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in message.get("headers", [])}
            is_json = "json" in headers.get("content-type", "")
            if is_json and self.fault.changes_json:
                self.mode = "json"
                return
            if not is_json and self.fault.drop_log and message.get("status", 200) < 300:
                self.mode = "drop"
                length = headers.get("content-length")
                self.length = int(length) if length and length.isdigit() else None
            await self.send(message)
            return
        if message["type"] != "http.response.body":
            await self.send(message)
            return
        if self.mode == "json":
            await self._on_json_body(message)
        elif self.mode == "drop":
            await self._on_streamed_body(message)
        else:
            await self.send(message)

    async def _on_json_body(self, message: Message) -> None:
        self.buffer += message.get("body", b"")
        if message.get("more_body", False):
            return
        assert self.start is not None
        status = self.start.get("status", 200)
        body = bytes(self.buffer)
        if self.fault.drift and 200 <= status < 300:  # drift changes data, not error bodies
            body = self._drifted(body)
        if self.fault.malformed:
            status, body = 200, MALFORMED_BODY
        elif self.fault.truncated:
            body = body[: len(body) // 2]
        headers = [(k, v) for k, v in self.start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await self.send({**self.start, "status": status, "headers": headers})
        await self.send({"type": "http.response.body", "body": body, "more_body": False})

    def _drifted(self, body: bytes) -> bytes:
        try:
            payload = json.loads(body)
        except ValueError:
            return body
        return json.dumps(self.drift(payload)).encode()

    async def _on_streamed_body(self, message: Message) -> None:
        body: bytes = message.get("body", b"")
        more = message.get("more_body", False)
        if self.length is not None:
            cut = max(1, self.length // 2)
            if cut >= self.length:
                await self.send(message)
                return
            room = cut - self.sent
            if len(body) < room:
                self.sent += len(body)
                await self.send(message)
                return
            await self._drop_after(body[:room])
            return
        if not body:
            await self.send(message)
            return
        self.chunks += 1
        if self.chunks == 1 and more:
            await self.send(message)
            return
        await self._drop_after(body[: max(1, len(body) // 2)] if len(body) > 1 else b"")

    async def _drop_after(self, part: bytes) -> None:
        if part:
            await self.send({"type": "http.response.body", "body": part, "more_body": True})
        self.dropped = True
        raise _ConnectionDropped
