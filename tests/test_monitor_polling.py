"""The polling engine: schedules, backoff, health, diffs, observed history, push, life cycle."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from fakes import EventRecorder, FakeAdapter, make_job, make_monitor, settle, wait_until

from jobdeck.clock import FrozenClock
from jobdeck.errors import AuthFailed, BadResponse, Unreachable
from jobdeck.model import Capability, JobRef, JobState
from jobdeck.monitor import HealthChanged, HealthStatus, JobsChanged, Monitor, TimelineChanged

PUSH_CAPABLE = frozenset({Capability.LIST, Capability.PUSH})


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@asynccontextmanager
async def running(monitor: Monitor) -> AsyncIterator[asyncio.Task[None]]:
    """``monitor.run()`` in a task for the block; stopped (and checked) after it."""
    task = asyncio.create_task(monitor.run())
    try:
        yield task
    finally:
        await monitor.stop()
        await task


async def poll_done(adapter: FakeAdapter, clock: FrozenClock, polls: int, sleepers: int = 1) -> None:
    """Wait until ``adapter`` was polled ``polls`` times and the loops sleep again."""
    await wait_until(
        lambda: adapter.count("list_jobs") >= polls and clock.sleepers >= sleepers,
        what=f"poll #{polls} of {adapter.name}",
    )


# -- health ----------------------------------------------------------------------------


async def test_a_backend_is_starting_until_its_first_poll_ends(tmp_path: Path, clock: FrozenClock) -> None:
    adapter = FakeAdapter.build("alpha", jobs=[make_job("1")], clock=clock)
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    assert monitor.health()["alpha"].status is HealthStatus.STARTING
    await monitor.poll_once()
    health = monitor.health()["alpha"]
    assert health.status is HealthStatus.OK
    assert health.last_ok == clock.now()
    assert health.next_poll_in == 2.0


async def test_health_goes_ok_degraded_down_and_back_to_ok(tmp_path: Path, clock: FrozenClock) -> None:
    adapter = FakeAdapter.build("alpha", jobs=[make_job("1")], clock=clock)
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    recorder = EventRecorder()
    monitor.add_listener(recorder)

    await monitor.poll_once()
    adapter.fail_next(3, Unreachable("connection refused"))
    seen = []
    for _ in range(4):
        await monitor.poll_once()
        health = monitor.health()["alpha"]
        seen.append((health.status, health.consecutive_failures, health.next_poll_in))

    assert seen == [
        (HealthStatus.DEGRADED, 1, 2.0),
        (HealthStatus.DEGRADED, 2, 4.0),
        (HealthStatus.DOWN, 3, 8.0),
        (HealthStatus.OK, 0, 2.0),
    ]
    statuses = [event.health.status for event in recorder.of(HealthChanged)]
    assert statuses == [HealthStatus.OK, HealthStatus.DEGRADED, HealthStatus.DEGRADED, HealthStatus.DOWN,
                        HealthStatus.OK]


async def test_the_last_error_is_kept_until_the_next_success(tmp_path: Path, clock: FrozenClock) -> None:
    adapter = FakeAdapter.build("alpha", clock=clock)
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    await monitor.poll_once()
    first_ok = monitor.health()["alpha"].last_ok
    adapter.fail_next(1, BadResponse("truncated body"))
    await monitor.poll_once()
    health = monitor.health()["alpha"]
    assert health.last_error == "bad response: truncated body"
    assert health.last_ok == first_ok
    await monitor.poll_once()
    assert monitor.health()["alpha"].last_error is None


async def test_refused_credentials_mark_the_backend_down_at_once(tmp_path: Path, clock: FrozenClock) -> None:
    adapter = FakeAdapter.build("alpha", clock=clock)
    healthy = FakeAdapter.build("beta", jobs=[make_job("1")], clock=clock)
    adapter.fail_always(AuthFailed("token rejected"))
    monitor = make_monitor(tmp_path, [adapter, healthy], clock=clock)
    await monitor.poll_once()
    assert monitor.health()["alpha"].status is HealthStatus.DOWN
    assert monitor.health()["alpha"].last_error == "auth failed: token rejected"
    # One backend failing does not touch the others.
    assert monitor.health()["beta"].status is HealthStatus.OK
    assert [job.id for job in monitor.jobs()] == ["1"]


async def test_retry_after_from_the_backend_sets_the_next_poll(tmp_path: Path, clock: FrozenClock) -> None:
    adapter = FakeAdapter.build("alpha", clock=clock)
    adapter.fail_next(1, Unreachable("429 too many requests", retry_after=30.0))
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    await monitor.poll_once()
    assert monitor.health()["alpha"].next_poll_in == 30.0


async def test_a_bug_in_an_adapter_counts_as_a_failure_and_is_logged(
    tmp_path: Path, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    adapter = FakeAdapter.build("alpha", clock=clock)
    adapter.fail_next(1, KeyError("status"))
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    with caplog.at_level(logging.ERROR):
        await monitor.poll_once()
    health = monitor.health()["alpha"]
    assert health.status is HealthStatus.DOWN  # it never worked
    assert health.last_error == "internal error in fake adapter: 'status'"
    assert "Traceback" in caplog.text and "KeyError" in caplog.text


async def test_an_unchanged_healthy_poll_emits_nothing(tmp_path: Path, clock: FrozenClock) -> None:
    adapter = FakeAdapter.build("alpha", jobs=[make_job("1")], clock=clock)
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    await monitor.poll_once()
    recorder = EventRecorder()
    monitor.add_listener(recorder)
    clock.advance(2)
    await monitor.poll_once()
    assert recorder.events == []
    assert monitor.health()["alpha"].last_ok == clock.now()


# -- the schedule ---------------------------------------------------------------------


async def test_the_loop_polls_on_the_backends_interval_and_only_a_refresh_asks_afresh(
    tmp_path: Path, clock: FrozenClock
) -> None:
    adapter = FakeAdapter.build("alpha", clock=clock, interval=5.0)
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    async with running(monitor):
        await poll_done(adapter, clock, 1)
        clock.advance(4.9)
        await settle()
        assert adapter.count("list_jobs") == 1
        clock.advance(0.1)
        await poll_done(adapter, clock, 2)
        assert adapter.count("forget_cached") == 0  # the loop's polls may use the adapter's caches
        await monitor.refresh()
        assert adapter.count("forget_cached") == 1
        assert adapter.count("list_jobs") == 3


async def test_the_loop_backs_off_while_failing(tmp_path: Path, clock: FrozenClock) -> None:
    adapter = FakeAdapter.build("alpha", clock=clock, interval=2.0)
    adapter.fail_always(Unreachable("connection refused"))
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    async with running(monitor):
        await poll_done(adapter, clock, 1)
        clock.advance(2)  # first retry after 2 s
        await poll_done(adapter, clock, 2)
        clock.advance(2)  # the second waits 4 s
        await settle()
        assert adapter.count("list_jobs") == 2
        clock.advance(2)
        await poll_done(adapter, clock, 3)
        assert monitor.health()["alpha"].status is HealthStatus.DOWN
        adapter.fail_always(None)
        clock.advance(8)
        await poll_done(adapter, clock, 4)
        assert monitor.health()["alpha"].status is HealthStatus.OK


async def test_an_adapter_that_cannot_open_is_down_and_retried(tmp_path: Path, clock: FrozenClock) -> None:
    adapter = FakeAdapter.build("alpha", jobs=[make_job("1")], clock=clock)
    adapter.fail_next(1, Unreachable("no route to host"), method="open")
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    async with running(monitor):
        await wait_until(lambda: monitor.health()["alpha"].status is HealthStatus.DOWN and clock.sleepers == 1)
        assert adapter.count("list_jobs") == 0
        clock.advance(2)
        await poll_done(adapter, clock, 1)
        assert monitor.health()["alpha"].status is HealthStatus.OK
        assert adapter.count("open") == 2


async def test_refresh_polls_at_once_while_running(tmp_path: Path, clock: FrozenClock) -> None:
    adapter = FakeAdapter.build("alpha", clock=clock, interval=60.0)
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    async with running(monitor):
        await poll_done(adapter, clock, 1)
        adapter.set_jobs([make_job("new")])
        await monitor.refresh("alpha")
        assert [job.id for job in monitor.jobs()] == ["new"]
        assert adapter.count("list_jobs") == 2


# -- diffs --------------------------------------------------------------------------------


async def test_a_poll_reports_added_and_changed_jobs_and_marks_unlisted_ones_gone(
    tmp_path: Path, clock: FrozenClock
) -> None:
    adapter = FakeAdapter.build("alpha", jobs=[make_job("1"), make_job("2")], clock=clock)
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    recorder = EventRecorder()
    monitor.add_listener(recorder)

    await monitor.poll_once()
    [first] = recorder.of(JobsChanged)
    assert [job.id for job in first.added] == ["1", "2"]
    assert first.changed == [] and first.removed == []

    recorder.clear()
    adapter.update_job("1", state=JobState.SUCCEEDED)
    adapter.remove_job("2")
    adapter.upsert_job(make_job("3"))
    await monitor.poll_once()
    [diff] = recorder.of(JobsChanged)
    assert diff.backend == "alpha"
    assert [job.id for job in diff.added] == ["3"]
    # Contract v2: a job the backend no longer lists is kept, marked gone, not removed.
    assert [(job.id, job.state, job.gone) for job in diff.changed] == [
        ("1", JobState.SUCCEEDED, False),
        ("2", JobState.RUNNING, True),
    ]
    assert diff.removed == []
    assert [(job.id, job.gone_since) for job in monitor.jobs()] == [("1", None), ("3", None), ("2", clock.now())]


async def test_a_down_backend_keeps_its_jobs(tmp_path: Path, clock: FrozenClock) -> None:
    adapter = FakeAdapter.build("alpha", jobs=[make_job("1"), make_job("2")], clock=clock)
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    await monitor.poll_once()
    recorder = EventRecorder()
    monitor.add_listener(recorder)
    adapter.fail_always(Unreachable("gone"))
    for _ in range(3):
        await monitor.poll_once()
    assert monitor.health()["alpha"].status is HealthStatus.DOWN
    assert [job.id for job in monitor.jobs()] == ["1", "2"]
    assert recorder.of(JobsChanged) == []


async def test_jobs_are_listed_in_config_order_and_found_by_ref(tmp_path: Path, clock: FrozenClock) -> None:
    beta = FakeAdapter.build("beta", jobs=[make_job("b1")], clock=clock)
    alpha = FakeAdapter.build("alpha", jobs=[make_job("a1")], clock=clock)
    monitor = make_monitor(tmp_path, [beta, alpha], clock=clock)
    await monitor.poll_once()
    assert monitor.backends() == ["beta", "alpha"]
    assert list(monitor.health()) == ["beta", "alpha"]
    assert [str(job.ref) for job in monitor.jobs()] == ["beta/b1", "alpha/a1"]
    assert monitor.job(JobRef(backend="alpha", id="a1")).name == "job a1"
    assert monitor.job(JobRef(backend="alpha", id="b1")) is None
    assert monitor.describe("beta") == {"kind": "fake", "jobs": "1"}


# -- observed transitions --------------------------------------------------------------


async def test_state_changes_between_polls_become_observed_timeline_events(
    tmp_path: Path, clock: FrozenClock
) -> None:
    adapter = FakeAdapter.build("alpha", jobs=[make_job("1", JobState.PENDING)], clock=clock)
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    recorder = EventRecorder()
    monitor.add_listener(recorder)
    ref = JobRef(backend="alpha", id="1")

    await monitor.poll_once()
    assert recorder.of(TimelineChanged) == []  # a first sighting is announced by JobsChanged
    clock.advance(2)
    adapter.update_job("1", state=JobState.RUNNING, raw_state="running")
    await monitor.poll_once()

    [change] = recorder.of(TimelineChanged)
    assert change.ref == ref
    assert (change.event.state, change.event.observed, change.event.at) == (JobState.RUNNING, True, clock.now())
    timeline = await monitor.timeline(ref)
    assert [(event.state, event.observed) for event in timeline] == [
        (JobState.PENDING, True),
        (JobState.RUNNING, True),
    ]


# -- listeners ----------------------------------------------------------------------------


async def test_a_failing_listener_is_logged_and_does_not_stop_the_others(
    tmp_path: Path, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    adapter = FakeAdapter.build("alpha", jobs=[make_job("1")], clock=clock)
    monitor = make_monitor(tmp_path, [adapter], clock=clock)

    def broken(event: object) -> None:
        raise RuntimeError("listener bug")

    monitor.add_listener(broken)
    recorder = EventRecorder()
    monitor.add_listener(recorder)
    async with running(monitor):
        await poll_done(adapter, clock, 1)
        adapter.upsert_job(make_job("2"))
        clock.advance(2)
        await poll_done(adapter, clock, 2)
    assert len(recorder.of(JobsChanged)) == 2
    assert "listener bug" in caplog.text
    assert monitor.health()["alpha"].status is HealthStatus.OK


async def test_an_unsubscribed_listener_hears_nothing_more(tmp_path: Path, clock: FrozenClock) -> None:
    adapter = FakeAdapter.build("alpha", jobs=[make_job("1")], clock=clock)
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    recorder = EventRecorder()
    unsubscribe = monitor.add_listener(recorder)
    unsubscribe()
    unsubscribe()  # harmless twice
    await monitor.poll_once()
    assert recorder.events == []


async def test_first_polls_returns_once_every_backend_was_polled_or_failed(tmp_path: Path, clock: FrozenClock) -> None:
    good = FakeAdapter.build("good", clock=clock, jobs=[make_job("1")])
    slow = FakeAdapter.build("slow", clock=clock)
    broken = FakeAdapter.build("broken", clock=clock)
    broken.fail_always(Unreachable("connection refused"))
    slow.hold_polls()
    monitor = make_monitor(tmp_path, [good, slow, broken], clock=clock)
    async with running(monitor):
        waiting = asyncio.create_task(monitor.first_polls())
        await wait_until(lambda: slow.count("list_jobs") == 1 and broken.count("list_jobs") == 1)
        await settle()
        assert not waiting.done()  # the slow backend has not answered yet
        slow.release_polls()
        await asyncio.wait_for(waiting, 5)
        assert monitor.health()["broken"].status is not HealthStatus.OK
        assert [job.id for job in monitor.jobs()] == ["1"]


# -- push -----------------------------------------------------------------------------------


async def test_a_push_triggers_an_immediate_poll(tmp_path: Path, clock: FrozenClock) -> None:
    adapter = FakeAdapter.build("alpha", capabilities=PUSH_CAPABLE, clock=clock, interval=60.0)
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    async with running(monitor):
        await poll_done(adapter, clock, 1)
        await wait_until(lambda: adapter.count("changes") == 1)
        adapter.upsert_job(make_job("pushed"))
        adapter.push()
        await poll_done(adapter, clock, 2)
        assert monitor.health()["alpha"].pushing is True
        assert [job.id for job in monitor.jobs()] == ["pushed"]


async def test_the_push_channel_opens_push_delay_after_the_first_poll(tmp_path: Path, clock: FrozenClock) -> None:
    adapter = FakeAdapter.build("alpha", capabilities=PUSH_CAPABLE, clock=clock, interval=60.0)
    monitor = make_monitor(tmp_path, [adapter], clock=clock, push_delay=1.0)
    async with running(monitor):
        await poll_done(adapter, clock, 1, sleepers=2)  # the poll loop, and the push loop's delay
        assert adapter.count("changes") == 0
        clock.advance(1.0)
        await wait_until(lambda: adapter.count("changes") == 1, what="the push channel to open")
        assert adapter.count("list_jobs") == 1  # the next poll is still 59 s away


async def test_a_burst_of_pushes_queues_at_most_one_extra_poll(tmp_path: Path, clock: FrozenClock) -> None:
    adapter = FakeAdapter.build("alpha", capabilities=PUSH_CAPABLE, clock=clock, interval=60.0)
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    async with running(monitor):
        await poll_done(adapter, clock, 1)
        await wait_until(lambda: adapter.count("changes") == 1)
        adapter.hold_polls()
        adapter.push()
        await wait_until(lambda: adapter.count("list_jobs") == 2, what="the pushed poll to start")
        for _ in range(5):
            adapter.push()
        await settle()
        adapter.release_polls()
        await poll_done(adapter, clock, 3)
        await settle()
        assert adapter.count("list_jobs") == 3


async def test_a_failed_push_channel_falls_back_to_polling_and_is_retried(
    tmp_path: Path, clock: FrozenClock
) -> None:
    adapter = FakeAdapter.build("alpha", capabilities=PUSH_CAPABLE, clock=clock, interval=2.0)
    adapter.fail_next(1, Unreachable("stream refused"), method="changes")
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    async with running(monitor):
        # The poll loop and the push retry both sleep.
        await poll_done(adapter, clock, 1, sleepers=2)
        assert adapter.count("changes") == 1
        assert monitor.health()["alpha"].pushing is False
        clock.advance(2)
        await wait_until(lambda: adapter.count("list_jobs") == 2 and adapter.count("changes") == 2)
        adapter.push()
        await wait_until(lambda: monitor.health()["alpha"].pushing, what="push to connect")
        await poll_done(adapter, clock, 3)


async def test_a_push_channel_that_ends_is_marked_off(tmp_path: Path, clock: FrozenClock) -> None:
    adapter = FakeAdapter.build("alpha", capabilities=PUSH_CAPABLE, clock=clock, interval=2.0)
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    recorder = EventRecorder()
    monitor.add_listener(recorder)
    async with running(monitor):
        await poll_done(adapter, clock, 1)
        adapter.push()
        await wait_until(lambda: monitor.health()["alpha"].pushing)
        adapter.end_push()
        await wait_until(lambda: not monitor.health()["alpha"].pushing)
    pushing = [event.health.pushing for event in recorder.of(HealthChanged)]
    assert pushing == [False, True, False]


# -- life cycle ----------------------------------------------------------------------------


async def test_stop_ends_run_and_closes_every_adapter(tmp_path: Path, clock: FrozenClock) -> None:
    alpha = FakeAdapter.build("alpha", clock=clock)
    beta = FakeAdapter.build("beta", clock=clock, capabilities=PUSH_CAPABLE)
    monitor = make_monitor(tmp_path, [alpha, beta], clock=clock)
    task = asyncio.create_task(monitor.run())
    await wait_until(lambda: alpha.count("list_jobs") == 1 and beta.count("changes") == 1)
    await monitor.stop()
    assert task.done() and task.exception() is None
    assert (alpha.close_count, beta.close_count) == (1, 1)
    assert not alpha.is_open and not beta.is_open


async def test_cancelling_run_closes_every_adapter(tmp_path: Path, clock: FrozenClock) -> None:
    adapter = FakeAdapter.build("alpha", clock=clock)
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    task = asyncio.create_task(monitor.run())
    await poll_done(adapter, clock, 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert adapter.close_count == 1


async def test_a_failing_backend_never_makes_run_raise(tmp_path: Path, clock: FrozenClock) -> None:
    adapter = FakeAdapter.build("alpha", clock=clock)
    adapter.fail_always(ZeroDivisionError("bug"))
    adapter.fail_always(RuntimeError("close bug"), method="close")
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    task = asyncio.create_task(monitor.run())
    await poll_done(adapter, clock, 1)
    await monitor.stop()
    assert task.exception() is None
    assert adapter.close_count == 1


async def test_poll_once_opens_adapters_and_stop_closes_them(tmp_path: Path, clock: FrozenClock) -> None:
    adapter = FakeAdapter.build("alpha", jobs=[make_job("1")], clock=clock)
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    await monitor.poll_once()
    await monitor.poll_once()
    assert adapter.open_count == 1 and adapter.count("list_jobs") == 2
    await monitor.stop()
    assert adapter.close_count == 1


async def test_a_stop_that_comes_before_run_starts_still_stops_it(tmp_path: Path, clock: FrozenClock) -> None:
    adapter = FakeAdapter.build("alpha", clock=clock)
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    task = asyncio.create_task(monitor.run())
    await monitor.stop()  # the task has not started yet
    await asyncio.wait_for(task, timeout=5)
    assert adapter.close_count == adapter.open_count
