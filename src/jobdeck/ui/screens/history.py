"""The history view (``h``): every job jobdeck has seen, newest first, from its history
file, filtered with the live list's terms plus time terms, in a ``sort:`` term's order
when it has one (``s`` reverses either); enter shows a job's transitions and kept log
tail (``history_job``); esc goes back to the deck.

The screen only coordinates: the file is read in thread workers (a search and its first
page, the next page when the list asks, the count), each replacing the one before it, so
a key never waits on the disk. A file that cannot be read is said so, in the list.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.events import Key
from textual.screen import Screen
from textual.widgets import Input, Label
from textual.timer import Timer
from textual.worker import get_current_worker

from jobdeck.query import QueryError, parse_query
from jobdeck.safe_text import safe_line
from jobdeck.ui.screens.burst_keys import slash_then_text
from jobdeck.ui.widgets.history_list import HistoryList
from jobdeck.ui.widgets.key_footer import KeyFooter
from jobdeck.ui.widgets.typed_input import TypedInput

if TYPE_CHECKING:
    from jobdeck.store.sqlite import HistoryReader
    from jobdeck.store.sqlite.history_pages import HistorySearch
    from jobdeck.ui.deck_host import DeckHost

#: Jobs read a page (the first a little fewer: it is waited for).
PAGE = 200
FIRST_PAGE = 60
#: Seconds a search rests before it is counted (a count may read every job: not while typing).
COUNT_AFTER = 0.4
#: Ticks between two readings of the rows on screen (their states, when last seen).
REREAD_TICKS = 5

HISTORY_OFF = "History is off: set history = true in the config to keep every job jobdeck sees"


class HistoryScreen(Screen[None]):
    """Every job seen, a page at a time (see the module's text)."""

    DEFAULT_CSS = """
    HistoryScreen { background: $background; }
    HistoryScreen #history-bar { height: 1; background: $panel; color: $foreground; }
    HistoryScreen #history-title { text-style: bold; padding: 0 1; }
    HistoryScreen #history-status { width: 1fr; color: $text-muted; padding: 0 1; }
    HistoryScreen #history-filter { display: none; height: 3; border: tall $accent; }
    HistoryScreen #history-filter.-open { display: block; }
    HistoryScreen #history-filter.-invalid { border: tall $error; }
    HistoryScreen #history-error { display: none; color: $error; padding: 0 1; height: auto; }
    HistoryScreen #history-error.-shown { display: block; }
    """

    BINDINGS = [
        Binding("slash", "find", "Filter", id="history.find", tooltip="Filter: the list's terms, since:2d until:… age:<1h"),
        Binding("s", "toggle_order", "Oldest first", id="history.order",
                tooltip="Newest first / oldest first (a sort: term's order / reversed)"),
        Binding("enter", "open_job", "Transitions", id="history.open", show=False),
        Binding("escape", "back", "Back", id="history.back", tooltip="Back to the deck (or close the filter)"),
        Binding("h", "close", "Deck", id="history.close", show=False),
        Binding("question_mark", "help", "Keys", id="history.help", key_display="?"),
    ]

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self._reader: HistoryReader | None = None
        self._search: HistorySearch | None = None
        self._newest_first = True
        self._text = ""
        self._count_timer: Timer | None = None
        self._ticks = 0

    @property
    def host(self) -> DeckHost:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Horizontal(id="history-bar"):
            yield Label("History", id="history-title")
            yield Label("opening…", id="history-status")
        yield TypedInput(placeholder="filter: train state:failed since:2d age:<1h", id="history-filter", classes="finder")
        yield Label("", id="history-error", markup=False)  # it quotes what was typed
        yield HistoryList(id="history-list")
        yield KeyFooter(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        history = self.query_one(HistoryList)
        history.ascii = self.host.ascii
        self._tick()
        self.set_interval(self.host.tick_seconds, self._tick)
        history.focus()
        self._start(self._text)

    def on_unmount(self) -> None:
        if self._reader is not None:
            self._reader.close()

    def _tick(self) -> None:
        history = self.query_one(HistoryList)
        history.now = self.host.clock.now().astimezone(self.host.time_zone)
        self._ticks += 1
        if self._ticks % REREAD_TICKS == 0 and self._search is not None and history.entries:
            self._reread(history.shown_keys())

    @work(thread=True, exclusive=True, group="history-reread", exit_on_error=False)
    def _reread(self, keys: list[int]) -> None:
        """The rows on screen read again: jobs still running change, listed ones are seen again."""
        try:
            fresh = self._open().entries(keys)
        except sqlite3.Error:
            return  # the next tick tries again; a search says what is wrong
        self.app.call_from_thread(self.query_one(HistoryList).update_entries, fresh)

    # -- searching ---------------------------------------------------------------------

    def _start(self, text: str) -> None:
        try:
            query = parse_query(text, now=self.host.clock.now(), zone=self.host.time_zone)
        except QueryError as problem:
            self._show_error(problem)
            return
        self._show_error(None)
        self._text = text
        self.query_one("#history-status", Label).update("searching…")
        self.query_one(HistoryList).notice = ""
        self._first_page(query)

    def _show_error(self, problem: QueryError | None) -> None:
        error = self.query_one("#history-error", Label)
        self.query_one("#history-filter", Input).set_class(problem is not None, "-invalid")
        error.set_class(problem is not None, "-shown")
        if problem is not None:
            where = f" (at column {problem.position + 1})" if problem.position is not None else ""
            error.update(safe_line(f"filter: {problem}{where}"))

    def _open(self) -> HistoryReader:
        if self._reader is None:
            from jobdeck.store.sqlite import HistoryReader

            self._reader = HistoryReader(self.path)
        return self._reader

    @work(thread=True, exclusive=True, group="history-page", exit_on_error=False)
    def _first_page(self, query: object) -> None:
        from jobdeck.store.sqlite import HistoryUnavailable
        from jobdeck.store.sqlite.history_pages import SearchStopped

        worker = get_current_worker()
        try:
            if not self.path.exists():
                self.app.call_from_thread(self._unreadable, f"nothing recorded yet: {self.path} does not exist")
                return
            search = self._open().search(query, newest_first=self._newest_first, now=self.host.clock.now())  # type: ignore[arg-type]
            page = search.page(None, FIRST_PAGE, should_stop=lambda: worker.is_cancelled)
        except SearchStopped:
            return
        except (HistoryUnavailable, sqlite3.Error, OSError) as problem:
            self.app.call_from_thread(self._unreadable, f"the history cannot be read: {problem}")
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._shown, search, page)

    def _shown(self, search: HistorySearch, page: object) -> None:
        self._search = search
        history = self.query_one(HistoryList)
        history.reset(page.entries, done=page.done)  # type: ignore[attr-defined]
        if page.done and not page.entries:  # type: ignore[attr-defined]
            history.notice = "no job matches" if self._text else "no jobs in the history yet"
        self.query_one("#history-status", Label).update(self._status(None))
        if self._count_timer is not None:
            self._count_timer.stop()
        self._count_timer = self.set_timer(COUNT_AFTER, lambda: self._count(search))

    def _status(self, count: int | None) -> str:
        sort = self._search.query.sort if self._search is not None else None
        if sort is not None:  # a sort: term's order (s reverses it)
            backwards = sort.startswith("-") == self._newest_first  # sort:-name, or sort:name and s
            order = f"by {sort.removeprefix('-')}" + (", reversed" if backwards else "")
        else:
            order = "newest first" if self._newest_first else "oldest first"
        shown = f"“{self._text}” · " if self._text else ""
        if count is None:
            return safe_line(f"{shown}{order} · counting…")
        about = "" if self._search is None or self._search.exact else "at most "
        noun = "job" if count == 1 else "jobs"
        return safe_line(f"{shown}{about}{count:,} {noun} · {order}")

    def _unreadable(self, why: str) -> None:
        history = self.query_one(HistoryList)
        history.reset([], done=True)
        history.notice = safe_line(why)
        self.query_one("#history-status", Label).update("")

    @work(thread=True, exclusive=True, group="history-count", exit_on_error=False)
    def _count(self, search: HistorySearch) -> None:
        from jobdeck.store.sqlite.history_pages import SearchStopped

        worker = get_current_worker()
        try:
            count = search.count(should_stop=lambda: worker.is_cancelled or search is not self._search)
        except (SearchStopped, sqlite3.Error):
            return
        if search is self._search:
            self.app.call_from_thread(self._counted, search, count)

    def _counted(self, search: HistorySearch, count: int) -> None:
        if search is self._search:
            self.query_one("#history-status", Label).update(self._status(count))

    @on(HistoryList.NeedMore)
    def _need_more(self, message: HistoryList.NeedMore) -> None:
        if self._search is not None:
            self._next_page(self._search, message.after)

    @work(thread=True, exclusive=True, group="history-more", exit_on_error=False)
    def _next_page(self, search: HistorySearch, after: int) -> None:
        from jobdeck.store.sqlite.history_pages import SearchStopped

        worker = get_current_worker()
        try:
            page = search.page(after, PAGE, should_stop=lambda: worker.is_cancelled or search is not self._search)
        except (SearchStopped, sqlite3.Error):
            return
        if search is self._search:
            self.app.call_from_thread(self.query_one(HistoryList).add_page, after, page.entries, done=page.done)

    # -- keys --------------------------------------------------------------------------

    def on_key(self, event: Key) -> None:
        slash_then_text(self, event, self.action_find)

    def action_find(self) -> None:
        finder = self.query_one("#history-filter", Input)
        finder.add_class("-open")
        self.set_focus(finder)

    @on(Input.Changed, "#history-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._start(event.value)

    @on(Input.Submitted, "#history-filter")
    def _filter_submitted(self) -> None:
        self.query_one(HistoryList).focus()

    def action_toggle_order(self) -> None:
        self._newest_first = not self._newest_first
        self._start(self._text)

    def action_back(self) -> None:
        finder = self.query_one("#history-filter", Input)
        if finder.has_focus:
            finder.remove_class("-open")
            self.query_one(HistoryList).focus()
            return
        self.action_close()

    def action_close(self) -> None:
        self.app.pop_screen()

    @on(HistoryList.Selected)
    def action_open_job(self, message: HistoryList.Selected | None = None) -> None:
        entry = message.entry if message is not None else self.query_one(HistoryList).highlighted
        if entry is None or self._reader is None:
            return
        from jobdeck.ui.screens.history_job import HistoryJobScreen

        self.app.push_screen(HistoryJobScreen(self._reader, self.path, entry))

    def action_help(self) -> None:
        from jobdeck.ui.screens.help import HelpScreen
        from jobdeck.ui.screens.key_commands import KeySection

        sections = [
            KeySection("History", [b for b in self.BINDINGS if isinstance(b, Binding)], target=self),
            KeySection("History list", [b for b in HistoryList.BINDINGS if isinstance(b, Binding)],
                       target=self.query_one(HistoryList)),
        ]
        self.app.push_screen(HelpScreen(sections))
