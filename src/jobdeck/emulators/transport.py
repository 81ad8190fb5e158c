"""An in-process httpx transport that streams, unlike ``httpx.ASGITransport``.

``httpx.ASGITransport`` runs the app to completion and buffers the whole
body, so an endless event stream never returns and a connection dropped half
way (the ``drop_log`` fault) fails an assertion instead of reaching the
client. This transport runs the app as a task and hands its body over chunk
by chunk, so in-process tests see what a client sees over a socket:

- chunks arrive as the app sends them (back-pressure through a small queue);
- a response the app leaves unfinished ends with ``httpx.RemoteProtocolError``
  after the part that was sent, as a dropped connection would;
- closing the response early tells the app the client went away
  (``http.disconnect``) and cancels it if it keeps going.

Exceptions raised by the app itself are re-raised to the caller, as
``httpx.ASGITransport`` does by default: an emulator bug should fail loudly.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any

import httpx

Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [MutableMapping[str, Any], Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
    Awaitable[None],
]

#: How many body chunks the app may run ahead of the reader.
_QUEUE_SIZE = 8
#: How long a finished response's app may take to wind down before it is cancelled.
_WIND_DOWN_SECONDS = 1.0

_END = object()  # the app sent its last body chunk
_RETURNED = object()  # the app returned (if before _END: the response is incomplete)


class StreamingASGITransport(httpx.AsyncBaseTransport):
    """Serve httpx requests from an ASGI app in this event loop, streaming the body."""

    def __init__(self, app: ASGIApp, *, client: tuple[str, int] = ("127.0.0.1", 123)) -> None:
        self.app = app
        self.client = client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": request.method,
            "headers": [(key.lower(), value) for key, value in request.headers.raw],
            "scheme": request.url.scheme,
            "path": request.url.path,
            "raw_path": request.url.raw_path.split(b"?")[0],
            "query_string": request.url.query,
            "server": (request.url.host, request.url.port),
            "client": self.client,
            "root_path": "",
        }
        exchange = _Exchange(request)
        task = asyncio.create_task(exchange.run(self.app, scope))
        try:
            status, headers = await exchange.started
        except BaseException:
            await _cancel(task)
            raise
        stream = _ResponseStream(exchange, task, head_only=request.method == "HEAD")
        return httpx.Response(status, headers=headers, stream=stream, request=request)


class _Exchange:
    """One request/response between the client and the app task."""

    def __init__(self, request: httpx.Request) -> None:
        self.request_chunks: AsyncIterator[bytes] = request.stream.__aiter__()  # type: ignore[union-attr]
        self.request_complete = False
        self.started: asyncio.Future[tuple[int, list[tuple[bytes, bytes]]]]
        self.started = asyncio.get_running_loop().create_future()
        self.queue: asyncio.Queue[object] = asyncio.Queue(maxsize=_QUEUE_SIZE)
        self.complete = False
        self.disconnected = asyncio.Event()

    async def run(self, app: ASGIApp, scope: MutableMapping[str, Any]) -> None:
        try:
            await app(scope, self.receive, self.send)
        except Exception as exc:
            if not self.started.done():
                self.started.set_exception(exc)
                return
            await self.queue.put(exc)
        finally:
            if not self.started.done():
                self.started.set_exception(httpx.RemoteProtocolError("Server disconnected without sending a response."))
        await self.queue.put(_RETURNED)

    async def receive(self) -> Message:
        if not self.request_complete:
            try:
                chunk = await self.request_chunks.__anext__()
            except StopAsyncIteration:
                self.request_complete = True
                return {"type": "http.request", "body": b"", "more_body": False}
            return {"type": "http.request", "body": chunk, "more_body": True}
        await self.disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        if self.disconnected.is_set():
            raise OSError("the client closed the response")
        if message["type"] == "http.response.start":
            self.started.set_result((message["status"], list(message.get("headers", []))))
        elif message["type"] == "http.response.body" and not self.complete:
            body = message.get("body", b"")
            if body:
                await self.queue.put(bytes(body))
            if not message.get("more_body", False):
                self.complete = True
                await self.queue.put(_END)


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, exchange: _Exchange, task: asyncio.Task[None], *, head_only: bool) -> None:
        self.exchange = exchange
        self.task = task
        self.head_only = head_only

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            item = await self.exchange.queue.get()
            if item is _END:
                return
            if item is _RETURNED:
                raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")
            if isinstance(item, BaseException):
                raise item
            if not self.head_only:
                assert isinstance(item, bytes)
                yield item

    async def aclose(self) -> None:
        self.exchange.disconnected.set()
        if self.exchange.complete and not self.task.done():
            # A finished response: let the app return by itself (room for its last put).
            while not self.exchange.queue.empty():
                self.exchange.queue.get_nowait()
            await asyncio.wait({self.task}, timeout=_WIND_DOWN_SECONDS)
        await _cancel(self.task)


async def _cancel(task: asyncio.Task[None]) -> None:
    if task.done():
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
