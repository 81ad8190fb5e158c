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

from collections.abc import Collection, Iterator, Mapping
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


class RowTags(Mapping[JobRef, str]):
    """The text before each marked job's name, read from the marks as rows are drawn
    (no copy: marking every one of a million jobs redraws, it does not rebuild a map)."""

    def __init__(self, marks: Collection[JobRef], new_failures: Collection[JobRef], *, ascii: bool) -> None:
        self._marks = marks
        self._new = new_failures
        self._mark = MARK_ASCII if ascii else MARK
        self._new_mark = NEW_FAILURE_ASCII if ascii else NEW_FAILURE

    def __getitem__(self, ref: JobRef) -> str:
        text = (self._mark if ref in self._marks else "") + (self._new_mark if ref in self._new else "")
        if not text:
            raise KeyError(ref)
        return text

    def __contains__(self, ref: object) -> bool:
        return ref in self._marks or ref in self._new

    def __iter__(self) -> Iterator[JobRef]:
        yield from self._marks
        yield from (ref for ref in self._new if ref not in self._marks)

    def __len__(self) -> int:
        return sum(1 for _ in self)


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
        #: Whether jobs were marked when the footer was last told (action keys are
        #: available with marks whatever the selected job allows).
        self._footer_marked = False

    def on_mount(self) -> None:
        # (Textual runs the deck's on_mount first, then this one.)
        bar = self.query_one("#top-bar")
        bar.mount(DeckNote(id="marked"), DeckNote(id="new-failures"), before="#health")
        # The jobs the list was just given (not a second read of a million from the monitor).
        self._failure_watch.baseline(self.query_one(JobList).every_job, self.host.monitor.health().values())
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
        try:
            self.app.call_from_thread(self.notify, message, title="Alert command", severity="error", timeout=15)
        except RuntimeError:  # the deck has ended meanwhile: nobody to tell
            pass

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
        # (Fewer marks than rows: not all marked, without a look at each row.)
        if shown and len(self._marks) >= len(shown) and all(job.ref in self._marks for job in shown):
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
            if (self._marks or self._new_failures) and self._forget(event):
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

    def _forget(self, event: JobsChanged) -> bool:
        """Marks of jobs gone from the deck, and new-failure marks of jobs no longer failed
        (retried); whether any went."""
        forgotten = [ref for ref in event.removed if ref in self._marks or ref in self._new_failures]
        for ref in forgotten:
            self._marks.pop(ref, None)
            self._new_failures.pop(ref, None)
        recovered: list[JobRef] = []
        if self._new_failures:
            recovered = [job.ref for job in event.changed if job.state is not JobState.FAILED and job.ref in self._new_failures]
            for ref in recovered:
                del self._new_failures[ref]
        return bool(forgotten or recovered)

    def acknowledge(self, job: Job | None) -> None:
        """The deck shows ``job``: its new-failure mark is seen."""
        if job is not None and self._new_failures.pop(job.ref, 0) is None:
            self._show_marks()

    def action_acknowledge_failures(self) -> None:
        if self._new_failures:
            self._new_failures.clear()
            self._show_marks()
        else:  # (else the key seems to do nothing)
            self.notify("No new failures: ! clears the marks of jobs seen failing while the deck is open",
                        timeout=3)

    # -- showing them -------------------------------------------------------------

    def _show_marks(self) -> None:
        ascii = self.host.ascii
        mark = MARK_ASCII if ascii else MARK
        new = NEW_FAILURE_ASCII if ascii else NEW_FAILURE
        self.query_one(JobList).row_tags = RowTags(self._marks, self._new_failures, ascii=ascii)
        marked = self.query_one("#marked", DeckNote)
        marked.update(f"{mark}{len(self._marks)} marked")
        marked.set_class(bool(self._marks), "-shown")
        if bool(self._marks) != self._footer_marked:
            self._footer_marked = bool(self._marks)
            self.refresh_bindings()
        failures = self.query_one("#new-failures", DeckNote)
        count = len(self._new_failures)
        failures.update(f"{new}{count} new failure{'s' if count != 1 else ''}")
        failures.set_class(bool(count), "-shown")
