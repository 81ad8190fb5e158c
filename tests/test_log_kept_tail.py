"""The log pane of a job its backend forgot: the tail jobdeck's history kept of it,
said to be that (as `jobdeck logs` does); the backend's own log while it lists the job."""

from __future__ import annotations

from pathlib import Path

from deck_helpers import seconds_before, wait_for_jobs
from fakes import FakeAdapter, make_job, wait_until
from history_deck import history_app, history_settled

from jobdeck.clock import FrozenClock
from jobdeck.model import JobState
from jobdeck.store.sqlite import HistoryStore
from jobdeck.ui.panes.log import LogPane
from jobdeck.ui.widgets.log_view import LogView

KEPT = "step 1 ok\nstep 2 \x1b]0;pwned\x07failed: disk full\n"


def forgetful_backend(tmp_path: Path, clock: FrozenClock) -> tuple[FakeAdapter, object]:
    """A backend listing a failed job (and another), whose log tail an earlier deck kept."""
    ago = seconds_before(clock)
    failed = make_job("42", JobState.FAILED, backend="local", name="etl", created=ago(4000), started=ago(3990),
                      ended=ago(3600))
    other = make_job("43", JobState.RUNNING, backend="local", name="train", created=ago(60), started=ago(50))
    earlier = HistoryStore(tmp_path, clock=FrozenClock(ago(3500)))
    earlier.record_changes("local", ago(3500), added=[failed], changed=[], removed=[], transitions=[], complete=False)
    earlier.record_log_tail(failed.ref, failed.created, KEPT)
    earlier.close()
    local = FakeAdapter.build("local", clock=clock, jobs=[failed, other])
    local.set_log("42", "the backend's own log\n")
    local.complete_log("42")
    return local, failed


async def test_a_gone_jobs_log_pane_shows_the_tail_kept_in_history(tmp_path: Path):
    clock = FrozenClock()
    local, failed = forgetful_backend(tmp_path, clock)
    app = history_app(tmp_path, [local], clock)
    async with app.run_test(size=(120, 40)) as pilot:
        jobs = await wait_for_jobs(app, 2)
        assert jobs.select_ref(failed.ref)
        log_view = app.screen.query_one(LogView)
        # Listed: the backend's log.
        await wait_until(lambda: log_view.lines_text() == ["the backend's own log"], what="the backend's log")

        # The backend forgets the job: the pane turns to the tail kept in history, and says so.
        local.remove_job("42")
        await app.monitor.refresh()
        await wait_until(lambda: log_view.lines_text()[:1] == ["step 1 ok"], what="the kept tail")
        await history_settled(app, pilot)
        assert log_view.lines_text() == ["step 1 ok", "step 2 failed: disk full"]  # the escape never drawn
        assert log_view._notice == "no longer listed by local: showing the last 1 KB kept in history"
        assert log_view.log_ended and log_view.earlier_unavailable.startswith("the backend no longer lists")
        # Filtered and whole again, it is still all there is: b loads nothing from the backend.
        pane = app.screen.query_one(LogPane)
        pane.apply_filter("step 2")
        assert pane.filter_term == "step 2"
        pane.clear_filter()
        assert log_view.lines_text() == ["step 1 ok", "step 2 failed: disk full"]
        assert log_view.earlier_unavailable.startswith("the backend no longer lists")

        # Chosen again later, it shows the same.
        assert jobs.select_ref(local.jobs[0].ref)
        await wait_until(lambda: log_view._notice is None, what="the other job's log")
        assert jobs.select_ref(failed.ref)
        await wait_until(lambda: log_view.lines_text()[:1] == ["step 1 ok"], what="the kept tail again")


async def test_a_gone_job_with_no_kept_tail_asks_its_backend(tmp_path: Path):
    clock = FrozenClock()
    ago = seconds_before(clock)
    job = make_job("7", JobState.SUCCEEDED, backend="local", name="backup", created=ago(900), ended=ago(800))
    local = FakeAdapter.build("local", clock=clock, jobs=[job])
    local.set_log("7", "still served\n")
    local.complete_log("7")
    app = history_app(tmp_path, [local], clock)
    async with app.run_test(size=(120, 40)) as pilot:
        jobs = await wait_for_jobs(app, 1)
        assert jobs.select_ref(job.ref)
        log_view = app.screen.query_one(LogView)
        await wait_until(lambda: log_view.lines_text() == ["still served"], what="the backend's log")
        local.remove_job("7")
        local.set_log("7", "still served\n")  # (a backend that forgets the job but keeps its log)
        local.complete_log("7")
        await app.monitor.refresh()
        await wait_until(lambda: any(worker.group == "log" for worker in app.workers), what="the log read again")
        await history_settled(app, pilot)
        await wait_until(lambda: log_view.lines_text() == ["still served"], what="the backend's log again")
        assert log_view._notice is None


async def test_with_history_off_a_gone_jobs_log_is_asked_of_its_backend(tmp_path: Path):
    clock = FrozenClock()
    local, failed = forgetful_backend(tmp_path, clock)
    app = history_app(tmp_path, [local], clock, history=False)
    async with app.run_test(size=(120, 40)) as pilot:
        jobs = await wait_for_jobs(app, 2)
        assert jobs.select_ref(failed.ref)
        log_view = app.screen.query_one(LogView)
        await wait_until(lambda: log_view.lines_text() == ["the backend's own log"], what="the backend's log")
        local.remove_job("42")
        await app.monitor.refresh()
        await history_settled(app, pilot)
        assert "step 1 ok" not in log_view.lines_text()


async def test_a_gone_jobs_pane_drops_the_last_jobs_log_while_its_kept_tail_is_read(tmp_path: Path):
    from jobdeck.ui.panes.log import LogPane

    clock = FrozenClock()
    local, failed = forgetful_backend(tmp_path, clock)
    local.set_log("43", "train: epoch 3\n")
    app = history_app(tmp_path, [local], clock)
    async with app.run_test(size=(120, 40)) as pilot:
        jobs = await wait_for_jobs(app, 2)
        local.remove_job("42")
        await app.monitor.refresh()
        await history_settled(app, pilot)
        assert jobs.select_ref(local.jobs[0].ref)
        log_view = app.screen.query_one(LogView)
        await wait_until(lambda: log_view.lines_text() == ["train: epoch 3"], what="the other job's log")
        gone = app.monitor.job(failed.ref)
        assert gone is not None and gone.gone_since is not None
        # The kept tail is read on a thread: until it comes, the pane shows nothing of "train".
        app.screen.query_one(LogPane).show_job(gone)
        assert log_view.lines_text() == []
        await wait_until(lambda: log_view.lines_text()[:1] == ["step 1 ok"], what="the kept tail")


def test_a_kept_tail_whose_time_is_damaged_is_still_read(tmp_path: Path):
    """The history file is not ours alone: a time that is no time is unknown, not an error
    that leaves the log pane empty."""
    import sqlite3

    from jobdeck.store.sqlite import FILE_NAME
    from jobdeck.store.sqlite.log_tails import kept_log_tail

    _, failed = forgetful_backend(tmp_path, FrozenClock())
    with sqlite3.connect(tmp_path / FILE_NAME) as connection:
        connection.execute("UPDATE log_tails SET at = 'yesterday'")
    kept = kept_log_tail(tmp_path / FILE_NAME, failed.ref)
    assert kept is not None and kept.text == KEPT and kept.kept_at is None
