"""Saved views in the deck: ctrl+s names the list as it is (filter, sort, columns),
ctrl+o switches between views, and the palette has a command per view.

Views are read and written in thread workers (``ViewShelf``); the deck opens on
the view ``--view NAME`` names once the saved ones are read.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pydantic import ValidationError
from textual import work
from textual.app import SystemCommand

from jobdeck.safe_text import safe_line
from jobdeck.ui.deck_text import literal
from jobdeck.ui.panes.jobs import JobsPane
from jobdeck.ui.screens.prompt import PromptScreen
from jobdeck.ui.screens.view_switcher import NO_VIEW, ViewSwitcher
from jobdeck.ui.widgets.job_list import JobList
from jobdeck.views import View, unknown_view_message

if TYPE_CHECKING:
    from textual.screen import Screen

    from jobdeck.ui.deck_host import DeckHost
    from jobdeck.ui.runtime.view_shelf import ViewShelf

    _ScreenBase = Screen[None]
else:
    _ScreenBase = object


class DeckViews(_ScreenBase):
    """Mixed into the deck screen: its saved views."""

    host: DeckHost

    @property
    def view(self) -> View | None:
        """The view shown (None: every job, or a filter changed away from the view's)."""
        return self.query_one(JobsPane).view

    @property
    def _shelf(self) -> ViewShelf | None:
        return self.host.view_shelf

    @work(thread=True, exclusive=True, group="views", exit_on_error=False)
    def _read_saved_views(self) -> None:
        """Read the saved views; then open the view the deck was started on, if any."""
        shelf = self._shelf
        if shelf is None:
            return
        problem = shelf.load()
        self.app.call_from_thread(self._saved_views_read, problem)

    def _saved_views_read(self, problem: str | None) -> None:
        shelf = self._shelf
        if problem:
            self.notify(safe_line(problem), title="Views", severity="warning", timeout=8)
        if shelf is None or not shelf.start:
            return
        view = shelf.find(shelf.start)
        if view is None:
            self.notify(unknown_view_message(shelf.start, shelf.views), title="Views", severity="error", timeout=10)
        else:
            self.open_view(view)

    def open_view(self, view: View | None) -> None:
        """Show the list as ``view`` says (None: every job, the usual columns)."""
        self.query_one(JobsPane).apply_view(view)

    def action_choose_view(self) -> None:
        shelf = self._shelf
        if shelf is None:
            return
        configured = [view.name for view in shelf.configured]
        current = self.view.name if self.view else None
        self.app.push_screen(ViewSwitcher(shelf.views, current, configured=configured), callback=self._view_chosen)

    def _view_chosen(self, name: str | None) -> None:
        shelf = self._shelf
        if name is None or shelf is None:
            return
        self.open_view(None if name == NO_VIEW else shelf.find(name))

    def action_save_view(self) -> None:
        if self._shelf is None or self._shelf.file is None:
            self.notify("Saving views is off in this deck", severity="warning")
            return
        jobs = self.query_one(JobList)
        if jobs.query_error:
            self.notify("The filter does not read: mend it before saving it as a view", title="Views", severity="warning")
            return
        current = self.view.name if self.view else ""
        prompt = PromptScreen("Save the list as it is now (filter, sort, columns) as the view named:",
                              placeholder=current or "a name, e.g. failing today")
        self.app.push_screen(prompt, callback=self._save_named)

    def _save_named(self, name: str | None) -> None:
        shelf = self._shelf
        if not name or shelf is None:
            return
        if shelf.is_configured(name):
            where = self.host.settings.config_path or "the config"
            self.notify(f"“{safe_line(name)}” is a view of {where}: change it there, or save under another name",
                        title="Views", severity="warning", timeout=8)
            return
        jobs = self.query_one(JobList)
        columns, name_width = jobs.view_columns
        try:
            view = View(name=name, query=jobs.filter_text, sort=jobs.sort, columns=columns, name_width=name_width)
        except ValidationError as exc:
            reason = exc.errors()[0].get("msg", "it cannot be a view") if exc.errors() else "it cannot be a view"
            self.notify(safe_line(f"Not saved: {reason}"), title="Views", severity="error")
            return
        self._write_view(view)

    @work(thread=True, group="views-save", exit_on_error=False)
    def _write_view(self, view: View) -> None:
        shelf = self._shelf
        assert shelf is not None
        try:
            shelf.save(view)
        except OSError as exc:
            self.app.call_from_thread(self.notify, safe_line(f"The view was not saved: {exc}"), title="Views",
                                      severity="error", timeout=10)
            return
        self.app.call_from_thread(self._view_saved, view)

    def _view_saved(self, view: View) -> None:
        pane = self.query_one(JobsPane)
        pane.view = view
        pane.show_titles()
        where = self._shelf.file if self._shelf else None
        self.notify(f"Saved the view “{view.name}” in {where} · ctrl+o switches views", title="Views", timeout=5)

    def view_commands(self) -> Iterator[SystemCommand]:
        """A palette command per view (and one back to every job)."""
        shelf = self._shelf
        if shelf is None:
            return
        for view in shelf.views:
            # Every bracket escaped: the palette reads both lines as markup, and a view's name and
            # query are typed text (textual's escape leaves "[B]" and "[$x]" to be read as styles).
            yield SystemCommand(literal(f"View: {safe_line(view.name)}"), literal(view.describe()),
                                lambda view=view: self.open_view(view))
        if self.view is not None:
            yield SystemCommand("View: every job", "Leave the view: the whole list, the usual columns",
                                lambda: self.open_view(None))

