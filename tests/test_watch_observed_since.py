"""A job watched with + is shown as observed since it was first watched: in the deck that
watched it, and in a later deck that watches it again at start (not since that start)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from deck_helpers import sample_backends, wait_for_jobs
from fakes import wait_until

from jobdeck.clock import FrozenClock
from jobdeck.config import Settings
from jobdeck.model import Capability, JobRef
from jobdeck.monitor import Monitor
from jobdeck.store.memory import MemoryStore
from jobdeck.ui.app import JobdeckApp
from jobdeck.ui.runtime.watch_memory import WatchMemory

WATCHED = JobRef(backend="cluster", id="abc123")
WIDE = (120, 40)


def deck(tmp_path: Path, memory: WatchMemory, clock: FrozenClock) -> JobdeckApp:
    adapters = sample_backends(clock)
    adapters[1].capabilities = adapters[1].capabilities | {Capability.WATCH}
    monitor = Monitor(adapters, clock=clock, store=MemoryStore(tmp_path))
    settings = Settings(backends=[a.settings for a in adapters], time_zone="UTC")
    return JobdeckApp(settings, monitor, clock=clock, watch_memory=memory)


async def first_observed(app: JobdeckApp) -> datetime:
    await wait_until(lambda: app.monitor.job(WATCHED) is not None, what="the watched job")
    events = await app.monitor.timeline(WATCHED)
    assert events and events[0].observed
    return events[0].at


async def test_a_watched_job_is_observed_from_when_it_was_watched_across_restarts(tmp_path):
    memory = WatchMemory(tmp_path / "ui-state.json")
    clock = FrozenClock()  # 2026-01-01 12:00 UTC
    first = deck(tmp_path, memory, clock)
    async with first.run_test(size=WIDE) as pilot:
        await wait_for_jobs(first, 6)
        clock.advance(600)  # watched ten minutes after the deck started
        watched_at = clock.now()
        await pilot.press("plus", *"abc123", "enter")
        assert await first_observed(first) == watched_at
        await wait_until(lambda: memory.recall_since() == [("cluster", "abc123", watched_at)], what="the memory")

    clock.advance(3600)  # the next deck starts an hour later
    again = deck(tmp_path, memory, clock)
    async with again.run_test(size=WIDE):
        assert await first_observed(again) == watched_at


def test_watching_a_job_again_keeps_when_it_was_first_watched(tmp_path):
    memory = WatchMemory(tmp_path / "ui-state.json")
    first, later = datetime(2026, 1, 1, 12, tzinfo=UTC), datetime(2026, 1, 2, 9, tzinfo=UTC)
    memory.remember("julep", "e1", first)
    memory.remember("julep", "e2", later)
    memory.remember("julep", "e1", later)  # again: it moves to the end, first watched then still
    assert memory.recall_since() == [("julep", "e2", later), ("julep", "e1", first)]
    assert memory.recall() == [("julep", "e2"), ("julep", "e1")]


def test_an_older_file_without_times_and_a_hand_edited_time_are_read(tmp_path):
    file = tmp_path / "ui-state.json"
    file.write_text(json.dumps({"watched": [["julep", "e1"], ["julep", "e2", "not a time"],
                                            ["julep", "e3", "2026-01-01T12:00:00"],  # no zone: not trusted
                                            ["julep", "e4", "2026-01-01T12:00:00+00:00"]]}))
    assert WatchMemory(file).recall_since() == [
        ("julep", "e1", None), ("julep", "e2", None), ("julep", "e3", None),
        ("julep", "e4", datetime(2026, 1, 1, 12, tzinfo=UTC)),
    ]


async def test_the_monitor_dates_a_first_sighting_it_is_told_of():
    clock = FrozenClock()
    adapters = sample_backends(clock)
    adapters[1].capabilities = adapters[1].capabilities | {Capability.WATCH}
    monitor = Monitor(adapters, clock=clock, store=MemoryStore(Path("/nonexistent")))
    await monitor.refresh()
    earlier = clock.now() - timedelta(days=2)
    result = await monitor.watch_job("cluster", "abc123", seen_since=earlier)
    assert result.ok
    [event] = await monitor.timeline(WATCHED)
    assert event.observed and event.at == earlier
