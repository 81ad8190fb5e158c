"""The deck: job list, run detail, status timeline and log on one screen.

The screen coordinates. It turns monitor events into widget attributes,
loads the selected job's runs, timeline and log in workers, and routes the
user's actions through the monitor's gate after a confirmation. Widgets own
their own state and drawing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.events import Key, Resize, ScreenResume
from textual.geometry import Region
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Label

from jobdeck.errors import AdapterError, ReadOnlyRefused
from jobdeck.model import Action, Job, JobRef, RunPage
from jobdeck.monitor import (
    ActionDone,
    BackendHealth,
    HealthChanged,
    JobsChanged,
    MonitorEvent,
    TimelineChanged,
)
from jobdeck.safe_text import safe_line
from jobdeck.ui.deck_host import DeckHost
from jobdeck.ui.highlight_settling import SETTLE_SECONDS, Follow, HighlightSettler
from jobdeck.ui.log_window import EARLIER_WINDOW_MAX_BYTES, LogWindowReader
from jobdeck.ui.run_paging import NO_OLDER, RunRequest, pick_index, position_text
from jobdeck.ui.run_stepping import RunStepQueue
from jobdeck.ui.widgets.health_bar import HealthBar
from jobdeck.ui.widgets.job_list import JobList
from jobdeck.ui.widgets.key_footer import KeyFooter
from jobdeck.ui.widgets.log_view import LogView
from jobdeck.ui.widgets.run_detail import RunDetail
from jobdeck.ui.widgets.timeline import Timeline

if TYPE_CHECKING:
    from jobdeck.ui.screens.confirm import Confirmed

#: Below this size the deck shows the job list and one other pane at a time.
COMPACT_WIDTH = 100
COMPACT_HEIGHT = 30

LOWER_PANES = ("detail", "timeline", "log")

ACTION_VERBS = {
    Action.ARCHIVE: "Archive",
    Action.RESTORE: "Restore",
    Action.RETRY: "Retry",
    Action.CANCEL: "Cancel",
    Action.PAUSE: "Pause",
    Action.RESUME: "Resume",
}

#: Action keys. Pause and resume exist on few backends: `?` lists them, the footer does not.
ACTION_KEYS = {
    Action.ARCHIVE: ("a", True),
    Action.RESTORE: ("u", True),
    Action.RETRY: ("r", True),
    Action.CANCEL: ("x", True),
    Action.PAUSE: ("p", False),
    Action.RESUME: ("P", False),
}


@dataclass
class MonitorUpdate(Message):
    """A monitor event, delivered on the UI's message queue."""

    event: MonitorEvent


def _action_bindings() -> list[Binding]:
    """Each action key twice: the first runs it when allowed (greyed out in the
    footer when not); the hidden second answers the same key with the reason."""
    bindings: list[Binding] = []
    for action, (key, in_footer) in ACTION_KEYS.items():
        verb = ACTION_VERBS[action]
        bindings.append(
            Binding(
                key,
                f"act('{action.value}')",
                verb,
                show=in_footer,
                id=f"deck.{action.value}",
                tooltip=f"{verb} the selected job (asks first)",
            )
        )
        bindings.append(Binding(key, f"explain('{action.value}')", show=False))
    return bindings


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


class DeckScreen(Screen[None]):
    """One screen, four panes."""

    BINDINGS = [
        Binding("slash", "find", "Filter", id="deck.find", tooltip="Filter jobs, or search the focused log"),
        Binding("s", "cycle_sort", "Sort", id="deck.sort", tooltip="Cycle the sort order"),
        *_action_bindings(),
        Binding("v", "toggle_view", "Archived", id="deck.view", show=False, tooltip="Show archived jobs / active jobs"),
        Binding("f", "follow", "Follow log", id="deck.follow", show=False, tooltip="Follow the log's tail again"),
        Binding("w", "wrap", "Wrap log", id="deck.wrap", show=False, tooltip="Wrap long log lines"),
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
        Binding("plus", "watch_job", "Watch a job by id", id="deck.watch", show=False,
                tooltip="Add a job known only by its id (backends that cannot list jobs, e.g. Julep)"),
        Binding("c", "copy_ref", "Copy ref", id="deck.copy_ref", show=False,
                tooltip="Copy the selected job's reference to the clipboard (OSC 52)"),
        Binding("y", "copy_line", "Copy log line", id="deck.copy_line", show=False,
                tooltip="Copy the current log line to the clipboard (OSC 52)"),
        Binding("T", "app.next_theme", "Next theme", id="deck.theme", show=False),
        Binding("escape", "escape", "Clear filter", id="deck.escape", show=False),
        Binding("question_mark", "help", "Keys", id="deck.help", key_display="?"),
        Binding("q", "app.quit", "Quit", id="deck.quit"),
    ]

    DEFAULT_CSS = """
    DeckScreen #top-bar {
        height: 1;
        background: $panel;
    }
    DeckScreen #app-title {
        width: auto;
        padding: 0 1;
        text-style: bold;
        color: $accent;
    }
    DeckScreen #mode {
        width: auto;
        padding: 0 1;
        background: $warning;
        color: $background;
        text-style: bold;
        display: none;
    }
    DeckScreen.-read-only #mode {
        display: block;
    }
    DeckScreen HealthBar {
        width: 1fr;
    }
    DeckScreen .pane {
        border: round $panel-lighten-2;
        border-title-color: $text;
        border-subtitle-color: $text-muted;
        height: 1fr;
    }
    DeckScreen .pane:focus-within {
        border: round $accent;
    }
    DeckScreen #main {
        height: 3fr;
    }
    DeckScreen #jobs-pane {
        width: 3fr;
    }
    DeckScreen #side {
        width: 2fr;
    }
    DeckScreen #log-pane {
        height: 2fr;
    }
    DeckScreen Input.finder {
        display: none;
        height: 1;
        border: none;
        padding: 0 1;
        background: $boost;
    }
    DeckScreen Input.finder.-open {
        display: block;
    }
    DeckScreen Input.finder.-invalid {
        color: $error;
    }

    /* Compact: the job list on top, one other pane below it (d, t, l). */
    DeckScreen.-compact #main {
        height: 1fr;
    }
    DeckScreen.-compact #jobs-pane {
        width: 1fr;
        height: 11;
    }
    DeckScreen.-compact #main {
        layout: vertical;
    }
    DeckScreen.-compact #side {
        width: 1fr;
        height: 1fr;
    }
    DeckScreen.-compact #side > .pane, DeckScreen.-compact #log-pane {
        display: none;
    }
    DeckScreen.-compact #side > .pane.-shown {
        display: block;
    }
    DeckScreen.-compact.-log-shown #side {
        display: none;
    }
    DeckScreen.-compact.-log-shown #log-pane {
        display: block;
        height: 1fr;
    }
    """

    #: See SETTLE_SECONDS; 0 shows every highlight at once.
    settle_seconds: float = SETTLE_SECONDS

    def __init__(self) -> None:
        super().__init__()
        self._selected: JobRef | None = None
        self._lower_pane = "detail"
        self._unsubscribe = None
        self._run_steps = RunStepQueue()
        self._log_window = LogWindowReader(max_bytes=EARLIER_WINDOW_MAX_BYTES)
        #: The page of runs last asked for, and the run to choose on it.
        self._run_request = RunRequest()
        self._settler = HighlightSettler(
            self.settle_seconds, show=self._show_highlighted, start_timer=self.set_timer
        )
        #: Whether each of ACTION_KEYS was available when the footer was last told.
        self._available_actions: tuple[bool, ...] = ()
        #: The border titles last set, by (pane, attribute).
        self._pane_titles: dict[tuple[str, str], str] = {}

    @property
    def deck(self) -> DeckHost:
        return self.app  # type: ignore[return-value]

    # -- layout -------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="top-bar"):
            yield Label("jobdeck", id="app-title")
            yield Label("READ-ONLY", id="mode")
            yield HealthBar(id="health")
        with Horizontal(id="main"):
            with Vertical(id="jobs-pane", classes="pane"):
                yield Input(
                    placeholder="filter: words, state:failed, backend:NAME, -state:succeeded",
                    id="filter",
                    classes="finder",
                )
                yield JobList(id="jobs")
            with Vertical(id="side"):
                with VerticalScroll(id="detail-pane", classes="pane -shown"):
                    yield RunDetail(id="detail")
                with VerticalScroll(id="timeline-pane", classes="pane"):
                    yield Timeline(id="timeline")
        with Vertical(id="log-pane", classes="pane"):
            yield Input(placeholder="search the log", id="log-search", classes="finder")
            yield LogView(id="log", max_lines=self.deck.settings.log_lines)
        # The palette (ctrl+p) is listed by `?`; the footer keeps its room for job keys.
        yield KeyFooter(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        monitor = self.deck.monitor
        self.deck.apply_display(self)
        self.set_class(self.deck.read_only, "-read-only")
        if self.deck.kiosk:
            self.query_one("#mode", Label).update("KIOSK")
        self._unsubscribe = self.deck.add_monitor_listener(lambda event: self.post_message(MonitorUpdate(event)))
        jobs = self.query_one(JobList)
        self.watch(self.query_one("#filter", Input), "value", self._on_filter_changed, init=False)
        jobs.backend_names = tuple(monitor.backends())
        jobs.set_jobs(monitor.jobs())
        self._tick()  # (it shows the health too)
        self.set_interval(self.deck.tick_seconds, self._tick)
        self._update_titles()
        jobs.focus()

    def _compositor_refresh(self) -> None:
        # While the app batches updates (all of start-up, until the first poll is shown),
        # Textual renders each refresh in full and then throws the frame away
        # (App._display). Skipping the render keeps its dirty regions for the first frame
        # drawn after the batch: the driver's first Resize always asks for that one.
        if self.app._batch_count:
            return
        super()._compositor_refresh()

    def on_screen_resume(self, event: ScreenResume) -> None:
        # Textual restyles the whole screen each time it becomes current. The first time,
        # every widget was styled a moment before, as it mounted (the theme is chosen
        # before the screen exists): the restyle would only cost start-up time.
        # (Screen's own handler, which runs after this one, counts the resumes.)
        if self.stack_updates == 0:
            event.refresh_styles = False

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
        self._show_time(self.deck.clock.now().astimezone(self.deck.time_zone), self._apply_health())

    def _show_time(self, now: datetime, health: dict[str, BackendHealth]) -> None:
        """What a tick moves on (``health``: as read for it, for a subclass to show too)."""
        self.query_one(JobList).now = now
        self.query_one(RunDetail).now = now
        self.query_one(Timeline).now = now
        self.query_one(HealthBar).now = now

    def _update_titles(self) -> None:
        jobs = self.query_one(JobList)
        view = "Archived jobs" if jobs.view == "archived" else "Jobs"
        notes = [f"sort: {jobs.sort}"]
        if jobs.filter_text:
            notes.append(f"filter: {jobs.filter_text}")
        self._set_pane_titles("jobs", f"{view} {jobs.visible_count}/{jobs.total_count}", " · ".join(notes))
        compact = self.has_class("-compact")
        for name in LOWER_PANES:
            title = name.capitalize()
            if compact:
                others = " ".join(f"{p[0]} {p}" for p in LOWER_PANES if p != name)
                title = f"{title} · {others}"
            self._set_pane_titles(name, title)
        # The log view draws its own following/paused status row.
        self._set_pane_titles("log", subtitle="/ search · w wrap · f follow")

    def _set_pane_titles(self, pane: str, title: str | None = None, subtitle: str | None = None) -> None:
        """Set a pane's border title and subtitle (None: leave it). Only a change is set:
        setting one repaints the whole pane, and titles are set on every poll."""
        for which, text in (("border_title", title), ("border_subtitle", subtitle)):
            if text is not None and self._pane_titles.get((pane, which)) != text:
                self._pane_titles[(pane, which)] = text
                # Content, not a str: a str is read as markup, and a title may
                # quote what the user typed (a filter of "[/tmp]").
                setattr(self.query_one(f"#{pane}-pane"), which, Content(safe_line(text)))

    # -- monitor events ---------------------------------------------------

    @on(MonitorUpdate)
    def _on_monitor_update(self, message: MonitorUpdate) -> None:
        event = message.event
        if isinstance(event, JobsChanged):
            self.query_one(JobList).apply_changes(event.added, event.changed, event.removed)
            if self._selected is not None:
                # A scan, not a map by ref: a poll may change 100,000 jobs to find one in.
                selected = next((job for job in event.changed if job.ref == self._selected), None)
                if selected is not None:
                    self._show_job(selected, reload=False)
                    # Its runs carry counts, errors and reasons that move with it;
                    # the same page is reloaded and the chosen run kept by id.
                    self._load_runs(self._selected, self._run_request)
                elif self._selected in event.removed:
                    self._show_job(None)
            self._update_titles()
        elif isinstance(event, HealthChanged):
            self._apply_health()
        elif isinstance(event, TimelineChanged):
            if event.ref == self._selected:
                self._load_timeline(event.ref)
        elif isinstance(event, ActionDone):
            if event.result.ok:
                self.notify(event.result.message)
            else:
                verb = ACTION_VERBS[event.action]
                self.notify(event.result.message, title=f"{verb} not done", severity="error")

    def _apply_health(self) -> dict[str, BackendHealth]:
        """Show the backends' health; returns it, as read."""
        health = self.deck.monitor.health()
        self.query_one(HealthBar).health = dict(health)
        self.query_one(JobList).stale_backends = frozenset(
            name for name, h in health.items() if h.stale
        )
        return health

    # -- selection ----------------------------------------------------------

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
        if follow is Follow.SHOW_IF_OTHER and job is not None and job.ref == self._selected:
            return  # a job chosen again while shown stays as it is
        self._show_job(job)

    def _show_highlighted(self) -> None:
        self._show_job(self.query_one(JobList).highlighted)

    def _show_job(self, job: Job | None, *, reload: bool = True) -> None:
        detail = self.query_one(RunDetail)
        detail.job = job
        new_ref = job.ref if job else None
        if reload or new_ref != self._selected:
            if new_ref != self._selected:
                # Another job: its newest run is chosen, and nothing of the last job's runs stays.
                self._run_request = RunRequest()
                self._run_steps.clear()
                self._show_runs(RunPage(runs=[]), 0)
            self._selected = new_ref
            if job is None:
                self.query_one(Timeline).events = []
                self.query_one(LogView).clear()
                self._stop_log()
            else:
                self._load_runs(job.ref, self._run_request)
                self._load_timeline(job.ref)
                self._follow_log(job.ref)
        self._refresh_action_keys()

    def _refresh_action_keys(self) -> None:
        """Tell the footer which action keys are available, when that changed: the
        footer rebuilds all its keys on each refresh (tens of ms), and the
        highlight moves on every filter keystroke and cursor key."""
        available = tuple(self._why_not(action) is None for action in ACTION_KEYS)
        if available != self._available_actions:
            self._available_actions = available
            self.refresh_bindings()

    @work(exclusive=True, group="runs", exit_on_error=False)
    async def _load_runs(self, ref: JobRef, request: RunRequest, *, stepped: bool = False) -> None:
        arrived = False
        try:
            await self._load_runs_page(ref, request, stepped=stepped)
            arrived = True
        finally:
            if stepped:  # (not arrived: replaced by another load, of another job or a reload)
                self._run_steps.page_done(arrived=arrived)
        # Steps pressed while the page was on its way, in order, until one turns a page again.
        while stepped and ref == self._selected and (delta := self._run_steps.next_waiting()) is not None:
            self._step_run(delta)

    async def _load_runs_page(self, ref: JobRef, request: RunRequest, *, stepped: bool) -> None:
        """Load page ``request.page`` of the job's runs and choose a run on it.

        ``stepped``: the user pressed ``[`` or ``]`` to get here, so the run
        is brought into view, and an empty page means there is no older run.
        """
        try:
            page = await self.deck.monitor.runs_page(ref, request.page)
        except AdapterError as exc:
            # What is shown stays: a failed reload or page turn hides nothing.
            if ref == self._selected:
                self.notify(f"Runs of {ref}: {exc}", severity="warning")
            return
        if ref != self._selected:
            return
        if not page.runs and page.page > 0:
            if stepped:
                self.notify(NO_OLDER.capitalize(), severity="warning", timeout=3)
                self._run_request = self._shown_runs_request()
            else:  # the page emptied (runs deleted): start again from the newest
                self._load_runs(ref, RunRequest())
            return
        self._show_runs(page, pick_index(page.runs, request.keep_id, request.fallback))
        if stepped:
            self._reveal_chosen_run()

    def _show_runs(self, page: RunPage, chosen: int) -> None:
        detail = self.query_one(RunDetail)
        detail.show_runs(page, chosen)
        self._run_request = self._shown_runs_request()
        self._set_pane_titles("detail", subtitle=position_text(detail.run_page, detail.chosen))

    def _shown_runs_request(self) -> RunRequest:
        """A request for what the detail shows now: reloading it keeps the chosen run."""
        detail = self.query_one(RunDetail)
        run = detail.chosen_run
        return RunRequest(page=detail.run_page.page, keep_id=run.id if run else None, fallback=detail.chosen)

    def _reveal_chosen_run(self) -> None:
        """Show the detail pane, scrolled so the chosen run's section is in view."""
        if self.has_class("-compact") and self._lower_pane != "detail":
            self._show_lower_pane("detail")

        def scroll() -> None:
            section = self.query_one(RunDetail).run_section
            if section is None:
                return
            pane = self.query_one("#detail-pane", VerticalScroll)
            top, height = section
            visible = max(1, pane.scrollable_content_region.height)
            # The run's title at the top; the page's list follows it as room allows.
            pane.scroll_to_region(Region(0, top, 1, min(height, visible)), animate=False, top=True)

        self.call_after_refresh(scroll)

    @work(exclusive=True, group="timeline", exit_on_error=False)
    async def _load_timeline(self, ref: JobRef) -> None:
        events = await self.deck.monitor.timeline(ref)
        if ref == self._selected:
            self.query_one(Timeline).events = events
            # The latest transition matters most: keep it in view (once laid out).
            pane = self.query_one("#timeline-pane", VerticalScroll)
            self.call_after_refresh(pane.scroll_end, animate=False)

    @work(exclusive=True, group="log", exit_on_error=False)
    async def _follow_log(self, ref: JobRef) -> None:
        log_view = self.query_one(LogView)
        log_view.clear()
        # Perf (issue 8): open the log at its last `max_lines` lines, not byte 0,
        # so a 1 GB log shows its end at once; the pane says what was skipped.
        start = await self.deck.monitor.log_tail_offset(ref, log_view.max_lines)
        if ref != self._selected:
            return
        log_view.start_at(start)
        self._log_window.followed_to = start
        async for chunk in self.deck.monitor.follow_log(ref, start):
            if ref != self._selected:
                return
            if chunk.notice:
                log_view.set_notice(chunk.notice)
            if chunk.text:
                log_view.append(chunk.text)
            self._log_window.followed_to = chunk.offset

    @on(LogView.EarlierWanted)
    def _on_earlier_wanted(self) -> None:
        if self._selected is not None:
            self._load_earlier_log(self._selected)

    @on(LogView.TailWanted)
    def _on_tail_wanted(self) -> None:
        if self._selected is not None:
            self._follow_log(self._selected)

    @work(exclusive=True, group="log", exit_on_error=False)
    async def _load_earlier_log(self, ref: JobRef) -> None:
        """Show the ``max_lines`` lines before the first one in the log pane (in place of
        what it shows: the pane stays bounded); following stops until ``f``."""
        log_view = self.query_one(LogView)
        try:
            window = await self._log_window.earlier(self.deck.monitor, ref, log_view)
        except AdapterError as exc:
            self.notify(f"Earlier lines of {ref}: {exc}", severity="warning")
            return
        if ref == self._selected and window is not None:
            log_view.show_window(window.text, window.start, window.end)

    def _stop_log(self) -> None:
        self.workers.cancel_group(self, "log")

    # -- actions on jobs ----------------------------------------------------

    def _why_not(self, action: Action) -> str | None:
        # The job under the cursor: while the panes catch up (see HighlightSettler) it is
        # not yet the shown one, and a key pressed then acts on it after settling.
        job = self.query_one(JobList).highlighted
        if job is None:
            return "no job is selected"
        return self.deck.monitor.why_not(job.ref, action)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "act" and parameters:
            # None greys the key out in the footer; the hidden twin binding
            # then answers the key press with the reason.
            return None if self._why_not(Action(str(parameters[0]))) else True
        return True

    def action_explain(self, action_name: str) -> None:
        self._settler.settle()
        action = Action(action_name)
        reason = self._why_not(action) or "it is not available"
        self.notify(f"{ACTION_VERBS[action]} is unavailable: {reason}", severity="warning")
        if self.deck.monitor.read_only and self._selected is not None:
            self._refuse_read_only(self._selected, action)

    @work(group="actions", exit_on_error=False)
    async def _refuse_read_only(self, ref: JobRef, action: Action) -> None:
        """Let the gate refuse it: every refusal is in the action log; nothing reaches a backend."""
        try:
            await self.deck.monitor.perform(ref, action)
        except ReadOnlyRefused:
            pass  # expected: the toast above said why

    def action_act(self, action_name: str) -> None:
        self._settler.settle()
        action = Action(action_name)
        ref = self._selected
        if ref is None or self._why_not(action):
            self.action_explain(action_name)
            return
        job = self.deck.monitor.job(ref)
        name = job.name if job else ref.id
        verb = ACTION_VERBS[action]

        def answered(answer: Confirmed | None) -> None:
            if answer is not None:
                self._perform(ref, action, answer.reason)

        # The dialogs are imported when first needed: the first frame does without them.
        from jobdeck.ui.screens.confirm import ConfirmScreen

        self.app.push_screen(
            ConfirmScreen(
                f"{verb} {name}?",
                self.deck.monitor.confirm_text(ref, action),
                confirm_label=verb,
                ask_reason=self.deck.monitor.takes_reason(ref, action),
            ),
            answered,
        )

    @work(group="actions", exit_on_error=False)
    async def _perform(self, ref: JobRef, action: Action, reason: str | None = None) -> None:
        try:
            result = await self.deck.monitor.perform(ref, action, reason=reason)
        except ReadOnlyRefused as exc:
            self.notify(f"Refused: {exc}", severity="warning")
            return
        # The outcome itself arrives as an ActionDone event and is shown there.
        if result.ok:
            self._refresh_action_keys()

    # -- other keys ---------------------------------------------------------

    def action_older_run(self) -> None:
        self._step_run(+1)

    def action_newer_run(self) -> None:
        self._step_run(-1)

    def _step_run(self, delta: int) -> None:
        """Choose the run ``delta`` away (+1 older); a view only, nothing is changed."""
        self._settler.settle()
        ref = self._selected
        if ref is None:
            self.notify("No job is selected", severity="warning", timeout=2)
            return
        detail = self.query_one(RunDetail)
        step = self._run_steps.step(detail.run_page, detail.chosen, delta)
        if step is None:
            return  # taken from the page on its way, when it arrives
        if step.refusal is not None:
            self.notify(step.refusal.capitalize(), severity="warning", timeout=3)
        elif step.load is not None:
            self._run_request = step.load
            self._load_runs(ref, step.load, stepped=True)
        elif step.index is not None:
            self._show_runs(detail.run_page, step.index)
            self._reveal_chosen_run()

    def action_find(self) -> None:
        in_log = self.query_one("#log-pane").has_focus_within
        finder = self.query_one("#log-search" if in_log else "#filter", Input)
        finder.add_class("-open")
        if not in_log:
            finder.value = self.query_one(JobList).filter_text
        # At once, not on the next turn (Widget.focus): keys typed right after "/" arrive
        # in the same burst over a slow link, and must reach the box, not the list
        # (where "a" would ask to archive).
        self.set_focus(finder)

    def _on_filter_changed(self, text: str) -> None:
        # Watched, not a Changed message: the list is filtered within the key press,
        # so the echo and the filtered rows share one frame (and one relayout).
        jobs = self.query_one(JobList)
        jobs.filter_text = text
        finder = self.query_one("#filter", Input)
        finder.set_class(jobs.query_error is not None, "-invalid")
        finder.tooltip = jobs.query_error
        self._update_titles()

    def on_key(self, event: Key) -> None:
        # "/" then text in one burst (a fast typist, a slow link): every key is handed to
        # the focused list before App-level bindings run, so "/" is handled here, as it
        # bubbles, and the keys after it, already queued for the list, are sent on to the
        # box as text rather than run as commands ("a" would ask to archive). The box's
        # own keys never bubble here.
        focused = self.focused
        if isinstance(focused, Input):
            if focused.has_class("finder") and event.is_printable and event.character:
                event.stop()
                event.prevent_default()
                focused.post_message(Key(event.key, event.character))
        elif event.key == "slash":
            event.stop()
            event.prevent_default()
            self.action_find()

    @on(Input.Submitted, "#filter")
    def _on_filter_submitted(self, event: Input.Submitted) -> None:
        jobs = self.query_one(JobList)
        if jobs.query_error:
            self.notify(jobs.query_error, title="Filter", severity="warning")
        event.input.remove_class("-open")
        jobs.focus()

    @on(Input.Submitted, "#log-search")
    def _on_log_search(self, event: Input.Submitted) -> None:
        log_view = self.query_one(LogView)
        event.input.remove_class("-open")
        log_view.focus()
        if event.value and not log_view.search(event.value):
            self.notify(f"Not found in the log: {event.value}", severity="warning")

    def action_escape(self) -> None:
        focused = self.focused
        if isinstance(focused, Input):
            if focused.id == "filter":
                focused.value = ""
            focused.remove_class("-open")
            self.query_one(LogView if focused.id == "log-search" else JobList).focus()
            return
        jobs = self.query_one(JobList)
        if jobs.filter_text:
            jobs.filter_text = ""
            self.query_one("#filter", Input).value = ""
            self._update_titles()

    def action_cycle_sort(self) -> None:
        sort = self.query_one(JobList).cycle_sort()
        self.notify(f"Sorted by {sort}", timeout=2)
        self._update_titles()

    def action_toggle_view(self) -> None:
        jobs = self.query_one(JobList)
        jobs.view = "active" if jobs.view == "archived" else "archived"
        self._update_titles()

    def action_follow(self) -> None:
        self.query_one(LogView).follow()

    def action_wrap(self) -> None:
        log_view = self.query_one(LogView)
        log_view.toggle_wrap()
        self.notify("Log lines wrap" if log_view.wrap else "Log lines do not wrap", timeout=2)

    def action_search_next(self) -> None:
        self.query_one(LogView).search_next()

    def action_search_previous(self) -> None:
        self.query_one(LogView).search_previous()

    def action_show_pane(self, pane: str) -> None:
        self._show_lower_pane(pane)
        self.query_one(f"#{pane}-pane" if pane != "log" else "#log").focus()

    def action_watch_job(self) -> None:
        monitor = self.deck.monitor
        backends = monitor.watchable_backends()
        if not backends:
            self.notify("No backend here can watch a job by id (Julep backends can).", severity="warning")
            return
        # The selected job's backend when it can, else the first that can.
        backend = self._selected.backend if self._selected and self._selected.backend in backends else backends[0]

        def answered(job_id: str | None) -> None:
            if job_id:
                self._watch_job(backend, job_id)

        from jobdeck.ui.screens.prompt import PromptScreen

        self.app.push_screen(
            PromptScreen(f"Watch a job on {backend}", placeholder="job id"), answered
        )

    @work(group="actions", exit_on_error=False)
    async def _watch_job(self, backend: str, job_id: str) -> None:
        result = await self.deck.monitor.watch_job(backend, job_id)
        self.notify(result.message, severity="information" if result.ok else "warning")

    def action_refresh(self) -> None:
        self.notify("Refreshing…", timeout=1)
        self.run_worker(self.deck.monitor.refresh(), group="refresh", exit_on_error=False)

    def action_copy_ref(self) -> None:
        self._settler.settle()
        if self._selected is None:
            self.notify("No job is selected", severity="warning", timeout=2)
            return
        self.app.copy_to_clipboard(str(self._selected))
        self.notify(f"Copied {self._selected}", timeout=2)

    def action_copy_line(self) -> None:
        line = current_log_line(self.query_one(LogView))
        if line is None:
            self.notify("The log is empty", severity="warning", timeout=2)
            return
        self.app.copy_to_clipboard(line)
        self.notify(f"Copied log line: {line[:60]}", timeout=2)

    def action_help(self) -> None:
        unavailable = {
            f"act('{action.value}')": reason
            for action in Action
            if (reason := self._why_not(action))
        }
        sections = [
            ("Deck", [b for b in self.BINDINGS if isinstance(b, Binding)], unavailable),
            ("Job list", [b for b in JobList.BINDINGS if isinstance(b, Binding)], {}),
            ("Log", [b for b in LogView.BINDINGS if isinstance(b, Binding)], {}),
        ]
        from jobdeck.ui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(sections))
