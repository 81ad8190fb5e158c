"""Julep's health and live updates: its event streams stay open while quiet, the push
channel is "connected" only once its streams have answered, a broken one says so in
the health, and "ok" always means the server answered."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fakes import InstantClock, make_monitor, wait_until

from jobdeck.adapters.changes import Poll, Upsert
from jobdeck.adapters.julep import JulepAdapter, JulepSettings
from jobdeck.adapters.julep.convert import job_from_execution
from jobdeck.adapters.julep.push import SERVER_HEARTBEAT, STREAM_READ_TIMEOUT, ListedExecutions
from jobdeck.adapters.julep.wire import Execution, ExecutionStatusEvent
from jobdeck.clock import FrozenClock
from jobdeck.emulators.core import SimClock
from jobdeck.emulators.julep import DEFAULT_API_KEY, JulepEmulator
from jobdeck.errors import Unreachable
from jobdeck.model import Job, JobState
from jobdeck.monitor.events import HealthStatus

KEY_ENV = "JULEP_PUSH_TEST_KEY"


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, DEFAULT_API_KEY)


@pytest.fixture
def emulator() -> JulepEmulator:
    return JulepEmulator(seed=5, clock=SimClock(speed=0), spawn_every=None, stream_poll=0)


class Recording(httpx.AsyncBaseTransport):
    """Passes requests on to ``inner``, keeping each; ``refuse(request)`` makes one fail to connect."""

    def __init__(
        self, inner: httpx.AsyncBaseTransport | None, refuse: Callable[[httpx.Request], bool] = lambda _: False
    ) -> None:
        self.inner = inner
        self.refuse = refuse
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.inner is None or self.refuse(request):
            raise httpx.ConnectError("connection refused", request=request)
        return await self.inner.handle_async_request(request)

    def paths(self) -> list[str]:
        return [request.url.path for request in self.requests]


def settings(**values: Any) -> JulepSettings:
    return JulepSettings(name="julep", url="http://julep.test", api_key_env=KEY_ENV, **values)


def make_adapter(emulator: JulepEmulator, transport: httpx.AsyncBaseTransport, **values: Any) -> JulepAdapter:
    values.setdefault("tasks", emulator.task_ids())
    return JulepAdapter(settings(**values), clock=InstantClock(emulator.clock), transport=transport)


def is_status_stream(request: httpx.Request) -> bool:
    return request.url.path.endswith("/status.stream")


def active_execution(emulator: JulepEmulator) -> str:
    return next(e.id for e in emulator.world.executions.values() if e.status == "awaiting_input")


@pytest.fixture
async def opened() -> AsyncIterator[list[JulepAdapter]]:
    """Adapters a test opens, closed after it."""
    adapters: list[JulepAdapter] = []
    yield adapters
    for adapter in adapters:
        await adapter.close()


# -- quiet streams stay open ------------------------------------------------------------------


async def test_a_quiet_event_stream_of_the_emulator_sends_heartbeats_as_the_real_server_does(emulator):
    emulator.heartbeat = 0  # at once, instead of after 15 s of quiet
    quiet = active_execution(emulator)  # awaits input: its status does not change
    headers = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
    async with httpx.AsyncClient(transport=emulator.transport(), base_url="http://julep.test") as client:
        async with client.stream("GET", f"/executions/{quiet}/status.stream", headers=headers) as response:
            lines = response.aiter_lines()
            seen = [await asyncio.wait_for(anext(lines), timeout=5) for _ in range(4)]  # a bound, not a hang
    assert seen[0].startswith("id: ") and seen[1].startswith("data: ") and seen[2] == ""
    assert seen[3] == ": ping"  # nothing new: a comment, which clients skip


async def test_event_streams_wait_longer_than_the_server_s_heartbeat_before_giving_up(emulator, opened):
    recording = Recording(emulator.transport())
    adapter = make_adapter(emulator, recording)
    opened.append(adapter)
    await adapter.open()
    await adapter.list_jobs()  # the active executions the push channel follows
    changes = adapter.changes()
    await anext(changes)  # connected
    await changes.aclose()
    streams = [request for request in recording.requests if is_status_stream(request)]
    assert streams
    # httpx's read timeout: the longest a stream may send nothing, heartbeats included.
    assert all(request.extensions["timeout"]["read"] == STREAM_READ_TIMEOUT for request in streams)
    assert STREAM_READ_TIMEOUT >= 2 * SERVER_HEARTBEAT
    # The polls keep the backend's own timeout: a hung request is still noticed soon.
    polls = [request for request in recording.requests if not request.url.path.endswith(".stream")]
    assert all(request.extensions["timeout"]["read"] == 10.0 for request in polls)


async def test_the_log_stream_waits_longer_than_the_server_s_heartbeat_too(emulator, opened):
    recording = Recording(emulator.transport())
    adapter = make_adapter(emulator, recording)
    opened.append(adapter)
    await adapter.open()
    follow = adapter.follow_log(active_execution(emulator))
    await anext(follow)  # the transitions so far
    reading = asyncio.ensure_future(anext(follow))  # now on the stream
    await wait_until(lambda: any(path.endswith("/transitions.stream") for path in recording.paths()))
    reading.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await reading
    await follow.aclose()
    [stream] = [request for request in recording.requests if request.url.path.endswith("/transitions.stream")]
    assert stream.extensions["timeout"]["read"] == STREAM_READ_TIMEOUT


# -- the push channel says when it is connected --------------------------------------------------


async def test_the_push_channel_is_connected_only_once_its_status_streams_answer(emulator, opened):
    recording = Recording(emulator.transport(), refuse=is_status_stream)
    adapter = make_adapter(emulator, recording)
    opened.append(adapter)
    await adapter.open()
    await adapter.list_jobs()
    changes = adapter.changes()
    with pytest.raises(Unreachable, match="cannot connect"):
        await anext(changes)  # before: it said "connected" at once, and failed later


async def test_with_its_status_streams_refused_julep_is_ok_but_says_live_updates_are_reconnecting(
    emulator, tmp_path: Path
):
    recording = Recording(emulator.transport(), refuse=is_status_stream)
    adapter = make_adapter(emulator, recording)
    clock = FrozenClock()
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    task = asyncio.create_task(monitor.run())
    try:
        await wait_until(lambda: monitor.health()["julep"].push_error is not None, what="the push failure")
        health = monitor.health()["julep"]
        assert health.status is HealthStatus.OK and not health.pushing
        assert "cannot connect" in (health.push_error or "")
        recording.refuse = lambda _: False  # the streams are back
        clock.advance(2.0)  # the reconnect is due
        await wait_until(lambda: monitor.health()["julep"].pushing, what="the push channel back")
        assert monitor.health()["julep"].push_error is None
    finally:
        await monitor.stop()
        await task


# -- "ok" means the server answered ------------------------------------------------------------


async def test_a_julep_backend_with_nothing_to_watch_that_cannot_be_reached_is_down(emulator, tmp_path: Path):
    adapter = make_adapter(emulator, Recording(None), tasks=[], jobs=[])
    monitor = make_monitor(tmp_path, [adapter], clock=FrozenClock())
    await monitor.poll_once()
    health = monitor.health()["julep"]
    assert health.status is HealthStatus.DOWN
    assert "cannot connect" in (health.last_error or "")
    await monitor.stop()


async def test_a_julep_backend_with_nothing_to_watch_is_ok_once_the_server_has_answered(emulator, tmp_path: Path):
    recording = Recording(emulator.transport())
    adapter = make_adapter(emulator, recording, tasks=[], jobs=[])
    monitor = make_monitor(tmp_path, [adapter], clock=FrozenClock())
    await monitor.poll_once()
    assert monitor.health()["julep"].status is HealthStatus.OK
    assert monitor.jobs() == []
    assert [request.url.path for request in recording.requests] == ["/jobs/00000000-0000-0000-0000-000000000000"]
    await monitor.stop()


async def test_a_julep_backend_with_nothing_to_watch_and_a_wrong_key_is_down(emulator, tmp_path: Path, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "not-the-key")
    adapter = make_adapter(emulator, Recording(emulator.transport()), tasks=[], jobs=[])
    monitor = make_monitor(tmp_path, [adapter], clock=FrozenClock())
    await monitor.poll_once()
    health = monitor.health()["julep"]
    assert health.status is HealthStatus.DOWN and "auth failed" in (health.last_error or "")
    await monitor.stop()


# -- a changed status is pushed as the job it makes (contract v2) -----------------------------------


async def next_change(changes: AsyncIterator[Any], emulator: JulepEmulator) -> Any:
    """The next thing ``changes`` yields, the emulator's time moving on until it does."""
    waiting = asyncio.ensure_future(anext(changes))
    try:
        for _ in range(200):
            if waiting.done():
                break
            for _ in range(50):
                await asyncio.sleep(0)
            emulator.clock.advance(1)  # not the adapter's clock: its interval wait must not fire
        assert waiting.done(), "no change was pushed within 200 simulated seconds"
        return waiting.result()
    finally:
        waiting.cancel()


async def test_a_changed_status_is_pushed_as_the_execution_s_job_as_the_next_listing_shows_it(emulator, opened):
    adapter = make_adapter(emulator, emulator.transport())
    opened.append(adapter)
    await adapter.open()
    await adapter.list_jobs()
    changes = adapter.changes()
    try:
        assert await anext(changes) is None  # connected: a bare "something changed"
        pushed = await next_change(changes, emulator)
        assert isinstance(pushed, Upsert)
        assert pushed.job.state is JobState.FAILED and pushed.job.error  # seed 5: an execution fails first
        # It has ended: its output is not in the event, so a poll is asked for besides.
        assert await anext(changes) == Poll()
        listed = {job.id: job for job in await adapter.list_jobs()}
        assert pushed.job == listed[pushed.job.id]  # its task's tally counted again, too
    finally:
        await changes.aclose()


def execution(execution_id: str, status: str, **fields: Any) -> Execution:
    at = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    return Execution(id=execution_id, task_id="t", status=status, created_at=at, updated_at=at, **fields)


def listed_executions(*executions: Execution) -> tuple[ListedExecutions, list[tuple[list[str], str]]]:
    """ListedExecutions over one task's ``executions``; and what each job was made from
    (the task's statuses, and the execution's)."""
    made: list[tuple[list[str], str]] = []

    def to_job(task_id: str, executions: list[Execution], execution: Execution) -> Job:
        made.append(([e.status for e in executions], execution.status))
        return job_from_execution("julep", execution, task_id)

    listed = ListedExecutions(to_job)
    listed.listed({"t": list(executions)})
    return listed, made


def test_a_status_that_does_not_end_the_execution_is_pushed_as_its_job_alone() -> None:
    listed, made = listed_executions(execution("a", "running", transition_count=3), execution("b", "running"))
    later = datetime(2026, 1, 1, 12, 5, tzinfo=UTC)
    event = ExecutionStatusEvent(execution_id="a", status="awaiting_input", updated_at=later)
    [change] = listed.changes("a", event)
    assert isinstance(change, Upsert)
    job = change.job
    assert (job.id, job.state, job.raw_state, job.updated) == ("a", JobState.PAUSED, "awaiting_input", later)
    assert job.labels["transitions"] == "3"  # not in the event: as last listed
    assert made == [(["awaiting_input", "running"], "awaiting_input")]  # the tally counts it anew
    # And the next status of the same execution starts from this one.
    listed.changes("a", ExecutionStatusEvent(execution_id="a", status="running"))
    assert made[-1] == (["running", "running"], "running")


def test_a_status_of_an_execution_the_last_listing_did_not_have_asks_for_a_poll() -> None:
    listed, made = listed_executions(execution("a", "running"))
    assert listed.changes("new", ExecutionStatusEvent(execution_id="new", status="running")) == [Poll()]
    assert made == []
