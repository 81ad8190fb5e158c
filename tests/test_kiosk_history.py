"""The kiosk's counts from jobdeck's history: the failures of today and the last hour
survive a restart (and the backend forgetting its jobs), and each backend's card shows
a sparkline of its failures in each of the last 24 hours. History off: the jobs listed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from deck_helpers import seconds_before, wait_for_jobs
from fakes import FakeAdapter, make_job, wait_until
from history_deck import history_app, history_settled, seed_history

from jobdeck.clock import FrozenClock
from jobdeck.model import JobState
from jobdeck.ui.widgets.kiosk_board import BackendCounts, KioskBoard, sparkline, with_failures


def failures(clock: FrozenClock) -> list:
    """Three failures today (one in the last hour) and one yesterday, a success an hour ago."""
    ago = seconds_before(clock)  # the clock stands at 12:00 UTC
    jobs = []
    for job_id, ended in [("f1", 600), ("f2", 3 * 3600 + 60), ("f3", 5 * 3600), ("f4", 14 * 3600)]:
        jobs.append(make_job(job_id, JobState.FAILED, backend="local", name="etl", created=ago(ended + 60),
                             started=ago(ended + 50), ended=ago(ended)))
    jobs.append(make_job("ok", JobState.SUCCEEDED, backend="local", name="etl", created=ago(4000),
                         started=ago(3990), ended=ago(3000)))
    return jobs


async def test_a_restarted_kiosk_still_counts_the_days_failures_its_backend_forgot(tmp_path: Path):
    clock = FrozenClock()
    local = FakeAdapter.build("local", clock=clock, jobs=failures(clock))
    first = history_app(tmp_path, [local], clock, kiosk=True)
    async with first.run_test(size=(120, 40)) as pilot:
        await wait_for_jobs(first, 5)
        first.screen.kiosk_tick()
        await pilot.pause()
        assert first.screen.query_one(KioskBoard).counts["local"] == BackendCounts(
            failed_today=3, failed_hour=1, succeeded_today=1, succeeded_hour=1
        )
    # The backend forgets its finished jobs (Slurm's queue after a while); the kiosk restarts.
    local.set_jobs([make_job("r1", JobState.RUNNING, backend="local", started=clock.now())])
    clock.advance(60)
    again = history_app(tmp_path, [local], clock, kiosk=True)
    async with again.run_test(size=(120, 40)) as pilot:
        await wait_for_jobs(again, 1)
        board = again.screen.query_one(KioskBoard)
        await wait_until(lambda: "local" in board.failures_per_hour, what="the history's failures")
        await history_settled(again, pilot)
        counts = board.counts["local"]
        assert (counts.running, counts.failed_today, counts.failed_hour) == (1, 3, 1)
        # Failures per hour, the oldest first: 14 h, 5 h, 3 h and 10 min before (a minute on).
        per_hour = board.failures_per_hour["local"]
        assert len(per_hour) == 24 and sum(per_hour) == 4
        assert [hour for hour, n in enumerate(per_hour) if n] == [9, 18, 20, 23]


async def test_the_failures_the_history_misses_yet_count_from_the_list(tmp_path: Path):
    """The history's writer may be a poll behind: the jobs listed are a floor."""
    listed = {"local": BackendCounts(failed_today=2, failed_hour=2)}

    class Read:
        today, last_hour = 1, 0

    assert with_failures(listed, {"local": Read()}) == {"local": BackendCounts(failed_today=2, failed_hour=2)}
    Read.today, Read.last_hour = 5, 3
    assert with_failures(listed, {"local": Read(), "gone": Read()}) == {
        "local": BackendCounts(failed_today=5, failed_hour=3)
    }


def test_a_sparkline_is_a_cell_an_hour_readable_without_colour():
    per_hour = [0, 1, 0, 8, 4, 0, 12]
    assert sparkline(per_hour) == "·▁·▆▃·█"
    assert sparkline(per_hour, ascii=True) == ".1.84.+"
    assert sparkline([0, 0]) == "··"


async def test_with_history_off_the_kiosk_counts_the_jobs_listed_and_draws_no_sparkline(tmp_path: Path):
    clock = FrozenClock()
    seed_history(tmp_path, clock, failures(clock))  # an earlier deck's history, not read
    local = FakeAdapter.build("local", clock=clock, jobs=[make_job("f9", JobState.FAILED, backend="local",
                                                                   ended=clock.now() - timedelta(minutes=1))])
    app = history_app(tmp_path, [local], clock, kiosk=True, history=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_jobs(app, 1)
        app.screen.kiosk_tick()
        await history_settled(app, pilot)
        board = app.screen.query_one(KioskBoard)
        assert board.counts["local"] == BackendCounts(failed_today=1, failed_hour=1)
        assert board.failures_per_hour == {}
        assert not any(worker.group == "kiosk-history" for worker in app.workers)
