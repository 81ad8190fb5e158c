"""The jobs pane: the filter box over the job list; its border says what the list shows.

The list's jobs come from the monitor's events, which the screen hands on
(``apply_changes``); the filter box, the sort and the view (active or
archived) are the pane's, and its title follows each.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, Label

from jobdeck.model import Job, JobRef
from jobdeck.safe_text import safe_line
from jobdeck.ui.panes.titles import TitledPane
from jobdeck.ui.widgets.job_list import JobList
from jobdeck.ui.widgets.typed_input import TypedInput
from jobdeck.views import View


class JobsPane(TitledPane, Vertical):
    """A filter box (hidden until ``/``) over the JobList, and under it why a filter
    cannot be used and where (as the history view says it)."""

    DEFAULT_CSS = """
    JobsPane #filter-error { display: none; color: $error; padding: 0 1; height: auto; }
    JobsPane #filter-error.-shown { display: block; }
    """

    #: What the line under the filter box says (empty: it is hidden).
    _filter_error = ""

    #: The saved view shown (its name in the title), or None: also once the filter is changed
    #: away from the view's query (the list is no longer what the view names).
    view: View | None = None

    def compose(self) -> ComposeResult:
        yield TypedInput(
            placeholder="filter: words, state:failed OR name:/^etl/, -state:succeeded, sort:-duration",
            id="filter",
            classes="finder",
        )
        yield Label("", id="filter-error", markup=False)
        yield JobList(id="jobs")

    def on_mount(self) -> None:
        # Watched, not a Changed message: the list is filtered within the key press,
        # so the echo and the filtered rows share one frame (and one relayout).
        self.watch(self.query_one("#filter", Input), "value", self._on_filter_changed, init=False)

    def show_titles(self) -> None:
        """The view and the counts in the title; the sort and the filter below."""
        jobs = self.query_one(JobList)
        view = "Archived jobs" if jobs.view == "archived" else "Jobs"
        notes = [f"sort: {jobs.sort}"]
        if jobs.filter_text:
            waiting = " (filtering…)" if jobs.filter_running else " (indexing…)" if jobs.filter_waiting else ""
            notes.append(f"filter: {jobs.filter_text}{waiting}")
        title = f"{view} {jobs.visible_count}/{jobs.total_count}"
        if self.view is not None:
            title += f" · {safe_line(self.view.name)}"
        self.set_titles(title, " · ".join(notes))

    def apply_view(self, view: View | None) -> None:
        """Show the list as the saved ``view`` says: its filter, sort and columns (None: every job)."""
        jobs = self.query_one(JobList)
        self.view = view
        text = view.query if view else ""
        self.query_one("#filter", Input).value = text
        jobs.filter_text = text
        if view is not None and view.sort:
            jobs.sort = view.sort
        jobs.view_columns = (view.columns, view.name_width) if view else (None, None)
        self.show_titles()

    @on(JobList.FilterApplied)
    def _on_filter_applied(self) -> None:
        self.show_titles()

    def apply_changes(self, added: Sequence[Job], changed: Sequence[Job], removed: Sequence[JobRef]) -> None:
        """What a poll changed, into the list."""
        self.query_one(JobList).apply_changes(added, changed, removed)
        self.show_titles()

    def open_filter(self) -> Input:
        """Open the filter box on the filter in use (the screen gives it the focus)."""
        finder = self.query_one("#filter", Input)
        finder.add_class("-open")
        finder.value = self.query_one(JobList).filter_text
        return finder

    def clear_filter(self) -> None:
        jobs = self.query_one(JobList)
        if jobs.filter_text:
            jobs.filter_text = ""
            self.query_one("#filter", Input).value = ""
            self.show_titles()

    def cycle_sort(self) -> str:
        """Sort by the next order; returns its name."""
        sort = self.query_one(JobList).cycle_sort()
        self.show_titles()
        return sort

    def toggle_view(self) -> None:
        """Archived jobs instead of active ones, or back."""
        jobs = self.query_one(JobList)
        jobs.view = "active" if jobs.view == "archived" else "archived"
        self.show_titles()

    def _on_filter_changed(self, text: str) -> None:
        jobs = self.query_one(JobList)
        if self.view is not None and text != self.view.query:
            self.view = None  # (the list is no longer what the view names)
            if not text:
                jobs.view_columns = (None, None)  # every job again: the usual columns too
        jobs.filter_text = text
        finder = self.query_one("#filter", Input)
        finder.set_class(jobs.query_error is not None, "-invalid")
        # Content, not a str: a str tooltip is read as markup, and the message quotes what
        # was typed ("state:[/x]" ended the deck once the mouse rested on the box).
        finder.tooltip = Content(safe_line(jobs.query_error)) if jobs.query_error else None
        said = safe_line(f"filter: {jobs.query_error}") if jobs.query_error else ""
        if said != self._filter_error:  # (an update relayouts the pane: not on every key)
            self._filter_error = said
            error = self.query_one("#filter-error", Label)
            error.set_class(bool(said), "-shown")
            error.update(said)
        self.show_titles()

    @on(Input.Submitted, "#filter")
    def _on_filter_submitted(self, event: Input.Submitted) -> None:
        jobs = self.query_one(JobList)
        if jobs.query_error:
            self.notify(safe_line(jobs.query_error), title="Filter", severity="warning", markup=False)
        event.input.remove_class("-open")
        jobs.focus()
