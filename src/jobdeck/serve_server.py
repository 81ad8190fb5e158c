"""The aiohttp side of ``jobdeck serve``: textual-serve's Server behind the rules of ``serve.Access``.

textual-serve 1.1 builds its app in ``Server._make_app`` with an open ``/ws``
and an index whose websocket URL comes from the bind address. This subclass
keeps its template, static files, message loop and ``AppService`` (one deck
process per tab), and changes the rest: the page checks Origin, Host and token;
the websocket lives at ``/ws/<token>`` (the page's script appends
``?width=..&height=..`` to the URL it is given, so the token cannot ride in
the query); file downloads, which the deck never offers, are not served; a
session ends only once its deck process has, and its tab is told why (the
websocket's close reason, which the page shows). The access log never writes a
query string or the websocket's path, so the token is written only in the
start line.
"""

from __future__ import annotations

import asyncio
import logging
import re
import signal
from collections.abc import Callable

import aiohttp_jinja2
import jinja2
from aiohttp import WSCloseCode, web
from aiohttp.abc import AbstractAccessLogger
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from jobdeck.serve import SERVE_STOPPED, Access, ended_reason, page_with_messages

log = logging.getLogger("jobdeck.serve")

#: How long open decks get to quit when the server stops.
STOP_SECONDS = 10.0
#: How long a deck that said it exits gets to do so before its tab is told it was quit.
QUIT_WAIT_SECONDS = 2.0

#: On the page: no framing (a framed deck would take clicks meant for another site), no Referer
#: (the URL holds the token), no cached copy (it holds the token too).
PAGE_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

_WEBSOCKET_PATH = re.compile(r"^/ws/.*")


class AccessLog(AbstractAccessLogger):
    """One line per request, with the path only: never the query, never the websocket's token."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        path = _WEBSOCKET_PATH.sub("/ws/<token>", request.path)
        self.logger.info('%s "%s %s" %s', request.remote, request.method, path, response.status)

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)


def _refused(reason: str) -> web.Response:
    return web.Response(status=403, text=f"jobdeck: {reason}\n", content_type="text/plain")


class GuardedServer(Server):
    """textual-serve's Server whose page and websocket let in only what ``access`` allows."""

    def __init__(self, command: str, *, host: str, port: int, access: Access) -> None:
        super().__init__(command, host=host, port=port, title="jobdeck")
        self.access = access
        self._sessions: dict[asyncio.Task[None], web.WebSocketResponse] = {}

    async def _make_app(self) -> web.Application:
        app = web.Application()
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
        app.add_routes(
            [
                web.get("/", self.handle_index, name="index"),
                web.get("/ws/{token}", self.handle_guarded_websocket, name="websocket"),
                web.static("/static", self.statics_path, name="static"),  # textual-serve's own script and fonts
            ]
        )
        app.on_shutdown.append(self.on_shutdown)
        return app

    async def handle_index(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]
        refusal = self.access.page_refusal(
            scheme=request.scheme,
            host=request.host,
            origin=request.headers.get("Origin"),
            token=request.query.get("token"),
        )
        if refusal is not None:
            log.warning("page refused: %s", refusal)
            return _refused(refusal)
        websocket_scheme = "wss" if request.scheme == "https" else "ws"
        context = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            # The page was reached under this Host, so its websocket is too (not under the bind address).
            "app_websocket_url": f"{websocket_scheme}://{request.host}/ws/{self.access.token}",
            "config": {"static": {"url": "/static/"}},
            "application": {"name": self.title},
        }
        response = aiohttp_jinja2.render_template("app_index.html", request, context)
        if response.text is not None:
            response.text = page_with_messages(response.text)
        response.headers.update(PAGE_HEADERS)
        return response

    async def handle_guarded_websocket(self, request: web.Request) -> web.StreamResponse:
        refusal = self.access.websocket_refusal(
            scheme=request.scheme,
            host=request.host,
            origin=request.headers.get("Origin"),
            token=request.match_info["token"],
        )
        if refusal is not None:
            log.warning("websocket refused: %s", refusal)
            return _refused(refusal)
        return await self.handle_websocket(request)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """textual-serve's relay between the browser and one deck, which also sees the deck's process end.

        textual-serve stops waiting when the deck's output ends, and drops the wait when cancelled;
        the deck may still be winding down then. This waits for the process (and kills it after
        STOP_SECONDS), so no deck outlives the server.
        """
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        await websocket.prepare(request)

        async def close_as_quit() -> None:
            # The deck said it exits (q): the page is told why, from its exit status once it has one.
            await websocket.close(message=(await _end_reason(deck._process, wait=QUIT_WAIT_SECONDS)).encode())

        deck = AppService(
            self.command,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=close_as_quit,
            download_manager=self.download_manager,
            debug=self.debug,
        )
        # A task of its own, shielded: aiohttp cancels the handler when the browser goes away or
        # when it gives up on it at shutdown; the deck must still be seen out, and waited for.
        session = asyncio.create_task(self._relay(websocket, deck, width, height))
        self._sessions[session] = websocket
        session.add_done_callback(lambda _: self._sessions.pop(session, None))
        await asyncio.shield(session)
        return websocket

    async def _relay(self, websocket: web.WebSocketResponse, deck: AppService, width: int, height: int) -> None:
        try:
            await deck.start(width, height)
            # textual-serve closes the tab only when the deck says it exits; a deck that fails to
            # start says nothing, and the tab would wait forever.
            closer = asyncio.create_task(_close_when_ended(deck._process, websocket))
            try:
                await self._process_messages(websocket, deck)
            finally:
                closer.cancel()
        except Exception:
            # A malformed message from the browser or a deck that failed to start: this session ends.
            log.exception("deck session failed")
        finally:
            await _see_out(deck)
            await websocket.close()

    async def on_shutdown(self, app: web.Application) -> None:
        # Closing each websocket ends its session the normal way: the deck is told to quit and waited for.
        sessions = dict(self._sessions)
        if not sessions:
            return
        # All at once: each close may wait for a browser's reply that never comes.
        message = SERVE_STOPPED.encode()
        await asyncio.gather(
            *(websocket.close(code=WSCloseCode.GOING_AWAY, message=message) for websocket in sessions.values()),
            return_exceptions=True,
        )
        await asyncio.wait(sessions, timeout=STOP_SECONDS + 1)


async def _close_when_ended(process: asyncio.subprocess.Process | None, websocket: web.WebSocketResponse) -> None:
    reason = await _end_reason(process, wait=None)
    await websocket.close(code=WSCloseCode.GOING_AWAY, message=reason.encode())


async def _end_reason(process: asyncio.subprocess.Process | None, *, wait: float | None) -> str:
    """Why the deck ended (``serve.ended_reason``), once its process has exited (or ``wait`` seconds)."""
    if process is not None:
        try:
            await asyncio.wait_for(process.wait(), wait)
        except TimeoutError:
            pass
    return ended_reason(process.returncode if process is not None else None)


async def _see_out(deck: AppService) -> None:
    """Tell the deck to quit and wait for its process to exit; kill it after STOP_SECONDS.

    textual-serve's ``stop`` waits only for the deck's output to end, when the deck may still be
    winding down; and a timeout around it would not do, as it swallows its own cancellation.
    """
    process = deck._process  # private in textual-serve 1.1.x; the only handle on the deck's process
    stopping = asyncio.create_task(deck.stop())
    if process is not None:
        try:
            await asyncio.wait_for(process.wait(), STOP_SECONDS)
        except TimeoutError:
            log.warning("a deck (pid %d) did not quit within %s s: killed", process.pid, STOP_SECONDS)
            process.kill()
            await process.wait()
    # Its output ends with it, unless something it started holds on to it.
    done, _ = await asyncio.wait({stopping}, timeout=STOP_SECONDS)
    if not done:
        stopping.cancel()
    elif not stopping.cancelled() and (error := stopping.exception()) is not None:
        log.info("textual-serve's stop of a deck failed: %r", error)  # the deck is gone all the same


def run(command: str, *, host: str, port: int, access: Access, announce: Callable[[str], None]) -> None:
    """Serve until SIGINT or SIGTERM. OSError (before ``announce``) if ``host:port`` cannot be had."""
    asyncio.run(_serve(command, host=host, port=port, access=access, announce=announce))


async def _serve(command: str, *, host: str, port: int, access: Access, announce: Callable[[str], None]) -> None:
    server = GuardedServer(command, host=host, port=port, access=access)
    runner = web.AppRunner(
        await server._make_app(),
        access_log_class=AccessLog,
        access_log=logging.getLogger("jobdeck.serve.access"),
        shutdown_timeout=STOP_SECONDS,
    )
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        announce(access.page_url(host, port))
        await stop.wait()
    finally:
        await runner.cleanup()
