"""The run detail, the timeline and the run-history strip while a job runs: a second
passing draws again only the lines whose text moved (an age, a duration, "for 5s"); the
others are kept as they were drawn, and what is shown is what a full draw shows."""

from __future__ import annotations

from datetime import timedelta

from rich.console import Console
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.strip import Strip

from jobdeck.clock import FrozenClock
from jobdeck.model import Job, JobRef, JobState, Run, StatusEvent
from jobdeck.ui.part_lines import PartsWidget, grid_rows
from jobdeck.ui.widgets.run_detail import RunDetail
from jobdeck.ui.widgets.run_strip import RunStrip, RunStripData, StripRun
from jobdeck.ui.widgets.timeline import Timeline

NOW = FrozenClock().now()  # 2026-01-01 12:00:00 UTC
REF = JobRef(backend="local", id="20260101-1159-a1")


def running_job() -> Job:
    return Job(
        ref=REF,
        name="busy-0-0",
        state=JobState.RUNNING,
        raw_state="running",
        created=NOW - timedelta(seconds=5),
        started=NOW - timedelta(seconds=4),
        labels={"machine": "m1"},
        detail={"pid": 4242, "command": ["sleep", "120"]},
    )


def its_runs() -> list[Run]:
    older = Run(
        job=REF,
        id="1",
        state=JobState.FAILED,
        started=NOW - timedelta(minutes=9),
        ended=NOW - timedelta(minutes=8),
        error="exit 1",
    )
    newest = Run(job=REF, id="2", state=JobState.RUNNING, started=NOW - timedelta(seconds=4), reason="started pid 4242")
    return [newest, older]


def its_transitions() -> list[StatusEvent]:
    return [
        StatusEvent(at=NOW - timedelta(seconds=5), state=JobState.PENDING, message="queued"),
        StatusEvent(at=NOW - timedelta(seconds=4), state=JobState.RUNNING, message="started pid 4242"),
    ]


class Panes(App[None]):
    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield RunStrip()
            yield RunDetail()
        with VerticalScroll():
            yield Timeline()

    async def show_running_job(self, pilot: object) -> tuple[RunStrip, RunDetail, Timeline]:
        strip, detail, timeline = self.query_one(RunStrip), self.query_one(RunDetail), self.query_one(Timeline)
        for widget in (strip, detail, timeline):
            widget.now = NOW
        detail.runs = its_runs()
        detail.job = running_job()
        timeline.events = its_transitions()
        older = StripRun(JobState.FAILED, NOW - timedelta(minutes=9), NOW - timedelta(minutes=8))
        strip.data = RunStripData(runs=(StripRun(JobState.RUNNING, NOW - timedelta(seconds=4), None, marked=True), older))
        await pilot.pause()  # type: ignore[attr-defined]
        return strip, detail, timeline

    async def tick(self, pilot: object, seconds: int) -> None:
        for widget in self.query(PartsWidget):
            widget.now = NOW + timedelta(seconds=seconds)  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]


def lines(widget: PartsWidget) -> list[Strip]:
    return [widget.render_line(y) for y in range(widget.size.height)]


def texts(widget: PartsWidget) -> list[str]:
    return [line.text.rstrip() for line in lines(widget)]


async def test_a_second_passing_draws_again_only_the_lines_whose_text_moved() -> None:
    app = Panes()
    async with app.run_test(size=(120, 40)) as pilot:
        widgets = await app.show_running_job(pilot)
        drawn = {widget: lines(widget) for widget in widgets}
        await app.tick(pilot, 1)
        for widget in widgets:
            before, after = drawn[widget], lines(widget)
            assert len(after) == len(before)
            moved = [y for y, (was, now) in enumerate(zip(before, after, strict=True)) if was.text != now.text]
            assert moved, f"nothing ticked in {type(widget).__name__}"
            for y, (was, now) in enumerate(zip(before, after, strict=True)):
                if y not in moved:
                    # Not drawn again: the very lines drawn before.
                    assert now is was, f"{type(widget).__name__} line {y} drawn again: {now.text!r}"
            assert len(moved) <= len(after) / 2


async def test_what_ticks_is_what_a_full_draw_shows() -> None:
    app = Panes()
    async with app.run_test(size=(120, 40)) as pilot:
        widgets = await app.show_running_job(pilot)
        for seconds in (1, 2, 61):
            await app.tick(pilot, seconds)
        ticked = {widget: texts(widget) for widget in widgets}
        for widget in widgets:
            widget.refresh()
        await pilot.pause()
        for widget in widgets:
            assert texts(widget) == ticked[widget]
        detail = texts(app.query_one(RunDetail))
        assert any(line.startswith("Started") and "1m ago" in line for line in detail)
        assert any(line.startswith("Duration") and "1m05s" in line for line in detail)
        assert any("for 1m" in line for line in texts(app.query_one(Timeline)))


async def test_the_ticking_rows_line_up_with_the_rows_around_them() -> None:
    app = Panes()
    async with app.run_test(size=(120, 40)) as pilot:
        _, detail, _ = await app.show_running_job(pilot)
        await app.tick(pilot, 3)
        rows = texts(detail)
        values = {row.split(" ", 1)[0]: row.index(row.split()[1]) for row in rows[:6] if row.strip()}
        # Name, Ref and State above, Created, Started and Duration drawn apart: one column.
        assert set(values) >= {"Name", "Ref", "State", "Created", "Started", "Duration"}
        assert len({values[label] for label in ("Name", "Ref", "State", "Created", "Started", "Duration")}) == 1


async def test_a_new_theme_draws_every_line_again() -> None:
    app = Panes()
    async with app.run_test(size=(120, 40)) as pilot:
        _, detail, _ = await app.show_running_job(pilot)
        before = lines(detail)
        app.theme = "textual-light"
        await pilot.pause()
        await app.tick(pilot, 1)
        after = lines(detail)
        assert all(now is not was for was, now in zip(before, after, strict=True))


def test_ticking_rows_are_drawn_segment_for_segment_as_their_table_draws_them() -> None:
    console = Console(width=60)
    label_style = Style(color="red")
    rows = [
        ("Created", Text("2026-01-01 11:55:00 · 5s ago")),
        ("Duration", Text("58s", style=Style(bold=True))),
        ("Gone", Text.assemble(("gone", Style(italic=True)), " since 11:55", style=Style(dim=True))),
        ("", Text("")),
    ]
    for label_width, value_width in ((8, 30), (8, 28), (12, 40)):
        table = Table.grid(padding=(0, 1))
        table.add_column(style=label_style, no_wrap=True, width=label_width)
        table.add_column(overflow="fold", width=value_width)
        for row in rows:
            table.add_row(*row)
        fast = grid_rows(rows, label_width, value_width, label_style)
        assert fast is not None
        options = console.options.update_width(60)
        assert list(console.render(fast, options)) == list(console.render(table, options))


def test_rows_that_would_wrap_are_left_to_the_table() -> None:

    assert grid_rows([("Started", Text("x" * 31))], 8, 30, Style()) is None
    assert grid_rows([("Started", Text("two\nlines"))], 8, 30, Style()) is None
    assert grid_rows([("[b]Started", Text("markup in a label"))], 10, 30, Style()) is None
