"""Julep's push channel: the ``status.stream`` of each active execution, read at once.

Why streams are read with their own timeout: Julep's agents-api serves its
event streams with sse-starlette, which writes a comment line (``: ping``)
every 15 s while a stream has nothing to say (an execution awaiting input can
be quiet for hours). Read with the client's usual 10 s timeout, every quiet
stream broke before its first heartbeat and the channel reconnected over and
over (every 12 s in the demo: 10 s, plus a 2 s wait) while the header said ok.
A stream may now stay quiet for three heartbeats (``STREAM_READ_TIMEOUT``)
before it is given up as dead; a connection that breaks is noticed at once.

The channel counts as connected (its first yield) only once every stream it
opened has answered: before that, nothing is being pushed, and the monitor's
health says live updates are reconnecting rather than a silent "ok".

A status that changed is not thrown away: ``ListedExecutions`` turns it into what
changed (contract v2): the execution's job with that status (``Upsert``), made from
the last listing and the event.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

import httpx

from jobdeck.adapters.changes import Change, Poll, Upsert
from jobdeck.adapters.julep.sse import sse_events
from jobdeck.adapters.julep.wire import Execution, ExecutionStatusEvent
from jobdeck.clock import Clock
from jobdeck.errors import NotFound
from jobdeck.model import Job

#: Seconds between the heartbeats of a quiet event stream (sse-starlette's default ping,
#: which the agents-api keeps).
SERVER_HEARTBEAT = 15.0
#: How long an event stream may send nothing at all, heartbeats included, before it is
#: given up as dead: three heartbeats, so one that comes late breaks nothing.
STREAM_READ_TIMEOUT = 3 * SERVER_HEARTBEAT
#: Executions whose status streams are followed at once.
MAX_STATUS_STREAMS = 16
#: Execution statuses after which the server closes the stream (nothing more to push).
TERMINAL = frozenset({"succeeded", "failed", "cancelled"})

#: Opens the status stream of an execution (by id).
OpenStream = Callable[[str], AbstractAsyncContextManager[httpx.Response]]
#: The status event in the data of one server-sent event.
ReadEvent = Callable[[str], ExecutionStatusEvent]
#: What a changed status of an execution (by id) says changed, to be pushed.
OnStatus = Callable[[str, ExecutionStatusEvent], Sequence[Change]]
#: The job of one execution of a task (by task id), given all the task's executions
#: (its job carries their tally).
ToJob = Callable[[str, list[Execution], Execution], Job]
#: Fields of an execution that a status event carries (when it does not, as last listed).
STATUS_FIELDS = ("updated_at", "error", "transition_count")


@dataclass(frozen=True)
class _Answered:
    """A status stream has answered (or found its execution gone): it is connected."""

    execution_id: str


@dataclass(frozen=True)
class _StatusChanged:
    """The status of an execution has changed: the event that says so."""

    execution_id: str
    status: ExecutionStatusEvent


class StatusStreams:
    """Follows the status stream of each active execution of the last listing."""

    def __init__(
        self,
        *,
        clock: Clock,
        interval: float,
        statuses: Callable[[], dict[str, str]],
        open_stream: OpenStream,
        read_event: ReadEvent,
        on_status: OnStatus,
    ) -> None:
        self._clock = clock
        self._interval = interval
        #: The status of every execution of the last listing, by id (the adapter's polls
        #: make it; the streams keep it up to date, so that a change is news only once).
        self._statuses = statuses
        self._open_stream = open_stream
        self._read_event = read_event
        self._on_status = on_status

    async def changes(self) -> AsyncIterator[Change | None]:
        """Yields None once when connected (every stream opened has answered), then what
        changed whenever an active execution's status changes (``on_status``). Raises
        the first stream's failure."""
        queue: asyncio.Queue[_Answered | _StatusChanged | Exception] = asyncio.Queue()
        watchers: dict[str, asyncio.Task[None]] = {}
        try:
            self._reconcile(watchers, queue)
            waiting = set(watchers)
            while waiting:
                item = await queue.get()
                if isinstance(item, Exception):
                    raise item
                if isinstance(item, _Answered):
                    waiting.discard(item.execution_id)
                # A change meanwhile needs no yield of its own: the poll "connected" wakes sees it.
            yield None
            while True:
                item = await self._next(queue)
                if isinstance(item, Exception):
                    raise item
                if isinstance(item, _StatusChanged):
                    for change in self._on_status(item.execution_id, item.status):
                        yield change
                self._reconcile(watchers, queue)
        finally:
            for task in watchers.values():
                task.cancel()
            await asyncio.gather(*watchers.values(), return_exceptions=True)

    def _reconcile(self, watchers: dict[str, asyncio.Task[None]], queue: asyncio.Queue[Any]) -> None:
        """Follow the status stream of each active execution of the last listing."""
        active = [eid for eid, status in self._statuses().items() if status not in TERMINAL][:MAX_STATUS_STREAMS]
        for eid, task in list(watchers.items()):
            if eid not in active or task.done():
                task.cancel()
                del watchers[eid]
        for eid in active:
            if eid not in watchers:
                watchers[eid] = asyncio.create_task(self._watch(eid, queue), name=f"julep-status-{eid[:8]}")

    async def _next(self, queue: asyncio.Queue[Any]) -> _Answered | _StatusChanged | Exception | None:
        """The next item, or None after an interval (time to look at the listing again)."""
        getter = asyncio.ensure_future(queue.get())
        sleeper = asyncio.ensure_future(self._clock.sleep(self._interval))
        try:
            await asyncio.wait({getter, sleeper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (getter, sleeper):
                task.cancel()
            await asyncio.gather(getter, sleeper, return_exceptions=True)
        if getter.done() and not getter.cancelled():
            return getter.result()
        return None

    async def _watch(self, execution_id: str, queue: asyncio.Queue[Any]) -> None:
        try:
            async with self._open_stream(execution_id) as response:
                await queue.put(_Answered(execution_id))
                async for event in sse_events(response.aiter_lines()):
                    status = self._read_event(event.data)
                    # The first event repeats the current status; only a change is news.
                    statuses = self._statuses()
                    if status.status != statuses.get(execution_id, status.status):
                        statuses[execution_id] = status.status
                        await queue.put(_StatusChanged(execution_id, status))
            # Closed by the server: at the end of the execution, or the next look re-opens it.
        except NotFound:
            await queue.put(_Answered(execution_id))  # the execution is gone; the next listing says so
        except Exception as exc:  # noqa: BLE001 - a bug too reaches the monitor, which names it
            await queue.put(exc)


class ListedExecutions:
    """Each task's executions as the last listing had them, and what a pushed status
    makes of them (``changes``, the push channel's ``on_status``)."""

    def __init__(self, to_job: ToJob) -> None:
        self._to_job = to_job
        self._by_task: dict[str, list[Execution]] = {}

    def listed(self, by_task: dict[str, list[Execution]]) -> None:
        """What the last listing had, by task id."""
        self._by_task = by_task

    def changes(self, execution_id: str, event: ExecutionStatusEvent) -> list[Change]:
        """The execution's job with the status ``event`` says (``Upsert``); a poll besides
        once it has ended (its output is not in the event, and the tally the task's other
        executions carry is put right by it too); a poll instead when the last listing
        did not have the execution."""
        for task_id, executions in self._by_task.items():
            for index, listed in enumerate(executions):
                if listed.id == execution_id:
                    return self._with_status(task_id, index, event)
        return [Poll()]

    def _with_status(self, task_id: str, index: int, event: ExecutionStatusEvent) -> list[Change]:
        executions = list(self._by_task[task_id])
        fields = {key: getattr(event, key) for key in STATUS_FIELDS if getattr(event, key) is not None}
        execution = executions[index] = executions[index].model_copy(update={"status": event.status, **fields})
        self._by_task[task_id] = executions
        upsert = Upsert(self._to_job(task_id, executions, execution))
        return [upsert, Poll()] if event.status in TERMINAL else [upsert]
