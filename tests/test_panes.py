"""Each pane reads its own data through a small reader protocol; it is only told which job.

Here each pane stands alone in a bare App, on a reader that answers from
dictionaries (the Monitor is the reader in the deck): what a pane shows is
what its reader answered for the job it was last given.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from fakes import make_job, wait_until
from textual.app import App, ComposeResult
from textual.message import Message
from textual.widget import Widget

from jobdeck.model import Job, JobRef, JobState, LogChunk, Run, RunPage, StatusEvent
from jobdeck.ui.panes.detail import DetailPane
from jobdeck.ui.panes.log import LogPane
from jobdeck.ui.panes.timeline import TimelinePane
from jobdeck.ui.widgets.log_view import LogView
from jobdeck.ui.widgets.run_detail import RunDetail
from jobdeck.ui.widgets.timeline import Timeline

JOB_A = make_job("a", name="job a")
JOB_B = make_job("b", name="job b")


class Reader:
    """Answers every pane's reads from dictionaries; a read for a job in ``held`` waits for its event."""

    def __init__(self) -> None:
        self.timelines: dict[JobRef, list[StatusEvent]] = {}
        self.pages: dict[JobRef, list[RunPage]] = {}
        self.logs: dict[JobRef, str] = {}
        self.held: dict[JobRef, asyncio.Event] = {}
        self.calls: list[tuple[object, ...]] = []

    async def _answer(self, *call: object) -> None:
        self.calls.append(call)
        ref = call[1]
        if isinstance(ref, JobRef) and ref in self.held:
            await self.held[ref].wait()

    async def timeline(self, ref: JobRef) -> list[StatusEvent]:
        await self._answer("timeline", ref)
        return self.timelines.get(ref, [])

    async def runs_page(self, ref: JobRef, page: int = 0) -> RunPage:
        await self._answer("runs_page", ref, page)
        return self.pages[ref][page]

    async def log_tail_offset(self, ref: JobRef, lines: int, before: int | None = None) -> int:
        await self._answer("log_tail_offset", ref, lines)
        data = self.logs[ref].encode()
        kept = data.splitlines(keepends=True)[-lines:]
        return len(data) - sum(len(line) for line in kept)

    async def read_log_between(self, ref: JobRef, start: int, end: int) -> str:
        await self._answer("read_log_between", ref, start, end)
        return self.logs[ref].encode()[start:end].decode()

    def log_paging_unavailable(self, ref: JobRef) -> str | None:
        return None  # byte offsets, as a file's

    async def follow_log(self, ref: JobRef, offset: int = 0) -> AsyncIterator[LogChunk]:
        await self._answer("follow_log", ref, offset)
        data = self.logs[ref].encode()
        yield LogChunk(text=data[offset:].decode(), offset=len(data), complete=True)


class PaneApp(App[None]):
    """One pane, alone."""

    def __init__(self, pane: Widget) -> None:
        super().__init__()
        self.pane = pane

    def compose(self) -> ComposeResult:
        yield self.pane


def events_of(job: Job, *states: JobState) -> list[StatusEvent]:
    at = datetime(2026, 1, 1, 12, tzinfo=UTC)
    return [StatusEvent(at=at, state=state, raw_state=f"{job.ref.id} {state.value}") for state in states]


async def test_the_timeline_pane_shows_what_its_reader_answers_for_the_job_it_is_given() -> None:
    reader = Reader()
    reader.timelines[JOB_A.ref] = events_of(JOB_A, JobState.PENDING, JobState.RUNNING)
    pane = TimelinePane(reader)
    async with PaneApp(pane).run_test():
        pane.show_job(JOB_A)
        timeline = pane.query_one(Timeline)
        await wait_until(lambda: len(timeline.events) == 2, what="the transitions")
        assert timeline.events == reader.timelines[JOB_A.ref]
        assert reader.calls == [("timeline", JOB_A.ref)]


async def test_an_answer_for_a_job_the_pane_no_longer_shows_is_dropped() -> None:
    reader = Reader()
    reader.timelines[JOB_A.ref] = events_of(JOB_A, JobState.FAILED)
    reader.timelines[JOB_B.ref] = events_of(JOB_B, JobState.RUNNING)
    reader.held[JOB_A.ref] = asyncio.Event()
    pane = TimelinePane(reader)
    async with PaneApp(pane).run_test() as pilot:
        timeline = pane.query_one(Timeline)
        pane.show_job(JOB_A)
        await wait_until(lambda: ("timeline", JOB_A.ref) in reader.calls, what="the read for a")
        pane.show_job(None)  # the user moved on before a's answer came
        reader.held[JOB_A.ref].set()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert timeline.events == []
        reader.held[JOB_A.ref].clear()
        pane.show_job(JOB_A)
        pane.show_job(JOB_B)  # the same, moving to another job
        await wait_until(lambda: timeline.events == reader.timelines[JOB_B.ref], what="b's transitions")
        reader.held[JOB_A.ref].set()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert timeline.events == reader.timelines[JOB_B.ref]


async def test_a_pane_told_no_job_empties_and_reads_nothing_more() -> None:
    reader = Reader()
    reader.timelines[JOB_A.ref] = events_of(JOB_A, JobState.RUNNING)
    pane = TimelinePane(reader)
    async with PaneApp(pane).run_test():
        pane.show_job(JOB_A)
        timeline = pane.query_one(Timeline)
        await wait_until(lambda: len(timeline.events) == 1, what="the transitions")
        pane.show_job(None)
        pane.timeline_changed(JOB_A.ref)  # news of a job no longer shown
        assert timeline.events == []
        assert reader.calls == [("timeline", JOB_A.ref)]


def run_pages(job: Job) -> list[RunPage]:
    """Four runs of ``job``, two a page, newest first."""
    runs = [Run(job=job.ref, id=f"run-{n}", state=JobState.SUCCEEDED) for n in (4, 3, 2, 1)]
    return [RunPage(runs=runs[page * 2 : page * 2 + 2], page=page, pages=2, total=4, page_size=2) for page in (0, 1)]


async def test_the_detail_pane_reads_its_jobs_runs_and_the_next_page_a_step_needs() -> None:
    reader = Reader()
    reader.pages[JOB_A.ref] = run_pages(JOB_A)
    pane = DetailPane(reader)
    posted: list[Message] = []
    async with PaneApp(pane).run_test(message_hook=posted.append):
        pane.show_job(JOB_A)
        detail = pane.query_one(RunDetail)
        await wait_until(lambda: detail.chosen_run is not None, what="the first page")
        assert detail.job == JOB_A and detail.chosen_run.id == "run-4"
        assert str(pane.border_subtitle) == "run 4 of 4 (newest) · page 1/2 · [ ] choose"
        assert pane.step_run(+1)  # on the page shown: chosen at once
        assert detail.chosen_run.id == "run-3"
        assert not pane.step_run(+1)  # past the page's end: the next page is read ...
        await wait_until(lambda: detail.run_page.page == 1, what="the second page")
        assert detail.chosen_run.id == "run-2"
        assert reader.calls == [("runs_page", JOB_A.ref, 0), ("runs_page", JOB_A.ref, 1)]
        # ... and the screen is asked to bring the run into view.
        await wait_until(lambda: any(isinstance(m, DetailPane.RunStepped) for m in posted), what="RunStepped")


async def test_the_log_pane_follows_its_jobs_log_from_the_last_lines_it_keeps() -> None:
    reader = Reader()
    reader.logs[JOB_A.ref] = "".join(f"line {n:02d}\n" for n in range(40))
    pane = LogPane(reader, max_lines=10, earlier_max_bytes=1 << 20)
    async with PaneApp(pane).run_test():
        pane.show_job(JOB_A)
        log_view = pane.query_one(LogView)
        await wait_until(lambda: log_view.line_count == 10, what="the log's last lines")
        assert log_view.lines_text()[0] == "line 30" and log_view.lines_text()[-1] == "line 39"
        assert reader.calls[0] == ("log_tail_offset", JOB_A.ref, 10)
