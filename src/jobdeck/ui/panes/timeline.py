"""The timeline pane: the shown job's status transitions, loaded here, the latest kept in view."""

from __future__ import annotations

from typing import Protocol

from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll

from jobdeck.model import Job, JobRef, StatusEvent
from jobdeck.ui.panes.titles import TitledPane
from jobdeck.ui.widgets.timeline import Timeline


class TimelineReader(Protocol):
    """Where a job's transitions are read from (the Monitor)."""

    async def timeline(self, ref: JobRef) -> list[StatusEvent]: ...


class TimelinePane(TitledPane, VerticalScroll):
    """A scrolling Timeline of the job it is given; it reads the transitions itself."""

    def __init__(self, reader: TimelineReader, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._reader = reader
        #: The job shown: an answer for another one (the user moved on) is dropped.
        self.ref: JobRef | None = None

    def compose(self) -> ComposeResult:
        yield Timeline(id="timeline")

    def show_job(self, job: Job | None) -> None:
        """Show ``job``'s transitions (read again when it is the job shown already)."""
        self.ref = job.ref if job else None
        if job is None:
            self.query_one(Timeline).events = []
        else:
            self._load(job.ref)

    def timeline_changed(self, ref: JobRef) -> None:
        """The backend has new transitions for ``ref``: read them again if it is shown."""
        if ref == self.ref:
            self._load(ref)

    @work(exclusive=True, group="timeline", exit_on_error=False)
    async def _load(self, ref: JobRef) -> None:
        events = await self._reader.timeline(ref)
        if ref == self.ref:
            self.query_one(Timeline).events = events
            # The latest transition matters most: keep it in view (once laid out).
            self.call_after_refresh(self.scroll_end, animate=False)
