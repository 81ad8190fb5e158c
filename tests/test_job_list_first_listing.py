"""A backend's first listing in the job list: shown at once, a job listed twice in one row
(the version listed last), and the list's map by ref made off the UI's thread for a big
one, so the next poll's diff finds it made (issue 22)."""

from __future__ import annotations

import threading

import pytest
from fakes import make_job
from test_job_list import ListApp, ago, numbered, running

from jobdeck.ui.widgets.job_list import JobList
from jobdeck.ui.widgets.job_list.row_store import RowStore


@pytest.fixture
def big_from_500(monkeypatch: pytest.MonkeyPatch) -> list[threading.Thread]:
    """Lists of 500 jobs or more count as big; the threads that mapped jobs by ref."""
    monkeypatch.setattr("jobdeck.ui.widgets.job_list.widget.INDEX_IN_THREAD_FROM", 500)
    threads: list[threading.Thread] = []
    map_in_thread = RowStore.map_in_thread

    def noted(self: RowStore, jobs):
        threads.append(threading.current_thread())
        return map_in_thread(self, jobs)

    monkeypatch.setattr(RowStore, "map_in_thread", noted)
    return threads


async def wait_for_index(job_list: JobList, pilot) -> None:
    for _ in range(500):
        if job_list.filter_ready:
            break
        await pilot.pause(0.01)
    await pilot.pause()
    assert job_list.filter_ready


async def test_a_big_first_listing_holding_a_job_twice_shows_it_once_once_mapped(big_from_500) -> None:
    """A first listing of a million jobs is not mapped by ref on the way to its first frame:
    a job it lists twice is one row, the version listed last, once its thread mapped it."""
    jobs = numbered(1_000)
    again = make_job("7", name="job 7 again", updated=ago(0.5))
    async with running(ListApp()) as (app, job_list, pilot):
        job_list.apply_changes([*jobs, again], [], [])
        await wait_for_index(job_list, pilot)
        ids = [job.id for job in job_list.rows]
        assert ids.count("7") == 1 and job_list.rows[0] is again
        assert job_list.total_count == job_list.job_count == 1_000
    assert big_from_500 and threading.main_thread() not in big_from_500


async def test_the_first_diff_after_a_big_first_listing_moves_the_rows_it_changed(big_from_500) -> None:
    jobs = numbered(1_000)
    async with running(ListApp()) as (app, job_list, pilot):
        job_list.apply_changes(jobs, [], [])
        await wait_for_index(job_list, pilot)
        moved = jobs[600].model_copy(update={"name": "moved", "updated": ago(0.1)})
        job_list.apply_changes([], [moved], [jobs[3].ref])
        assert job_list.rows[0] is moved
        ids = [job.id for job in job_list.rows]
        assert ids.count("600") == 1 and "3" not in ids and len(ids) == 999
