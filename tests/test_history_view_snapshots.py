"""What the history view looks like (h): every job seen, gone ones marked, with first and
last seen, at 120x40 and 80x24; and one job's transitions and kept log tail. Review
snapshot_report.html before --snapshot-update, and look at the SVGs."""

from __future__ import annotations

from fakes import wait_until
from test_history_view import deck, open_history, seed

from jobdeck.clock import FrozenClock
from jobdeck.ui.screens.history_job import HistoryJobScreen


def history_deck(tmp_path):
    seed(tmp_path, FrozenClock())
    return deck(tmp_path)


def showing_the_history(app, *, filter_text: str = "", job: str | None = None):
    async def run_before(pilot) -> None:
        history = await open_history(app, pilot)
        status = app.screen.query_one("#history-status")
        if filter_text:
            await pilot.press("slash", *filter_text, "enter")
        await wait_until(lambda: "jobs" in str(status.render()) or "job " in str(status.render()), what="the count")
        if job is not None:
            history.cursor = [entry.job.name for entry in history.entries].index(job)
            await pilot.press("enter")
            await wait_until(lambda: isinstance(app.screen, HistoryJobScreen), what="the job")
            tail = app.screen.query_one("#history-job-tail")
            await wait_until(lambda: "reading" not in str(tail.render()), what="the job's tail")
        await pilot.pause()

    return run_before


def test_history_view_at_120x40(snap_compare, tmp_path):
    app = history_deck(tmp_path)
    assert snap_compare(app, terminal_size=(120, 40), run_before=showing_the_history(app))


def test_history_view_at_80x24(snap_compare, tmp_path):
    app = history_deck(tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=showing_the_history(app))


def test_history_view_filtered_with_a_time_term_at_80x24(snap_compare, tmp_path):
    app = history_deck(tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=showing_the_history(app, filter_text="nightly since:10h"))


def test_history_job_transitions_and_kept_tail_at_120x40(snap_compare, tmp_path):
    app = history_deck(tmp_path)
    assert snap_compare(app, terminal_size=(120, 40), run_before=showing_the_history(app, job="nightly-7"))
