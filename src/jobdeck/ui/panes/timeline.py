"""The timeline pane: the shown job's status transitions, loaded here, the latest kept in view."""

from __future__ import annotations

from typing import Protocol

from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll

from jobdeck.model import Job, JobRef, StatusEvent
from jobdeck.ui.panes.titles import TitledPane
from jobdeck.ui.widgets.timeline import Timeline


def events_of_run(events: list[StatusEvent], run: tuple[str, bool] | None) -> list[StatusEvent]:
    """The events about ``run`` (its id, and whether it is the job's newest): all of them
    when no run is chosen or the backend does not say which run an event is about. An event
    the backend gives about no run is about the whole job (a Slurm array's, an Airflow DAG
    run's): shown with every run; what jobdeck observed itself goes with the newest."""
    if run is None or not any(event.run is not None for event in events):
        return events
    run_id, newest = run
    return [event for event in events if event.run == run_id or (event.run is None and (newest or not event.observed))]


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
        #: The job's transitions read last, and the run whose transitions are shown.
        self._events: list[StatusEvent] = []
        self._run: tuple[str, bool] | None = None

    def compose(self) -> ComposeResult:
        yield Timeline(id="timeline")

    def show_job(self, job: Job | None) -> None:
        """Show ``job``'s transitions (read again when it is the job shown already)."""
        if (job.ref if job else None) != self.ref:
            self._run = None
        self.ref = job.ref if job else None
        if job is None:
            self._events = []
            self.query_one(Timeline).events = []
        else:
            self._load(job.ref)

    def timeline_changed(self, ref: JobRef) -> None:
        """The backend has new transitions for ``ref``: read them again if it is shown."""
        if ref == self.ref:
            self._load(ref)

    def show_run(self, ref: JobRef, run_id: str | None, *, newest: bool) -> None:
        """Show only the transitions of run ``run_id`` of ``ref``, where the backend says
        which run each is about; jobdeck's own observations go with the newest run."""
        if ref != self.ref or self._run == (run_id, newest):
            return
        self._run = None if run_id is None else (run_id, newest)
        self.query_one(Timeline).events = events_of_run(self._events, self._run)
        self.call_after_refresh(self.scroll_end, animate=False)

    @work(exclusive=True, group="timeline", exit_on_error=False)
    async def _load(self, ref: JobRef) -> None:
        events = await self._reader.timeline(ref)
        if ref == self.ref:
            self._events = events
            self.query_one(Timeline).events = events_of_run(events, self._run)
            # The latest transition matters most: keep it in view (once laid out).
            self.call_after_refresh(self.scroll_end, animate=False)
