"""Stepping a job's runs right after a retry: the new run is the newest, numbered as the
backend numbers it (#1 the oldest), and an older run shows its own fields and timeline."""

from __future__ import annotations

from datetime import timedelta

from deck_helpers import build_app, deck_settled, toasts, wait_for_jobs
from fakes import FakeAdapter, make_job, wait_until

from jobdeck.clock import FrozenClock
from jobdeck.model import ActionResult, JobRef, JobState, LogChunk, LogCursor, Run, RunPage, StatusEvent
from jobdeck.ui.panes.timeline import events_of_run
from jobdeck.ui.panes.run_paging import NO_OLDER, RunRequest, request_again
from jobdeck.ui.run_fields import fields_for_run
from jobdeck.ui.screens.confirm import ConfirmScreen
from jobdeck.ui.widgets.run_detail import RunDetail
from jobdeck.ui.widgets.log_view import LogView
from jobdeck.ui.widgets.timeline import Timeline

WIDE = (120, 50)
JOB = JobRef(backend="local", id="again")


def run_fields(number: int) -> dict[str, object]:
    return {"run": number, "log": f"/spool/again/run-{number}.log", "pid": 1000 + number}


class RetryingAdapter(FakeAdapter):
    """Like the local backend: a retry starts run #N+1, and the job's fields are its newest run's."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.numbers = 1
        #: The run each log read named (None: the newest).
        self.log_runs_asked: list[str | None] = []
        self._set_runs()

    def _set_runs(self) -> None:
        now = self._now()
        runs = [Run(job=JOB, id=str(n), state=JobState.FAILED if n < self.numbers else JobState.RUNNING,
                    started=now - timedelta(minutes=10 - n), detail=run_fields(n))
                for n in range(self.numbers, 0, -1)]
        self.set_runs(JOB.id, runs)
        self.update_job(JOB.id, detail={"spool": "/spool/again", **run_fields(self.numbers)})

    async def retry(self, job_id: str) -> ActionResult:
        result = await super().retry(job_id)
        self.numbers += 1
        self._set_runs()
        return result

    async def read_log(self, job_id: str, cursor: LogCursor | int = 0) -> LogChunk:
        """Each run its own log; no run named: the newest run's (as the local backend)."""
        run = cursor.run if isinstance(cursor, LogCursor) else None
        self.log_runs_asked.append(run)
        number = int(run) if run else self.numbers
        text = f"output of run {number}\n"
        offset = min(self.log_offset(cursor), len(text))
        return LogChunk(text=text[offset:], offset=len(text), complete=number < self.numbers)


def backend(clock: FrozenClock) -> RetryingAdapter:
    return RetryingAdapter.build("local", clock=clock, jobs=[
        make_job("again", JobState.FAILED, name="again", started=clock.now() - timedelta(minutes=9)),
    ])


def subtitle(app) -> str:
    return str(app.screen.query_one("#detail-pane").border_subtitle)


def shown(detail: RunDetail) -> str:
    return "\n".join(detail.render_line(y).text for y in range(detail.size.height))


async def open_and_retry(app, pilot) -> RunDetail:
    jobs = await wait_for_jobs(app, 1)
    assert jobs.select_ref(JOB)
    detail = app.screen.query_one(RunDetail)
    await wait_until(lambda: detail.job is not None and bool(detail.runs), what="the job's runs")
    await deck_settled(app, pilot)
    await pilot.press("r")
    assert isinstance(app.screen, ConfirmScreen)
    await pilot.press("y")
    await wait_until(lambda: len(detail.runs) == 2, what="run #2 in the detail")
    await deck_settled(app, pilot)
    return detail


async def test_after_a_retry_the_new_run_is_chosen_and_called_the_newest(tmp_path):
    clock = FrozenClock()
    app = build_app(tmp_path, [backend(clock)], clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        detail = await open_and_retry(app, pilot)
        assert detail.chosen_run is not None and detail.chosen_run.id == "2"
        assert subtitle(app) == "run 2 of 2 (newest) · [ ] choose"
        assert "Run 2 of 2 (newest) · 2" in shown(detail)


async def test_after_a_retry_older_steps_to_run_1_and_newer_back_to_run_2(tmp_path):
    clock = FrozenClock()
    app = build_app(tmp_path, [backend(clock)], clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        detail = await open_and_retry(app, pilot)
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert NO_OLDER.capitalize() not in toasts(app)
        assert detail.chosen_run.id == "1"
        assert subtitle(app) == "run 1 of 2 · [ ] choose"
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert detail.chosen_run.id == "2"


async def test_an_older_run_shows_its_own_run_log_and_pid_fields(tmp_path):
    clock = FrozenClock()
    app = build_app(tmp_path, [backend(clock)], clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        detail = await open_and_retry(app, pilot)
        assert "run-2.log" in shown(detail) and "1002" in shown(detail)
        await pilot.press("right_square_bracket")
        await pilot.pause()
        text = shown(detail)
        assert "run-1.log" in text and "1001" in text
        assert "run-2.log" not in text and "1002" not in text
        assert "/spool/again" in text  # the job's own fields stay


async def test_the_log_pane_follows_the_run_chosen_and_goes_back_to_the_newest(tmp_path):
    clock = FrozenClock()
    adapter = backend(clock)
    app = build_app(tmp_path, [adapter], clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        await open_and_retry(app, pilot)
        log_view = app.screen.query_one(LogView)
        await wait_until(lambda: "output of run 2" in "\n".join(log_view.lines_text()), what="run 2's log")
        await pilot.press("right_square_bracket")
        await wait_until(lambda: log_view.lines_text() == ["output of run 1"], what="run 1's log")
        assert "1" in adapter.log_runs_asked
        await pilot.press("left_square_bracket")
        await wait_until(lambda: log_view.lines_text() == ["output of run 2"], what="the newest run's log again")
        assert adapter.log_runs_asked[-1] is None  # the newest run is the job's latest log, followed


# -- the rules --------------------------------------------------------------------------


def fields_run(run_id: str, detail: dict[str, object]) -> Run:
    return Run(job=JOB, id=run_id, state=JobState.SUCCEEDED, detail=detail)


def test_a_reload_on_the_newest_run_chooses_the_newest_again_else_keeps_the_run():
    runs = [fields_run("2", {}), fields_run("1", {})]
    page = RunPage(runs=runs, pages=1, total=2, page_size=2)
    assert request_again(page, 0) == RunRequest()
    assert request_again(page, 1) == RunRequest(page=0, keep_id="1", fallback=1)


def test_the_job_fields_copied_from_its_newest_run_read_as_the_chosen_runs():
    newest, older = fields_run("2", run_fields(2)), fields_run("1", {"run": 1, "log": "run-1.log"})
    job = {"spool": "/spool", **run_fields(2)}
    assert fields_for_run(job, newest, newest) is job
    # The older run has no pid: the newest's is not shown for it.
    assert fields_for_run(job, newest, older) == {"spool": "/spool", "run": 1, "log": "run-1.log"}


def test_a_job_field_holding_its_newest_runs_whole_detail_reads_as_the_chosen_runs():
    newest, older = fields_run("b", {"id": "b", "status": "ok"}), fields_run("a", {"id": "a", "status": "bad"})
    job = {"id": "job-1", "run": {"id": "b", "status": "ok"}}
    assert fields_for_run(job, newest, older) == {"id": "job-1", "run": {"id": "a", "status": "bad"}}


async def test_an_older_run_shows_its_own_transitions_in_the_timeline(tmp_path):
    clock = FrozenClock()
    adapter = backend(clock)
    now = clock.now()
    adapter.set_timeline(JOB.id, [
        StatusEvent(at=now - timedelta(minutes=9), state=JobState.RUNNING, message="first started", run="1"),
        StatusEvent(at=now - timedelta(minutes=8), state=JobState.FAILED, message="first failed", run="1"),
        StatusEvent(at=now - timedelta(minutes=1), state=JobState.RUNNING, message="second started", run="2"),
    ])
    app = build_app(tmp_path, [adapter], clock=clock)
    async with app.run_test(size=WIDE) as pilot:
        detail = await open_and_retry(app, pilot)
        timeline = app.screen.query_one(Timeline)

        def messages() -> list[str | None]:
            return [event.message for event in timeline.events if not event.observed]

        await wait_until(lambda: messages() == ["second started"], what="run 2's events")
        await pilot.press("right_square_bracket")
        await wait_until(lambda: messages() == ["first started", "first failed"], what="run 1's events")
        # What jobdeck saw itself happened to the newest run: not shown under run 1.
        assert detail.chosen_run.id == "1" and not any(event.observed for event in timeline.events)


def test_events_without_a_run_are_shown_whole_and_observed_ones_go_with_the_newest():
    now = FrozenClock().now()
    untagged = [StatusEvent(at=now, state=JobState.RUNNING)]
    assert events_of_run(untagged, ("1", False)) == untagged
    tagged = StatusEvent(at=now, state=JobState.FAILED, run="1")
    observed = StatusEvent(at=now, state=JobState.RUNNING, observed=True)
    assert events_of_run([tagged, observed], ("1", False)) == [tagged]
    assert events_of_run([tagged, observed], ("2", True)) == [observed]
    assert events_of_run([tagged, observed], None) == [tagged, observed]
