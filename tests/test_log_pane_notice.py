"""The log pane's notice: one that said why a log had no text yet goes once the text comes
(a Slurm job released from its hold: "the job has not started; its log will be …")."""

from __future__ import annotations

from deck_helpers import build_app, wait_for_jobs
from fakes import FakeAdapter, make_job, wait_until

from jobdeck.clock import FrozenClock
from jobdeck.log_cursor import LogCursor
from jobdeck.model import JobState, LogChunk
from jobdeck.ui.widgets.log_view import LogView

NOT_STARTED = "the job has not started; its log will be /scratch/held_4.out"
SKIPPED = "opened at its end: 3 MB before it not read"


class NoticingAdapter(FakeAdapter):
    """A fake backend whose read_log gives a notice: while a log is empty, or always."""

    notice_while_empty = NOT_STARTED
    notice_always: str | None = None

    async def read_log(self, job_id: str, cursor: LogCursor | int = 0) -> LogChunk:
        chunk = await super().read_log(job_id, cursor)
        if self.notice_always:
            return chunk.model_copy(update={"notice": self.notice_always})
        if not chunk.text and self.log_offset(cursor) == 0:
            return chunk.model_copy(update={"notice": self.notice_while_empty})
        return chunk




async def test_a_notice_saying_why_there_is_no_log_yet_goes_when_the_log_comes(tmp_path):
    clock = FrozenClock()
    job = make_job("4", JobState.PAUSED, backend="hpc", name="heldone")
    hpc = NoticingAdapter.build("hpc", clock=clock, jobs=[job])
    hpc.set_log("4", "")
    app = build_app(tmp_path, [hpc], clock=clock)
    async with app.run_test(size=(120, 40)):
        jobs = await wait_for_jobs(app, 1)
        assert jobs.select_ref(job.ref)
        log_view = app.screen.query_one(LogView)
        await wait_until(lambda: log_view.notice_text == NOT_STARTED, what="the notice")

        hpc.append_log("4", "held job ran\n")
        clock.advance(3)
        await wait_until(lambda: log_view.lines_text() == ["held job ran"], what="the log's line")
        await wait_until(lambda: log_view.notice_text is None, what="the notice gone")


async def test_a_notice_that_comes_with_the_text_stays(tmp_path):
    clock = FrozenClock()
    job = make_job("5", JobState.RUNNING, backend="hpc", name="big")
    hpc = NoticingAdapter.build("hpc", clock=clock, jobs=[job])
    hpc.notice_always = SKIPPED
    hpc.set_log("5", "line 1\n")
    app = build_app(tmp_path, [hpc], clock=clock)
    async with app.run_test(size=(120, 40)):
        jobs = await wait_for_jobs(app, 1)
        assert jobs.select_ref(job.ref)
        log_view = app.screen.query_one(LogView)
        await wait_until(lambda: log_view.lines_text() == ["line 1"], what="the log")
        hpc.append_log("5", "line 2\n")
        clock.advance(3)
        await wait_until(lambda: log_view.lines_text() == ["line 1", "line 2"], what="the next line")
        assert log_view.notice_text == SKIPPED
