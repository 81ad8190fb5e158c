"""The deck's filter box with the richer language: a bad query is said under the box with
its column (and the last good filter stays); a query's sort: term sorts the list while
it is there."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fakes import make_job
from textual.app import App, ComposeResult
from textual.content import Content
from textual.widgets import Input, Label, Tooltip

from jobdeck.model import Job, JobState
from jobdeck.ui.panes.jobs import JobsPane
from jobdeck.ui.widgets.job_list import JobList

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)

JOBS = [
    make_job("1", JobState.FAILED, name="beta", updated=NOW - timedelta(minutes=1)),
    make_job("2", JobState.CANCELED, name="alpha", updated=NOW - timedelta(minutes=2)),
    make_job("3", JobState.SUCCEEDED, name="gamma", updated=NOW - timedelta(minutes=3)),
]


class PaneApp(App[None]):
    def __init__(self, jobs: list[Job]) -> None:
        super().__init__()
        self.jobs = jobs

    def compose(self) -> ComposeResult:
        yield JobsPane(id="jobs-pane")

    def on_mount(self) -> None:
        self.query_one(JobList).set_jobs(self.jobs)


async def test_a_bad_query_is_said_under_the_filter_box_with_its_column() -> None:
    app = PaneApp(JOBS)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        finder = app.query_one(JobsPane).open_filter()
        jobs, error = app.query_one(JobList), app.query_one("#filter-error", Label)
        finder.value = "state:failed OR state:canceled"
        await pilot.pause()
        assert [job.id for job in jobs.rows] == ["1", "2"]
        assert not error.has_class("-shown")
        finder.value = "state:failed OR"
        await pilot.pause()
        assert error.has_class("-shown") and error.display
        assert str(error.render()) == "filter: OR needs a term after it (at column 14)"
        assert [job.id for job in jobs.rows] == ["1", "2"]  # the last good filter stays
        finder.value = "name:/[x[m/"  # a bad pattern: said where, its text drawn as text
        await pilot.pause()
        assert "bad /pattern/" in str(error.render()) and "column 7" in str(error.render())
        finder.value = "state:[/x]"  # brackets in the message are text, not markup
        await pilot.pause()
        assert "unknown state '[/x]'" in str(error.render())
        finder.focus()
        await pilot.press("enter")  # the box closes on a bad filter with a toast saying why
        await pilot.pause()
        finder.value = ""
        await pilot.pause()
        assert not error.has_class("-shown") and len(jobs.rows) == 3
        assert isinstance(finder, Input)


async def test_a_sort_term_sorts_the_list_while_it_is_in_the_query() -> None:
    app = PaneApp(JOBS)
    async with app.run_test(size=(80, 24)) as pilot:
        finder = app.query_one(JobsPane).open_filter()
        jobs = app.query_one(JobList)
        assert jobs.sort == "recent"
        finder.value = "sort:-name"
        await pilot.pause()
        assert jobs.sort == "-name"
        assert [job.name for job in jobs.rows] == ["gamma", "beta", "alpha"]
        finder.value = "sort:name -gamma"
        await pilot.pause()
        assert [job.name for job in jobs.rows] == ["alpha", "beta"]
        finder.value = "-gamma"
        await pilot.pause()
        assert jobs.sort == "recent"
        assert [job.name for job in jobs.rows] == ["beta", "alpha"]
        # s still cycles, from a query's reversed sort too.
        finder.value = "sort:-name"
        await pilot.pause()
        assert app.query_one(JobsPane).cycle_sort() == "backend"


async def test_the_filter_boxs_tooltip_says_a_bad_query_as_text() -> None:
    # The message quotes what was typed: as markup, "[/x]" would end the deck (a closing tag
    # with no opening one) once the mouse rests on the box.
    app = PaneApp(JOBS)
    async with app.run_test(size=(80, 24), tooltips=True) as pilot:
        finder = app.query_one(JobsPane).open_filter()
        finder.value = "state:[/x]"
        await pilot.pause()
        assert isinstance(finder.tooltip, Content)
        assert "unknown state '[/x]'" in finder.tooltip.plain
        await pilot.hover("#filter")
        await pilot.pause(1.0)
        tooltip = app.screen.query_one(Tooltip)
        assert tooltip.display and "unknown state '[/x]'" in str(tooltip.render())
        finder.value = "state:failed"
        await pilot.pause()
        assert finder.tooltip is None
