"""Marks on the deck's rows: jobs marked for a bulk action, and new failures.

- ``space`` marks the selected job (or unmarks it) and moves down; ``V`` marks every
  job the filter shows (unmarks them when all are marked already); ``esc`` clears the
  marks before it clears the filter (``DeckScreen.action_escape``).
- A new failure (``jobdeck.ui.runtime.alerts.FailureWatch``) rings the bell and is
  marked in the list and the header, until the deck has shown that job (the cursor
  rests on it) or ``!`` acknowledges them all. Off with ``[alerts] enabled = false``.

Each mark is a glyph before the job's name (``JobList.row_tags``), with an ASCII
twin, so it reads without colour; the header counts both.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from textual.widgets import Label

from jobdeck.model import Job, JobRef, JobState
from jobdeck.monitor import HealthChanged, JobsChanged, MonitorEvent
from jobdeck.ui.runtime.alerts import AlertOutlets, FailureWatch
from jobdeck.ui.widgets.job_list import JobList

if TYPE_CHECKING:
    from textual.screen import Screen

    from jobdeck.ui.deck_host import DeckHost

    _ScreenBase = Screen[None]
else:
    _ScreenBase = object

MARK = "◆ "
MARK_ASCII = "[*] "
NEW_FAILURE = "! "
NEW_FAILURE_ASCII = "[!] "


class DeckNote(Label):
    """A count in the deck's header: marked jobs, or new failures."""

    DEFAULT_CSS = """
    DeckNote {
        width: auto;
        padding: 0 1;
        text-style: bold;
        display: none;
        &.-shown { display: block; }
        &#new-failures { color: $error; }
        &#marked { color: $accent; }
    }
    """


class RowMarks(_ScreenBase):
    """Mixed into the deck screen: marks, new-failure marks and their alerts."""

    host: DeckHost

    def __init__(self) -> None:
        super().__init__()
        #: The marked jobs, in the order marked (a dict as an ordered set).
        self._marks: dict[JobRef, None] = {}
        #: New failures not yet acknowledged.
        self._new_failures: dict[JobRef, None] = {}
        self._failure_watch = FailureWatch()
        self._outlets: AlertOutlets | None = None

    def on_mount(self) -> None:
        # (Textual runs the deck's on_mount first, then this one.)
        bar = self.query_one("#top-bar")
        bar.mount(DeckNote(id="marked"), DeckNote(id="new-failures"), before="#health")
        monitor = self.host.monitor
        self._failure_watch.baseline(monitor.jobs(), monitor.health().values())
        settings = self.host.settings.alerts
        driver = self.app._driver  # Textual's own bell writes there too: there is no public raw write
        writer = None if self.app.is_headless or driver is None else driver.write
        self._outlets = AlertOutlets(
            settings, write=writer, web=self.app.is_web, report=self._report_hook_problem
        )

    def on_unmount(self) -> None:
        if self._outlets is not None:
            self._outlets.close()

    def _report_hook_problem(self, message: str) -> None:
        """From the command's thread: say it once, on the UI thread."""
        self.app.call_from_thread(self.notify, message, title="Alert command", severity="error", timeout=15)

    # -- marks ------------------------------------------------------------------

    @property
    def marked(self) -> list[JobRef]:
        """The marked jobs, in the order marked."""
        return list(self._marks)

    def action_toggle_mark(self) -> None:
        jobs = self.query_one(JobList)
        job = jobs.highlighted
        if job is None:
            return
        if job.ref in self._marks:
            del self._marks[job.ref]
        else:
            self._marks[job.ref] = None
        jobs.action_cursor_down()
        self._show_marks()

    def action_mark_shown(self) -> None:
        shown = self.query_one(JobList).rows
        if shown and all(job.ref in self._marks for job in shown):
            for job in shown:
                self._marks.pop(job.ref, None)
        else:
            self._marks.update(dict.fromkeys(job.ref for job in shown))
        self._show_marks()

    def clear_marks(self) -> bool:
        """Unmark every job; False when none was marked (esc then clears the filter)."""
        if not self._marks:
            return False
        self._marks.clear()
        self._show_marks()
        self.notify("Marks cleared", timeout=2)
        return True

    def unmark(self, refs: Collection[JobRef]) -> None:
        for ref in refs:
            self._marks.pop(ref, None)
        self._show_marks()

    # -- new failures -------------------------------------------------------------

    def watch_alerts(self, event: MonitorEvent) -> None:
        """Feed a monitor event to the failure watch; tell what is new."""
        if isinstance(event, JobsChanged):
            alerts = self._failure_watch.jobs_changed(event.backend, event.added, event.changed, event.removed)
            forgotten = [ref for ref in event.removed if ref in self._marks or ref in self._new_failures]
            for ref in forgotten:
                self._marks.pop(ref, None)
                self._new_failures.pop(ref, None)
            # A job acknowledged (or retried) that is no longer failed loses its mark too.
            recovered = [job.ref for job in event.changed if job.ref in self._new_failures and job.state is not JobState.FAILED]
            for ref in recovered:
                del self._new_failures[ref]
            if forgotten or recovered:
                self._show_marks()
        elif isinstance(event, HealthChanged):
            alerts = self._failure_watch.health_changed(event.health)
        else:
            return
        if not alerts:
            return
        settings = self.host.settings.alerts
        if settings.enabled:
            self.app.bell()
            for alert in alerts:
                if alert.ref is not None:
                    self._new_failures[alert.ref] = None
            self._show_marks()
        if self._outlets is not None:
            self._outlets.tell(alerts)

    def acknowledge(self, job: Job | None) -> None:
        """The deck shows ``job``: its new-failure mark is seen."""
        if job is not None and self._new_failures.pop(job.ref, 0) is None:
            self._show_marks()

    def action_acknowledge_failures(self) -> None:
        if self._new_failures:
            self._new_failures.clear()
            self._show_marks()

    # -- showing them -------------------------------------------------------------

    def _show_marks(self) -> None:
        ascii = self.host.ascii
        mark = MARK_ASCII if ascii else MARK
        new = NEW_FAILURE_ASCII if ascii else NEW_FAILURE
        tags = dict.fromkeys(self._marks, mark)
        for ref in self._new_failures:
            tags[ref] = tags.get(ref, "") + new
        self.query_one(JobList).row_tags = tags
        marked = self.query_one("#marked", DeckNote)
        marked.update(f"{mark}{len(self._marks)} marked")
        marked.set_class(bool(self._marks), "-shown")
        failures = self.query_one("#new-failures", DeckNote)
        count = len(self._new_failures)
        failures.update(f"{new}{count} new failure{'s' if count != 1 else ''}")
        failures.set_class(bool(count), "-shown")
