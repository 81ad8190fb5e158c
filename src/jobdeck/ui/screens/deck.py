"""The deck: job list, run detail, status timeline and log on one screen.

The screen lays the panes out and coordinates them. It hands the monitor's
events to the job list, tells the other panes which job to show (the one
under the list's cursor, once the cursor rests), and passes keys on. Each
pane reads its own data (``jobdeck.ui.panes``); the action keys are in
``job_actions``; the layout's CSS is in ``deck.tcss`` beside this file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.events import Key, Resize
from textual.message import Message
from textual.widgets import Input, Label

from jobdeck.model import Job
from jobdeck.monitor import (
    ActionDone,
    BackendHealth,
    HealthChanged,
    JobsChanged,
    MonitorEvent,
    TimelineChanged,
)
from jobdeck.ui.deck_host import DeckHost
from jobdeck.ui.widgets.job_list.settling import SETTLE_SECONDS, Follow, HighlightSettler
from jobdeck.ui.panes.detail import DetailPane
from jobdeck.ui.panes.jobs import JobsPane
from jobdeck.ui.panes.log import LogPane
from jobdeck.ui.panes.log_window import EARLIER_WINDOW_MAX_BYTES
from jobdeck.ui.panes.timeline import TimelinePane
from jobdeck.ui.runtime.first_frame import FirstScreen
from jobdeck.ui.screens.action_keys import action_bindings
from jobdeck.ui.screens.bulk_actions import BulkActions
from jobdeck.ui.screens.deck_dialogs import DeckDialogs
from jobdeck.ui.screens.deck_runs_log import DeckRunsAndLog
from jobdeck.ui.screens.deck_views import DeckViews
from jobdeck.ui.screens.burst_keys import slash_then_text
from jobdeck.ui.screens.job_actions import JobActions
from jobdeck.ui.screens.key_commands import KeySection, everywhere_keys
from jobdeck.ui.widgets.health_bar import HealthBar
from jobdeck.ui.widgets.job_list import JobList
from jobdeck.ui.widgets.job_list.job_rows import NO_JOBS
from jobdeck.ui.widgets.key_footer import KeyFooter
from jobdeck.ui.widgets.log_view import LogView
from jobdeck.ui.widgets.run_detail import RunDetail
from jobdeck.ui.widgets.run_strip import RunStrip
from jobdeck.ui.widgets.timeline import Timeline

#: Below this size the deck shows the job list and one other pane at a time.
COMPACT_WIDTH = 100
COMPACT_HEIGHT = 30

LOWER_PANES = ("detail", "timeline", "log")


@dataclass
class MonitorUpdate(Message):
    """A monitor event, delivered on the UI's message queue."""

    event: MonitorEvent


class DeckScreen(DeckViews, DeckRunsAndLog, DeckDialogs, BulkActions, JobActions, FirstScreen):
    """One screen, four panes."""

    BINDINGS = [
        Binding("slash", "find", "Filter", id="deck.find", tooltip="Filter jobs, or search the focused log"),
        Binding("s", "cycle_sort", "Sort", id="deck.sort", tooltip="Cycle the sort order"),
        Binding("h", "history", "History", id="deck.history", show=False,
                tooltip="Every job jobdeck has seen, from its history (filter with since:2d, age:<1h …)"),
        *action_bindings(),
        Binding("space", "toggle_mark", "Mark", id="deck.mark", show=False,
                tooltip="Mark the selected job (or unmark it): action keys then act on every marked job"),
        Binding("V", "mark_shown", "Mark all shown", id="deck.mark_shown", show=False,
                tooltip="Mark every job the filter shows (unmark them when all are marked)"),
        Binding("exclamation_mark", "acknowledge_failures", "Acknowledge new failures", id="deck.acknowledge",
                show=False, key_display="!", tooltip="Clear every new-failure mark (! in the list and header)"),
        Binding("v", "toggle_view", "Archived", id="deck.view", show=False, tooltip="Show archived jobs / active jobs"),
        Binding("f", "follow", "Follow log", id="deck.follow", show=False, tooltip="Follow the log's tail again"),
        Binding("w", "wrap", "Wrap log", id="deck.wrap", show=False, tooltip="Wrap long log lines"),
        Binding("e", "toggle_stream", "Log: stdout/stderr", id="deck.stream", show=False,
                tooltip="The log's stderr instead of stdout, where the backend keeps them apart (Slurm)"),
        Binding("n", "search_next", "Next match", id="deck.next", show=False),
        Binding("N", "search_previous", "Previous match", id="deck.previous", show=False),
        Binding("left_square_bracket", "newer_run", "Newer run", id="deck.newer_run", show=False,
                key_display="[", tooltip="Choose the next newer run of the job (the previous page after the first)"),
        Binding("right_square_bracket", "older_run", "Older run", id="deck.older_run", show=False,
                key_display="]", tooltip="Choose the next older run of the job (the next page after the last)"),
        Binding("d", "show_pane('detail')", "Detail", id="deck.detail", show=False),
        Binding("t", "show_pane('timeline')", "Timeline", id="deck.timeline", show=False),
        Binding("l", "show_pane('log')", "Log", id="deck.log", show=False),
        Binding("ctrl+r", "refresh", "Refresh now", id="deck.refresh", show=False),
        Binding("o", "open_web_page", "Open its web page", id="deck.web_page", show=False,
                tooltip="The job's page in its backend's web UI: a link, and copied (no browser is started)"),
        Binding("ctrl+o", "choose_view", "Views", id="deck.views", show=False,
                tooltip="Switch to a saved view (filter, sort, columns)"),
        Binding("ctrl+s", "save_view", "Save view", id="deck.save_view", show=False,
                tooltip="Save the list's filter, sort and columns as a named view"),
        Binding("H", "health", "Backend health", id="deck.health", show=False,
                tooltip="Every backend's health, with its last error in full (or click the header's badges)"),
        Binding("plus", "watch_job", "Watch a job by id", id="deck.watch", show=False,
                tooltip="Add a job known only by its id (backends that cannot list jobs, e.g. Julep)"),
        Binding("c", "copy_ref", "Copy job reference", id="deck.copy_ref", show=False,
                tooltip="Copy the selected job's reference to the clipboard (OSC 52)"),
        Binding("y", "copy_line", "Copy log line", id="deck.copy_line", show=False,
                tooltip="Copy the current log line to the clipboard (OSC 52)"),
        Binding("T", "app.next_theme", "Next theme", id="deck.theme", show=False),
        Binding("escape", "escape", "Clear marks, then filter", id="deck.escape", show=False),
        Binding("question_mark", "help", "Keys", id="deck.help", key_display="?"),
        Binding("q", "app.quit", "Quit", id="deck.quit"),
    ]

    # Default CSS (not CSS_PATH, which Textual does not load for an App's first screen),
    # so it ranks as it always has: below the App's CSS, like every widget's.
    DEFAULT_CSS = Path(__file__).with_name("deck.tcss").read_text(encoding="utf-8")

    #: See SETTLE_SECONDS; 0 shows every highlight at once.
    settle_seconds: float = SETTLE_SECONDS

    def __init__(self) -> None:
        super().__init__()
        self._lower_pane = "detail"
        self._unsubscribe = None
        self._settler = HighlightSettler(
            self.settle_seconds, show=self._show_highlighted, start_timer=self.set_timer
        )

    @property
    def host(self) -> DeckHost:
        """The App, as its screens see it."""
        return self.app  # type: ignore[return-value]

    # -- layout -------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # The monitor is each pane's reader; from here on the panes are told only which job.
        monitor = self.host.monitor
        with Horizontal(id="top-bar"):
            yield Label("jobdeck", id="app-title")
            yield Label("READ-ONLY", id="mode")
            yield HealthBar(id="health")
        with Horizontal(id="main"):
            yield JobsPane(id="jobs-pane", classes="pane")
            with Vertical(id="side"):
                yield DetailPane(
                    monitor, history_file=self.host.history_file, id="detail-pane", classes="pane -shown"
                )
                yield TimelinePane(monitor, id="timeline-pane", classes="pane")
        yield LogPane(
            monitor,
            # Its bounds: the lines it keeps, and the most one press of b reads.
            max_lines=self.host.settings.log_lines,
            earlier_max_bytes=EARLIER_WINDOW_MAX_BYTES,
            history_file=self.host.history_file,
            id="log-pane",
            classes="pane",
        )
        # The palette (ctrl+p) is listed by `?`; the footer keeps its room for job keys.
        yield KeyFooter(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        monitor = self.host.monitor
        self.host.apply_display(self)
        self.set_class(self.host.read_only, "-read-only")
        if self.host.kiosk:
            self.query_one("#mode", Label).update("KIOSK")
        self._unsubscribe = self.host.add_monitor_listener(lambda event: self.post_message(MonitorUpdate(event)))
        jobs = self.query_one(JobList)
        jobs.backend_names = tuple(monitor.backends())
        if not any(backend.kind == "local" for backend in self.host.settings.backends):
            jobs.empty_hint = NO_JOBS  # (jobdeck run starts local jobs only)
        jobs.set_jobs(monitor.jobs())
        self._bind_declared_actions(self._keys_in_use())
        self._tick()  # (it shows the health too)
        self.set_interval(self.host.tick_seconds, self._tick)
        self._update_titles()
        self._read_saved_views()
        jobs.focus()

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()

    def on_resize(self, event: Resize) -> None:
        compact = event.size.width < COMPACT_WIDTH or event.size.height < COMPACT_HEIGHT
        self.set_class(compact, "-compact")
        self._show_lower_pane(self._lower_pane)

    def _show_lower_pane(self, pane: str) -> None:
        self._lower_pane = pane
        for name in ("detail", "timeline"):
            self.query_one(f"#{name}-pane").set_class(name == pane, "-shown")
        self.set_class(pane == "log", "-log-shown")
        self._update_titles()

    def _tick(self) -> None:
        """Once a second: ages and durations move on."""
        # Health is re-read here: the monitor announces status changes, not
        # every good poll, and the badges show the age of the last one. The panes
        # show times in the zone of the ``now`` they are given.
        now = self.host.clock.now().astimezone(self.host.time_zone)
        # (A time that moved makes the bar work out its text: the health needs not, too.)
        self._show_time(now, self._apply_health(quiet=self.query_one(HealthBar).now != now))

    def _show_time(self, now: datetime, health: dict[str, BackendHealth]) -> None:
        """What a tick moves on (``health``: as read for it, for a subclass to show too)."""
        self.query_one(JobList).now = now
        self.query_one(RunDetail).now = now
        self.query_one(RunStrip).now = now
        self.query_one(Timeline).now = now
        self.query_one(HealthBar).now = now

    def _update_titles(self) -> None:
        self.query_one(JobsPane).show_titles()
        compact = self.has_class("-compact")
        log_pane = self.query_one(LogPane)
        panes = {"detail": self.query_one(DetailPane), "timeline": self.query_one(TimelinePane), "log": log_pane}
        for name, pane in panes.items():
            title = name.capitalize()
            if compact:
                # The keys that show the other panes, which are hidden.
                others = " ".join(f"{p[0]} {p}" for p in LOWER_PANES if p != name)
                title = f"{title} · {others}"
            pane.set_titles(title)

    def _keys_in_use(self) -> dict[str, str]:
        """Every key the deck, its list, its log and the App answer, with what it does."""
        taken: dict[str, str] = {}
        maps = (self.app._bindings, self._bindings, JobList._merged_bindings, LogView._merged_bindings)
        for bindings_map in maps:
            for key, bindings in (bindings_map.key_to_bindings.items() if bindings_map else ()):
                taken.setdefault(key, bindings[0].description or bindings[0].action)
        return taken

    # -- monitor events ---------------------------------------------------

    @on(MonitorUpdate)
    def _on_monitor_update(self, message: MonitorUpdate) -> None:
        event = message.event
        self.watch_alerts(event)
        if isinstance(event, JobsChanged):
            self.query_one(JobsPane).apply_changes(event.added, event.changed, event.removed)
            shown = self.query_one(DetailPane).ref
            if shown is not None:
                # A scan, not a map by ref: a poll may change 100,000 jobs to find one in.
                job = next((job for job in event.changed if job.ref == shown), None)
                if job is not None:
                    self.query_one(DetailPane).job_changed(job)
                    self.query_one(LogPane).job_changed(job)
                    self._refresh_action_keys()
                elif shown in event.removed:
                    self._show_job(None)
        elif isinstance(event, HealthChanged):
            self._apply_health()
        elif isinstance(event, TimelineChanged):
            self.query_one(TimelinePane).timeline_changed(event.ref)
        elif isinstance(event, ActionDone) and not self.bulk_owns(event):
            if event.result.ok:
                self.notify(event.result.message)
            else:
                verb = self.host.monitor.action_verb(event.ref, event.action)
                self.notify(event.result.message, title=f"{verb} not done", severity="error")

    def _apply_health(self, *, quiet: bool = False) -> dict[str, BackendHealth]:
        """Show the backends' health; returns it, as read. ``quiet``: the bar takes it without
        working out its text, which the time the tick gives it next does (once, not twice)."""
        health = self.host.monitor.health()
        if quiet:
            self.query_one(HealthBar).set_reactive(HealthBar.health, dict(health))
        else:
            self.query_one(HealthBar).health = dict(health)
        self.query_one(JobList).stale_backends = frozenset(
            name for name, h in health.items() if h.stale
        )
        return health

    # -- which job the panes show -------------------------------------------

    @on(JobList.Selected)
    def _on_selected(self) -> None:
        """Enter on a job opens its log."""
        self._settler.settle()
        self.action_show_pane("log")

    @on(JobList.Highlighted)
    def _on_highlighted(self, message: JobList.Highlighted) -> None:
        follow = self._settler.highlighted(message.chosen)
        if follow is Follow.WAIT:
            return  # the panes follow once the cursor rests
        job = message.job
        if follow is Follow.SHOW_IF_OTHER and job is not None and job.ref == self.query_one(DetailPane).ref:
            return  # a job chosen again while shown stays as it is
        self._show_job(job)

    def _show_highlighted(self) -> None:
        self._show_job(self.selected_job)

    def _show_job(self, job: Job | None) -> None:
        """Have the panes show ``job`` (each reads its data again, even for the job shown)."""
        self.query_one(DetailPane).show_job(job)
        self.query_one(TimelinePane).show_job(job)
        self.query_one(LogPane).show_job(job)
        self._refresh_action_keys()
        self.acknowledge(job)

    # -- keys -------------------------------------------------------------

    # Handlers declared here, not in the mixins: Textual collects @on from this class.
    @on(DetailPane.RunChosen)
    def _on_run_chosen(self, message: DetailPane.RunChosen) -> None:
        self._show_chosen_run(message)

    @on(DetailPane.RunStepped)
    def _on_run_stepped(self) -> None:
        self._reveal_chosen_run()

    @on(HealthBar.DetailWanted)
    def _on_health_wanted(self) -> None:
        self.action_health()

    def action_find(self) -> None:
        log_pane = self.query_one(LogPane)
        finder = log_pane.open_search() if log_pane.has_focus_within else self.query_one(JobsPane).open_filter()
        # At once, not on the next turn (Widget.focus): keys typed right after "/" arrive
        # in the same burst over a slow link, and must reach the box, not the list
        # (where "a" would ask to archive).
        self.set_focus(finder)

    def on_key(self, event: Key) -> None:
        slash_then_text(self, event, self.action_find)

    def action_escape(self) -> None:
        focused = self.focused
        if isinstance(focused, Input):
            if focused.id == "filter":
                focused.value = ""
            focused.remove_class("-open")
            self.query_one(LogView if focused.id == "log-search" else JobList).focus()
            return
        if not self.clear_marks():  # marks first, then the filter
            self.query_one(JobsPane).clear_filter()

    def action_cycle_sort(self) -> None:
        sort = self.query_one(JobsPane).cycle_sort()
        self.notify(f"Sorted by {sort}", timeout=2)

    def action_toggle_view(self) -> None:
        self.query_one(JobsPane).toggle_view()

    def action_show_pane(self, pane: str) -> None:
        self._show_lower_pane(pane)
        self.query_one(f"#{pane}-pane" if pane != "log" else "#log").focus()

    def action_refresh(self) -> None:
        self.notify("Polling every backend now…", timeout=2)
        self.run_worker(self._refresh_now(), group="refresh", exclusive=True, exit_on_error=False)

    async def _refresh_now(self) -> None:
        """Poll now, then say how it went (a poll that changes nothing shows nothing else)."""
        from jobdeck.ui.screens.health_detail import refresh_summary

        await self.host.monitor.refresh()
        summary, all_answered = refresh_summary(self._apply_health())
        self.notify(summary, title="Refreshed", severity="information" if all_answered else "warning", timeout=4)

    def key_sections(self) -> list[KeySection]:
        """Every key of the deck, by section, with where it runs and why any action is
        unavailable now: what ``?`` shows and the palette lists (``key_commands``)."""
        unavailable = {
            f"act('{action}')": reason
            for action in self._action_specs
            if (reason := self._why_not(action))
        }
        return self.key_bindings(unavailable)

    def key_bindings(self, unavailable: dict[str, str] | None = None) -> list[KeySection]:
        """The deck's keys by section (``key_sections`` without asking why any is unavailable)."""
        deck_keys = [b for b in self.BINDINGS if isinstance(b, Binding)]
        # The actions the backends add, after the standard ones.
        after = max(i for i, b in enumerate(deck_keys) if b.action.startswith("explain(")) + 1
        deck_keys[after:after] = self._added_action_bindings
        return [
            KeySection("Deck", deck_keys, unavailable or {}, target=self),
            KeySection("Job list", [b for b in JobList.BINDINGS if isinstance(b, Binding)], target=self.query_one(JobList)),
            KeySection("Log", [b for b in LogView.BINDINGS if isinstance(b, Binding)], target=self.query_one(LogView)),
            KeySection("Log pane", [b for b in LogPane.BINDINGS if isinstance(b, Binding)], target=self.query_one(LogPane)),
            KeySection("Everywhere", everywhere_keys(self.app)),
        ]

    def action_help(self) -> None:
        from jobdeck.ui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self.key_sections()))
