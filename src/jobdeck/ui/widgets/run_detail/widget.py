"""The run detail: everything known about one job, one field per row (its
group's counts by state among them: ``jobdeck.ui.group_rows``), then the
chosen one of its runs and the page of runs it was chosen from.

Every string that came from a backend (names, ids, raw states, errors,
labels, the backend's own fields) passes through ``safe_text`` before it is
drawn (``.text``). The widget has ``height: auto``; put it in a
``VerticalScroll`` when the pane may be shorter than the detail.

It is drawn in parts (``PartsWidget``): the rows that tick (times with their
age, durations) are parts of their own, so a second passing draws those rows
again and not the tables around them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial
from datetime import datetime
from typing import ClassVar

from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.reactive import reactive

from jobdeck.clock import as_utc
from jobdeck.model import Counts, Job, JobState, Run, RunPage
from jobdeck.present import GONE_NOTE, MISSING, age, counts_text, truncate
from jobdeck.safe_text import safe_line
from jobdeck.ui.deck_text import STATE_TONE, state_text
from jobdeck.ui.group_rows import group_rows
from jobdeck.ui.run_fields import fields_for_run
from jobdeck.ui.run_position import only_run, page_text, run_label
from jobdeck.ui.part_lines import GridRows, Part, PartsWidget, grid_rows, value_column, widest
from jobdeck.ui.widgets.run_detail.text import (
    MAX_DETAIL_FIELDS,
    MAX_DETAIL_VALUE,
    MAX_RUNS_SHOWN,
    FillLine,
    counts_line,
    duration_at,
    error_lines,
    flatten_detail,
    progress_line,
    short_run_id,
    time_with_age,
)

#: The component class that colours each state.
STATE_COMPONENT: dict[JobState, str] = {state: f"run-detail--{tone}" for state, tone in STATE_TONE.items()}
#: The rows whose text moves with the time (an age, a duration): each run of them is a part.
TICKING_ROWS = frozenset({"Gone", "Created", "Started", "Ended", "Duration"})

Row = tuple[str, RenderableType]


class RunDetail(PartsWidget):
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
    #: The time last set and the texts it showed (``_times_shown``).
    _ticked: tuple[datetime | None, tuple[str, ...]] = (None, ())
    ascii: reactive[bool] = reactive(False)

    #: The job's newest run (the first of page 0), kept while later pages are shown.
    _newest_run: Run | None = None
    #: The backend's fields flattened, and the job, newest run and chosen run they are of.
    _fields_kept: tuple[Job, Run | None, Run | None, list[tuple[str, str]]] | None = None

    @property
    def run_section(self) -> tuple[int, int] | None:
        """Where the "Run" section was last drawn: (first row, rows), or None."""
        return self.part_span("run")

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
        # (The texts at ``old`` are those the last tick read, when it was the last time set.)
        texts = self._times_shown(new)
        ticked, self._ticked = self._ticked, (new, texts)
        if (ticked[1] if ticked[0] is old else self._times_shown(old)) != texts:
            self.redraw_parts()

    def _times_shown(self, now: datetime | None) -> tuple[str, ...]:
        """Every text of the pane that depends on ``now`` (ages and durations)."""
        job = self.job
        if job is None:
            return ()
        texts = [time_with_age(moment, now) for moment in (job.created, job.started, job.ended, job.gone_since)]
        texts.append(duration_at(job.started, job.ended, now))
        for run in self.run_page.runs:
            texts += [time_with_age(run.started, now), time_with_age(run.ended, now)]
            texts.append(duration_at(run.started, run.ended, now))
        return tuple(texts)

    def parts(self, width: int) -> list[Part]:
        job = self.job
        if job is None:
            return [Part("none", lambda: Text("Select a job", style=self._style("run-detail--muted")))]
        parts = self._table_parts("job", list(self._rows(job)), width)
        run = self.chosen_run
        if run is not None and self._has_runs_of_its_own(job):
            parts.append(Part("run-title", lambda: self._run_title(run), "run"))
            parts += self._table_parts("run", list(self._run_rows(run)), width, name="run")
            title, tables, more = self._run_list()
            parts.append(Part("run-list-title", lambda: title))
            for index, (run_age, table) in enumerate(tables):
                parts.append(Part(("run-list", index, run_age), partial(_same, table)))  # (the ages tick)
            if more is not None:
                parts.append(Part("run-list-more", lambda: more))
        fields = self._fields(job, run)
        if fields:
            # The backend's fields get their own table: their long key paths
            # would otherwise widen the label column of every row above.
            parts.append(Part("fields", lambda: Group(*self._field_parts(fields, width))))
        return parts

    def _fields(self, job: Job, run: Run | None) -> list[tuple[str, str]]:
        """The backend's fields of ``job`` (and its chosen run), flattened once for them."""
        kept = self._fields_kept
        if kept is None or kept[0] is not job or kept[1] is not self._newest_run or kept[2] is not run:
            fields = list(flatten_detail(fields_for_run(job.detail, self._newest_run, run)))
            kept = self._fields_kept = (job, self._newest_run, run, fields)
        return kept[3]

    def _table_parts(self, table: str, rows: list[Row], width: int, name: str = "") -> list[Part]:
        """Rows of one table as parts, each run of ticking rows a part of its own keyed by
        its texts; every part's label column as wide as the widest label of the table."""
        label_width = max((cell_len(label) for label, _ in rows), default=0)
        # The value column as wide as the table's widest value, in every part (as one table
        # draws it: its rows padded to that width).
        value_width = widest(self.app.console, [value for _, value in rows], width - label_width - 1)
        runs: list[tuple[bool, list[Row]]] = []
        for row in rows:
            ticks = row[0] in TICKING_ROWS
            if runs and runs[-1][0] == ticks:
                runs[-1][1].append(row)
            else:
                runs.append((ticks, [row]))
        parts: list[Part] = []
        for index, (ticks, chunk) in enumerate(runs):
            if not ticks:
                parts.append(Part((table, index), partial(self._table, chunk, label_width, value_width, width), name))
                continue
            key = (table, index, tuple(str(value) for _, value in chunk))
            parts.append(Part(key, partial(self._ticking_rows, chunk, label_width, value_width, width), name))
        return parts

    def _ticking_rows(self, rows: list[Row], label_width: int, value_width: int, width: int) -> RenderableType:
        """Rows that tick, drawn every second: without a table's machinery when they fit."""
        room = width - label_width - 1
        texts = [(label, value) for label, value in rows if isinstance(value, Text)]
        if len(texts) == len(rows) and 1 <= value_width <= room:
            fast = grid_rows(texts, label_width, value_width, self._style("run-detail--label"))
            if fast is not None:
                return fast
        return self._table(rows, label_width, value_width, width)

    def _has_runs_of_its_own(self, job: Job) -> bool:
        """False when the job is its own single run: the rows above already say it all."""
        page = self.run_page
        return not (only_run(page) and page.runs[0].id == job.id)

    def _table(
        self, rows: Iterable[Row], label_width: int | None = None, value_width: int | None = None, width: int = 0
    ) -> Table:
        table = Table.grid(padding=(0, 1))
        table.add_column(style=self._style("run-detail--label"), no_wrap=True, width=label_width)
        table.add_column(overflow="fold", **value_column(value_width, width - (label_width or 0) - 1))
        for label, value in rows:
            table.add_row(label, value)
        return table

    def _field_parts(self, fields: list[tuple[str, str]], width: int) -> list[RenderableType]:
        """The backend's own fields under their title."""
        title = Text("Backend fields", style=self._style("run-detail--title"))
        rows = list(self._field_rows(fields))
        return [title, self._fitting_rows(rows, width) or self._table(rows)]

    def _fitting_rows(self, rows: list[Row], width: int) -> GridRows | None:
        """``rows`` drawn as their table would draw them, without its machinery, when every
        row fits on its line at ``width``."""
        label_width = max((cell_len(label) for label, _ in rows), default=0)
        texts = [(label, value) for label, value in rows if isinstance(value, Text)]
        value_width = max((value.cell_len for _, value in texts), default=0)
        if len(texts) != len(rows) or not 1 <= value_width <= width - label_width - 1:
            return None
        return grid_rows(texts, label_width, value_width, self._style("run-detail--label"))

    def _field_rows(self, fields: list[tuple[str, str]]) -> Iterator[Row]:
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
        yield "Duration", Text(duration_at(job.started, job.ended, now))
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

    def _run_title(self, run: Run) -> Text:
        """A title naming the chosen run and its place."""
        # The place first: a long id (a UUID) may wrap, the place should not.
        title = Text()
        label = run_label(self.run_page, self.chosen)
        title.append(label[0].upper() + label[1:] if label else "Run", style=self._style("run-detail--title"))
        title.append(f" · {safe_line(run.id)}", style=self._style("run-detail--muted"))
        return title

    def _run_age(self, run: Run) -> str:
        """How long ago ``run`` started, for the page's list."""
        return age(as_utc(run.started), as_utc(self.now)) if run.started and self.now else MISSING

    def _run_rows(self, run: Run) -> Iterator[tuple[str, RenderableType]]:
        now = self.now
        yield "State", state_text(run.state, run.raw_state, ascii=self.ascii, style=self._state_style(run.state))
        yield "Started", Text(time_with_age(run.started, now))
        if run.ended is not None or run.state.is_terminal:
            yield "Ended", Text(time_with_age(run.ended, now))
        if run.started is not None:
            yield "Duration", Text(duration_at(run.started, run.ended, now))
        if run.counts is not None:
            yield "Counts", self._counts_line(run.counts)
        if run.progress is not None:
            yield "Progress", self._progress_line(run.progress)
        if run.error:
            yield "Error", Text(error_lines(run.error), style=self._style("run-detail--error"))
        if run.reason:
            yield "Reason", Text(error_lines(run.reason), style=self._reason_style(run.state))

    def _run_list(self) -> tuple[Text, list[tuple[str, Table]], Text | None]:
        """The page's runs, one a line (a table each, keyed by its age, which ticks), the
        chosen one marked, under a title; and a line saying how many more the page has."""
        page = self.run_page
        title = Text("Runs", style=self._style("run-detail--title"))
        pages = page_text(page)
        if pages:
            title.append(f" · {pages}", style=self._style("run-detail--muted"))
        mark = ">" if self.ascii else "▸"
        rows: list[tuple[Text | str, ...]] = []
        for index, run in enumerate(page.runs[:MAX_RUNS_SHOWN]):
            chosen = index == self.chosen
            rows.append(
                (
                    mark if chosen else " ",
                    state_text(run.state, None, ascii=self.ascii, style=self._state_style(run.state)),
                    Text(short_run_id(run.id), style="bold" if chosen else ""),
                    self._run_age(run),
                    counts_text(run.counts, self.ascii) if run.counts is not None else "",
                )
            )
        # Every row's columns as wide as one table of them all would draw them.
        widths = [max((cell_len(str(row[column])) for row in rows), default=0) for column in range(5)]
        tables = [(str(row[3]), self._run_table(row, widths)) for row in rows]
        hidden = len(page.runs) - MAX_RUNS_SHOWN
        if hidden <= 0:
            return title, tables, None
        return title, tables, Text(f"… {hidden} more runs on this page", style=self._style("run-detail--muted"))

    def _run_table(self, row: tuple[Text | str, ...], widths: list[int]) -> Table:
        table = Table.grid(padding=(0, 1))
        # The fixed columns fit a 40-column pane; the counts wrap if they must.
        table.add_column(no_wrap=True, min_width=max(1, widths[0]))  # the mark
        table.add_column(no_wrap=True, width=widths[1])  # state
        table.add_column(no_wrap=True, width=widths[2])  # id
        muted = self._style("run-detail--muted")
        table.add_column(no_wrap=True, justify="right", style=muted, width=widths[3])  # started, as an age
        table.add_column(overflow="fold", min_width=widths[4])  # counts
        table.add_row(*row)
        return table

    def _counts_line(self, counts: Counts) -> FillLine:
        styles = (self._style("run-detail--ok"), self._style("run-detail--error"), self._style("run-detail--muted"))
        return counts_line(counts, self.ascii, *styles)

    def _progress_line(self, progress: float) -> FillLine:
        return progress_line(progress, self.ascii, self._style("run-detail--active"))

    def _error(self, job: Job) -> tuple[str, str]:
        """The job's error, else the latest run's error or reason."""
        if job.error:
            return "Error", error_lines(job.error)
        if self.run_page.runs and self.run_page.page == 0:
            latest = self.run_page.runs[0]
            if latest.error:
                return "Error", error_lines(latest.error)
            if latest.reason:
                return "Reason", error_lines(latest.reason)
        return "", ""

    def _reason_style(self, state: JobState | None) -> Style:
        """An error's style (``state`` None), or a reason's: an error's only when it explains a
        failure; else it informs ("started pid 4242", "waiting for resources") and is plain."""
        return self._style("run-detail--error") if state in (None, JobState.FAILED) else Style()

    def _state_style(self, state: JobState) -> Style:
        return self._style(STATE_COMPONENT[state])

    def _style(self, component: str) -> Style:
        return self.part_style(component)


def _same(renderable: RenderableType) -> RenderableType:
    return renderable
