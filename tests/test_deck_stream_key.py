"""``e`` (stdout/stderr) works wherever the user is on the deck, not only with the log
pane focused: from the job list it switches the log's stream, and on a compact deck that
had the detail up it shows the log it switched. A backend with one log says so."""

from __future__ import annotations

from deck_helpers import build_app, sample_backends, toasts, wait_for_jobs
from fakes import make_job, wait_until
from test_log_tools import TRAIN, TwoStreams

from jobdeck.clock import FrozenClock
from jobdeck.model import JobRef
from jobdeck.ui.panes.log import LogPane
from jobdeck.ui.screens.kiosk import KioskScreen
from jobdeck.ui.widgets.job_list import JobList
from jobdeck.ui.widgets.log_view import LogView

SIM = JobRef(backend="hpc", id="77")


def two_stream_deck(tmp_path, **options):
    clock = FrozenClock()
    local, _ = sample_backends(clock)
    hpc = TwoStreams.build("hpc", clock=clock, jobs=[make_job("77", backend="hpc", name="sim")])
    return build_app(tmp_path, [local, hpc], clock=clock, **options)


async def showing_sim(app) -> LogView:
    jobs = await wait_for_jobs(app, 4)
    assert jobs.select_ref(SIM)
    log_view = app.screen.query_one(LogView)
    await wait_until(lambda: log_view.lines_text() == ["stdout of 77"], what="stdout")
    return log_view


async def test_e_from_the_job_list_shows_stderr_then_stdout_again(tmp_path):
    app = two_stream_deck(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        log_view = await showing_sim(app)
        assert isinstance(app.focused, JobList)
        await pilot.press("e")
        await wait_until(lambda: log_view.lines_text() == ["stderr of 77"], what="stderr")
        assert "stderr (e: stdout)" in str(app.screen.query_one(LogPane).border_subtitle)
        assert isinstance(app.focused, JobList)  # the list keeps the keys
        await pilot.press("e")
        await wait_until(lambda: log_view.lines_text() == ["stdout of 77"], what="stdout again")


async def test_e_on_a_compact_deck_shows_the_log_it_switched(tmp_path):
    app = two_stream_deck(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        log_view = await showing_sim(app)
        await pilot.press("d")
        await pilot.pause()
        assert not app.screen.query_one(LogPane).display
        await pilot.press("e")
        await wait_until(lambda: log_view.lines_text() == ["stderr of 77"], what="stderr")
        await pilot.pause()
        assert app.screen.query_one(LogPane).display


async def test_e_on_a_backend_with_one_log_says_so_and_leaves_the_panes_as_they_were(tmp_path):
    app = two_stream_deck(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        jobs = await wait_for_jobs(app, 4)
        assert jobs.select_ref(TRAIN)
        await wait_until(lambda: app.screen.query_one(LogPane).ref == TRAIN, what="the local job's log")
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("e")
        await wait_until(lambda: any("local keeps one log per job" in t for t in toasts(app)), what="the message")
        assert not app.screen.query_one(LogPane).display


async def test_e_works_in_the_kiosk_too_which_only_looks(tmp_path):
    app = two_stream_deck(tmp_path, kiosk=True)
    async with app.run_test(size=(120, 40)) as pilot:
        assert isinstance(app.screen, KioskScreen)
        log_view = await showing_sim(app)
        await pilot.press("e")
        await wait_until(lambda: log_view.lines_text() == ["stderr of 77"], what="stderr")
