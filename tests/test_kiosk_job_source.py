"""The kiosk's board and rotation read the jobs the job list holds (fed by the
monitor's events), so the counts on the wall and the rows below them never disagree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from deck_helpers import build_app, sample_backends, wait_for_jobs
from fakes import FakeAdapter, make_job, wait_until

from jobdeck.clock import FrozenClock
from jobdeck.model import JobState
from jobdeck.ui.app import JobdeckApp
from jobdeck.ui.widgets.job_list.row_store import RowStore
from jobdeck.ui.widgets.kiosk_board import KioskBoard

WIDE = (120, 40)
NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)  # the sample deck's frozen clock


def slow_link_kiosk(tmp_path) -> tuple[JobdeckApp, FakeAdapter]:
    """A kiosk over a slow link: the list hears of the monitor's changes once per tick, in a batch."""
    clock = FrozenClock(NOW)
    local, cluster = sample_backends(clock)
    sample = build_app(tmp_path, [local, cluster], clock=clock, kiosk=True)
    settings = sample.settings.model_copy(update={"low_bandwidth": True})
    return JobdeckApp(settings, sample.monitor, clock=sample.clock, kiosk=True), local


async def test_the_board_counts_a_new_failure_once_the_list_shows_it_not_before(tmp_path):
    app, local = slow_link_kiosk(tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        jobs = await wait_for_jobs(app, 6)
        app.coalescer.flush()
        await pilot.pause()
        screen = app.screen
        board = screen.query_one(KioskBoard)
        screen.kiosk_tick()
        before = board.counts["local"]

        local.upsert_job(make_job("late-failure", JobState.FAILED, backend="local", ended=NOW - timedelta(minutes=1)))
        await app.monitor.refresh("local")
        await wait_until(lambda: len(app.monitor.jobs()) == 7, what="the new failure polled")
        await pilot.pause()
        assert jobs.job_count == 6  # the list hears of it at the next flush
        screen.kiosk_tick()
        assert board.counts["local"] == before

        app.coalescer.flush()
        await pilot.pause()
        assert jobs.job_count == 7
        screen.kiosk_tick()
        assert board.counts["local"].failed_today == before.failed_today + 1
        assert board.counts["local"].failed_hour == before.failed_hour + 1


def test_the_row_store_gives_every_job_in_any_view_at_its_latest_version() -> None:
    store = RowStore()
    kept = make_job("kept", JobState.RUNNING)
    archived = make_job("archived", JobState.FAILED, archived=True)
    dropped = make_job("dropped", JobState.SUCCEEDED)
    store.set_jobs([kept, archived, dropped], in_slices=False)
    store.resort(archived=False, sort="recent", now=NOW)
    assert list(store.every_job()) == [kept, archived, dropped]  # before any map by ref is built

    newer = kept.model_copy(update={"state": JobState.FAILED})
    store.apply_changes([], [newer], [dropped.ref], now=NOW)

    assert sorted(store.every_job(), key=lambda job: job.ref.id) == [archived, newer]
