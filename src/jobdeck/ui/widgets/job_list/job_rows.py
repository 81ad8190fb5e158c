"""The job list drawn with Textual's Line API, with a row cursor: ``JobRows``, the base of ``JobList``.

Only the visible rows are ever rendered, so 100,000 jobs mount, scroll and
filter at once (the stock DataTable measures every cell of every row and takes
tens of seconds at that size). A drawn row is cached by job object, so a poll
that leaves the jobs on screen alone repaints nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from jobdeck import present
from jobdeck.model import Job, JobRef
from jobdeck.ui.widgets.job_list.columns import Column, header_text, layout, times
from jobdeck.ui.widgets.job_list.row_drawing import STATE_CLASS, TIME_COLUMNS, Drawn, drawn_row, retimed
from jobdeck.ui.widgets.job_list.row_store import RowStore



#: The empty list's words with a local backend (where jobdeck run starts jobs), and without one.
NO_JOBS_LOCAL = "No jobs yet. Run `jobdeck run -- CMD` to start one."
NO_JOBS = "No jobs yet: the backends list none (H shows each backend's health)"


class JobRows(ScrollView):
    """The rows of a ``RowStore`` under a header, with a cursor that stays on its job as rows move.

    What fills the store (jobs, diffs, filter, sort, view) and what is announced
    (``Highlighted``, ``Selected``) is ``JobList``'s.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "job-list--header",
        "job-list--cursor",
        "job-list--stale",
        "job-list--dim",
        *STATE_CLASS.values(),
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

    #: Backends whose rows may be old (the backend is down); drawn dim and marked stale.
    stale_backends: reactive[frozenset[str]] = reactive(frozenset(), init=False)
    #: The time ages and running durations are measured to; set by the screen on a timer.
    now: reactive[datetime | None] = reactive(None, init=False, repaint=False)
    #: Plain ASCII glyphs instead of unicode ones.
    ascii: reactive[bool] = reactive(False, init=False)
    #: Always show the state's word next to its glyph, even when narrow (NO_COLOR, ASCII, 16 colours).
    state_words: reactive[bool] = reactive(False, init=False)
    #: A saved view's columns (``jobdeck.views.COLUMNS``; None: the usual ones) and name width.
    view_columns: reactive[tuple[tuple[str, ...] | None, int | None]] = reactive((None, None), init=False)
    #: What the empty list says before any job is listed (the deck knows which backends it has).
    empty_hint = NO_JOBS_LOCAL
    #: Text drawn before a job's name, by job: the deck's marks (bulk actions, new failures).
    row_tags: reactive[Mapping[JobRef, str]] = reactive(dict, init=False, always_update=True)

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None, disabled: bool = False
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._store = RowStore()
        self._cursor = 0
        self._highlighted_ref: JobRef | None = None
        # The highlighted job object, while it is one of the jobs held (found by bisecting,
        # without the map by ref, which costs 0.15 s to build for 100,000 jobs).
        self._highlighted_job: Job | None = None
        self._backend_width = 7
        #: (first row, cursor, the jobs on screen) when the rows last changed.
        self._last_shown: tuple[int, int, list[Job]] | None = None
        self._row_cache: LRUCache[tuple[Any, ...], Drawn] = LRUCache(1024)
        self._header_cache: dict[tuple[int, bool], Strip] = {}
        self._columns_cache: dict[tuple[int, int], tuple[Column, ...]] = {}
        #: The ``now`` of the last tick and the time texts (age, duration) it measured, by
        #: job on screen (the job kept with them: an id alone may be reused).
        self._tick_times: tuple[datetime | None, dict[int, tuple[Job, tuple[str, str]]]] = (None, {})

    @property
    def highlighted(self) -> Job | None:
        """The job under the cursor, if any."""
        rows = self._store.rows
        if 0 <= self._cursor < len(rows):
            return rows[self._cursor]
        return None

    @property
    def cursor_index(self) -> int:
        """The cursor's row (0 is the first job), or -1 when the list is empty."""
        return self._cursor if self._store.rows else -1

    @property
    def visible_count(self) -> int:
        """Jobs shown: in the current view and matching the query."""
        return len(self._store.rows)

    @property
    def rows(self) -> Sequence[Job]:
        """The jobs shown, in order (read-only by convention)."""
        return self._store.rows

    def _announce(self, *, chosen: bool = False) -> None:
        """Note the job under the cursor, and say so when it changed (``JobList`` does)."""
        raise NotImplementedError

    # -- reactives ----------------------------------------------------------

    def watch_stale_backends(self) -> None:
        self._redraw()

    def watch_now(self, old: datetime | None, new: datetime | None) -> None:
        # Set once a second. Only the rows on screen whose age or duration moved are
        # painted again, and of those only the two time cells are made again (``_row``):
        # while jobs are fresh their ages tick every second, and a whole-list repaint
        # each second was most of an idle deck's CPU (and of its output over SSH).
        # Each row's texts are measured once a tick: the next tick compares with them,
        # and the row drawn again uses them (``_retimed``).
        first = int(self.scroll_y)
        shown = self._store.rows[first : first + self._page_height]
        width = self.scrollable_content_region.width
        # Only the time cells are repainted (what a terminal is sent for a row whose age moved).
        cells = [column for column in self._columns(width) if column.name in TIME_COLUMNS]
        if not cells:
            return
        left = min(column.x for column in cells)
        span = max(column.x + column.width for column in cells) - left
        last_now, last = self._tick_times
        measured: dict[int, tuple[Job, tuple[str, str]]] = {}
        for line, job in enumerate(shown, start=1):
            texts = times(job, new)
            measured[id(job)] = (job, texts)
            was = last.get(id(job)) if last_now is old else None
            if (was[1] if was is not None and was[0] is job else times(job, old)) != texts:
                self.refresh(Region(left, line, span, 1))
        self._tick_times = (new, measured)

    def watch_ascii(self) -> None:
        self._header_cache.clear()
        self._redraw()

    def watch_row_tags(self) -> None:
        self._redraw()

    def watch_state_words(self) -> None:
        self._columns_changed()

    def watch_view_columns(self) -> None:
        self._columns_changed()

    def notify_style_update(self) -> None:
        # A theme change: every cached strip has old colours.
        super().notify_style_update()
        self._row_cache.clear()
        self._last_shown = None
        self._header_cache.clear()

    # -- rows changing ------------------------------------------------------

    def _rows_changed(self) -> None:
        """Re-place the cursor on its job, resize, redraw, and announce."""
        rows = self._store.rows
        previous_ref = self._highlighted_ref
        previous_cursor = self._cursor
        screen_offset = previous_cursor - int(self.scroll_y)
        position = None
        if previous_ref is not None:
            position = self._store.position_of_ref(previous_ref, self._highlighted_job)
        if position is None:
            position = previous_cursor
        self._cursor = max(0, min(position, len(rows) - 1))
        self.virtual_size = Size(self.virtual_size.width, len(rows) + 1)
        # Follow the cursor only if it was on screen: a user who scrolled away
        # (mouse wheel) is not pulled back by every poll.
        if 0 <= screen_offset < self._page_height:
            if rows and position != previous_cursor:
                # Keep the highlighted row where it was on screen while rows move around it.
                self._scroll_to_row(self._cursor - screen_offset)
            self._ensure_cursor_visible()
        self._refresh_if_shown_changed()
        self._announce()

    def _refresh_if_shown_changed(self) -> None:
        """Repaint unless the rows on screen are the very same jobs as last painted
        (a poll that changed only rows off screen leaves the pane alone)."""
        first = int(self.scroll_y)
        shown = (first, self._cursor, self._store.rows[first : first + self._page_height])
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
        rows = self._store.rows
        if not rows:
            return
        position = max(0, min(position, len(rows) - 1))
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
        highest = max(0, len(self._store.rows) - self._page_height)
        self.scroll_to(y=max(0, min(row, highest)), animate=False, force=True, immediate=True)
        if not self.show_vertical_scrollbar:
            # Textual moves the thumb only while the scrollbar shows: one that appears with
            # the next layout (rows just arrived) would start at the top, whatever the view.
            self.call_after_refresh(self._sync_scrollbar)

    def _sync_scrollbar(self) -> None:
        if self.show_vertical_scrollbar:
            self.vertical_scrollbar.position = self.scroll_y

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
        self._move_cursor(len(self._store.rows) - 1)

    # -- rendering ----------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            return self._header(width)
        rows = self._store.rows
        if not rows:
            return self._empty_line(y, width)
        position = int(self.scroll_y) + y - 1
        if position >= len(rows):
            return Strip.blank(width, self.rich_style)
        return self._row(rows[position], position == self._cursor, width)

    def _columns(self, width: int) -> tuple[Column, ...]:
        # Which columns show depends on the widget's width (scrollbar included,
        # as a user would measure it); where they go, on the width drawn.
        key = (width, self.size.width)
        cached = self._columns_cache.get(key)
        if cached is None:
            chosen, name_width = self.view_columns
            cached = self._columns_cache[key] = layout(width, self._backend_width, self.size.width, words=self.state_words,
                                                       chosen=chosen, name_width=name_width)
        return cached

    def _header(self, width: int) -> Strip:
        key = (width, self.ascii)
        strip = self._header_cache.get(key)
        if strip is None:
            style = self.get_visual_style("job-list--header").rich_style
            strip = Strip([Segment(header_text(self._columns(width), width), style)], width)
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
        store = self._store
        if not store.job_count:
            return self.empty_hint
        if not store.sorted:
            if store.archived:
                return "Nothing archived"
            return f"No active jobs ({store.job_count} archived)"
        where = "archived jobs" if store.archived else "jobs"
        return f"No {where} match {present.one_line(store.query.text)}"

    def _row(self, job: Job, is_cursor: bool, width: int) -> Strip:
        key = (id(job), is_cursor, width, self.has_focus)
        cached = self._row_cache.get(key)
        if cached is not None and cached.job is job:
            if cached.now is self.now:
                return cached.strip
            drawn = self._retimed(cached)  # only the time cells may have moved
        else:
            drawn = self._render_row(job, is_cursor, width)
        self._row_cache[key] = drawn
        return drawn.strip

    def _retimed(self, drawn: Drawn) -> Drawn:
        """``drawn`` with its time cells (age, duration) measured to ``now``."""
        now, job = self.now, drawn.job
        stale = job.ref.backend in self.stale_backends
        tick_now, measured = self._tick_times
        known = measured.get(id(job)) if tick_now is now and not stale else None
        if known is not None and known[0] is not job:
            known = None
        return retimed(drawn, now=now, stale=stale, ascii=self.ascii, known=None if known is None else known[1])

    def _render_row(self, job: Job, is_cursor: bool, width: int) -> Drawn:
        stale = job.ref.backend in self.stale_backends
        # Later component classes win: the cursor over everything, stale over colours.
        row_classes: tuple[str, ...] = ("job-list--stale",) if stale else ()
        if is_cursor:
            row_classes += ("job-list--cursor",)

        def style_of(*names: str) -> Style:
            return self.get_visual_style(*names, *row_classes).rich_style

        return drawn_row(job, is_cursor, self._columns(width), width, style_of, stale=stale, ascii=self.ascii,
                         now=self.now, tag=self.row_tags.get(job.ref, ""))
