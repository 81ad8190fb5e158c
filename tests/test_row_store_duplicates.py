"""The job list's rows when a diff holds a job twice (a backend's first listing may list an
id twice, as a page shifts under a paged listing): one row, the version listed last."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from jobdeck.model import Job, JobRef, JobState
from jobdeck.ui.widgets.job_list.row_store import RowStore

START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _job(backend: str, job_id: str, name: str, minutes: int = 0) -> Job:
    return Job(
        ref=JobRef(backend=backend, id=job_id), name=name, state=JobState.RUNNING,
        created=START + timedelta(minutes=minutes),
    )


def _store_of(jobs: list[Job]) -> RowStore:
    store = RowStore()
    store.set_jobs(jobs)
    store.resort(archived=False, sort="recent", now=None)
    return store


def test_a_diff_holding_a_job_twice_shows_it_once_as_listed_last() -> None:
    store = _store_of([_job("a", str(number), f"a{number}", number) for number in range(200)])
    first, again = _job("b", "1", "first"), _job("b", "1", "again")
    store.apply_changes([first, _job("b", "2", "other"), again], [], [], now=None)
    names = [job.name for job in store.rows]
    assert "again" in names and "first" not in names
    assert len(store.rows) == store.job_count == 202


def test_the_job_listed_twice_changes_and_goes_as_one_row() -> None:
    store = _store_of([_job("a", str(number), f"a{number}", number) for number in range(200)])
    store.apply_changes([_job("b", "1", "first"), _job("b", "1", "again")], [], [], now=None)
    store.apply_changes([], [_job("b", "1", "changed")], [], now=None)
    assert [job.name for job in store.rows if job.backend == "b"] == ["changed"]
    store.apply_changes([], [], [JobRef(backend="b", id="1")], now=None)
    assert [job for job in store.rows if job.backend == "b"] == []


def test_a_big_first_listing_holding_a_job_twice_is_mapped_in_a_thread_then_shown_once() -> None:
    """A million jobs are mapped by ref in the list's index thread, after the first frame: a
    ref found twice there is re-sorted into one row, the version listed last."""
    first, again = _job("b", "1", "first", 1), _job("b", "1", "again", 2)
    jobs = [first, *[_job("a", str(number), f"a{number}", number) for number in range(200)], again]
    store = _store_of(jobs)
    twice: list[bool] = []
    thread = threading.Thread(target=lambda: twice.append(store.map_in_thread(jobs)))
    thread.start()
    thread.join()
    assert twice == [True]
    store.resort(archived=False, sort="recent", now=None)
    names = [job.name for job in store.rows]
    assert "again" in names and "first" not in names
    assert len(store.rows) == store.job_count == 201


def test_a_diff_after_the_jobs_were_mapped_in_a_thread_moves_their_rows() -> None:
    jobs = [_job("a", str(number), f"a{number}", number) for number in range(200)]
    store = _store_of(jobs)
    assert store.map_in_thread(jobs) is False
    store.apply_changes([], [_job("a", "5", "newest", 500)], [JobRef(backend="a", id="7")], now=None)
    assert store.rows[0].name == "newest"
    assert [job.name for job in store.rows].count("a5") == 0
    assert "a7" not in [job.name for job in store.rows] and len(store.rows) == 199


def test_jobs_replaced_before_their_thread_maps_them_are_not_mapped() -> None:
    older = [_job("a", str(number), f"a{number}", number) for number in range(10)]
    store = _store_of(older)
    newer = [_job("c", str(number), f"c{number}", number) for number in range(5)]
    store.set_jobs(newer)
    store.resort(archived=False, sort="recent", now=None)
    assert store.map_in_thread(older) is False
    store.apply_changes([], [_job("c", "1", "changed", 50)], [], now=None)
    assert [job.name for job in store.rows] == ["changed", "c4", "c3", "c2", "c0"]
