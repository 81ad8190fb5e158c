"""A Ray job's log: the whole of it (``GET /api/jobs/{id}/logs``) read from a byte offset, and
the live tail (the websocket ``/api/jobs/{id}/logs/tail``) resumed by what has been received.

The tail sends the log from its beginning each time it is opened (the first frame holds the
log so far, then about a chunk a second), so a cursor is a byte offset into the log as a
whole: a reconnected tail skips the bytes already received and yields only what is new.

The websocket is opened without compression: Ray's dashboard (2.60) drops a compressed
tail after its first frame ("Cannot write to closing transport").
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Mapping

from websockets.exceptions import ConnectionClosedError, InvalidStatus, WebSocketException

from jobdeck.adapters.kit import websocket
from jobdeck.errors import BadResponse, Unreachable
from jobdeck.model import LogChunk

#: The tail's websocket URL: ``wss`` beside an ``https`` dashboard.
tail_url = websocket.ws_url


def from_offset(text: str, offset: int) -> tuple[str, int]:
    """The part of ``text`` after byte ``offset`` (UTF-8), and the byte offset of its end."""
    data = text.encode("utf-8", "surrogatepass")
    offset = max(0, min(offset, len(data)))
    return data[offset:].decode("utf-8", "replace"), len(data)


async def tail(
    url: str,
    offset: int,
    *,
    headers: Mapping[str, str],
    backend: str,
    ssl_ctx: ssl.SSLContext | None,
    max_size: int,
) -> AsyncIterator[LogChunk]:
    """The log from byte ``offset`` as the tail sends it, each chunk with the offset after it;
    returns when Ray closes the tail (the job ended). Unreachable when it breaks."""
    received = 0
    try:
        async with websocket.connect(url, headers=headers, ssl_ctx=ssl_ctx, max_size=max_size, compression=None) as socket:
            async for frame in socket:
                data = frame.encode("utf-8", "surrogatepass") if isinstance(frame, str) else bytes(frame)
                start, received = received, received + len(data)
                if received <= offset:
                    continue  # received before a reconnection: already given
                new = data[max(0, offset - start) :]
                yield LogChunk(text=new.decode("utf-8", "replace"), offset=received)
    except InvalidStatus as exc:
        raise websocket.refused(exc, backend, "the log tail", not_found="no such job") from None
    except ConnectionClosedError as exc:
        if exc.rcvd is not None and exc.rcvd.code == 1009 or exc.sent is not None and exc.sent.code == 1009:
            raise BadResponse(f"{backend}: the log is larger than max_response_mb; it cannot be followed") from None
        raise Unreachable(f"{backend}: the log tail broke after {received} bytes") from None
    except (OSError, TimeoutError, WebSocketException) as exc:
        raise websocket.broke(exc, backend, "the log tail") from None
