"""The detail pane: the shown job and one page of its runs, one chosen with ``[`` and ``]``,
under a strip of the same job's last runs (``RunStrip``).

It reads the pages itself (the rules of a step are in ``run_paging``, steps
pressed while a page loads wait in ``run_stepping``); the screen says which
job, passes the bracket keys on, and brings the pane into view when a page
turned by a step arrives (``RunStepped``).

The strip's runs come from jobdeck's history (``history_file``), read in a
thread worker on a read-only connection: again when another job is shown or the
shown job's state changes. With history off there is no strip (the runs the
backend lists are in the run detail's own list, below).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.geometry import Region
from textual.message import Message

from jobdeck.errors import AdapterError
from jobdeck.model import Job, JobRef, RunPage
from jobdeck.ui.panes.run_paging import NO_OLDER, RunRequest, pick_index, request_again
from jobdeck.ui.panes.run_stepping import RunStepQueue
from jobdeck.ui.panes.strip_runs import from_history, history_unreadable, live_run, reading_history
from jobdeck.ui.panes.titles import TitledPane
from jobdeck.ui.run_position import is_newest, position_text
from jobdeck.ui.widgets.run_detail import RunDetail
from jobdeck.ui.widgets.run_strip import RunStrip, RunStripData


class RunsReader(Protocol):
    """Where a job's runs are read from, a page at a time (the Monitor)."""

    async def runs_page(self, ref: JobRef, page: int = 0) -> RunPage: ...


class DetailPane(TitledPane, VerticalScroll):
    """A scrolling RunDetail of the job it is given; it reads the job's runs itself."""

    class RunStepped(Message):
        """A run chosen by ``[`` or ``]`` is shown after a page was read for it: bring it into view."""

    class RunChosen(Message):
        """The run shown is this one (None: none): the timeline shows its transitions."""

        def __init__(self, ref: JobRef | None, run_id: str | None, newest: bool) -> None:
            super().__init__()
            self.ref = ref
            self.run_id = run_id
            self.newest = newest

    def __init__(
        self,
        reader: RunsReader,
        *,
        history_file: Path | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._reader = reader
        #: jobdeck's history, where the strip's runs are read (None: history is off).
        self._history_file = history_file
        #: The shown job as the strip last read its history for it.
        self._strip_job: Job | None = None
        #: The job shown: an answer for another one (the user moved on) is dropped.
        self.ref: JobRef | None = None
        self._steps = RunStepQueue()
        #: The page of runs last asked for, and the run to choose on it.
        self._request = RunRequest()

    def compose(self) -> ComposeResult:
        yield RunStrip(id="run-strip")
        yield RunDetail(id="detail")

    def show_job(self, job: Job | None) -> None:
        """Show ``job`` and read its runs (again, when it is the job shown already:
        the same page, keeping the chosen run)."""
        self.query_one(RunDetail).job = job
        ref = job.ref if job else None
        if ref != self.ref:
            # Another job: its newest run is chosen, and nothing of the last job's runs stays.
            self._request = RunRequest()
            self._steps.clear()
            self._show_runs(RunPage(runs=[]), 0)
            self.ref = ref
            # Another job is read from its top, not from where the last one was scrolled.
            self.scroll_home(animate=False, immediate=True)
        self._show_strip(job, reread=True)
        if job is not None:
            self._load_runs(job.ref, self._request)

    def job_changed(self, job: Job) -> None:
        """The shown job changed at the backend: draw it again and read its runs again,
        which carry counts, errors and reasons that move with it (same page, same run)."""
        self.query_one(RunDetail).job = job
        shown = self._strip_job
        # Read again when the job's own glyph would change: its state, or its times (a retry
        # that ran and failed between two polls leaves the state failed, with a new run's times).
        self._show_strip(job, reread=shown is None or live_run(shown) != live_run(job))
        self._load_runs(job.ref, self._request)

    def step_run(self, delta: int) -> bool:
        """Choose the run ``delta`` away (+1 older); a view only, nothing is changed.
        True when the run is chosen at once; one on a page still to read is shown
        when the page arrives (``RunStepped``)."""
        if self.ref is None:
            self.notify("No job is selected", severity="warning", timeout=2)
            return False
        detail = self.query_one(RunDetail)
        step = self._steps.step(detail.run_page, detail.chosen, delta)
        if step is None:
            return False  # taken from the page on its way, when it arrives
        if step.refusal is not None:
            self.notify(step.refusal.capitalize(), severity="warning", timeout=3)
        elif step.load is not None:
            self._request = step.load
            self._load_runs(self.ref, step.load, stepped=True)
        elif step.index is not None:
            self._show_runs(detail.run_page, step.index)
            return True
        return False

    def scroll_to_chosen_run(self) -> None:
        """Scroll (once laid out) so the chosen run's section is in view."""

        def scroll() -> None:
            section = self.query_one(RunDetail).run_section
            if section is None:
                return
            top, height = section
            strip = self.query_one(RunStrip)
            top += strip.outer_size.height if strip.display else 0  # (the strip is above the detail)
            visible = max(1, self.scrollable_content_region.height)
            # The run's title at the top; the page's list follows it as room allows.
            self.scroll_to_region(Region(0, top, 1, min(height, visible)), animate=False, top=True)

        self.call_after_refresh(scroll)

    @work(exclusive=True, group="runs", exit_on_error=False)
    async def _load_runs(self, ref: JobRef, request: RunRequest, *, stepped: bool = False) -> None:
        arrived = False
        try:
            await self._load_runs_page(ref, request, stepped=stepped)
            arrived = True
        finally:
            if stepped:  # (not arrived: replaced by another load, of another job or a reload)
                self._steps.page_done(arrived=arrived)
        # Steps pressed while the page was on its way, in order, until one turns a page again.
        while stepped and ref == self.ref and (delta := self._steps.next_waiting()) is not None:
            if self.step_run(delta):
                self.post_message(self.RunStepped())

    async def _load_runs_page(self, ref: JobRef, request: RunRequest, *, stepped: bool) -> None:
        """Read page ``request.page`` of the job's runs and choose a run on it.

        ``stepped``: the user pressed ``[`` or ``]`` to get here, so the run
        is brought into view, and an empty page means there is no older run.
        """
        try:
            page = await self._reader.runs_page(ref, request.page)
        except AdapterError as exc:
            # What is shown stays: a failed reload or page turn hides nothing.
            if ref == self.ref:
                self.notify(f"Runs of {ref}: {exc}", severity="warning")
            return
        if ref != self.ref:
            return
        if not page.runs and page.page > 0:
            if stepped:
                self.notify(NO_OLDER.capitalize(), severity="warning", timeout=3)
                self._request = self._shown_request()
            else:  # the page emptied (runs deleted): start again from the newest
                self._load_runs(ref, RunRequest())
            return
        self._show_runs(page, pick_index(page.runs, request.keep_id, request.fallback))
        if stepped:
            self.post_message(self.RunStepped())

    def _show_runs(self, page: RunPage, chosen: int) -> None:
        detail = self.query_one(RunDetail)
        detail.show_runs(page, chosen)
        self._request = self._shown_request()
        self.set_titles(subtitle=position_text(detail.run_page, detail.chosen))
        run = detail.chosen_run
        newest = is_newest(detail.run_page, detail.chosen)
        self.post_message(self.RunChosen(self.ref, run.id if run else None, newest))

    # -- the run-history strip ---------------------------------------------------

    def _show_strip(self, job: Job | None, *, reread: bool) -> None:
        """Show the same job's last runs from the history (read again when ``reread``);
        none with history off, or no job."""
        if self._history_file is None:
            return
        if job is None:
            self._strip_job = None
            self.query_one(RunStrip).data = None
            self.workers.cancel_group(self, "run-history")
            return
        if reread:
            if self._strip_job is None or self._strip_job.ref != job.ref:
                self.query_one(RunStrip).data = reading_history(job)
            self._strip_job = job
            self._read_history(job, self._history_file)

    @work(thread=True, exclusive=True, group="run-history", exit_on_error=False)
    def _read_history(self, job: Job, path: Path) -> None:
        import sqlite3  # (here: the deck loads sqlite3 only where history is on)

        from jobdeck.store.sqlite.run_history import recent_runs
        from jobdeck.store.sqlite.schema import HistoryUnavailable

        try:
            data = from_history(recent_runs(path, job), job)
        except HistoryUnavailable as problem:  # (its cause without the file's name: the strip is short)
            data = history_unreadable(job, str(problem.__cause__ or problem))
        except (sqlite3.Error, OSError, ValueError) as problem:  # never "reading the history…" for ever
            data = history_unreadable(job, str(problem))
        self.app.call_from_thread(self._history_read, job, data)

    def _history_read(self, job: Job, data: RunStripData) -> None:
        if job is self._strip_job:  # (not a job shown before, nor an older reading of this one)
            self.query_one(RunStrip).data = data

    def _shown_request(self) -> RunRequest:
        """A request for what the detail shows now: reading it again keeps the chosen run."""
        detail = self.query_one(RunDetail)
        return request_again(detail.run_page, detail.chosen)
