"""The job list's row store holds each job at its latest version only: once the jobs given
are mapped by ref, a version a diff replaced or removed is let go (a first listing of a
million jobs otherwise kept every first version alive for the deck's life)."""

from __future__ import annotations

import gc
import threading
from datetime import UTC, datetime, timedelta

from jobdeck.model import Job, JobRef, JobState
from jobdeck.ui.widgets.job_list.row_store import RowStore

START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _job(job_id: str, name: str, minutes: int = 0) -> Job:
    return Job(
        ref=JobRef(backend="a", id=job_id), name=name, state=JobState.RUNNING,
        created=START + timedelta(minutes=minutes),
    )


def _held_by_a_collection(job: Job) -> bool:
    gc.collect()
    return any(isinstance(holder, (list, dict, set, tuple)) for holder in gc.get_referrers(job))


def _store_of(count: int) -> RowStore:
    store = RowStore()
    store.set_jobs([_job(str(number), f"job{number}", number) for number in range(count)])
    store.resort(archived=False, sort="recent", now=None)
    return store


def test_a_version_a_diff_replaced_is_let_go() -> None:
    store = _store_of(200)
    first = next(job for job in store.sorted if job.ref.id == "7")
    store.apply_changes([], [_job("7", "renamed", 7)], [], now=None)
    assert [job.name for job in store.rows if job.ref.id == "7"] == ["renamed"]
    assert not _held_by_a_collection(first)


def test_a_job_a_diff_removed_is_let_go() -> None:
    store = _store_of(200)
    gone = next(job for job in store.sorted if job.ref.id == "7")
    store.apply_changes([], [], [JobRef(backend="a", id="7")], now=None)
    assert store.job_count == 199
    assert not _held_by_a_collection(gone)


def test_jobs_mapped_in_a_thread_are_let_go_as_well() -> None:
    store = RowStore()
    jobs = [_job(str(number), f"job{number}", number) for number in range(200)]
    store.set_jobs(jobs)
    store.resort(archived=False, sort="recent", now=None)
    thread = threading.Thread(target=store.map_in_thread, args=(jobs,))
    thread.start()
    thread.join()
    del jobs, thread
    first = next(job for job in store.sorted if job.ref.id == "7")
    store.apply_changes([], [_job("7", "renamed", 7)], [], now=None)
    assert not _held_by_a_collection(first)
