"""The DRP event websocket (``/api/v3/ws``): ``register jobs.*.*`` and read Events.

Failures become ``jobdeck.errors`` kinds: a refused handshake (401/403) is
AuthFailed, anything else that breaks the socket is Unreachable.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import AsyncIterator, Mapping
from typing import Any

from websockets.exceptions import InvalidStatus, WebSocketException

from jobdeck.adapters.kit import websocket
from jobdeck.errors import Unreachable

#: Everything about jobs: creates, updates, saves and deletes of every job.
JOB_EVENTS = "jobs.*.*"


def ws_url(api_url: str) -> str:
    return websocket.ws_url(api_url, "/ws")


async def job_events(
    url: str, *, headers: Mapping[str, str], backend: str, ssl_ctx: ssl.SSLContext | None
) -> AsyncIterator[dict[str, Any] | None]:
    """None once registered (the channel is up), then every jobs Event as a dict."""
    try:
        async with websocket.connect(url, headers=headers, ssl_ctx=ssl_ctx, max_size=2**22) as socket:
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
        raise websocket.refused(exc, backend, "the event websocket") from None
    except (OSError, TimeoutError, WebSocketException) as exc:
        raise websocket.broke(exc, backend, "the event websocket") from None
