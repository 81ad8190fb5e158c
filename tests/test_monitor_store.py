"""The monitor keeps what it learns in the store it is given, and hands it what each
poll and each pushed change changed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from fakes import FakeAdapter, NoJitter, make_job

from jobdeck.clock import FrozenClock
from jobdeck.model import Action, Capability, Job, JobRef, JobState, StatusEvent
from jobdeck.monitor import Monitor
from jobdeck.monitor.job_table import JobTable
from jobdeck.store.memory import MemoryStore

#: No archive of the backend's own: archiving goes to jobdeck's archive (the store's).
NO_ARCHIVE = frozenset({Capability.LIST, Capability.TIMELINE})
FIRST = JobRef(backend="alpha", id="1")
SECOND = JobRef(backend="alpha", id="2")


@dataclass(frozen=True)
class Recorded:
    backend: str
    at: datetime
    added: list[Job]
    changed: list[Job]
    removed: list[JobRef]
    transitions: list[tuple[JobRef, StatusEvent]]
    complete: bool


class RecordingStore(MemoryStore):
    """Today's store, noting every change it is handed and whether it was closed."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.changes: list[Recorded] = []
        self.closed = 0

    def record_changes(
        self,
        backend: str,
        at: datetime,
        *,
        added: Sequence[Job],
        changed: Sequence[Job],
        removed: Sequence[JobRef],
        transitions: Sequence[tuple[JobRef, StatusEvent]],
        complete: bool,
    ) -> None:
        copies = (list(added), list(changed), list(removed), list(transitions))
        self.changes.append(Recorded(backend, at, *copies, complete))

    def close(self) -> None:
        self.closed += 1


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def store(tmp_path: Path) -> RecordingStore:
    return RecordingStore(tmp_path)


def monitor_on(adapter: FakeAdapter, store: RecordingStore, clock: FrozenClock) -> Monitor:
    return Monitor([adapter], clock=clock, store=store, rng=NoJitter())


def alpha(clock: FrozenClock) -> FakeAdapter:
    return FakeAdapter.build(
        "alpha",
        clock=clock,
        capabilities=NO_ARCHIVE,
        jobs=[make_job("1", JobState.RUNNING), make_job("2", JobState.PENDING)],
    )


async def test_each_poll_hands_the_store_what_it_added_changed_and_removed_once(
    store: RecordingStore, clock: FrozenClock
) -> None:
    adapter = alpha(clock)
    monitor = monitor_on(adapter, store, clock)

    await monitor.poll_once()
    [first] = store.changes
    assert (first.backend, first.at, first.complete) == ("alpha", clock.now(), True)
    assert [job.ref for job in first.added] == [FIRST, SECOND]
    assert (first.changed, first.removed, first.transitions) == ([], [], [])

    clock.advance(5)
    adapter.update_job("1", state=JobState.FAILED, raw_state="failed")
    adapter.remove_job("2")
    await monitor.poll_once()
    second = store.changes[1]
    assert second.at == clock.now()
    assert [(job.ref, job.state) for job in second.changed] == [(FIRST, JobState.FAILED)]
    assert second.removed == [SECOND]
    [(ref, event)] = second.transitions
    assert (ref, event.state, event.observed) == (FIRST, JobState.FAILED, True)
    assert second.added == []


async def test_a_poll_that_changed_nothing_still_reaches_the_store_so_its_time_is_known(
    store: RecordingStore, clock: FrozenClock
) -> None:
    monitor = monitor_on(alpha(clock), store, clock)
    await monitor.poll_once()
    clock.advance(5)
    await monitor.poll_once()

    assert len(store.changes) == 2
    quiet = store.changes[1]
    assert quiet.at == clock.now()
    assert (quiet.added, quiet.changed, quiet.removed, quiet.transitions) == ([], [], [], [])


async def test_a_failed_poll_hands_the_store_nothing(store: RecordingStore, clock: FrozenClock) -> None:
    adapter = alpha(clock)
    adapter.fail_next(1, RuntimeError("boom"))
    monitor = monitor_on(adapter, store, clock)
    await monitor.poll_once()
    assert store.changes == []


async def test_the_store_is_handed_jobs_as_the_backend_listed_them_without_jobdecks_archive_mark(
    store: RecordingStore, clock: FrozenClock
) -> None:
    adapter = alpha(clock)
    monitor = monitor_on(adapter, store, clock)
    await monitor.poll_once()
    assert (await monitor.perform(FIRST, Action.ARCHIVE)).ok
    assert monitor.job(FIRST).archived is True  # type: ignore[union-attr]

    # The archive moved (jobdeck's, not the backend's): the backend changed nothing.
    await monitor.poll_once()
    assert store.changes[-1].changed == []

    adapter.update_job("1", state=JobState.SUCCEEDED, raw_state="done")
    await monitor.poll_once()
    [job] = store.changes[-1].changed
    assert (job.state, job.archived, job.archived_by) == (JobState.SUCCEEDED, False, None)


def test_a_pushed_job_and_a_pushed_going_reach_the_store_as_partial_changes(
    store: RecordingStore, clock: FrozenClock
) -> None:
    table = JobTable(["alpha"], store=store, clock=clock, emit=lambda event: None)
    listed = [make_job("1", JobState.RUNNING, backend="alpha"), make_job("2", JobState.PENDING, backend="alpha")]
    table.apply("alpha", table.index("alpha", listed))

    clock.advance(5)
    table.upsert("alpha", make_job("3", JobState.PENDING, backend="alpha"))
    table.upsert("alpha", make_job("1", JobState.FAILED, backend="alpha"))
    table.gone("alpha", "2")

    new, failed, went = store.changes[1:]
    assert ([job.id for job in new.added], new.changed, new.complete) == (["3"], [], False)
    assert [(job.id, job.state) for job in failed.changed] == [("1", JobState.FAILED)]
    assert [(ref, event.state) for ref, event in failed.transitions] == [(FIRST, JobState.FAILED)]
    assert (went.removed, went.added, went.changed, went.complete) == ([SECOND], [], [], False)
    assert all(change.at == clock.now() for change in (new, failed, went))


async def test_the_archive_action_log_and_observed_history_are_the_stores(
    store: RecordingStore, clock: FrozenClock
) -> None:
    adapter = alpha(clock)
    monitor = monitor_on(adapter, store, clock)
    await monitor.poll_once()

    assert (await monitor.perform(FIRST, Action.ARCHIVE)).ok
    assert FIRST in store.archive
    assert [(entry["job"], entry["result"]) for entry in store.actions.entries()] == [("1", "ok")]

    clock.advance(5)
    adapter.update_job("1", state=JobState.FAILED, raw_state="failed")
    await monitor.poll_once()
    assert [event.state for event in store.observed.events(FIRST)] == [JobState.RUNNING, JobState.FAILED]


async def test_the_monitors_warnings_are_the_stores(tmp_path: Path, clock: FrozenClock) -> None:
    (tmp_path / "archive.json").write_text("{not json")
    store = RecordingStore(tmp_path)
    monitor = monitor_on(alpha(clock), store, clock)
    assert monitor.warnings() == store.warnings()
    [warning] = monitor.warnings()
    assert "moved to" in warning


async def test_stopping_the_monitor_closes_its_store(store: RecordingStore, clock: FrozenClock) -> None:
    monitor = monitor_on(alpha(clock), store, clock)
    await monitor.poll_once()
    assert store.closed == 0
    await monitor.stop()
    assert store.closed == 1
