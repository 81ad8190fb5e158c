"""What the deck's history reads look like: the run-history strip in the detail pane,
and the kiosk's cards with their 24-hour sparkline of failures. Review
snapshot_report.html before --snapshot-update, and look at the SVGs."""

from __future__ import annotations

from deck_helpers import sample_backends, wait_for_jobs
from fakes import wait_until
from history_deck import earlier_runs, history_app, history_settled, seed_history

from jobdeck.clock import FrozenClock
from jobdeck.model import JobRef
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
