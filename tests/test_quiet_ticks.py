"""What a deck's tick costs while jobs run (issue 22): a second passing repaints the texts
that moved and nothing else. The job list repaints only the time cells of the rows whose
age or duration moved; a part of the run detail out of sight is drawn when it comes into
sight, at the time of the last tick; the health bar works out its text once a tick; the
timeline's ticking line is drawn without a table's machinery even where it wraps."""

from __future__ import annotations

from datetime import timedelta

from fakes import make_job
from rich.console import Console
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.geometry import Region

from jobdeck.clock import FrozenClock
from jobdeck.model import Job, JobRef, JobState, Run, StatusEvent
from jobdeck.monitor.events import BackendHealth, HealthStatus
from jobdeck.ui.part_lines import grid_rows
from jobdeck.ui.widgets.health_bar import HealthBar
from jobdeck.ui.widgets.job_list import JobList
from jobdeck.ui.widgets.run_detail import RunDetail
from jobdeck.ui.widgets.timeline import Timeline

NOW = FrozenClock().now()


def ago(seconds: float):
    return NOW - timedelta(seconds=seconds)


class ListApp(App[None]):
    def __init__(self, jobs: list[Job]) -> None:
        super().__init__()
        self.jobs = jobs

    def compose(self) -> ComposeResult:
        yield JobList(self.jobs, now=NOW)


def record_repaints(widget) -> list[tuple[object, ...]]:
    repaints: list[tuple[object, ...]] = []
    original = widget.refresh
    widget.refresh = lambda *args, **kwargs: (repaints.append(args), original(*args, **kwargs))[1]
    return repaints


def row_text(job_list: JobList, y: int) -> str:
    return job_list.render_line(y).text


async def test_a_tick_repaints_only_the_time_cells_of_the_rows_whose_times_moved() -> None:
    jobs = [
        make_job("1", JobState.RUNNING, name="fresh", created=ago(6), started=ago(5), updated=ago(5)),
        make_job("2", JobState.SUCCEEDED, name="old", created=ago(9000), started=ago(8000), ended=ago(7200),
                 updated=ago(7200)),
    ]
    app = ListApp(jobs)
    async with app.run_test(size=(120, 10)) as pilot:
        job_list = app.query_one(JobList)
        await pilot.pause()
        header = row_text(job_list, 0)
        repaints = record_repaints(job_list)
        job_list.now = NOW + timedelta(seconds=1)
        await pilot.pause()
        assert len(repaints) == 1
        (region,) = repaints[0]
        assert isinstance(region, Region) and region.y == 1  # the fresh job's row (0 is the header)
        # From the age column's first cell to the duration column's last, no more.
        repainted = header[region.x : region.right]
        assert repainted.split() == ["age", "took"]
        assert region.width < len(header) / 4
        fresh = row_text(job_list, 1)
        assert "fresh" in fresh and fresh[region.x : region.right].split() == ["6s", "6s"]


async def test_rows_keep_their_times_right_tick_after_tick() -> None:
    jobs = [make_job("1", JobState.RUNNING, name="fresh", created=ago(6), started=ago(5), updated=ago(5))]
    app = ListApp(jobs)
    async with app.run_test(size=(120, 10)) as pilot:
        job_list = app.query_one(JobList)
        for seconds in (1, 2, 3, 58, 59, 120):
            job_list.now = NOW + timedelta(seconds=seconds)
            await pilot.pause()
            age = present_age(5 + seconds)
            cells = row_text(job_list, 1).split()
            assert cells[-2:] == [age, duration(5 + seconds)], (seconds, cells)


def present_age(seconds: int) -> str:
    return f"{seconds}s" if seconds < 60 else f"{seconds // 60}m"


def duration(seconds: int) -> str:
    return f"{seconds}s" if seconds < 60 else f"{seconds // 60}m{seconds % 60:02d}s"


# -- the run detail: a part out of sight -------------------------------------------

REF = JobRef(backend="local", id="20260101-1159-a1")


def running_job() -> Job:
    return Job(ref=REF, name="busy", state=JobState.RUNNING, raw_state="running",
               created=ago(5), started=ago(4), labels={"machine": "m1"})


def its_runs() -> list[Run]:
    older = Run(job=REF, id="1", state=JobState.FAILED, started=ago(540), ended=ago(480), error="exit 1")
    newest = Run(job=REF, id="2", state=JobState.RUNNING, started=ago(4), reason="started pid 4242")
    return [newest, older]


class DetailApp(App[None]):
    CSS = "VerticalScroll { height: 8; }"

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield RunDetail()


def texts(detail: RunDetail) -> list[str]:
    return [detail.render_line(y).text.rstrip() for y in range(detail.size.height)]


async def test_a_part_out_of_sight_is_drawn_when_it_comes_into_sight_at_the_last_ticks_time() -> None:
    app = DetailApp()
    async with app.run_test(size=(80, 12)) as pilot:
        detail = app.query_one(RunDetail)
        detail.now = NOW
        detail.runs = its_runs()
        detail.job = running_job()
        detail.now = NOW + timedelta(seconds=1)  # (the pane laid out, its scrollbar shown)
        await pilot.pause()
        await pilot.pause()
        run_at = detail.run_section
        assert run_at is not None and run_at[0] >= 8  # below the pane's edge
        made: list[tuple[str, ...]] = []
        original = detail._ticking_rows
        def ticking_rows(rows, *args):
            made.append(tuple(label for label, _ in rows))
            return original(rows, *args)

        detail._ticking_rows = ticking_rows
        for seconds in (2, 3, 61):
            detail.now = NOW + timedelta(seconds=seconds)
            await pilot.pause()
        # Only the job's rows in sight were drawn again; the run's, out of sight, were not.
        assert made and all(labels[0] == "Created" for labels in made)
        app.query_one(VerticalScroll).scroll_end(animate=False)
        await pilot.pause()
        shown = texts(detail)
        # In sight now: the run's times as at the last tick, as a full draw shows them.
        assert any(line.startswith("Duration") and "1m05s" in line for line in shown[run_at[0]:])
        detail.refresh()
        await pilot.pause()
        assert texts(detail) == shown


# -- the health bar ------------------------------------------------------------------


async def test_the_health_bar_shows_a_backend_overdue_at_the_tick_it_becomes_so() -> None:
    class BarApp(App[None]):
        def compose(self) -> ComposeResult:
            yield HealthBar()

    app = BarApp()
    async with app.run_test(size=(80, 3)) as pilot:
        bar = app.query_one(HealthBar)
        bar.health = {"local": BackendHealth(name="local", kind="local", status=HealthStatus.OK, last_ok=NOW,
                                             next_poll_in=2.0)}
        bar.now = NOW
        await pilot.pause()
        repaints = record_repaints(bar)
        for seconds in (1, 2, 3):  # a fresh poll's age is no news: nothing is drawn again
            bar.now = NOW + timedelta(seconds=seconds)
            await pilot.pause()
        assert repaints == []
        assert bar.render_line(0).text.split() == ["●", "local", "ok"]
        bar.now = NOW + timedelta(seconds=30)  # overdue: when it last answered is shown
        await pilot.pause()
        assert repaints and "30s" in bar.render_line(0).text


# -- the timeline's ticking line, wrapped in a narrow pane ----------------------------------


def test_a_ticking_row_that_wraps_is_drawn_segment_for_segment_as_its_table_draws_it() -> None:
    console = Console(width=60)
    time_style = Style(color="red")
    muted, current = Style(dim=True), Style(color="cyan", bold=True)
    for seconds in (3, 10, 59):
        headline = Text.assemble(
            Text("▶ running", style=Style(color="green")), "  ",
            Text(" · ").join([Text("after 0.0s in pending", style=muted), Text(f"for {seconds}s", style=current)]),
        )
        for value in (headline, Text("x" * 50), Text("a b c " * 12, style=Style(bold=True)), Text("")):
            for value_width in (10, 20, 37, 45):
                table = Table.grid(padding=(0, 1))
                table.add_column(style=time_style, no_wrap=True, width=8)
                table.add_column(overflow="fold", width=value_width)
                table.add_row("22:49:01", value)
                fast = grid_rows([("22:49:01", value)], 8, value_width, time_style, wrap=True)
                assert fast is not None
                options = console.options.update_width(60)
                assert list(console.render(fast, options)) == list(console.render(table, options))
    # Without wrap=True, a row wider than its column is left to the table.
    assert grid_rows([("22:49:01", Text("x" * 50))], 8, 20, time_style) is None


async def test_the_timeline_in_a_narrow_pane_ticks_as_a_full_draw_shows_it() -> None:
    class TimelineApp(App[None]):
        CSS = "Timeline { width: 40; }"

        def compose(self) -> ComposeResult:
            yield Timeline()

    app = TimelineApp()
    async with app.run_test(size=(80, 12)) as pilot:
        timeline = app.query_one(Timeline)
        timeline.now = NOW
        timeline.events = [
            StatusEvent(at=ago(5), state=JobState.PENDING, message="queued"),
            StatusEvent(at=ago(4), state=JobState.RUNNING, message="started pid 4242"),
        ]
        await pilot.pause()
        for seconds in (1, 2, 61):
            timeline.now = NOW + timedelta(seconds=seconds)
            await pilot.pause()
        ticked = [timeline.render_line(y) for y in range(timeline.size.height)]
        assert any("for 1m" in line.text for line in ticked)
        timeline.refresh()
        await pilot.pause()
        assert [timeline.render_line(y) for y in range(timeline.size.height)] == ticked
