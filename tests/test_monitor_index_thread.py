"""A big listing is indexed in another thread (issue 22): the deck's thread does not wait
through it, and the polls announce what changed exactly as when it is indexed in place."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from fakes import EventRecorder, FakeAdapter, make_job, make_monitor

from jobdeck.clock import FrozenClock
from jobdeck.model import JobState
from jobdeck.monitor import JobsChanged, scheduler
from jobdeck.monitor.listing import ListingIndex


@pytest.fixture
def indexed_in(monkeypatch: pytest.MonkeyPatch) -> list[threading.Thread]:
    """Every listing indexed in a thread; the threads that indexed them."""
    monkeypatch.setattr(scheduler, "INDEX_IN_THREAD_FROM", 1)
    threads: list[threading.Thread] = []
    index = ListingIndex.index

    def noted(self: ListingIndex, listed: object):
        threads.append(threading.current_thread())
        return index(self, listed)

    monkeypatch.setattr(ListingIndex, "index", noted)
    return threads


async def test_a_big_listing_is_indexed_off_the_decks_thread_and_its_changes_announced(
    tmp_path: Path, indexed_in: list[threading.Thread]
) -> None:
    clock = FrozenClock()
    adapter = FakeAdapter.build("alpha", jobs=[make_job("1"), make_job("2")], clock=clock)
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    recorder = EventRecorder()
    monitor.add_listener(recorder)

    await monitor.poll_once()
    failed = adapter.update_job("2", state=JobState.FAILED)
    await monitor.poll_once()

    # Off the deck's thread, in the index's own: not the loop's default executor, where
    # adapters' blocking work queues.
    assert indexed_in and threading.current_thread() not in indexed_in
    assert all(thread.name.startswith("jobdeck-index") for thread in indexed_in)
    first, second = recorder.of(JobsChanged)
    assert [job.ref.id for job in first.added] == ["1", "2"]
    assert (second.added, second.changed) == ([], [failed])


async def test_a_poll_cancelled_while_indexing_leaves_the_next_poll_whole(tmp_path: Path) -> None:
    """The index took in a listing the table never applied: the next one is indexed in full,
    so what changed since the last applied listing is still announced."""
    clock = FrozenClock()
    adapter = FakeAdapter.build("alpha", jobs=[make_job("1"), make_job("2")], clock=clock)
    monitor = make_monitor(tmp_path, [adapter], clock=clock)
    recorder = EventRecorder()
    monitor.add_listener(recorder)
    await monitor.poll_once()
    table = monitor._table
    failed = adapter.update_job("2", state=JobState.FAILED)

    loop = asyncio.get_running_loop()
    indexing = loop.run_in_executor(None, table.index, "alpha", adapter.jobs)
    await indexing  # indexed, never applied (the poll was cancelled) ...
    table.forget_listing("alpha")  # ... which the scheduler says once the thread is done
    await monitor.poll_once()

    assert recorder.of(JobsChanged)[-1].changed == [failed]
