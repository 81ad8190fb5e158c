"""The log pane's tools: filter mode (``&``), the log in ``$PAGER`` (``|``) and the
stream shown (``e``: stdout or stderr, where the backend keeps them apart).

Mixed into ``LogPane``, which holds the LogView and follows the log: every
chunk it receives goes through ``_show_text``, which shows it whole or, in
filter mode, only the lines the filter lets through.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from textual import work
from textual.widgets import Input

from jobdeck.log_cursor import STDOUT
from jobdeck.safe_text import make_safe, safe_line
from jobdeck.ui.panes.log_filter import FilteredLog
from jobdeck.ui.widgets.log_view import LogView

if TYPE_CHECKING:
    from textual.containers import Vertical

    from jobdeck.model import JobRef

    _PaneBase = Vertical
else:
    _PaneBase = object

#: Lines shown before and after each matching line in filter mode.
FILTER_CONTEXT = 2
#: Why ``b`` loads nothing while filtering.
FILTERING_NOT_PAGED = "the log is filtered; & shows it whole again"
SEARCH_PLACEHOLDER = "search the log (& filters instead)"
FILTER_PLACEHOLDER = "show only lines holding… (& searches instead)"
#: The pager when $PAGER is not set.
DEFAULT_PAGER = "less -R"


class LogTools(_PaneBase):
    """Filter mode, the pager and the stream of the log pane."""

    ref: JobRef | None
    #: The log's stream shown (``jobdeck.log_cursor``): stdout unless ``e`` chose stderr.
    stream: str = STDOUT

    def _init_tools(self) -> None:
        #: What ``/`` does in the log: find the next match, or show only the matching lines.
        self.finder_mode: Literal["search", "filter"] = "search"
        #: The log as received while a filter is on (None: no filter).
        self._filtered: FilteredLog | None = None
        #: Where the log shown began before the filter (restored when it goes).
        self._skipped_before_filter = 0

    # -- filter mode (&) ----------------------------------------------------------------

    @property
    def filter_term(self) -> str | None:
        return self._filtered.term if self._filtered else None

    def action_toggle_finder_mode(self) -> None:
        """``&``: ``/`` filters (only matching lines, with context) or searches; leaving
        filter mode shows the whole log again."""
        self.finder_mode = "filter" if self.finder_mode == "search" else "search"
        finder = self.query_one("#log-search", Input)
        finder.placeholder = FILTER_PLACEHOLDER if self.finder_mode == "filter" else SEARCH_PLACEHOLDER
        if self.finder_mode == "search" and self._filtered is not None:
            self.clear_filter()
        what = ("/ shows only the lines holding what you type, with "
                f"{FILTER_CONTEXT} lines around each" if self.finder_mode == "filter" else "/ finds lines in the whole log")
        self.notify(f"Log {self.finder_mode}: {what}; & switches back", timeout=4)
        self._show_tools_status()

    def apply_filter(self, term: str) -> None:
        """Show only the lines holding ``term`` (and their context), now and as they come."""
        log_view = self.query_one(LogView)
        if self._filtered is not None:
            self._filtered = self._filtered.again(term)
        else:
            lines, partial = log_view.kept_raw()
            self._filtered = FilteredLog(term, FILTER_CONTEXT, lines, partial, max_lines=log_view.max_lines)
        self._replace_shown(self._filtered.shown_so_far(), log_view.start_offset, paging=FILTERING_NOT_PAGED)
        if not self._filtered.filter.matches:
            self.notify(f"No line holds {safe_line(term)} yet: new lines are filtered as they come", timeout=4)
        self._show_tools_status()

    def clear_filter(self) -> None:
        """The whole log again (as kept while filtering)."""
        filtered, self._filtered = self._filtered, None
        if filtered is not None:
            self._replace_shown(filtered.whole_text(), self._skipped_before_filter, paging=self._paging_reason())
        self._show_tools_status()

    def _replace_shown(self, text: str, skipped: int, *, paging: str | None) -> None:
        log_view = self.query_one(LogView)
        ended, notice = log_view.log_ended, log_view.notice_text
        if paging == FILTERING_NOT_PAGED and log_view.earlier_unavailable != FILTERING_NOT_PAGED:
            self._skipped_before_filter = skipped
        log_view.clear(notice)
        log_view.start_at(skipped)
        log_view.earlier_unavailable = paging
        log_view.append(text)
        if ended:
            log_view.mark_ended()

    def _show_text(self, text: str) -> None:
        """A chunk of the log into the view: whole, or what the filter lets through."""
        if self._filtered is not None:
            text = self._filtered.feed(text)
        if text:
            self.query_one(LogView).append(text)

    def _restart_filter(self) -> None:
        """The log starts again (another job, run or stream): the filter starts on it too."""
        if self._filtered is not None:
            self._filtered = self._filtered.anew()
            self.query_one(LogView).earlier_unavailable = FILTERING_NOT_PAGED
            # Not the last log's start: this one is read from its start unless told (``_follow``).
            self._skipped_before_filter = 0

    def _tools_status(self) -> str:
        """The keys and mode said in the border after the log's state."""
        parts = [] if self.stream == STDOUT else [f"{self.stream} (e: stdout)"]
        if self._filtered is not None:
            parts.append(f"only “{safe_line(self._filtered.term)[:30]}” · {self._filtered.filter.matches:,} "
                         "matching · & whole log")
        else:
            parts.append("/ filter" if self.finder_mode == "filter" else "/ search")
        parts.append("w wrap")
        return " · ".join(parts)

    # -- the pager (|) ------------------------------------------------------------------

    def action_open_pager(self) -> None:
        """``|``: the log as kept in the pane, in $PAGER; the deck comes back when it ends."""
        refused = self._pager_refused()
        if refused:
            self.notify(refused, severity="warning", timeout=5)
            return
        log_view = self.query_one(LogView)
        if self._filtered is not None:
            # As received while filtering: made safe here, as lines_text is (a pager may print escapes as they are).
            text = make_safe(self._filtered.whole_text(), keep_colour=False)
        else:
            text = "\n".join(log_view.lines_text()) + "\n"
        self._write_for_pager(text)

    def _pager_refused(self) -> str | None:
        host = self.app
        if getattr(host, "kiosk", False):
            return "The kiosk opens no pager"
        if getattr(host, "read_only", False):
            return "A read-only deck opens no pager (a pager can run commands); use `jobdeck logs REF | less`"
        if host.is_web:
            return "A deck in the browser opens no pager; use `jobdeck logs REF` in a terminal"
        if self.ref is None:
            return "No log is shown"
        return None

    @work(thread=True, group="pager", exit_on_error=False)
    def _write_for_pager(self, text: str) -> None:
        handle, name = tempfile.mkstemp(prefix="jobdeck-log-", suffix=".txt")
        with os.fdopen(handle, "w", encoding="utf-8", errors="replace") as file:
            file.write(text)
        self.app.call_from_thread(self._page, Path(name))

    def _page(self, path: Path) -> None:
        command = [*pager_command(os.environ.get("PAGER")), str(path)]
        try:
            with self.app.suspend():
                subprocess.run(command, check=False)
        except FileNotFoundError:
            self.notify(f"No pager {safe_line(command[0])}: set $PAGER", severity="error", timeout=6)
        except Exception as exc:  # SuspendNotSupported and the like: this terminal cannot hand over
            self.notify(f"The pager cannot open here: {safe_line(str(exc)) or type(exc).__name__}",
                        severity="warning", timeout=6)
        finally:
            path.unlink(missing_ok=True)

    # -- the stream (e) -----------------------------------------------------------------

    def action_toggle_stream(self) -> None:
        """``e``: stderr instead of stdout (or back), where the backend keeps them apart."""
        if self.ref is None:
            return
        streams = self._log_streams(self.ref)
        if len(streams) < 2:
            backend = safe_line(self.ref.backend)
            self.notify(f"{backend} keeps one log per job: stdout and stderr are not apart there", timeout=4)
            return
        self.stream = streams[(streams.index(self.stream) + 1) % len(streams)] if self.stream in streams else STDOUT
        self.notify(f"Log: {self.stream}", timeout=2)
        self._follow(self.ref)

    if TYPE_CHECKING:  # provided by the pane
        _skipped_before_filter: int

        def _paging_reason(self) -> str | None: ...

        def _log_streams(self, ref: JobRef) -> tuple[str, ...]: ...

        def _follow(self, ref: JobRef) -> None: ...

        def _show_tools_status(self) -> None: ...

def pager_command(pager: str | None) -> list[str]:
    """$PAGER as a command and its arguments (never through a shell); ``less -R`` unset."""
    try:
        words = shlex.split(pager) if pager and pager.strip() else []
    except ValueError:
        words = []
    return words or shlex.split(DEFAULT_PAGER)
