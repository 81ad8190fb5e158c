"""The job list's rows when a diff holds a job twice (a backend's first listing may list an
id twice, as a page shifts under a paged listing): one row, the version listed last."""

from __future__ import annotations

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
