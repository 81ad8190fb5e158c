"""A tiny loopback HTTP server whose answers a test scripts: for what no emulator does
(echoing a request's header, a body trickling in a byte at a time, Retry-After: 999999).

``serving(answer)`` runs it in a thread and gives its base URL and the requests it got;
``answer`` turns each ``Asked`` request into a ``Reply``.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Asked:
    method: str
    path: str
    headers: dict[str, str]


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    #: Seconds between two bytes of the body (None: all at once).
    trickle: float | None = None


Answer = Callable[[Asked], Reply]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        self._answer()

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer()

    def do_POST(self) -> None:  # noqa: N802
        self._answer()

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        asked = Asked(self.command, self.path, {k.lower(): v for k, v in self.headers.items()})
        self.server.asked.append(asked)
        reply = self.server.answer(asked)
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command == "HEAD":
            return
        try:
            if reply.trickle is None:
                self.wfile.write(reply.body)
                return
            for index in range(len(reply.body)):
                self.wfile.write(reply.body[index : index + 1])
                self.wfile.flush()
                if self.server.stopping.wait(reply.trickle):
                    return
        except OSError:
            return  # the client went away (as it should past its deadline)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's name
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, answer: Answer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answer = answer
        self.asked: list[Asked] = []
        self.stopping = threading.Event()


@dataclass(frozen=True)
class Served:
    url: str
    #: Every request, in the order they came.
    asked: list[Asked]


@contextlib.contextmanager
def serving(answer: Answer) -> Iterator[Served]:
    """A server answering with ``answer`` until the block ends: its base URL and what it was asked."""
    server = _Server(answer)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Served(f"http://127.0.0.1:{server.server_address[1]}", server.asked)
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join()
