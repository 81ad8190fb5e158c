"""What a backend's health says: starting, ok, degraded, down, not answering, and
whether live updates (the push channel) are flowing. Time is the injected clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from fakes import EventRecorder, FakeAdapter, make_job, make_monitor, settle, wait_until

from jobdeck.adapters.base import BackendSettings
from jobdeck.clock import FrozenClock
from jobdeck.errors import BadResponse, Unreachable
from jobdeck.model import Capability
from jobdeck.monitor import HealthChanged, HealthStatus, Monitor
from jobdeck.monitor.health import NOT_ANSWERING_AFTER, answer_deadline

PUSH_CAPABLE = frozenset({Capability.LIST, Capability.PUSH})


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@asynccontextmanager
async def running(monitor: Monitor) -> AsyncIterator[None]:
    task = asyncio.create_task(monitor.run())
    try:
        yield
    finally:
        await monitor.stop()
        await task


# -- a backend that does not answer ------------------------------------------------------------


async def test_a_backend_whose_first_poll_hangs_is_down_as_not_answering_while_the_poll_goes_on(
    tmp_path: Path, clock: FrozenClock
) -> None:
    adapter = FakeAdapter.build("alpha", jobs=[make_job("1")], clock=clock)
    adapter.hold_polls()  # the request never answers (until released)
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    async with running(monitor):
        await wait_until(lambda: adapter.count("list_jobs") == 1 and clock.sleepers == 1, what="the hung poll")
        assert monitor.health()["alpha"].status is HealthStatus.STARTING
        clock.advance(NOT_ANSWERING_AFTER)
        await wait_until(lambda: monitor.health()["alpha"].status is HealthStatus.DOWN, what="down")
        health = monitor.health()["alpha"]
        assert health.last_error == f"no reply within {NOT_ANSWERING_AFTER:g} s (still waiting)"
        assert health.consecutive_failures == 0  # nothing has failed: the poll is still waiting
        assert adapter.count("list_jobs") == 1  # the same request goes on, not a new one

        adapter.release_polls()  # the answer arrives
        await wait_until(lambda: monitor.health()["alpha"].status is HealthStatus.OK, what="ok")
        assert monitor.health()["alpha"].last_error is None
        assert [job.id for job in monitor.jobs()] == ["1"]


async def test_a_backend_that_answers_in_time_never_shows_not_answering(tmp_path: Path, clock: FrozenClock) -> None:
    adapter = FakeAdapter.build("alpha", jobs=[make_job("1")], clock=clock)
    adapter.hold_polls()
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    recorder = EventRecorder()
    monitor.add_listener(recorder)
    async with running(monitor):
        await wait_until(lambda: adapter.count("list_jobs") == 1 and clock.sleepers == 1, what="the poll")
        clock.advance(NOT_ANSWERING_AFTER - 0.5)
        adapter.release_polls()
        await wait_until(lambda: monitor.health()["alpha"].status is HealthStatus.OK, what="ok")
        clock.advance(1.0)  # past the deadline the first poll had: it is over, nothing to say
        await wait_until(lambda: adapter.count("list_jobs") == 1 and clock.sleepers == 1, what="the loop's wait")
    assert [event.health.status for event in recorder.of(HealthChanged)] == [HealthStatus.OK]


async def test_a_hung_poll_of_a_backend_that_answered_before_is_degraded(tmp_path: Path, clock: FrozenClock) -> None:
    adapter = FakeAdapter.build("alpha", jobs=[make_job("1")], clock=clock, interval=2.0)
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    async with running(monitor):
        await wait_until(lambda: monitor.health()["alpha"].status is HealthStatus.OK, what="the first poll")
        adapter.hold_polls()
        await wait_until(lambda: clock.sleepers == 1, what="the loop's wait")
        clock.advance(2.0)
        await wait_until(lambda: adapter.count("list_jobs") == 2 and clock.sleepers == 1, what="the hung poll")
        clock.advance(NOT_ANSWERING_AFTER)
        await wait_until(lambda: monitor.health()["alpha"].status is HealthStatus.DEGRADED, what="degraded")
        assert "no reply within" in (monitor.health()["alpha"].last_error or "")
        assert [job.id for job in monitor.jobs()] == ["1"]  # what it said last is still shown
        adapter.release_polls()
        await wait_until(lambda: monitor.health()["alpha"].status is HealthStatus.OK, what="ok again")


def test_the_not_answering_deadline_follows_a_short_request_timeout_and_is_a_few_seconds_otherwise() -> None:
    class WithTimeout(BackendSettings):
        kind: str = "x"
        timeout: float = 10.0

    assert answer_deadline(BackendSettings(kind="x")) == NOT_ANSWERING_AFTER == 5.0
    assert answer_deadline(WithTimeout(timeout=10.0)) == 5.0
    assert answer_deadline(WithTimeout(timeout=2.0)) == 2.0
    assert answer_deadline(WithTimeout(timeout=0.01)) == 1.0  # a floor: no flicker on a fast timeout


# -- never worked: down, not degraded ----------------------------------------------------------


@pytest.mark.parametrize("error", [Unreachable("connection refused"), BadResponse("truncated body")])
async def test_a_backend_that_has_failed_every_time_so_far_is_down_with_the_error(
    tmp_path: Path, clock: FrozenClock, error: Exception
) -> None:
    adapter = FakeAdapter.build("alpha", clock=clock)
    adapter.fail_always(error)
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    await monitor.poll_once()
    health = monitor.health()["alpha"]
    assert health.status is HealthStatus.DOWN
    assert health.last_error == f"{error.kind}: {error}"  # type: ignore[attr-defined]
    await monitor.poll_once()
    assert monitor.health()["alpha"].status is HealthStatus.DOWN


async def test_degraded_means_it_worked_before_and_failed_since(tmp_path: Path, clock: FrozenClock) -> None:
    adapter = FakeAdapter.build("alpha", clock=clock)
    adapter.fail_next(1, Unreachable("connection refused"))
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    await monitor.poll_once()
    assert monitor.health()["alpha"].status is HealthStatus.DOWN
    await monitor.poll_once()
    assert monitor.health()["alpha"].status is HealthStatus.OK
    adapter.fail_next(1, Unreachable("connection refused"))
    await monitor.poll_once()
    assert monitor.health()["alpha"].status is HealthStatus.DEGRADED


async def test_a_backend_s_warnings_are_read_again_after_each_good_poll(tmp_path: Path, clock: FrozenClock) -> None:
    # A Ray node dies or a Celery worker goes offline while the deck runs: the header hears of it.
    adapter = FakeAdapter.build("alpha", clock=clock)
    said: list[str] = []
    adapter.warnings = lambda: tuple(said)  # type: ignore[method-assign]
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    recorder = EventRecorder()
    monitor.add_listener(recorder)
    await monitor.poll_once()
    assert monitor.health()["alpha"].warnings == ()
    said.append("node 10.0.0.7 is dead")
    await monitor.poll_once()
    assert monitor.health()["alpha"].warnings == ("node 10.0.0.7 is dead",)
    assert any(event.health.warnings for event in recorder.of(HealthChanged))


async def test_an_adapter_whose_warnings_fail_keeps_its_last_warnings_and_goes_on_polling(
    tmp_path: Path, clock: FrozenClock
) -> None:
    adapter = FakeAdapter.build("alpha", clock=clock)

    def broken() -> tuple[str, ...]:
        raise RuntimeError("bug")

    adapter.warnings = broken  # type: ignore[method-assign]
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    await monitor.poll_once()
    await monitor.poll_once()
    assert monitor.health()["alpha"].status is HealthStatus.OK


# -- live updates (the push channel) -----------------------------------------------------------


async def test_a_push_channel_that_fails_while_polls_work_says_live_updates_are_reconnecting(
    tmp_path: Path, clock: FrozenClock
) -> None:
    adapter = FakeAdapter.build("alpha", capabilities=PUSH_CAPABLE, clock=clock, interval=60.0)
    adapter.fail_next(1, Unreachable("alpha: the event stream timed out"), method="changes")
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    async with running(monitor):
        await wait_until(lambda: adapter.count("changes") == 1 and clock.sleepers == 2, what="the failed channel")
        health = monitor.health()["alpha"]
        assert health.status is HealthStatus.OK  # polls work
        assert not health.pushing
        assert health.push_error == "unreachable: alpha: the event stream timed out"
        clock.advance(60.0)  # the reconnect (and a poll) are due
        await wait_until(lambda: adapter.count("changes") == 2, what="the reconnect")
        adapter.push()
        await wait_until(lambda: monitor.health()["alpha"].pushing, what="push to connect")
        assert monitor.health()["alpha"].push_error is None


async def test_a_push_channel_the_server_closes_says_reconnecting_until_it_is_back(
    tmp_path: Path, clock: FrozenClock
) -> None:
    adapter = FakeAdapter.build("alpha", capabilities=PUSH_CAPABLE, clock=clock, interval=60.0)
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    async with running(monitor):
        adapter.push()
        await wait_until(lambda: monitor.health()["alpha"].pushing, what="push to connect")
        adapter.end_push()
        await wait_until(lambda: not monitor.health()["alpha"].pushing, what="push to end")
        assert monitor.health()["alpha"].push_error == "the server closed the stream"


async def test_a_push_channel_that_keeps_failing_reconnects_with_growing_waits(
    tmp_path: Path, clock: FrozenClock
) -> None:
    adapter = FakeAdapter.build("alpha", capabilities=PUSH_CAPABLE, clock=clock, interval=2.0)
    adapter.fail_always(Unreachable("refused"), method="changes")
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    attempted_at: list[int] = []
    async with running(monitor):
        for second in range(15):
            # Both loops (polls, push) are waiting: nothing else is due at this second.
            await wait_until(lambda: clock.sleepers == 2, what=f"the loops' waits at {second} s")
            attempted_at += [second] * (adapter.count("changes") - len(attempted_at))
            clock.advance(1.0)
            await settle()  # the loops whose wait is over wake before the count above is read again
    assert attempted_at == [0, 2, 6, 14]  # waits of 2, 4 and 8 s (the poll interval, doubling)
    assert monitor.health()["alpha"].status is HealthStatus.OK
