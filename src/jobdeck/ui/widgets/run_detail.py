"""The run detail: everything known about one job, one field per row (its
group's counts by state among them: ``jobdeck.ui.group_rows``), then the
chosen one of its runs and the page of runs it was chosen from.

Every string that came from a backend (names, ids, raw states, errors,
labels, the backend's own fields) passes through ``safe_text`` before it is
drawn. The widget has ``height: auto``; put it in a ``VerticalScroll`` when
the pane may be shorter than the detail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from jobdeck.clock import as_utc
from jobdeck.model import Counts, Job, JobState, Run, RunPage
from jobdeck.present import GONE_NOTE, MISSING, age, counts_text, truncate
from jobdeck.safe_text import safe_line, to_plain
from jobdeck.ui.deck_text import STATE_TONE, ago, bar, duration, percent, state_text, wall_time
from jobdeck.ui.group_rows import group_rows
from jobdeck.ui.run_fields import fields_for_run
from jobdeck.ui.run_position import only_run, page_text, run_label

#: How many runs of a page the detail lists (a page longer than this is cut).
MAX_RUNS_SHOWN = 25
#: Run ids longer than this are listed by their first SHORT_ID_LENGTH characters.
LONG_ID = 12
SHORT_ID_LENGTH = 8
#: How many backend fields, and how wide their values may be.
MAX_DETAIL_FIELDS = 60
MAX_DETAIL_VALUE = 80
#: Nesting deeper than this is shown as "{…}" rather than flattened further.
MAX_DETAIL_DEPTH = 6
#: Error lines kept (a stack trace belongs in the log, not here).
MAX_ERROR_LINES = 6

#: The component class that colours each state.
STATE_COMPONENT: dict[JobState, str] = {state: f"run-detail--{tone}" for state, tone in STATE_TONE.items()}


def time_with_age(moment: datetime | None, now: datetime | None) -> str:
    """The time in the zone of ``now`` (UTC without one) and how long ago:
    ``2026-01-01 12:00:03 · 5m ago``."""
    if moment is None:
        return MISSING
    shown = wall_time(moment, now.tzinfo or UTC) if now is not None else wall_time(moment)
    when = ago(as_utc(moment), as_utc(now) if now is not None else None)
    return shown if when == MISSING else f"{shown} · {when}"


def short_run_id(run_id: str) -> str:
    """A run id for the list: long ids (UUIDs) by their first characters, like git."""
    clean = safe_line(run_id)
    return clean[:SHORT_ID_LENGTH] if len(clean) > LONG_ID else clean


def flatten_detail(detail: dict[str, Any], prefix: str = "", depth: int = 0) -> Iterator[tuple[str, str]]:
    """The backend's own fields as (``a.b.c``, value) pairs, both sanitised."""
    for key, value in detail.items():
        path = f"{prefix}{safe_line(str(key))}"
        if isinstance(value, dict) and value:
            if depth + 1 >= MAX_DETAIL_DEPTH:
                yield path, "{…}"
            else:
                yield from flatten_detail(value, f"{path}.", depth + 1)
        elif isinstance(value, list | tuple):
            if all(isinstance(item, str | int | float | bool) or item is None for item in value):
                yield path, _short(", ".join("null" if item is None else str(item) for item in value)) or "[]"
            else:
                yield path, f"[{len(value)} {'item' if len(value) == 1 else 'items'}]"
        elif value is None:
            yield path, "null"
        elif isinstance(value, dict):
            yield path, "{}"
        else:
            yield path, _short(str(value))


def _short(text: str) -> str:
    """A field value sanitised, cut first so a megabyte value costs nothing."""
    return safe_line(text[: MAX_DETAIL_VALUE * 4])


class _FillLine:
    """A line whose bar takes the width left over: ``prefix [bar] suffix``.

    Rich asks renderables for their size at render time, so the bar fits the
    pane at any width without the widget knowing its own width in advance.
    """

    def __init__(self, prefix: Text, make_bar: Callable[[int], Text], suffix: Text, max_bar: int = 40) -> None:
        self.prefix = prefix
        self.make_bar = make_bar
        self.suffix = suffix
        self.max_bar = max_bar

    def _fixed_width(self) -> int:
        # The prefix and suffix, and a space between each part that is there.
        return sum(part.cell_len + 1 for part in (self.prefix, self.suffix) if part)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        fixed = self._fixed_width()
        return Measurement(fixed + 4, fixed + self.max_bar)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        bar_width = max(4, min(self.max_bar, options.max_width - self._fixed_width()))
        parts = [part for part in (self.prefix, self.make_bar(bar_width), self.suffix) if part]
        line = Text(" ", end="").join(parts)
        line.truncate(options.max_width, overflow="ellipsis")
        yield line


class RunDetail(Widget):
    """Name, state, times, counts, progress, error, labels and backend fields of
    one job; then its chosen run (state, times, counts, error) and the page of
    runs it was chosen from, the chosen one marked."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "run-detail--label",
        "run-detail--title",
        "run-detail--muted",
        "run-detail--ok",
        "run-detail--error",
        "run-detail--active",
        "run-detail--warning",
    }

    DEFAULT_CSS = """
    RunDetail {
        height: auto;
        padding: 0 1;
        & > .run-detail--label { color: $text-muted; }
        & > .run-detail--title { text-style: bold; }
        & > .run-detail--muted { color: $text-muted; }
        & > .run-detail--ok { color: $success; }
        & > .run-detail--error { color: $error; }
        & > .run-detail--active { color: $accent; }
        & > .run-detail--warning { color: $warning; }
    }
    """

    job: reactive[Job | None] = reactive(None, layout=True)
    #: The page of the job's runs shown, newest first.
    run_page: reactive[RunPage] = reactive(lambda: RunPage(runs=[]), layout=True, always_update=True)
    #: The index, on ``run_page``, of the chosen run.
    chosen: reactive[int] = reactive(0, layout=True)
    #: The time ages are measured to; the pane repaints only when a text it shows moves.
    now: reactive[datetime | None] = reactive(None, repaint=False)
    ascii: reactive[bool] = reactive(False)

    # What was drawn above the "Run" section and the section itself, measured
    # only when asked: measuring on every paint doubled the cost of a paint.
    _run_section_parts: tuple[list[RenderableType], list[RenderableType]] | None = None
    _run_section_place: tuple[int, int] | None = None
    #: The job's newest run (the first of page 0), kept while later pages are shown.
    _newest_run: Run | None = None

    @property
    def run_section(self) -> tuple[int, int] | None:
        """Where the "Run" section was last drawn: (first row, rows), or None."""
        if self._run_section_place is None and self._run_section_parts is not None:
            above, section = self._run_section_parts
            self._run_section_place = (self._height_of(above), self._height_of(section))
        return self._run_section_place

    @property
    def runs(self) -> list[Run]:
        """The runs of the page shown."""
        return self.run_page.runs

    @runs.setter
    def runs(self, runs: list[Run]) -> None:
        """Show ``runs`` as the job's only page, the newest chosen."""
        runs = list(runs)
        self.show_runs(RunPage(runs=runs, pages=1, total=len(runs), page_size=len(runs) or None), 0)

    @property
    def chosen_run(self) -> Run | None:
        runs = self.run_page.runs
        return runs[self.chosen] if 0 <= self.chosen < len(runs) else None

    def show_runs(self, page: RunPage, chosen: int) -> None:
        """Show ``page`` with its run at index ``chosen`` chosen."""
        if page.page == 0:
            self._newest_run = page.runs[0] if page.runs else None
        self.run_page = page
        self.chosen = chosen

    def validate_chosen(self, chosen: int) -> int:
        return max(0, min(chosen, len(self.run_page.runs) - 1))

    def watch_now(self, old: datetime | None, new: datetime | None) -> None:
        # Set once a second: re-rendering the tables each time costs idle CPU.
        if self._times_shown(old) != self._times_shown(new):
            self.refresh()

    def _times_shown(self, now: datetime | None) -> tuple[str, ...]:
        """Every text of the pane that depends on ``now`` (ages and durations)."""
        job = self.job
        if job is None:
            return ()
        texts = [time_with_age(moment, now) for moment in (job.created, job.started, job.ended, job.gone_since)]
        texts.append(self._duration_at(job.started, job.ended, now))
        for run in self.run_page.runs:
            texts += [time_with_age(run.started, now), time_with_age(run.ended, now)]
            texts.append(self._duration_at(run.started, run.ended, now))
        return tuple(texts)

    def render(self) -> RenderableType:
        job = self.job
        self._run_section_place = self._run_section_parts = None
        if job is None:
            return Text("Select a job", style=self._style("run-detail--muted"))
        parts: list[RenderableType] = [self._table(self._rows(job))]
        run = self.chosen_run
        if run is not None and self._has_runs_of_its_own(job):
            section = self._run_section(run)
            self._run_section_parts = (list(parts), section)
            parts.extend(section)
            parts.extend(self._run_list())
        fields = list(flatten_detail(fields_for_run(job.detail, self._newest_run, run)))
        if fields:
            # The backend's fields get their own table: their long key paths
            # would otherwise widen the label column of every row above.
            parts.append(Text("Backend fields", style=self._style("run-detail--title")))
            parts.append(self._table(self._field_rows(fields)))
        return parts[0] if len(parts) == 1 else Group(*parts)

    def _has_runs_of_its_own(self, job: Job) -> bool:
        """False when the job is its own single run: the rows above already say it all."""
        page = self.run_page
        return not (only_run(page) and page.runs[0].id == job.id)

    def _height_of(self, renderables: list[RenderableType]) -> int:
        """Rows ``renderables`` take at the widget's width (for scrolling to a section)."""
        console = self.app.console
        width = max(1, self.content_size.width or self.size.width or console.width)
        options = console.options.update_width(width)
        return sum(len(console.render_lines(part, options, pad=False)) for part in renderables)

    def _table(self, rows: Iterator[tuple[str, RenderableType]]) -> Table:
        table = Table.grid(padding=(0, 1))
        table.add_column(style=self._style("run-detail--label"), no_wrap=True)
        table.add_column(overflow="fold")
        for label, value in rows:
            table.add_row(label, value)
        return table

    def _field_rows(self, fields: list[tuple[str, str]]) -> Iterator[tuple[str, RenderableType]]:
        for path, value in fields[:MAX_DETAIL_FIELDS]:
            yield truncate(path, 28), Text(truncate(value, MAX_DETAIL_VALUE))
        if len(fields) > MAX_DETAIL_FIELDS:
            more = len(fields) - MAX_DETAIL_FIELDS
            yield "", Text(f"… {more} more fields", style=self._style("run-detail--muted"))

    def _rows(self, job: Job) -> Iterator[tuple[str, RenderableType]]:
        now = self.now
        yield "Name", Text(safe_line(job.name) or MISSING, style=self._style("run-detail--title"))
        yield "Ref", Text(f"{safe_line(job.ref.backend)}/{safe_line(job.ref.id)}")
        yield "State", state_text(job.state, job.raw_state, ascii=self.ascii, style=self._state_style(job.state))
        if job.gone_since is not None:
            gone = f"{GONE_NOTE} since {time_with_age(job.gone_since, now)}"
            yield "Gone", Text(gone, style=self._style("run-detail--muted"))
        yield "Created", Text(time_with_age(job.created, now))
        yield "Started", Text(time_with_age(job.started, now))
        if job.ended is not None or job.state.is_terminal:
            yield "Ended", Text(time_with_age(job.ended, now))
        yield "Duration", Text(self._duration(job.started, job.ended))
        if job.counts is not None:
            yield "Counts", self._counts_line(job.counts)
        if job.progress is not None:
            yield "Progress", self._progress_line(job.progress)
        if job.group is not None:
            yield from group_rows(job.group, ascii=self.ascii, style=self._style, counts_line=self._counts_line)
        error_label, error = self._error(job)
        if error:
            yield error_label, Text(error, style=self._reason_style(job.state if error_label == "Reason" else None))
        if job.labels:
            yield "Labels", Text("\n".join(f"{safe_line(k)}: {safe_line(v)}" for k, v in job.labels.items()))
        if job.archived:
            where = "archived in jobdeck" if job.archived_by == "jobdeck" else "archived on the backend"
            yield "Archived", Text(where, style=self._style("run-detail--muted"))

    # -- the chosen run and its page -------------------------------------------

    def _run_section(self, run: Run) -> list[RenderableType]:
        """A title naming the run and its place, then its state, times, counts and error."""
        # The place first: a long id (a UUID) may wrap, the place should not.
        title = Text()
        label = run_label(self.run_page, self.chosen)
        title.append(label[0].upper() + label[1:] if label else "Run", style=self._style("run-detail--title"))
        title.append(f" · {safe_line(run.id)}", style=self._style("run-detail--muted"))
        return [title, self._table(self._run_rows(run))]

    def _run_rows(self, run: Run) -> Iterator[tuple[str, RenderableType]]:
        now = self.now
        yield "State", state_text(run.state, run.raw_state, ascii=self.ascii, style=self._state_style(run.state))
        yield "Started", Text(time_with_age(run.started, now))
        if run.ended is not None or run.state.is_terminal:
            yield "Ended", Text(time_with_age(run.ended, now))
        if run.started is not None:
            yield "Duration", Text(self._duration(run.started, run.ended))
        if run.counts is not None:
            yield "Counts", self._counts_line(run.counts)
        if run.progress is not None:
            yield "Progress", self._progress_line(run.progress)
        if run.error:
            yield "Error", Text(_error_lines(run.error), style=self._style("run-detail--error"))
        if run.reason:
            yield "Reason", Text(_error_lines(run.reason), style=self._reason_style(run.state))

    def _run_list(self) -> list[RenderableType]:
        """The page's runs, one a line, the chosen one marked."""
        page = self.run_page
        title = Text("Runs", style=self._style("run-detail--title"))
        pages = page_text(page)
        if pages:
            title.append(f" · {pages}", style=self._style("run-detail--muted"))
        table = Table.grid(padding=(0, 1))
        # The fixed columns fit a 40-column pane; the counts wrap if they must.
        table.add_column(no_wrap=True, min_width=1)  # the mark
        table.add_column(no_wrap=True)  # state
        table.add_column(no_wrap=True)  # id
        table.add_column(no_wrap=True, justify="right", style=self._style("run-detail--muted"))  # started, as an age
        table.add_column(overflow="fold")  # counts
        mark = ">" if self.ascii else "▸"
        for index, run in enumerate(page.runs[:MAX_RUNS_SHOWN]):
            chosen = index == self.chosen
            table.add_row(
                mark if chosen else " ",
                state_text(run.state, None, ascii=self.ascii, style=self._state_style(run.state)),
                Text(short_run_id(run.id), style="bold" if chosen else ""),
                age(as_utc(run.started), as_utc(self.now)) if run.started and self.now else MISSING,
                counts_text(run.counts, self.ascii) if run.counts is not None else "",
            )
        rows: list[RenderableType] = [title, table]
        hidden = len(page.runs) - MAX_RUNS_SHOWN
        if hidden > 0:
            rows.append(Text(f"… {hidden} more runs on this page", style=self._style("run-detail--muted")))
        return rows

    def _duration(self, started: datetime | None, ended: datetime | None) -> str:
        return self._duration_at(started, ended, self.now)

    @staticmethod
    def _duration_at(started: datetime | None, ended: datetime | None, now: datetime | None) -> str:
        if started is None:
            return MISSING
        end = ended or now
        if end is None:
            return MISSING
        return duration((as_utc(end) - as_utc(started)).total_seconds())

    def _counts_line(self, counts: Counts) -> _FillLine:
        ok_style = self._style("run-detail--ok")
        error_style = self._style("run-detail--error")
        muted_style = self._style("run-detail--muted")
        ascii = self.ascii

        def make_bar(width: int) -> Text:
            # Successes, then failures, then what is left. The glyphs differ so
            # the bar reads without colour (NO_COLOR, 16-colour terminals).
            ok_cells, failed_cells = split_cells(counts, width)
            rest = width - ok_cells - failed_cells
            return Text.assemble(
                (("#" if ascii else "█") * ok_cells, ok_style),
                (("x" if ascii else "▒") * failed_cells, error_style),
                (("-" if ascii else "░") * rest, muted_style),
            )

        fraction = counts.fraction
        suffix = Text(percent(fraction * 100) if fraction is not None else "")
        return _FillLine(Text(counts_text(counts, ascii)), make_bar, suffix)

    def _progress_line(self, progress: float) -> _FillLine:
        ascii = self.ascii
        style = self._style("run-detail--active")
        return _FillLine(
            Text(""), lambda width: Text(bar(progress / 100, width, ascii), style=style), Text(percent(progress))
        )

    def _error(self, job: Job) -> tuple[str, str]:
        """The job's error, else the latest run's error or reason."""
        if job.error:
            return "Error", _error_lines(job.error)
        if self.run_page.runs and self.run_page.page == 0:
            latest = self.run_page.runs[0]
            if latest.error:
                return "Error", _error_lines(latest.error)
            if latest.reason:
                return "Reason", _error_lines(latest.reason)
        return "", ""

    def _reason_style(self, state: JobState | None) -> Style:
        """An error's style (``state`` None), or a reason's: an error's only when it explains a
        failure; else it informs ("started pid 4242", "waiting for resources") and is plain."""
        return self._style("run-detail--error") if state in (None, JobState.FAILED) else Style()

    def _state_style(self, state: JobState) -> Style:
        return self._style(STATE_COMPONENT[state])

    def _style(self, component: str) -> Style:
        return self.get_component_rich_style(component, partial=True)


def split_cells(counts: Counts, width: int) -> tuple[int, int]:
    """Cells of a ``width``-wide bar for successes and for failures.

    Against the total when known, else against what is done. A non-zero
    count always gets at least one cell, so a single failure is never invisible.
    """
    whole = max(counts.total or 0, counts.done, 1)
    ok_cells = round(width * counts.succeeded / whole)
    failed_cells = round(width * counts.failed / whole)
    if counts.failed and not failed_cells:
        failed_cells = 1
    if counts.succeeded and not ok_cells:
        ok_cells = 1
    overflow = ok_cells + failed_cells - width
    if overflow > 0:
        # Rounding up both can overshoot; take the extra from the larger share.
        if ok_cells >= failed_cells:
            ok_cells -= overflow
        else:
            failed_cells -= overflow
    return max(0, ok_cells), max(0, failed_cells)


def _error_lines(text: str) -> str:
    lines = [to_plain(line).rstrip() for line in text.strip().splitlines()]
    lines = [line for line in lines if line]
    if len(lines) > MAX_ERROR_LINES:
        lines = [*lines[:MAX_ERROR_LINES], f"… {len(lines) - MAX_ERROR_LINES} more lines"]
    return "\n".join(lines)
