"""The websocket event stream, ``/api/v3/ws``.

Clients send text frames ``register <type>.<action>.<key>`` and
``deregister …`` (``*`` matches one whole part); each is acked with a
``websocket`` Event. Then every matching Event is sent as JSON. Events come
from the simulation thread or a request, possibly on another thread than the
socket's loop, so they are handed over with ``call_soon_threadsafe``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

#: While a client listens, the lazy simulation is brought up to date this often (real seconds).
SYNC_EVERY = 0.25


def matches(pattern: str, topic: str) -> bool:
    wanted, got = pattern.split("."), topic.split(".", 2)
    if len(wanted) != 3 or len(got) != 3:
        return False
    return all(w == "*" or w == g for w, g in zip(wanted, got, strict=True))


@dataclass(eq=False)
class Subscriber:
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    patterns: set[str] = field(default_factory=set)

    def wants(self, event: dict[str, Any]) -> bool:
        topic = f"{event.get('Type')}.{event.get('Action')}.{event.get('Key')}"
        return any(matches(pattern, topic) for pattern in self.patterns)


class EventHub:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self) -> Subscriber:
        subscriber = Subscriber(loop=asyncio.get_running_loop())
        self._subscribers.append(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        with contextlib.suppress(ValueError):
            self._subscribers.remove(subscriber)

    def publish(self, event: dict[str, Any]) -> None:
        for subscriber in list(self._subscribers):
            if subscriber.wants(event):
                with contextlib.suppress(RuntimeError):  # its loop has closed
                    subscriber.loop.call_soon_threadsafe(subscriber.queue.put_nowait, event)


async def serve_events(
    websocket: WebSocket,
    hub: EventHub,
    *,
    principal: str,
    ack: Callable[[str, str], dict[str, Any]],
    sync: Callable[[], None],
) -> None:
    """Serve one accepted websocket until the client goes away."""
    subscriber = hub.subscribe()
    receiving: asyncio.Task[str] = asyncio.ensure_future(websocket.receive_text())
    getting: asyncio.Task[dict[str, Any]] = asyncio.ensure_future(subscriber.queue.get())
    try:
        while True:
            done, _ = await asyncio.wait({receiving, getting}, timeout=SYNC_EVERY, return_when=asyncio.FIRST_COMPLETED)
            if not done:
                sync()
                continue
            if getting in done:
                await websocket.send_text(json.dumps(getting.result()))
                getting = asyncio.ensure_future(subscriber.queue.get())
            if receiving in done:
                text = receiving.result()  # raises WebSocketDisconnect when the client left
                command, _, pattern = text.strip().partition(" ")
                if command in ("register", "deregister") and pattern:
                    if command == "register":
                        subscriber.patterns.add(pattern)
                    else:
                        subscriber.patterns.discard(pattern)
                    await websocket.send_text(json.dumps(ack(command, pattern)))
                receiving = asyncio.ensure_future(websocket.receive_text())
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        hub.unsubscribe(subscriber)
        for task in (receiving, getting):
            task.cancel()
        await asyncio.gather(receiving, getting, return_exceptions=True)
