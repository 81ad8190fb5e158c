"""Contract v2: a push channel says what changed. ``Upsert`` and ``Gone`` reach the job
table at once, without a poll; ``Poll()`` (or a bare None) makes one; the next listing
is still the authority."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from fakes import EventRecorder, FakeAdapter, make_job, make_monitor, settle, wait_until

from jobdeck.adapters.changes import Gone, Poll, Upsert
from jobdeck.clock import FrozenClock
from jobdeck.model import Capability, JobRef, JobState
from jobdeck.monitor import JobsChanged, Monitor, TimelineChanged

PUSH_CAPABLE = frozenset({Capability.LIST, Capability.PUSH})
ONE = JobRef(backend="alpha", id="1")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@asynccontextmanager
async def pushing(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[tuple[FakeAdapter, Monitor, EventRecorder]]:
    """A running monitor over one push backend with job 1 running, after its first poll,
    its channel connected; the recorder hears what follows."""
    adapter = FakeAdapter.build(
        "alpha", jobs=[make_job("1", JobState.RUNNING)], capabilities=PUSH_CAPABLE, clock=clock, interval=60.0
    )
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    task = asyncio.create_task(monitor.run())
    try:
        await wait_until(lambda: adapter.count("changes") == 1 and clock.sleepers >= 1, what="the first poll")
        adapter.push(Poll())  # connected
        await wait_until(lambda: monitor.health()["alpha"].pushing and adapter.count("list_jobs") == 2)
        await wait_until(lambda: clock.sleepers >= 1, what="the loop asleep again")
        recorder = EventRecorder()
        monitor.add_listener(recorder)
        yield adapter, monitor, recorder
    finally:
        await monitor.stop()
        await task


async def applied(recorder: EventRecorder, count: int = 1) -> list[JobsChanged]:
    await wait_until(lambda: len(recorder.of(JobsChanged)) >= count, what="the change applied")
    return recorder.of(JobsChanged)


async def test_an_upserted_job_is_in_the_table_at_once_without_a_poll(tmp_path: Path, clock) -> None:
    async with pushing(tmp_path, clock) as (adapter, monitor, recorder):
        adapter.push(Upsert(make_job("1", JobState.FAILED, backend="alpha", error="exit 2")))
        [diff] = await applied(recorder)
        assert [(job.ref, job.state, job.error) for job in diff.changed] == [(ONE, JobState.FAILED, "exit 2")]
        [transition] = recorder.of(TimelineChanged)
        assert (transition.ref, transition.event.state) == (ONE, JobState.FAILED)
        assert monitor.job(ONE).state is JobState.FAILED
        assert adapter.count("list_jobs") == 2


async def test_an_upserted_new_job_is_added_and_one_for_another_name_is_this_backends(tmp_path, clock) -> None:
    async with pushing(tmp_path, clock) as (adapter, monitor, recorder):
        adapter.push(Upsert(make_job("2", backend="elsewhere")))
        [diff] = await applied(recorder)
        assert [job.ref for job in diff.added] == [JobRef(backend="alpha", id="2")]
        assert [job.id for job in monitor.jobs()] == ["1", "2"]


async def test_an_upsert_cannot_mark_a_job_gone_only_the_table_does(tmp_path: Path, clock) -> None:
    async with pushing(tmp_path, clock) as (adapter, monitor, recorder):
        adapter.push(Upsert(make_job("1", JobState.SUCCEEDED, gone_since=clock.now())))
        [diff] = await applied(recorder)
        assert [(job.state, job.gone) for job in diff.changed] == [(JobState.SUCCEEDED, False)]


async def test_an_upsert_equal_to_the_job_announces_nothing(tmp_path: Path, clock) -> None:
    async with pushing(tmp_path, clock) as (adapter, monitor, recorder):
        adapter.push(Upsert(make_job("1", JobState.RUNNING, backend="alpha")))
        adapter.push(Upsert(make_job("1", JobState.PAUSED, backend="alpha")))
        [diff] = await applied(recorder)
        assert [job.state for job in diff.changed] == [JobState.PAUSED]


async def test_a_gone_job_is_marked_at_once_without_a_poll(tmp_path: Path, clock) -> None:
    async with pushing(tmp_path, clock) as (adapter, monitor, recorder):
        adapter.push(Gone(ONE))
        [diff] = await applied(recorder)
        assert [(job.ref, job.gone_since) for job in diff.changed] == [(ONE, clock.now())]
        assert diff.removed == []
        adapter.push(Gone("1"))  # by id, and again: nothing more to say
        adapter.push(Gone("never-seen"))
        adapter.push(Upsert(make_job("1", JobState.SUCCEEDED)))
        await applied(recorder, 2)
        assert adapter.count("list_jobs") == 2
        # Pushed back: unmarked.
        assert [(job.state, job.gone) for job in recorder.of(JobsChanged)[1].changed] == [(JobState.SUCCEEDED, False)]


@pytest.mark.parametrize("change", [Poll(), None], ids=["Poll", "None"])
async def test_a_bare_something_changed_polls_at_once(tmp_path: Path, clock, change) -> None:
    async with pushing(tmp_path, clock) as (adapter, monitor, recorder):
        adapter.update_job("1", state=JobState.SUCCEEDED)
        adapter.push(change)
        [diff] = await applied(recorder)
        assert adapter.count("list_jobs") == 3
        assert [job.state for job in diff.changed] == [JobState.SUCCEEDED]


async def test_the_next_listing_puts_right_what_a_push_got_wrong(tmp_path: Path, clock) -> None:
    async with pushing(tmp_path, clock) as (adapter, monitor, recorder):
        # The backend lists the very same objects as before (the fast path): the pushed
        # jobs are compared with it all the same.
        adapter.push(Upsert(make_job("1", JobState.FAILED)))
        adapter.push(Upsert(make_job("2")))
        await applied(recorder, 2)
        recorder.clear()
        await monitor.refresh("alpha")
        [diff] = recorder.of(JobsChanged)
        assert [(job.id, job.state, job.gone) for job in diff.changed] == [
            ("1", JobState.RUNNING, False),
            ("2", JobState.RUNNING, True),  # the backend never listed it: gone, not dropped
        ]
        assert [(job.id, job.state, job.gone) for job in monitor.jobs()] == [
            ("1", JobState.RUNNING, False),
            ("2", JobState.RUNNING, True),
        ]


async def test_a_job_pushed_as_gone_that_the_backend_still_lists_comes_back(tmp_path: Path, clock) -> None:
    async with pushing(tmp_path, clock) as (adapter, monitor, recorder):
        adapter.push(Gone("1"))
        await applied(recorder)
        recorder.clear()
        await monitor.refresh("alpha")
        [diff] = recorder.of(JobsChanged)
        assert [(job.id, job.gone) for job in diff.changed] == [("1", False)]
        assert diff.added == [] and not monitor.job(ONE).gone


async def test_a_change_pushed_while_a_poll_is_under_way_is_applied_after_it(tmp_path: Path, clock) -> None:
    async with pushing(tmp_path, clock) as (adapter, monitor, recorder):
        adapter.hold_polls()
        refreshing = asyncio.ensure_future(monitor.refresh("alpha"))
        await wait_until(lambda: adapter.count("list_jobs") == 3, what="the poll under way")
        # The listing under way was made before this change: it must not undo it.
        adapter.push(Upsert(make_job("1", JobState.SUCCEEDED)))
        await settle()
        assert monitor.job(ONE).state is JobState.RUNNING
        adapter.release_polls()
        await refreshing
        assert monitor.job(ONE).state is JobState.SUCCEEDED


async def test_a_push_that_is_no_change_is_named_in_the_log_and_polls(tmp_path: Path, clock, caplog) -> None:
    async with pushing(tmp_path, clock) as (adapter, monitor, recorder):
        with caplog.at_level(logging.WARNING, logger="jobdeck.monitor.scheduler"):
            adapter.push("something odd")
            await wait_until(lambda: adapter.count("list_jobs") == 3, what="the poll instead")
            adapter.push(Upsert("not a job"))  # type: ignore[arg-type]
            await wait_until(lambda: adapter.count("list_jobs") == 4, what="the poll instead")
        assert "pushed a str, not a change" in caplog.text
        assert "an Upsert carries a str, not a Job" in caplog.text
        assert monitor.health()["alpha"].pushing
