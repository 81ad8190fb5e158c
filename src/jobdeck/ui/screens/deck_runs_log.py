"""Mixed into the deck screen: the keys of a job's runs (``[`` ``]``: the timeline and the log
follow the run chosen in the detail pane) and of the log pane (follow, wrap, search, copy,
its stream), which work wherever the focus is.
Its message handlers are declared in ``deck.py`` (Textual collects @on from the screen's class)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from jobdeck.ui.panes.detail import DetailPane
from jobdeck.ui.panes.log import LogPane, current_log_line
from jobdeck.ui.panes.timeline import TimelinePane
from jobdeck.ui.widgets.log_view import LogView

if TYPE_CHECKING:
    from textual.screen import Screen

    from jobdeck.ui.widgets.job_list.settling import HighlightSettler

    _ScreenBase = Screen[None]
else:
    _ScreenBase = object


class DeckRunsAndLog(_ScreenBase):
    """The run and log keys of ``DeckScreen``."""

    _settler: HighlightSettler
    _lower_pane: str

    if TYPE_CHECKING:  # DeckScreen's

        def _show_lower_pane(self, pane: str) -> None: ...

    def action_older_run(self) -> None:
        self._step_run(+1)

    def action_newer_run(self) -> None:
        self._step_run(-1)

    def _step_run(self, delta: int) -> None:
        self._settler.settle()
        if self.query_one(DetailPane).step_run(delta):
            self._reveal_chosen_run()

    def _show_chosen_run(self, message: DetailPane.RunChosen) -> None:
        """The timeline and the log follow the run chosen in the detail pane."""
        if message.ref is not None:
            self.query_one(TimelinePane).show_run(message.ref, message.run_id, newest=message.newest)
            self.query_one(LogPane).show_run(message.ref, message.run_id, newest=message.newest)

    def _reveal_chosen_run(self) -> None:
        """Show the detail pane, scrolled so the chosen run's section is in view."""
        if self.has_class("-compact") and self._lower_pane != "detail":
            self._show_lower_pane("detail")
        self.query_one(DetailPane).scroll_to_chosen_run()

    def action_follow(self) -> None:
        self.query_one(LogView).follow()

    def action_wrap(self) -> None:
        log_view = self.query_one(LogView)
        log_view.toggle_wrap()
        self.notify("Log lines wrap" if log_view.wrap else "Log lines do not wrap", timeout=2)

    def action_toggle_stream(self) -> None:
        """``e`` wherever the focus is (the list, most often): the log pane shows the job's
        other stream, and is shown if a compact deck had the detail or timeline up."""
        pane = self.query_one(LogPane)
        before = pane.stream
        pane.action_toggle_stream()
        if pane.stream != before and self.has_class("-compact") and self._lower_pane != "log":
            self._show_lower_pane("log")

    def action_search_next(self) -> None:
        self.query_one(LogView).search_next()

    def action_search_previous(self) -> None:
        self.query_one(LogView).search_previous()

    def action_copy_line(self) -> None:
        line = current_log_line(self.query_one(LogView))
        if line is None:
            self.notify("The log is empty", severity="warning", timeout=2)
            return
        self.app.copy_to_clipboard(line)
        self.notify(f"Copied log line: {line[:60]}", timeout=2)
