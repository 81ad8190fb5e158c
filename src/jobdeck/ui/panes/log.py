"""The log pane: the shown job's log, followed from its last lines, paged back with ``b``.

It reads the log itself: a follow from the tail (the oldest lines go as new
ones come, within the view's ``max_lines``) and, on ``b``, the window before
the lines shown (``log_window``). Both run in one exclusive worker group, so
the latest request wins. The screen says which job and passes its keys on.

A job its backend no longer lists (gone) shows the log tail jobdeck's history
kept of it (``kept_log``), saying so above it; without one, the backend is
asked as for any job (it may still serve the log).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input

from jobdeck.errors import AdapterError
from jobdeck.log_cursor import STDOUT
from jobdeck.model import Job, JobRef, LogChunk, LogCursor
from jobdeck.ui.panes.kept_log import NO_EARLIER, kept_tail_notice, read_kept_tail
from jobdeck.ui.panes.log_tools import SEARCH_PLACEHOLDER, LogTools
from jobdeck.ui.panes.log_window import LogSource, LogWindowReader
from jobdeck.ui.panes.titles import TitledPane
from jobdeck.ui.widgets.log_view import LogView
from jobdeck.ui.widgets.log_view.line_strips import size_text
from jobdeck.ui.widgets.typed_input import TypedInput

if TYPE_CHECKING:
    from jobdeck.store.sqlite.log_tails import KeptLogTail

#: Why ``b`` does nothing on the log of a run chosen with ``[``/``]``.
OLDER_RUN_NOT_PAGED = "an older run's log is read from its start; [ goes back to the newest run"


class LogReader(LogSource, Protocol):
    """Where a job's log is read from (the Monitor): followed, and between two offsets."""

    def follow_log(self, ref: JobRef, cursor: LogCursor | int = 0) -> AsyncIterator[LogChunk]: ...

    def log_paging_unavailable(self, ref: JobRef) -> str | None: ...

    def log_streams(self, ref: JobRef) -> tuple[str, ...]: ...


def current_log_line(log_view: LogView) -> str | None:
    """The log line a user means by "this line": the tail while following; when
    paused, the first line in view matching the search, else the line at the top."""
    lines = log_view.lines_text()
    if not lines:
        return None
    if log_view.following:
        return lines[-1]
    top = max(0, min(len(lines) - 1, int(log_view.scroll_y) - (1 if log_view.dropped_lines else 0)))
    term = (log_view.search_term or "").casefold()
    if term:
        for line in lines[top:]:
            if term in line.casefold():
                return line
    return lines[top]


class LogPane(LogTools, TitledPane, Vertical):
    """A search box over a LogView of the job it is given; it reads the log itself."""

    # (``e``, the stream shown, is the deck's key: it works wherever the focus is.)
    BINDINGS = [
        Binding("ampersand", "toggle_finder_mode", "Filter/search log", id="log.finder_mode", show=False,
                tooltip="/ in the log: show only matching lines (with context), or find them in the whole log"),
        Binding("vertical_line", "open_pager", "Log in $PAGER", id="log.pager", show=False,
                tooltip="The lines kept in the pane, in $PAGER (interactive terminal decks only)"),
    ]

    def __init__(
        self,
        reader: LogReader,
        *,
        max_lines: int,
        earlier_max_bytes: int,
        history_file: Path | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._reader = reader
        #: jobdeck's history, where a gone job's kept log tail is read (None: history is off).
        self._history_file = history_file
        #: Whether the job shown was gone from its backend when its log was asked for.
        self._gone = False
        #: Whether the log shown is the tail kept in history (nothing earlier to load).
        self._kept_tail = False
        self._max_lines = max_lines
        self._window = LogWindowReader(max_bytes=earlier_max_bytes)
        #: The job shown: what is read for another one (the user moved on) is dropped.
        self.ref: JobRef | None = None
        self._init_tools()
        #: The log's state in words, as the view last told it.
        self._status = ""
        #: The run whose log is read, chosen with ``[``/``]`` (None: the job's latest run).
        self.run: str | None = None
        #: The run the detail pane last said is chosen (None: none said yet for this job).
        self._chosen: str | None = None

    def compose(self) -> ComposeResult:
        yield TypedInput(placeholder=SEARCH_PLACEHOLDER, id="log-search", classes="finder")
        # Its state (following, paused · N new, ended …) is in the border: no status row.
        yield LogView(id="log", max_lines=self._max_lines, show_status=False)

    def on_mount(self) -> None:
        self._show_status(self.query_one(LogView).status_text())

    @on(LogView.StatusChanged)
    def _on_status_changed(self, message: LogView.StatusChanged) -> None:
        self._show_status(message.text)

    def _show_status(self, status: str) -> None:
        self._status = status
        self.set_titles(subtitle=f"{status} · {self._tools_status()}")

    def _show_tools_status(self) -> None:
        self._show_status(self._status)

    def _log_streams(self, ref: JobRef) -> tuple[str, ...]:
        return self._reader.log_streams(ref)

    def _paging_reason(self) -> str | None:
        """Why ``b`` cannot page back through the log shown, or None."""
        if self._kept_tail:
            return NO_EARLIER
        if self.run is not None:
            return OLDER_RUN_NOT_PAGED
        if self.stream != STDOUT:
            return f"{self.stream} is read from its start"
        return self._reader.log_paging_unavailable(self.ref) if self.ref is not None else None

    def show_job(self, job: Job | None) -> None:
        """Follow ``job``'s log from its last lines (again, when it is the job shown already)."""
        self.ref = job.ref if job else None
        self.run = self._chosen = None
        self.stream = STDOUT
        self._gone = job is not None and job.gone_since is not None
        self._kept_tail = False
        self._restart_filter()  # the last job's lines are not this one's (nor shown under no job)
        if job is None:
            self.query_one(LogView).clear()
            self.workers.cancel_group(self, "log")
        elif self._gone and self._history_file is not None:
            # Nothing of the last job's log while the history is read (on a thread).
            self.query_one(LogView).clear()
            self._read_kept_tail(job.ref, self._history_file)
        else:
            self._follow(job.ref)

    def job_changed(self, job: Job) -> None:
        """The shown job changed at the backend: once it is gone from it (or listed again),
        its log is read again from where it now is."""
        if job.ref == self.ref and (job.gone_since is not None) != self._gone:
            self.show_job(job)

    def show_run(self, ref: JobRef, run: str | None, *, newest: bool) -> None:
        """Show the log of ``ref``'s run ``run`` (chosen with ``[``/``]``); the newest run is
        the job's latest log, followed as before. A gone job keeps its kept tail."""
        if ref != self.ref or self._gone or run == self._chosen:
            return
        first, self._chosen = self._chosen is None, run
        wanted = None if newest else run
        if first and wanted is None:
            return  # the job's latest log is followed already
        # Also the newest run again when it is another one (a retry started it).
        self.run = wanted
        self._follow(ref)

    @work(thread=True, exclusive=True, group="log", exit_on_error=False)
    def _read_kept_tail(self, ref: JobRef, path: Path) -> None:
        kept = read_kept_tail(path, ref)
        self.app.call_from_thread(self._show_kept_tail, ref, kept)

    def _show_kept_tail(self, ref: JobRef, kept: KeptLogTail | None) -> None:
        if ref != self.ref or not self._gone:
            return  # another job is shown now (or this one is listed again)
        if kept is None:
            self._follow(ref)  # none kept: the backend may still have it
            return
        log_view = self.query_one(LogView)
        log_view.clear(kept_tail_notice(ref, kept))
        self._restart_filter()
        self._kept_tail = True
        log_view.earlier_unavailable = NO_EARLIER
        self._show_text(kept.text if kept.text.endswith("\n") else kept.text + "\n")
        log_view.mark_ended()

    def open_search(self) -> Input:
        """Open the search box (the screen gives it the focus)."""
        finder = self.query_one("#log-search", Input)
        finder.add_class("-open")
        return finder

    @work(exclusive=True, group="log", exit_on_error=False)
    async def _follow(self, ref: JobRef) -> None:
        log_view = self.query_one(LogView)
        log_view.clear()
        self._kept_tail = False
        self._restart_filter()
        run, stream = self.run, self.stream
        if self._filtered is None:
            log_view.earlier_unavailable = self._paging_reason()
        start: LogCursor | int
        if run is not None or stream != STDOUT:
            # An older run's log, or stderr, is read from its start (the view keeps its last
            # lines): the tail offset and paging back are the latest run's stdout.
            start = LogCursor(position=0, run=run, stream=stream)
        else:
            # Perf (issue 8): open the log at its last `max_lines` lines, not byte 0,
            # so a 1 GB log shows its end at once; the pane says what was skipped.
            start = await self._reader.log_tail_offset(ref, log_view.max_lines)
            if ref != self.ref or run != self.run or stream != self.stream:
                return
            log_view.start_at(start)
            self._window.followed_to = start
            if self._filtered is not None:
                self._skipped_before_filter = start  # where this log starts when the filter goes
        why_empty: str | None = None  # a notice that said why there was no text yet
        async for chunk in self._reader.follow_log(ref, start):
            if ref != self.ref or run != self.run or stream != self.stream:
                return
            if chunk.notice:
                log_view.set_notice(chunk.notice)
                why_empty = None if chunk.text else chunk.notice
            elif chunk.text and why_empty is not None and log_view.notice_text == why_empty:
                log_view.set_notice(None)  # "the job has not started" is stale once its lines come
                why_empty = None
            if chunk.text:
                self._show_text(chunk.text)
            if chunk.offset is not None and run is None:
                self._window.followed_to = chunk.offset
            if chunk.complete:
                log_view.mark_ended()

    @on(LogView.EarlierWanted)
    def _on_earlier_wanted(self) -> None:
        if self.ref is not None:
            self._load_earlier(self.ref)

    @on(LogView.TailWanted)
    def _on_tail_wanted(self) -> None:
        if self.ref is not None:
            self._follow(self.ref)

    @work(exclusive=True, group="log", exit_on_error=False)
    async def _load_earlier(self, ref: JobRef) -> None:
        """Show the ``max_lines`` lines before the first one in the log pane (in place of
        what it shows: the pane stays bounded); following stops until ``f``."""
        log_view = self.query_one(LogView)
        try:
            window = await self._window.earlier(self._reader, ref, log_view)
        except AdapterError as exc:
            self.notify(f"Earlier lines of {ref}: {exc}", severity="warning")
            return
        if ref != self.ref:
            return
        if window is None:
            self.notify("Nothing to load: the lines shown start the log", timeout=3)
            return
        log_view.show_window(window.text, window.start, window.end)
        self.notify(
            f"Showing {log_view.line_count:,} earlier lines ({size_text(window.start)} to "
            f"{size_text(window.end)} into the log); f goes back to the end",
            timeout=3,
        )

    @on(Input.Submitted, "#log-search")
    def _on_search(self, event: Input.Submitted) -> None:
        log_view = self.query_one(LogView)
        event.input.remove_class("-open")
        log_view.focus()
        if self.finder_mode == "filter":
            self.apply_filter(event.value) if event.value else self.clear_filter()
        elif event.value and not log_view.search(event.value):
            self.notify(f"Not found in the log: {event.value}", severity="warning")
