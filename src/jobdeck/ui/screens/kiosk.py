"""The kiosk: the deck for a wall screen.

It is the deck screen with, always visible, a board of large per-backend
counts, a clock and the age of the last refresh; the selection moves on its
own through failing jobs, then running ones, every ``kiosk_rotate_seconds``,
so the detail, timeline and log tail of each are shown in turn.

Only harmless keys work here (the allow-list below); mutations are refused
by the monitor's gate anyway, because a kiosk monitor is read-only. There
is no command palette and nothing that opens a file, a shell, an editor or
a URL. Time comes from the app's clock: tests advance a FrozenClock and
call ``kiosk_tick``.

With jobdeck's history on, the failures of today and the last hour, and each
card's sparkline of failures per hour, are read from it (in a thread worker,
every ``HISTORY_READ_SECONDS``), so a restart keeps them; the jobs listed
count at once, whichever says more.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.events import Key, Resize
from textual.widgets import Label

from jobdeck.clock import as_utc
from jobdeck.model import Job, JobRef, JobState
from jobdeck.monitor.events import BackendHealth
from jobdeck.ui import deck_text as fmt
from jobdeck.ui.screens.deck import COMPACT_HEIGHT, LOWER_PANES, DeckScreen
from jobdeck.ui.screens.key_commands import KeySection
from jobdeck.ui.screens.kiosk_keys import kiosk_sections, refused_key_hint
from jobdeck.ui.widgets.job_list import JobList
from jobdeck.ui.widgets.kiosk_board import KioskBoard, count_jobs, finished_at, with_failures

if TYPE_CHECKING:  # (sqlite3 is loaded only where history is on)
    from jobdeck.store.sqlite.failure_counts import FailureCounts

log = logging.getLogger(__name__)

#: Failed jobs older than this are not rotated through.
FAILED_WINDOW = timedelta(hours=24)
#: Seconds between two readings of the day's failures from the history (the jobs
#: listed count at once; the history adds those the deck no longer holds).
HISTORY_READ_SECONDS = 30.0
#: Seconds a refused key's hint stays, and before the same hint is shown again.
HINT_SECONDS = 4.0

#: Screen actions a kiosk allows: looking, never changing or leaving. Not esc: there are
#: no marks in a kiosk, no filter box opens, and the view it was started on (--view) stays.
#: Not n/N: no search starts in a kiosk (see kiosk_keys.KIOSK_REFUSED_PANE_ACTIONS).
KIOSK_ALLOWED_ACTIONS = frozenset(
    {"cycle_sort", "toggle_view", "follow", "wrap", "toggle_stream",
     "show_pane", "refresh", "help", "newer_run", "older_run",
     # Every backend's health in full: looking too (and a click on the badges opens it anyway).
     "health"}
)


def rotation_order(jobs: Iterable[Job], now: datetime) -> list[JobRef]:
    """Failed jobs of the last day, latest first (those the backend no longer lists too:
    a failure stays in view), then running jobs, latest started first (not those: nobody
    knows they still run)."""
    now = as_utc(now)
    oldest = now - FAILED_WINDOW
    failed: list[tuple[datetime, Job]] = []
    running: list[tuple[datetime, Job]] = []
    epoch = datetime.min.replace(tzinfo=UTC)
    for job in jobs:
        if job.archived:
            continue
        if job.state is JobState.FAILED:
            ended = finished_at(job)
            if ended is None or ended >= oldest:
                failed.append((ended or epoch, job))
        elif job.state is JobState.RUNNING and job.gone_since is None:
            started = job.started or job.created
            running.append((as_utc(started) if started else epoch, job))
    failed.sort(key=lambda pair: (pair[0], str(pair[1].ref)), reverse=True)
    running.sort(key=lambda pair: (pair[0], str(pair[1].ref)), reverse=True)
    return [job.ref for _, job in failed + running]


def next_in_rotation(order: list[JobRef], current: JobRef | None) -> JobRef | None:
    """The job after ``current`` in ``order`` (wrapping), or the first."""
    if not order:
        return None
    if current in order:
        return order[(order.index(current) + 1) % len(order)]
    return order[0]


#: A backend's hours without a failure (no row in the history).
_NO_FAILURES = (0,) * 24


class KioskScreen(DeckScreen):
    """Read-only deck with a counts board, a clock and a rotating selection."""

    # The rotation moves the highlight, not a user: show each job at once.
    settle_seconds = 0.0

    DEFAULT_CSS = """
    KioskScreen #kiosk-clock {
        width: auto;
        padding: 0 1;
        color: $text;
        text-style: bold;
    }
    KioskScreen KioskBoard {
        margin: 0 0;
    }
    KioskScreen Footer {
        display: none;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._rotated_at: float | None = None
        #: The day's failures by backend as last read from the history (None: not read).
        self._failures: dict[str, FailureCounts] | None = None
        #: The last refused key's hint and when it was shown (one toast for a key held down).
        self._hint_shown = ""
        self._hint_at = 0.0

    def on_mount(self) -> None:
        # Runs before DeckScreen.on_mount (Textual calls both, subclass first).
        self.query_one("#top-bar").mount(Label(id="kiosk-clock"))
        board = KioskBoard(id="kiosk-board")
        board.ascii = self.host.ascii
        self.mount(board, before="#main")
        # The kiosk's part of the deck's tick (see `_show_time`) waits for the first frame.
        self.call_after_refresh(self.kiosk_tick)
        if self.host.history_file is not None:
            self.call_after_refresh(self.read_failures)
            self.set_interval(HISTORY_READ_SECONDS, self.read_failures)

    def on_resize(self, event: Resize) -> None:
        # A short screen keeps its room for the job: plain numbers, no large digits.
        board = self.query_one(KioskBoard)
        board.set_class(event.size.height < COMPACT_HEIGHT, "-short")
        board.refresh(layout=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action in KIOSK_ALLOWED_ACTIONS

    # -- keys: only those that work, and the way out --------------------------------

    def key_sections(self) -> list[KeySection]:
        """The deck's keys that work in the kiosk, after the quit sequence (``?``)."""
        return kiosk_sections(self.app, super().key_sections(), self.host.quit_sequence)

    def on_key(self, event: Key) -> None:
        # A key the kiosk refuses (q, c, a, /, ctrl+p …) says so and how to leave, instead of nothing.
        # (Which bindings, not why an action is unavailable: no gate is asked on a key press.)
        bindings = [(binding, section.target) for section in self.key_bindings() for binding in section.bindings]
        hint = refused_key_hint(event.key, bindings, self.app, self.host.quit_sequence)
        if hint is None:
            return
        event.stop()
        event.prevent_default()  # (the deck's own on_key would open the filter on /)
        now = self.host.clock.monotonic()
        if hint != self._hint_shown or now - self._hint_at >= HINT_SECONDS:
            self._hint_shown, self._hint_at = hint, now
            self.notify(hint, title="Kiosk", timeout=HINT_SECONDS)

    # -- the tick: clock, counts, rotation ----------------------------------------

    def _show_time(self, now: datetime, health: dict[str, BackendHealth]) -> None:
        """The deck's tick, then the kiosk's: one timer, one reading of the clock and health."""
        super()._show_time(now, health)
        if not self.is_mounted:
            return  # the first one runs after the first frame (see on_mount)
        # The jobs the list holds (fed by the monitor's events), not a second read of the
        # monitor's table: the counts and the rotation agree with the rows shown below them.
        jobs = self.query_one(JobList).every_job
        board = self.query_one(KioskBoard)
        self._show_counts(jobs, now)
        board.health = dict(health)
        self.query_one("#kiosk-clock", Label).update(self._clock_text(now, health))
        self._advance_rotation(jobs, now, self.host.clock.monotonic())

    def _show_counts(self, jobs: Collection[Job], now: datetime) -> None:
        counts = count_jobs(jobs, now, self.host.monitor.backends())
        board = self.query_one(KioskBoard)
        if self._failures is not None:
            board.counts = with_failures(counts, self._failures)
            board.failures_per_hour = {
                name: self._failures[name].per_hour if name in self._failures else _NO_FAILURES for name in counts
            }
        else:
            board.counts = counts

    # -- the day's failures from the history ----------------------------------------

    def read_failures(self) -> None:
        """Read the day's failures from the history again (in a worker), then show them."""
        path = self.host.history_file
        if path is not None:
            self._read_failures(path, self.host.clock.now().astimezone(self.host.time_zone))

    @work(thread=True, exclusive=True, group="kiosk-history", exit_on_error=False)
    def _read_failures(self, path: Path, now: datetime) -> None:
        from jobdeck.store.sqlite.failure_counts import failure_counts
        from jobdeck.store.sqlite.schema import HistoryUnavailable

        try:
            failures = failure_counts(path, now)
        except HistoryUnavailable as problem:
            log.warning("the kiosk counts the jobs listed only: %s", problem)
            return
        self.app.call_from_thread(self._failures_read, failures)

    def _failures_read(self, failures: dict[str, FailureCounts]) -> None:
        self._failures = failures
        now = self.host.clock.now().astimezone(self.host.time_zone)
        self._show_counts(self.query_one(JobList).every_job, now)

    def kiosk_tick(self) -> None:
        """A tick now: update the clock and the board, and move the selection on when it is time."""
        self._tick()

    def _clock_text(self, now: datetime, health: dict[str, BackendHealth]) -> str:
        last_ok = [h.last_ok for h in health.values() if h.last_ok is not None]
        refreshed = fmt.ago(max(last_ok), now) if last_ok else "never"
        return f"{now:%H:%M:%S} {now.tzname() or 'UTC'} · refreshed {refreshed}"

    def _advance_rotation(self, jobs: Collection[Job], now: datetime, monotonic: float) -> None:
        order = rotation_order(jobs, now)
        if not order:
            return
        period = self.host.settings.kiosk_rotate_seconds
        due = self._rotated_at is None or monotonic - self._rotated_at >= period
        selected = self.selected_job
        if due or selected is None or selected.ref not in order:
            self.rotate(order, monotonic)
        if self.has_class("-compact") and self._rotated_at is not None:
            # One lower pane fits: each job shows its detail, timeline and log in turn.
            share = int((monotonic - self._rotated_at) / (period / len(LOWER_PANES)))
            pane = LOWER_PANES[min(share, len(LOWER_PANES) - 1)]
            if pane != self._lower_pane:
                self._show_lower_pane(pane)

    def rotate(self, order: list[JobRef], monotonic: float) -> None:
        """Select the next job of ``order`` and show its detail, timeline and log tail."""
        jobs = self.query_one(JobList)
        # The first rotation starts at the top of the order, wherever the cursor was.
        selected = self.selected_job
        current = selected.ref if selected is not None and self._rotated_at is not None else None
        for _ in range(len(order)):
            ref = next_in_rotation(order, current)
            if ref is None:
                return
            if jobs.select_ref(ref):
                break
            current = ref  # not shown (filtered out): try the one after it
        self._rotated_at = monotonic
