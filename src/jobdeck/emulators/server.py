"""Serving an emulator over a real socket with uvicorn.

``serve`` blocks (``jobdeck emulate``); ``running`` serves from a background
thread for loopback tests and the demo. Both bind the listening socket
themselves, so port 0 gives a free port that is known before the first
request, with no window for another process to take it.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import click
import uvicorn

from jobdeck.emulators.core import Emulator

#: How long ``running`` waits for the server to accept connections.
START_TIMEOUT_SECONDS = 10.0
#: How long ``running`` waits for the server thread to end on exit.
STOP_TIMEOUT_SECONDS = 5.0
#: uvicorn's default websockets protocol with websockets 17 never finishes the
#: close handshake, so every client waited out its close timeout; sans-io closes at once.
WEBSOCKETS = "websockets-sansio"
#: Open streams (logs, events) get this long to finish when the server stops.
GRACEFUL_SHUTDOWN_SECONDS = 1.0


class EmulatorStartError(RuntimeError):
    """The emulator's server did not come up (the message says why)."""


def base_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: a free one); OSError if it cannot be had."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
        sock.set_inheritable(True)
    except OSError:
        sock.close()
        raise
    return sock


def serve(
    emulator: Emulator,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    announce: Callable[[str], None] | None = None,
) -> None:
    """Serve ``emulator`` until Ctrl-C (blocking). Prints the URL (or hands it to ``announce``)."""
    sock = bind(host, port)
    url = base_url(host, sock.getsockname()[1])
    (announce or (lambda text: click.echo(f"serving {emulator.kind} on {text} (Ctrl-C stops)")))(url)
    server = _uvicorn_server(emulator, log_level="info")
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn re-raises the Ctrl-C it already handled: the server has stopped
    finally:
        sock.close()


@contextlib.contextmanager
def running(emulator: Emulator, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``emulator`` from a background thread; yields its base URL once it accepts connections.

    On exit the server is asked to stop and its thread joined (bounded). Raises
    EmulatorStartError if the server is not up within START_TIMEOUT_SECONDS,
    and OSError if the address cannot be bound.
    """
    sock = bind(host, port)
    url = base_url(host, sock.getsockname()[1])
    # log_config=None: uvicorn's records go to Python logging (jobdeck sends that to its log file).
    server = _uvicorn_server(emulator, log_config=None, log_level="warning", access_log=False)
    failure: list[BaseException] = []

    def serve_in_thread() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # reported to the caller below, not lost in the thread
            failure.append(exc)

    thread = threading.Thread(target=serve_in_thread, name=f"emulator-{emulator.kind}", daemon=True)
    thread.start()
    try:
        _wait_until_started(server, thread, failure, url)
        yield url
    finally:
        server.should_exit = True
        thread.join(STOP_TIMEOUT_SECONDS)
        if thread.is_alive():
            server.force_exit = True
            thread.join(STOP_TIMEOUT_SECONDS)
        sock.close()


def _uvicorn_server(emulator: Emulator, **logging: Any) -> uvicorn.Server:
    """A uvicorn server for ``emulator``'s app; ``logging`` holds the Config's logging options."""
    config = uvicorn.Config(
        emulator.app,
        lifespan="off",
        ws=WEBSOCKETS,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        **logging,
    )
    return uvicorn.Server(config)


def _wait_until_started(
    server: uvicorn.Server, thread: threading.Thread, failure: list[BaseException], url: str
) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not server.started:
        if not thread.is_alive():
            reason = f": {failure[0]}" if failure else ""
            raise EmulatorStartError(f"the emulator server on {url} stopped while starting{reason}")
        if time.monotonic() > deadline:
            raise EmulatorStartError(f"the emulator server on {url} did not start within {START_TIMEOUT_SECONDS:g} s")
        time.sleep(0.005)  # a thread, not a coroutine: there is no event to await here
