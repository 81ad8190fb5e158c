"""A backend's listing that changed nothing is written at most every QUIET_LISTING_EVERY
seconds (it only says its jobs were still there): the history's "last seen" stays right
for a job that goes, and for every job once the store is flushed or closed."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from fakes import make_job

from jobdeck.clock import FrozenClock
from jobdeck.model import JobState
from jobdeck.store.sqlite import FILE_NAME, HistoryReader, HistoryStore
from jobdeck.store.sqlite.store import QUIET_LISTING_EVERY


def poll(store: HistoryStore, clock: FrozenClock, *, added=(), removed=()) -> None:
    store.record_changes(
        "alpha", clock.now(), added=list(added), changed=[], removed=list(removed), transitions=[], complete=True
    )


def listed_at(folder: Path) -> int:
    with sqlite3.connect(folder / FILE_NAME) as connection:
        [(at,)] = connection.execute("SELECT listed_at FROM backends WHERE name = 'alpha'").fetchall()
    return at


def last_seen(folder: Path, job_id: str):
    return {entry.job.id: entry for entry in HistoryReader(folder / FILE_NAME).jobs()}[job_id].last_seen


def listed(folder: Path):
    """A history with job 7 of backend alpha listed twice (the first complete listing is
    written as it comes): the store, its clock and the job."""
    clock = FrozenClock()
    store = HistoryStore(folder, clock=clock)
    job = make_job("7", JobState.RUNNING, backend="alpha")
    poll(store, clock, added=[job])
    poll(store, clock)
    return store, clock, job


def test_quiet_listings_within_the_interval_are_held_back_until_a_flush(tmp_path: Path) -> None:
    store, clock, _ = listed(tmp_path)
    store._writer.flush(10)
    first = listed_at(tmp_path)
    for _ in range(4):
        clock.advance(2)
        poll(store, clock)
    store._writer.flush(10)  # the writer alone: what was queued
    assert listed_at(tmp_path) == first
    store.flush()  # the store's flush writes the one held back
    assert last_seen(tmp_path, "7") == clock.now()
    store.close()


def test_a_quiet_listing_after_the_interval_is_written(tmp_path: Path) -> None:
    store, clock, _ = listed(tmp_path)
    clock.advance(QUIET_LISTING_EVERY)
    poll(store, clock)
    store._writer.flush(10)
    assert last_seen(tmp_path, "7") == clock.now()
    store.close()


def test_a_job_that_goes_was_last_seen_at_the_listing_before_even_one_held_back(tmp_path: Path) -> None:
    store, clock, job = listed(tmp_path)
    clock.advance(4)
    poll(store, clock)  # held back: the last listing that has the job
    clock.advance(2)
    poll(store, clock, removed=[job.ref])
    store.flush()
    assert last_seen(tmp_path, "7") == clock.now() - timedelta(seconds=2)
    store.close()


def test_closing_writes_the_listing_held_back(tmp_path: Path) -> None:
    store, clock, _ = listed(tmp_path)
    clock.advance(3)
    poll(store, clock)
    store.close()
    assert last_seen(tmp_path, "7") == clock.now()
