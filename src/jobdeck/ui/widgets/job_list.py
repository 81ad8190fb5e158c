"""The job list: a virtual list drawn with Textual's Line API.

Only the visible rows are ever rendered, so 100,000 jobs mount, scroll and
filter at once (the stock DataTable measures every cell of every row and takes
tens of seconds at that size).

The data flows in three stages, each kept until something it depends on
changes:

    all jobs (by ref) ──view + sort──▶ sorted view ──query──▶ rows (what is drawn)

A query change only re-filters; a sort or view change re-sorts; a small
``apply_changes`` patches both lists in place with ``bisect``. The filtering
(its index, remembered queries, patches) is ``JobFilter``'s; this widget sorts,
draws and moves the cursor.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive, var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from jobdeck import present
from jobdeck.model import Job, JobRef, JobState
from jobdeck.ui import deck_text as fmt
from jobdeck.query import (
    SORT_KEYS,
    QueryError,
    last_activity,
    parse_query,
    sort_jobs,
    sort_key,
)
from jobdeck.ui.job_filter import JobFilter, locate

VIEWS: tuple[str, ...] = ("active", "archived")

#: Width from which the state word is shown next to its glyph.
WIDE = 100
#: Width from which a note column (error text, archive note) is shown.
NOTE_MIN_WIDTH = 110
#: From this many jobs, the filter index is built in the background after the first paint.
INDEX_IN_BACKGROUND_FROM = 5_000
#: Jobs indexed between two frames while building it (about 20 ms of work).
INDEX_SLICE = 4_000
#: Changes beyond this share of the view are applied by re-sorting everything.
_PATCH_LIMIT = 0.1

_STATE_CLASS: dict[JobState, str] = {state: f"job-list--state-{state.value}" for state in JobState}


@dataclass(frozen=True)
class _Column:
    """One column at one width: where it starts and how wide it is."""

    name: str
    title: str
    x: int
    width: int
    align_right: bool = False


class JobList(ScrollView, can_focus=True):
    """A scrollable, filterable, sortable list of jobs with a row cursor."""

    DEFAULT_CSS = """
    JobList {
        height: 1fr;
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        &:focus {
            background-tint: $foreground 5%;
        }
        & > .job-list--header {
            background: $panel;
            color: $foreground;
            text-style: bold;
        }
        & > .job-list--cursor {
            background: $block-cursor-blurred-background;
            color: $foreground;
            text-style: bold;
        }
        &:focus > .job-list--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .job-list--state-failed { color: $error; text-style: bold; }
        & > .job-list--state-running { color: $accent; }
        & > .job-list--state-succeeded { color: $success; }
        & > .job-list--state-pending { color: $text-muted; }
        & > .job-list--state-paused { color: $warning; }
        & > .job-list--state-canceled { color: $text-muted; }
        & > .job-list--state-unknown { color: $warning; }
        & > .job-list--stale { color: $text-disabled; text-style: italic; }
        & > .job-list--dim { color: $text-muted; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "job-list--header",
        "job-list--cursor",
        "job-list--stale",
        "job-list--dim",
        *_STATE_CLASS.values(),
    }
    """
    | Class | Description |
    | :- | :- |
    | `job-list--header` | The column titles. |
    | `job-list--cursor` | The highlighted row. |
    | `job-list--state-<state>` | The state cell (glyph and word) of a row in that state. |
    | `job-list--stale` | Rows of a backend that is down (their data may be old). |
    | `job-list--dim` | Secondary cells (backend, age, duration) and the empty message. |
    """

    # Rows are not text to select.
    ALLOW_SELECT = False

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False, id="job_list.up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="job_list.down"),
        Binding("pageup", "page_up", "Page up", show=False, id="job_list.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="job_list.page_down"),
        Binding("home,g", "first", "First", show=False, id="job_list.first"),
        Binding("end,G", "last", "Last", show=False, id="job_list.last"),
        Binding("enter", "select", "Open log", id="job_list.select", show=False, tooltip="Open the highlighted job's log"),
    ]

    class Highlighted(Message):
        """The highlighted job changed: to another job, or to none.

        A new version of the same job (same ref, new data) is not announced;
        ``highlighted`` always returns the current version. ``chosen`` is True
        when the job was chosen by ``select_ref`` rather than reached by moving
        through the list (keys, a filter, rows moving).
        """

        def __init__(self, job_list: JobList, job: Job | None, *, chosen: bool = False) -> None:
            super().__init__()
            self.job_list = job_list
            self.job = job
            self.chosen = chosen

        @property
        def control(self) -> JobList:
            return self.job_list

        def can_replace(self, message: Message) -> bool:
            # Rapid cursor moves coalesce: only the latest highlight matters.
            return isinstance(message, JobList.Highlighted) and message.job_list is self.job_list

    class Selected(Message):
        """The user chose the highlighted job (enter)."""

        def __init__(self, job_list: JobList, job: Job) -> None:
            super().__init__()
            self.job_list = job_list
            self.job = job

        @property
        def control(self) -> JobList:
            return self.job_list

    #: The filter text (see ``jobdeck.ui.filtering``); a bad one keeps the last good filter.
    filter_text: reactive[str] = reactive("", init=False)
    #: One of SORT_KEYS.
    sort: reactive[str] = reactive("recent", init=False)
    #: "active" (jobs not archived) or "archived".
    view: reactive[str] = reactive("active", init=False)
    #: Backends whose rows may be old (the backend is down); drawn dim and marked stale.
    stale_backends: reactive[frozenset[str]] = reactive(frozenset(), init=False)
    #: The time ages and running durations are measured to; set by the screen on a timer.
    now: reactive[datetime | None] = reactive(None, init=False, repaint=False)
    #: Plain ASCII glyphs instead of unicode ones.
    ascii: reactive[bool] = reactive(False, init=False)
    #: Always show the state's word next to its glyph, even when narrow (NO_COLOR, ASCII, 16 colours).
    state_words: reactive[bool] = reactive(False, init=False)
    #: Why the current ``filter_text`` could not be used, or None when it is fine.
    query_error: var[str | None] = var(None)
    #: The backends' names when known (the deck sets them from the monitor): the backend
    #: column is sized from them rather than by a pass over every job (100,000 of them).
    backend_names: tuple[str, ...] = ()

    def __init__(
        self,
        jobs: Iterable[Job] = (),
        *,
        now: datetime | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        # Every job. Kept as the given list until something needs the jobs by
        # ref (a diff, select_ref): building that map costs more than a first paint.
        self._given: list[Job] = []
        self._by_ref_map: dict[JobRef, Job] | None = {}
        self._views_have_duplicates = False
        # The sorted view and the rows drawn, with what filtering them needs.
        self._filter = JobFilter(self._all_jobs)
        self._sort_now: datetime | None = None
        self._cursor = 0
        self._highlighted_ref: JobRef | None = None
        # The highlighted job object, while it is one of the jobs held (found by bisecting,
        # without the map by ref, which costs 0.15 s to build for 100,000 jobs).
        self._highlighted_job: Job | None = None
        self._announced = False
        self._backend_width = 7
        #: (first row, cursor, the jobs on screen) when the rows last changed.
        self._last_shown: tuple[int, int, list[Job]] | None = None
        self._row_cache: LRUCache[tuple[Any, ...], tuple[Job, Strip]] = LRUCache(1024)
        self._header_cache: dict[tuple[int, bool], Strip] = {}
        self._columns_cache: dict[tuple[int, int], tuple[_Column, ...]] = {}
        self.set_reactive(JobList.now, now)
        self.set_jobs(jobs)

    # -- public API -------------------------------------------------------

    def set_jobs(self, jobs: Iterable[Job]) -> None:
        """Replace every job."""
        self._given = list(jobs)
        self._by_ref_map = None
        self._highlighted_job = None
        names = self.backend_names or {job.ref.backend for job in self._given}
        self._backend_width = _names_width(names)
        in_slices = len(self._given) >= INDEX_IN_BACKGROUND_FROM
        self._filter.reset(self._given, in_slices=in_slices)
        self._columns_changed()
        self._resort()
        if in_slices:
            self.call_after_refresh(self._build_index, self._given)

    def apply_changes(self, added: Sequence[Job], changed: Sequence[Job], removed: Sequence[JobRef]) -> None:
        """Apply a diff; cheap when it is small. The cursor stays on its job."""
        if not self.job_count and not removed:
            # A first listing: nothing to merge with, and set_jobs defers the map by ref
            # until something needs it, so the first frame comes sooner.
            self.set_jobs([*added, *changed])
            return
        by_ref = self._by_ref
        replaced: list[Job] = []
        fresh: list[Job] = []
        for job in (*added, *changed):
            old = by_ref.get(job.ref)
            if old is job:
                continue
            if old is not None:
                replaced.append(old)
            by_ref[job.ref] = job
            fresh.append(job)
        for ref in removed:
            old = by_ref.pop(ref, None)
            if old is not None:
                replaced.append(old)
        if not replaced and not fresh:
            return
        self._filter.update_index(replaced, fresh)
        width = _names_width({job.ref.backend for job in fresh})
        if width > self._backend_width:
            self._backend_width = width
            self._columns_changed()
        if self._views_have_duplicates or len(replaced) + len(fresh) > max(64, _PATCH_LIMIT * len(self._filter.sorted)):
            self._resort()
        else:
            archived = self.view == "archived"
            arriving = [job for job in fresh if job.archived is archived]
            self._filter.patch(replaced, arriving, sort_key(self.sort, self._sort_now))
            self._rows_changed()

    @property
    def highlighted(self) -> Job | None:
        """The job under the cursor, if any."""
        if 0 <= self._cursor < len(self._rows):
            return self._rows[self._cursor]
        return None

    @property
    def cursor_index(self) -> int:
        """The cursor's row (0 is the first job), or -1 when the list is empty."""
        return self._cursor if self._rows else -1

    @property
    def visible_count(self) -> int:
        """Jobs shown: in the current view and matching the query."""
        return len(self._rows)

    @property
    def total_count(self) -> int:
        """Jobs in the current view before filtering."""
        return len(self._filter.sorted)

    @property
    def job_count(self) -> int:
        """Every job known, in any view."""
        return len(self._given) if self._by_ref_map is None else len(self._by_ref_map)

    @property
    def filter_ready(self) -> bool:
        """Whether a filter runs at once: every job's text is indexed (a big list
        builds its index in slices after the first paint; a filter finishes it)."""
        return self._filter.ready

    @property
    def rows(self) -> Sequence[Job]:
        """The jobs shown, in order (read-only by convention)."""
        return self._rows

    def select_ref(self, ref: JobRef) -> bool:
        """Move the cursor to ``ref``; False when it is not shown (unknown or filtered out)."""
        job = self._by_ref.get(ref)
        if job is None:
            return False
        position = self._position_of(job)
        if position is None:
            return False
        self._move_cursor(position, center=True, chosen=True)
        return True

    def cycle_sort(self) -> str:
        """Switch to the next sort key; returns it."""
        position = SORT_KEYS.index(self.sort) if self.sort in SORT_KEYS else -1
        self.sort = SORT_KEYS[(position + 1) % len(SORT_KEYS)]
        return self.sort

    # -- reactives ----------------------------------------------------------

    def validate_sort(self, sort: str) -> str:
        if sort not in SORT_KEYS:
            raise ValueError(f"unknown sort {sort!r}; sorts: {', '.join(SORT_KEYS)}")
        return sort

    def validate_view(self, view: str) -> str:
        if view not in VIEWS:
            raise ValueError(f"unknown view {view!r}; views: {', '.join(VIEWS)}")
        return view

    def watch_filter_text(self, text: str) -> None:
        try:
            query = parse_query(text)
        except QueryError as error:
            # Keep showing the last good filter while the user fixes the text.
            self.query_error = str(error)
            return
        self.query_error = None
        self._filter.set_query(query)
        self._rows_changed()

    def watch_sort(self) -> None:
        self._resort()

    def watch_view(self) -> None:
        self._resort()

    def watch_stale_backends(self) -> None:
        self._redraw()

    def watch_now(self, old: datetime | None, new: datetime | None) -> None:
        # Set once a second. Only the rows whose age or duration moved are drawn again:
        # while jobs are fresh their ages tick every second, and a whole-list repaint
        # each second was most of an idle deck's CPU (and of its output over SSH).
        first = int(self.scroll_y)
        shown = self._rows[first : first + self._page_height]
        # Rows off screen, or whose times moved, are drawn afresh when next shown.
        kept: set[int] = set()
        moved: list[int] = []
        for line, job in enumerate(shown, start=1):
            if _times(job, old) == _times(job, new):
                kept.add(id(job))
            else:
                moved.append(line)
        for key in list(self._row_cache.keys()):
            if key[0] not in kept:
                self._row_cache.discard(key)
        width = self.scrollable_content_region.width
        for line in moved:
            self.refresh(Region(0, line, width, 1))

    def watch_ascii(self) -> None:
        self._header_cache.clear()
        self._redraw()

    def watch_state_words(self) -> None:
        self._columns_changed()

    def notify_style_update(self) -> None:
        # A theme change: every cached strip has old colours.
        super().notify_style_update()
        self._row_cache.clear()
        self._last_shown = None
        self._header_cache.clear()

    # -- pipeline -----------------------------------------------------------

    @property
    def _rows(self) -> list[Job]:
        """The jobs drawn: the sorted view as filtered."""
        return self._filter.rows

    def _resort(self) -> None:
        self._views_have_duplicates = False
        archived = self.view == "archived"
        in_view = [job for job in self._all_jobs() if job.archived is archived]
        self._sort_now = self.now
        self._filter.set_sorted(sort_jobs(in_view, self.sort, self._sort_now))
        self._rows_changed()

    def _build_index(self, jobs: list[Job], start: int = 0) -> None:
        """Index ``jobs`` a slice at a time between frames, so the first filter finds it ready."""
        end = self._filter.index_slice(jobs, start, INDEX_SLICE)
        if end is not None:
            self.set_timer(0.001, lambda: self._build_index(jobs, end))

    def _rows_changed(self) -> None:
        """Re-place the cursor on its job, resize, redraw, and announce."""
        previous_ref = self._highlighted_ref
        previous_cursor = self._cursor
        screen_offset = previous_cursor - int(self.scroll_y)
        position = None
        if previous_ref is not None:
            position = self._position_of_ref(previous_ref)
        if position is None:
            position = previous_cursor
        self._cursor = max(0, min(position, len(self._rows) - 1))
        self.virtual_size = Size(self.virtual_size.width, len(self._rows) + 1)
        # Follow the cursor only if it was on screen: a user who scrolled away
        # (mouse wheel) is not pulled back by every poll.
        if 0 <= screen_offset < self._page_height:
            if self._rows and position != previous_cursor:
                # Keep the highlighted row where it was on screen while rows move around it.
                self._scroll_to_row(self._cursor - screen_offset)
            self._ensure_cursor_visible()
        self._refresh_if_shown_changed()
        self._announce()

    def _refresh_if_shown_changed(self) -> None:
        """Repaint unless the rows on screen are the very same jobs as last painted
        (a poll that changed only rows off screen leaves the pane alone)."""
        first = int(self.scroll_y)
        shown = (first, self._cursor, self._rows[first : first + self._page_height])
        last = self._last_shown
        self._last_shown = shown
        if (
            not shown[2]
            or last is None
            or last[:2] != shown[:2]
            or len(last[2]) != len(shown[2])
            or any(a is not b for a, b in zip(last[2], shown[2]))
        ):
            self.refresh()

    @property
    def _by_ref(self) -> dict[JobRef, Job]:
        """Every job by ref, built on first need. With duplicate refs the last wins."""
        if self._by_ref_map is None:
            self._by_ref_map = {job.ref: job for job in self._given}
            # Duplicate refs in set_jobs: the views still hold them until re-sorted.
            self._views_have_duplicates = len(self._by_ref_map) != len(self._given)
            self._given = []
        return self._by_ref_map

    def _all_jobs(self) -> Iterable[Job]:
        return self._given if self._by_ref_map is None else self._by_ref_map.values()

    def _position_of_ref(self, ref: JobRef) -> int | None:
        """Where the job with ``ref`` is in the rows."""
        held = self._highlighted_job
        if self._by_ref_map is None and held is not None and held.ref == ref:
            return self._position_of(held)  # no diff since: the object is still the current version
        job = self._by_ref.get(ref)
        return None if job is None else self._position_of(job)

    def _position_of(self, job: Job) -> int | None:
        """Where ``job`` (this very object) is in the rows."""
        return locate(self._rows, job, sort_key(self.sort, self._sort_now))

    def _redraw(self) -> None:
        self._row_cache.clear()
        self._last_shown = None
        self.refresh()

    def _columns_changed(self) -> None:
        """The columns moved (the backend column's width, state words): every cached line is stale."""
        self._columns_cache.clear()
        self._header_cache.clear()
        self._redraw()

    # -- cursor and scrolling ---------------------------------------------

    @property
    def _page_height(self) -> int:
        """Rows visible at once (the header takes one line)."""
        return max(1, self.scrollable_content_region.height - 1)

    def _move_cursor(self, position: int, *, center: bool = False, chosen: bool = False) -> None:
        if not self._rows:
            return
        position = max(0, min(position, len(self._rows) - 1))
        if position != self._cursor:
            self._cursor = position
            self._last_shown = None
            self.refresh()
        if center:
            self._scroll_to_row(position - self._page_height // 2)
        self._ensure_cursor_visible()
        self._announce(chosen=chosen)

    def _ensure_cursor_visible(self) -> None:
        if not self.is_mounted:
            return
        top = int(self.scroll_y)
        page = self._page_height
        if self._cursor < top:
            self._scroll_to_row(self._cursor)
        elif self._cursor >= top + page:
            self._scroll_to_row(self._cursor - page + 1)

    def _scroll_to_row(self, row: int) -> None:
        """Make ``row`` the first row drawn under the header."""
        if not self.is_mounted:
            return
        highest = max(0, len(self._rows) - self._page_height)
        self.scroll_to(y=max(0, min(row, highest)), animate=False, force=True, immediate=True)
        if not self.show_vertical_scrollbar:
            # Textual moves the thumb only while the scrollbar shows: one that appears with
            # the next layout (rows just arrived) would start at the top, whatever the view.
            self.call_after_refresh(self._sync_scrollbar)

    def _sync_scrollbar(self) -> None:
        if self.show_vertical_scrollbar:
            self.vertical_scrollbar.position = self.scroll_y

    def _announce(self, *, chosen: bool = False) -> None:
        job = self.highlighted
        ref = job.ref if job is not None else None
        self._highlighted_job = job
        if ref == self._highlighted_ref and self._announced and not chosen:
            return
        self._highlighted_ref = ref
        if self.is_attached:
            self._announced = True
            self.post_message(self.Highlighted(self, job, chosen=chosen))

    def on_mount(self) -> None:
        self._ensure_cursor_visible()
        self._announced = False
        self._announce()

    def on_resize(self) -> None:
        self._ensure_cursor_visible()

    def action_cursor_up(self) -> None:
        self._move_cursor(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self._move_cursor(self._cursor + 1)

    def action_page_up(self) -> None:
        page = self._page_height
        self._scroll_to_row(int(self.scroll_y) - page)
        self._move_cursor(self._cursor - page)

    def action_page_down(self) -> None:
        page = self._page_height
        self._scroll_to_row(int(self.scroll_y) + page)
        self._move_cursor(self._cursor + page)

    def action_first(self) -> None:
        self._move_cursor(0)

    def action_last(self) -> None:
        self._move_cursor(len(self._rows) - 1)

    def action_select(self) -> None:
        job = self.highlighted
        if job is not None:
            self.post_message(self.Selected(self, job))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        position = int(self.scroll_y) + offset.y - 1
        if position >= len(self._rows):
            return
        self._move_cursor(position)
        if event.chain >= 2:
            self.action_select()

    # -- rendering ----------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            return self._header(width)
        if not self._rows:
            return self._empty_line(y, width)
        position = int(self.scroll_y) + y - 1
        if position >= len(self._rows):
            return Strip.blank(width, self.rich_style)
        return self._row(self._rows[position], position == self._cursor, width)

    def _columns(self, width: int) -> tuple[_Column, ...]:
        # Which columns show depends on the widget's width (scrollbar included,
        # as a user would measure it); where they go, on the width drawn.
        key = (width, self.size.width)
        cached = self._columns_cache.get(key)
        if cached is None:
            cached = self._columns_cache[key] = _layout(
                width, self._backend_width, self.size.width, words=self.state_words
            )
        return cached

    def _header(self, width: int) -> Strip:
        key = (width, self.ascii)
        strip = self._header_cache.get(key)
        if strip is None:
            style = self.get_visual_style("job-list--header").rich_style
            text = ""
            for column in self._columns(width):
                text = text.ljust(column.x) + _place(column, column.title)
            strip = Strip([Segment(present.fit(text, width), style)], width)
            self._header_cache[key] = strip
        return strip

    def _empty_line(self, y: int, width: int) -> Strip:
        middle = max(1, (self.scrollable_content_region.height) // 2)
        if y != middle:
            return Strip.blank(width, self.rich_style)
        message = present.truncate(self._empty_message(), max(1, width - 2))
        pad = max(0, (width - cell_len(message)) // 2)
        text = present.fit(" " * pad + message, width)
        return Strip([Segment(text, self.get_visual_style("job-list--dim").rich_style)], width)

    def _empty_message(self) -> str:
        """Why nothing is shown, and what to do about it."""
        if not self.job_count:
            return "No jobs yet. Run `jobdeck run -- CMD` to start one."
        archived = self.view == "archived"
        if not self._filter.sorted:
            if archived:
                return "Nothing archived"
            return f"No active jobs ({self.job_count} archived)"
        where = "archived jobs" if archived else "jobs"
        return f"No {where} match {present.one_line(self._filter.query.text)}"

    def _row(self, job: Job, is_cursor: bool, width: int) -> Strip:
        key = (id(job), is_cursor, width, self.has_focus)
        cached = self._row_cache.get(key)
        if cached is not None and cached[0] is job:
            return cached[1]
        strip = self._render_row(job, is_cursor, width)
        self._row_cache[key] = (job, strip)
        return strip

    def _render_row(self, job: Job, is_cursor: bool, width: int) -> Strip:
        stale = job.ref.backend in self.stale_backends
        # Later component classes win: the cursor over everything, stale over colours.
        row_classes: tuple[str, ...] = ("job-list--stale",) if stale else ()
        if is_cursor:
            row_classes += ("job-list--cursor",)

        def style_of(*names: str) -> Style:
            return self.get_visual_style(*names, *row_classes).rich_style

        base = style_of()
        dim = style_of("job-list--dim")
        marker = ("*" if self.ascii else "▌") if is_cursor else " "
        segments = [Segment(marker, base)]
        x = 1
        for column in self._columns(width):
            text, cell_class = self._cell(job, column.name, stale)
            if column.x > x:
                segments.append(Segment(" " * (column.x - x), base))
            cell_style = base
            if cell_class == "state":
                cell_style = style_of(_STATE_CLASS[job.state])
            elif cell_class == "dim":
                cell_style = dim
            if self.ascii and text == present.MISSING:
                text = "-"
            segments.append(Segment(_place(column, text), cell_style))
            x = column.x + column.width
        return Strip(segments).adjust_cell_length(width, base)

    def _cell(self, job: Job, column: str, stale: bool) -> tuple[str, str | None]:
        """The text of one cell and its kind of style ("state", "dim" or None)."""
        ascii = self.ascii
        if column == "state":
            return present.state_glyph(job.state, ascii), "state"
        if column == "state_word":
            return f"{present.state_glyph(job.state, ascii)} {present.state_word(job.state)}", "state"
        if column == "name":
            prefix = ""
            if job.archived and job.archived_by == "jobdeck":
                prefix = "[A] " if ascii else "⌂ "
            return prefix + present.one_line(job.name), None
        if column == "backend":
            return present.one_line(job.ref.backend), "dim"
        if column == "age":
            return ("stale" if stale else present.age(last_activity(job), self.now)), "dim"
        if column == "duration":
            return _duration_text(job, self.now), "dim"
        if column == "progress":
            return self._progress_text(job, _BAR_WIDTH), None
        if column == "progress_wide":
            return self._progress_text(job, _BAR_WIDTH_WIDE), None
        if column == "note":
            return self._note(job, stale), "dim"
        return "", None

    def _progress_text(self, job: Job, bar_width: int) -> str:
        ascii = self.ascii
        if job.progress is not None:
            return f"{fmt.bar(job.progress / 100, bar_width, ascii)} {fmt.percent(job.progress):>4}"
        counts = job.counts
        if counts is not None and (counts.total or counts.done):
            text = present.counts_text(counts, ascii)
            if cell_len(text) <= bar_width + 5 or counts.fraction is None:
                return text
            return f"{fmt.bar(counts.fraction, bar_width, ascii)} {int(counts.fraction * 100):>3}%"
        return ""

    def _note(self, job: Job, stale: bool) -> str:
        notes: list[str] = []
        if stale:
            notes.append("backend down, may be out of date")
        if job.archived and job.archived_by == "jobdeck":
            notes.append("⌂ archived in jobdeck" if not self.ascii else "archived in jobdeck")
        if job.error:
            notes.append(present.one_line(job.error))
        return "; ".join(notes)


#: Bar widths inside the progress columns (the rest of the column is " 100%").
_BAR_WIDTH = 6
_BAR_WIDTH_WIDE = 10


def _duration_text(job: Job, now: datetime | None) -> str:
    """How long ``job`` has run (to ``now``, or to its end when there is no ``now``)."""
    until = now or job.ended
    return fmt.duration(job.duration(until) if until is not None else None)


def _times(job: Job, now: datetime | None) -> tuple[str, str]:
    """The age and duration texts of ``job``'s row, measured to ``now``."""
    return present.age(last_activity(job), now), _duration_text(job, now)


def _place(column: _Column, text: str) -> str:
    return present.fit(text, column.width, align_right=column.align_right)


def _names_width(names: Iterable[str]) -> int:
    """The backend column's width for these backend names."""
    longest = max((cell_len(name) for name in names), default=0)
    return max(7, min(12, longest))


def _layout(width: int, backend_width: int, widget_width: int, *, words: bool = False) -> tuple[_Column, ...]:
    """The columns at ``width`` cells; column 0 is left for the cursor marker.

    The name takes what the fixed columns leave; the narrower the list, the
    more of the secondary columns are dropped (duration first, then backend).
    """
    wide = widget_width >= WIDE
    fixed: list[tuple[str, str, int, bool]] = [
        ("state_word", "state", 11, False) if wide or words else ("state", "", 1, False),
        ("name", "name", 0, False),
        ("backend", "backend", backend_width, False),
        ("age", "age", 5, True),
        ("duration", "took", 6, True),
        ("progress_wide", "progress", _BAR_WIDTH_WIDE + 5, False)
        if wide
        else ("progress", "progress", _BAR_WIDTH + 5, False),
    ]
    if width < 60:
        fixed = [column for column in fixed if column[0] != "duration"]
    if width < 48:
        fixed = [column for column in fixed if column[0] != "backend"]
    used = 1 + sum(column[2] + 1 for column in fixed if column[0] != "name")
    note_width = 0
    if widget_width >= NOTE_MIN_WIDTH:
        note_width = max(12, min(40, (width - used - 30) // 2))
        fixed.append(("note", "note", note_width, False))
        used += note_width + 1
    name_width = max(4, width - used)
    columns: list[_Column] = []
    x = 1
    for name, title, size, align_right in fixed:
        if name == "name":
            size = name_width
        columns.append(_Column(name, title, x, size, align_right))
        x += size + 1
    return tuple(columns)
