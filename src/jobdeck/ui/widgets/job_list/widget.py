"""The job list: ``JobList``, a virtual list of jobs that filters, sorts and keeps a cursor.

Its jobs are held by a ``RowStore`` (row_store.py: every job, the view
sorted, the rows the query lets through, with ``JobFilter`` in
job_filter.py), drawn in ``columns`` (columns.py) by ``JobRows``
(job_rows.py), the scroll view it extends. This class fills the store and
says what happens: the job highlighted, the job chosen.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import ClassVar

from textual import events, work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive, var

from jobdeck.heap import held_still
from jobdeck.model import Job, JobRef
from jobdeck.query import SORT_KEYS, QueryError, index_jobs, is_sort, job_texts, parse_query
from jobdeck.ui.widgets.job_list.columns import names_width
from jobdeck.ui.widgets.job_list.filter_worker import FilteringRows

VIEWS: tuple[str, ...] = ("active", "archived")

#: From this many jobs, the filter index is built in the background after the first paint.
INDEX_IN_BACKGROUND_FROM = 5_000
#: From this many, in another thread (a filter typed meanwhile applies once it is built):
#: in slices between frames, a million jobs kept the UI thread busy for seconds.
INDEX_IN_THREAD_FROM = 200_000
#: Jobs indexed between two frames while building it (about 20 ms of work).
INDEX_SLICE = 4_000


class JobList(FilteringRows, can_focus=True):
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

    class FilterApplied(Message):
        """The rows changed on their own: a filter that waited for its index, or for its rows
        (each made in another thread), now applies. (Rows changed by the pane's own calls are not announced.)"""

        def __init__(self, job_list: JobList) -> None:
            super().__init__()
            self.job_list = job_list

        @property
        def control(self) -> JobList:
            return self.job_list

    class Selected(Message):
        """The user chose the highlighted job (enter)."""

        def __init__(self, job_list: JobList, job: Job) -> None:
            super().__init__()
            self.job_list = job_list
            self.job = job

        @property
        def control(self) -> JobList:
            return self.job_list

    #: The filter text (see ``jobdeck.query``); a bad one keeps the last good filter.
    filter_text: reactive[str] = reactive("", init=False)
    #: One of SORT_KEYS, reversed with a "-" before it (a query's sort:-name).
    sort: reactive[str] = reactive("recent", init=False)
    #: "active" (jobs not archived) or "archived".
    view: reactive[str] = reactive("active", init=False)
    #: Why the current ``filter_text`` could not be used, and where, or None when it is fine.
    query_error: var[str | None] = var(None)
    # The sort before a query's sort: term took over (back when the term goes).
    _sort_before_query: str | None = None
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
        self._announced = False
        self.set_reactive(JobList.now, now)
        self.set_jobs(jobs)

    # -- public API -------------------------------------------------------

    def set_jobs(self, jobs: Iterable[Job]) -> None:
        """Replace every job."""
        given = list(jobs)
        self._highlighted_job = None
        names = self.backend_names or {job.ref.backend for job in given}
        self._backend_width = names_width(names)
        in_thread = len(given) >= INDEX_IN_THREAD_FROM
        in_slices = not in_thread and len(given) >= INDEX_IN_BACKGROUND_FROM
        with held_still(len(given)):  # no garbage collection walks a million jobs meanwhile
            self._store.set_jobs(given, in_slices=in_slices, in_background=in_thread)
            self._columns_changed()
            self._resort()
        if in_slices:
            self.call_after_refresh(self._build_index, given)
        elif in_thread:
            # After the first paint, which the thread would otherwise slow (it shares the GIL).
            self.call_after_refresh(lambda: self._build_index_in_thread(given, self._store.sorted))

    def apply_changes(self, added: Sequence[Job], changed: Sequence[Job], removed: Sequence[JobRef]) -> None:
        """Apply a diff; cheap when it is small. The cursor stays on its job."""
        if not self.job_count and not removed:
            # A first listing: nothing to merge with, and set_jobs defers the map by ref
            # until something needs it, so the first frame comes sooner.
            self.set_jobs([*added, *changed] if changed else added)  # (set_jobs copies it)
            return
        # Even a small diff makes new lists of every job (the rows): no collection walks them.
        with held_still(max(len(added) + len(changed) + len(removed), self.job_count)):
            fresh = self._store.apply_changes(added, changed, removed, now=self.now)
        if fresh is None:
            return
        width = names_width({job.ref.backend for job in fresh})
        if width > self._backend_width:
            self._backend_width = width
            self._columns_changed()
        self._rows_changed()

    @property
    def total_count(self) -> int:
        """Jobs in the current view before filtering."""
        return len(self._store.sorted)

    @property
    def job_count(self) -> int:
        """Every job known, in any view."""
        return self._store.job_count

    @property
    def every_job(self) -> Collection[Job]:
        """Every job the list holds, in any view, filtered out or not: the deck's copy of the
        monitor's jobs, as its events last said (not a copy: read it before the next change)."""
        return self._store.every_job()

    @property
    def filter_ready(self) -> bool:
        """Whether a filter runs at once: every job's text is indexed (a big list
        builds its index in slices after the first paint; a filter finishes it)."""
        return self._store.filter_ready

    def select_ref(self, ref: JobRef) -> bool:
        """Move the cursor to ``ref``; False when it is not shown (unknown or filtered out)."""
        position = self._store.position_of_ref(ref)
        if position is None:
            return False
        self._move_cursor(position, center=True, chosen=True)
        return True

    def cycle_sort(self) -> str:
        """Switch to the next sort key; returns it."""
        key = self.sort.removeprefix("-")
        position = SORT_KEYS.index(key) if key in SORT_KEYS else -1
        self._sort_before_query = None  # the user's choice now, whatever the query says
        self.sort = SORT_KEYS[(position + 1) % len(SORT_KEYS)]
        return self.sort

    # -- reactives ----------------------------------------------------------

    def validate_sort(self, sort: str) -> str:
        if not is_sort(sort):
            raise ValueError(f"unknown sort {sort!r}; sorts: {', '.join(SORT_KEYS)}")
        return sort

    def validate_view(self, view: str) -> str:
        if view not in VIEWS:
            raise ValueError(f"unknown view {view!r}; views: {', '.join(VIEWS)}")
        return view

    def watch_filter_text(self, text: str) -> None:
        try:
            # Time terms at the deck's time, a date in its zone (the ``now`` ticks carry it).
            now = self.now
            query = parse_query(text, now=now, zone=now.tzinfo if now is not None else None)
        except QueryError as error:
            # Keep showing the last good filter while the user fixes the text.
            self.query_error = error.described()
            return
        self.query_error = None
        with held_still(self.job_count):  # rows of a million jobs: no collection walks them
            self._store.set_query(query)
        self._rows_changed()
        self._follow_query_sort(query.sort)

    def _follow_query_sort(self, sort: str | None) -> None:
        """A query's ``sort:`` term sorts the list while it is there; the sort before it comes back after."""
        if sort is not None:
            if self._sort_before_query is None:
                self._sort_before_query = self.sort
            self.sort = sort
        elif self._sort_before_query is not None:
            self.sort, self._sort_before_query = self._sort_before_query, None

    def watch_sort(self) -> None:
        self._resort()

    def watch_view(self) -> None:
        self._resort()

    # -- filling the store --------------------------------------------------

    def _resort(self) -> None:
        self._store.resort(archived=self.view == "archived", sort=self.sort, now=self.now)
        self._rows_changed()

    # A description of its own: Textual would otherwise write one with the repr of every
    # argument, a million jobs each (minutes of the UI thread).
    @work(thread=True, exclusive=True, group="job-list-index", exit_on_error=False, description="the filter index")
    def _build_index_in_thread(self, jobs: list[Job], sorted_view: list[Job]) -> None:
        """Index ``jobs`` in another thread (the sorted view's texts in order, top first: a
        filter typed meanwhile reads the top's; then every other job's) and hand the index to
        the UI thread; a newer set of jobs makes it moot. First the jobs are mapped by ref,
        which the next poll's diff needs (a ref twice: re-sorted)."""
        if self._store.map_in_thread(jobs):
            self.app.call_from_thread(self._resort)
        texts = job_texts(sorted_view)
        index_jobs(jobs)
        self.app.call_from_thread(self._adopt_index, jobs, sorted_view, texts)

    def _adopt_index(self, jobs: list[Job], sorted_view: list[Job], texts: list[str]) -> None:
        with held_still(len(jobs)):
            adopted = self._store.adopt_index(jobs, sorted_view, texts)
        if adopted:
            self._rows_changed()
            self.post_message(self.FilterApplied(self))

    @property
    def filter_waiting(self) -> bool:
        """Whether the rows shown are every job of the view because the filter waits for
        its index (built in another thread for a big list); it applies once built."""
        return self._store.filter_waiting

    def _build_index(self, jobs: list[Job], start: int = 0) -> None:
        """Index ``jobs`` a slice at a time between frames, so the first filter finds it ready."""
        end = self._store.index_slice(jobs, start, INDEX_SLICE)
        if end is not None:
            self.set_timer(0.001, lambda: self._build_index(jobs, end))

    # -- saying what happens ----------------------------------------------

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

    def action_select(self) -> None:
        job = self.highlighted
        if job is not None:
            self.post_message(self.Selected(self, job))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        position = int(self.scroll_y) + offset.y - 1
        if position >= len(self.rows):
            return
        self._move_cursor(position)
        if event.chain >= 2:
            self.action_select()
