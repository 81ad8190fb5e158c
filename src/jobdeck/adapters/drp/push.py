"""The DRP event websocket (``/api/v3/ws``): ``register jobs.*.*`` and read Events.

Failures become ``jobdeck.errors`` kinds: a refused handshake (401/403) is
AuthFailed, anything else that breaks the socket is Unreachable.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import AsyncIterator, Mapping
from typing import Any

import websockets
from websockets.exceptions import InvalidStatus, WebSocketException

from jobdeck.errors import AuthFailed, Unreachable

#: Everything about jobs: creates, updates, saves and deletes of every job.
JOB_EVENTS = "jobs.*.*"
#: Seconds to wait for the handshake and the register ack.
OPEN_TIMEOUT = 10.0


def ws_url(api_url: str) -> str:
    scheme, rest = api_url.split("://", 1)
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/ws"


async def job_events(
    url: str, *, headers: Mapping[str, str], backend: str, ssl_ctx: ssl.SSLContext | None
) -> AsyncIterator[dict[str, Any] | None]:
    """None once registered (the channel is up), then every jobs Event as a dict."""
    try:
        async with websockets.connect(
            url,
            additional_headers=dict(headers),
            ssl=ssl_ctx if url.startswith("wss://") else None,
            open_timeout=OPEN_TIMEOUT,
            max_size=2**22,
            close_timeout=1.0,
        ) as socket:
            await socket.send(f"register {JOB_EVENTS}")
            registered = False
            async for frame in socket:
                try:
                    message = json.loads(frame)
                except ValueError:
                    continue  # a garbled frame is skipped; the next poll catches up anyway
                if not isinstance(message, dict):
                    continue
                if message.get("Type") == "websocket":
                    if message.get("Action") == "register" and not registered:
                        registered = True
                        yield None
                    continue
                if message.get("Type") == "jobs":
                    yield message
            raise Unreachable(f"{backend}: the event websocket was closed by the server")
    except InvalidStatus as exc:
        status = exc.response.status_code
        if status in (401, 403):
            raise AuthFailed(f"{backend}: the event websocket refused the credentials (HTTP {status})") from None
        raise Unreachable(f"{backend}: the event websocket was refused (HTTP {status})") from None
    except (OSError, TimeoutError, WebSocketException) as exc:
        raise Unreachable(f"{backend}: the event websocket broke ({type(exc).__name__})") from None
