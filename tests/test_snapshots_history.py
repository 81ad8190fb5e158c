"""What the deck's history reads look like: the run-history strip in the detail pane,
and the kiosk's cards with their 24-hour sparkline of failures. Review
snapshot_report.html before --snapshot-update, and look at the SVGs."""

from __future__ import annotations

from datetime import timedelta

from deck_helpers import sample_backends, seconds_before, wait_for_jobs
from fakes import make_job, wait_until
from history_deck import earlier_runs, history_app, history_settled, history_written, record, seed_history

from jobdeck.clock import FrozenClock
from jobdeck.model import JobRef, JobState
from jobdeck.ui.widgets.kiosk_board import KioskBoard
from jobdeck.ui.widgets.log_view import LogView

FAILED = JobRef(backend="local", id="20260101-1155-b2")


def strip_deck(tmp_path, **settings):
    clock = FrozenClock()
    seed_history(tmp_path, clock, earlier_runs(clock))
    return history_app(tmp_path, sample_backends(clock), clock, **settings)


def showing_the_failed_job(app):
    async def run_before(pilot) -> None:
        jobs = await wait_for_jobs(app, 6)
        assert jobs.select_ref(FAILED)
        log_view = app.screen.query_one(LogView)
        await wait_until(lambda: log_view.line_count >= 2, what="the log")
        await history_settled(app, pilot)

    return run_before


def test_run_history_strip_at_120x40(snap_compare, tmp_path):
    app = strip_deck(tmp_path)
    assert snap_compare(app, terminal_size=(120, 40), run_before=showing_the_failed_job(app))


def test_run_history_strip_at_80x24(snap_compare, tmp_path):
    app = strip_deck(tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=showing_the_failed_job(app))


def test_run_history_strip_at_80x24_in_ascii(snap_compare, tmp_path):
    app = strip_deck(tmp_path, ascii=True, theme="jobdeck-16")
    assert snap_compare(app, terminal_size=(80, 24), run_before=showing_the_failed_job(app))


def kiosk_with_a_day_of_failures(tmp_path, **settings):
    """The sample backends in a kiosk, and an earlier day's failures in the history."""
    clock = FrozenClock()
    ago = seconds_before(clock)
    day = []
    for backend, hours in [("local", [20, 19, 19, 7, 3, 3, 3, 3, 0.5]), ("cluster", [22, 11])]:
        for n, hour in enumerate(hours):
            ended = ago(hour * 3600)
            day.append(make_job(f"{backend}-f{n}", JobState.FAILED, backend=backend, name="nightly",
                                created=ended - timedelta(minutes=5), started=ended - timedelta(minutes=4), ended=ended))
    for job in day:
        record(tmp_path, job.ended, job.ref.backend, [job])
    return history_app(tmp_path, sample_backends(clock), clock, kiosk=True, **settings)


def in_the_kiosk(app):
    async def run_before(pilot) -> None:
        await wait_for_jobs(app, 6)
        app.screen.kiosk_tick()  # the kiosk selects the failed job itself
        board = app.screen.query_one(KioskBoard)
        await wait_until(lambda: len(board.failures_per_hour) == 2, what="the history's failures")
        # Read again once this deck's first poll is written (etl-orders failed 4 minutes ago).
        await history_written(app)
        app.screen.read_failures()
        await wait_until(lambda: board.failures_per_hour["local"][-1] == 2, what="this deck's failure")
        log_view = app.screen.query_one(LogView)
        await wait_until(lambda: log_view.line_count >= 2, what="the log")
        await history_settled(app, pilot)

    return run_before


def test_kiosk_with_failure_sparklines_at_120x40(snap_compare, tmp_path):
    app = kiosk_with_a_day_of_failures(tmp_path, theme="jobdeck-high-contrast")
    assert snap_compare(app, terminal_size=(120, 40), run_before=in_the_kiosk(app))


def test_kiosk_with_failure_sparklines_at_80x24(snap_compare, tmp_path):
    app = kiosk_with_a_day_of_failures(tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=in_the_kiosk(app))


def test_run_history_strip_at_80x24_with_no_color(snap_compare, tmp_path, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = strip_deck(tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=showing_the_failed_job(app))
