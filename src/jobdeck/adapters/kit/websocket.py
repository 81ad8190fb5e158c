"""Websockets of HTTP backends (Ray's log tail, DRP's events): the URL beside the API's, one way
of opening them, and their failures as ``jobdeck.errors`` kinds: a refused handshake (401/403)
is AuthFailed, anything else that breaks the socket is Unreachable."""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from typing import Any

import websockets
from websockets.exceptions import InvalidStatus

from jobdeck.errors import AuthFailed, AdapterError, NotFound, Unreachable

#: Seconds to wait for the websocket's handshake.
OPEN_TIMEOUT = 10.0


def ws_url(api_url: str, path: str) -> str:
    """The websocket URL of ``path`` under ``api_url``: ``wss`` beside ``https``, else ``ws``."""
    scheme, rest = api_url.split("://", 1)
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}{path}"


def connect(
    url: str, *, headers: Mapping[str, str], ssl_ctx: ssl.SSLContext | None, max_size: int, **options: Any
) -> websockets.connect:
    """``websockets.connect`` with the credentials' headers, TLS on ``wss`` only, the handshake's
    timeout and a short close; ``options`` go to it as they are (``compression=None``)."""
    return websockets.connect(
        url,
        additional_headers=dict(headers),
        ssl=ssl_ctx if url.startswith("wss://") else None,
        open_timeout=OPEN_TIMEOUT,
        max_size=max_size,
        close_timeout=1.0,
        **options,
    )


def refused(exc: InvalidStatus, backend: str, what: str, *, not_found: str | None = None) -> AdapterError:
    """The error of a handshake the server refused: AuthFailed for 401/403, NotFound for 404 when
    ``not_found`` says what was missing, Unreachable otherwise."""
    status = exc.response.status_code
    if status in (401, 403):
        return AuthFailed(f"{backend}: {what} refused the credentials (HTTP {status})")
    if status == 404 and not_found is not None:
        return NotFound(f"{backend}: {what}: {not_found} (HTTP 404)")
    return Unreachable(f"{backend}: {what} was refused (HTTP {status})")


def broke(exc: BaseException, backend: str, what: str) -> Unreachable:
    """The error of a websocket that broke (a network error, a timeout, a protocol error)."""
    return Unreachable(f"{backend}: {what} broke ({type(exc).__name__})")
