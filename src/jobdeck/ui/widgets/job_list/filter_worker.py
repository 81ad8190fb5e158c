"""The job list's slow filters, run in another thread: a /pattern/ or a keyed term over a
long list (``JobFilter.background_work``).

Meanwhile the list shows the whole view and says it is filtering (``filter_running``),
and keys keep working: a newer filter replaces the one under way, whose result is then
dropped (the thread stops at its next chunk, ``select_in_chunks``). The result lands on
the UI thread in one step (``adopt_filtered``), with the polls' patches made meanwhile.
"""

from __future__ import annotations

from textual import work
from textual.worker import get_current_worker

from jobdeck.heap import held_still
from jobdeck.model import Job
from jobdeck.query import Query
from jobdeck.ui.widgets.job_list.job_filter import select_in_chunks
from jobdeck.ui.widgets.job_list.job_rows import JobRows


class FilteringRows(JobRows):
    """``JobRows`` whose query may be filtered in another thread (see the module)."""

    # The filter run last handed to a thread (a run is started once).
    _filter_run_started: int | None = None

    @property
    def filter_running(self) -> bool:
        """Whether the rows shown are every job of the view because the filter runs in
        another thread (a pattern over a long list); they are filtered once it is done."""
        return self._store.job_filter.filtering

    def _rows_changed(self) -> None:
        super()._rows_changed()
        work_to_do = self._store.job_filter.background_work()
        if work_to_do is not None and work_to_do[0] != self._filter_run_started and self.is_attached:
            self._filter_run_started = work_to_do[0]
            self._filter_in_thread(*work_to_do)

    # A description of its own: Textual would otherwise write the repr of every argument.
    @work(thread=True, exclusive=True, group="job-list-filter", exit_on_error=False, description="the filter")
    def _filter_in_thread(self, run: int, query: Query, jobs: list[Job], texts: list[str]) -> None:
        job_filter = self._store.job_filter
        worker = get_current_worker()
        positions = select_in_chunks(
            query, jobs, texts, lambda: job_filter.is_wanted(run) and not worker.is_cancelled
        )
        if positions is not None:
            self.app.call_from_thread(self._adopt_filtered, run, positions)

    def _adopt_filtered(self, run: int, positions: list[int]) -> None:
        with held_still(len(positions)):  # (a million rows: no collection walks them)
            adopted = self._store.job_filter.adopt_filtered(run, positions)
        if adopted:
            self._rows_changed()
            self.post_message(self.FilterApplied(self))  # type: ignore[attr-defined]  # (JobList's)
