"""The App: holds settings, the clock and the monitor, and shows the deck.

Deliberately thin: the deck screen coordinates the widgets, the monitor does
the work. The monitor runs inside one worker of this app, so every backend
call happens off the UI's critical path and ends when the app ends.

The App also owns what applies to every screen: the kiosk mode and its
quit sequence (read-only mode is the monitor's gate's; the App reads it
there), the display settings (ASCII,
low bandwidth; NO_COLOR is Textual's own), and the themes (loaded from
files, watched, switched, remembered).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from textual import events
from textual.app import SystemCommand
from textual.dom import DOMNode
from textual.driver import Driver
from textual.filter import LineFilter
from textual.notifications import SeverityLevel
from textual.reactive import Reactive
from textual.screen import Screen
from textual.markup import escape
from textual.worker import Worker, WorkerState

from jobdeck import startup
from jobdeck.clock import Clock, SystemClock, display_zone
from jobdeck.config import Settings
from jobdeck.heap import HeapKeeper
from jobdeck.monitor import JobsChanged, Monitor, MonitorEvent
from jobdeck.safe_text import safe_clipboard, safe_line, safe_message
from jobdeck.ui.app_themes import AppThemes
from jobdeck.ui.deck_text import link_markup
from jobdeck.ui.runtime import dirty_lines, quiet_input
from jobdeck.ui.runtime.ascii_mode import AsciiMarks, AsciiScrollBarRender
from jobdeck.ui.runtime.css_cache import ParsedCssCache
from jobdeck.ui.runtime.event_coalescer import EventCoalescer
from jobdeck.ui.runtime.first_frame import first_screen_mounted, use_parsed_css_cache
from jobdeck.ui.runtime.no_color import follow_theme
from jobdeck.ui.runtime.quit_sequence import QuitSequence
from jobdeck.ui.runtime.screenshots import ScreenshotApp
from jobdeck.ui.runtime.themes import ThemeMemory, shipped_themes_dir
from jobdeck.ui.runtime.view_shelf import ViewShelf
from jobdeck.ui.runtime.watch_memory import WatchMemory
from jobdeck.ui.widgets.job_list import JobList

log = logging.getLogger(__name__)

#: Seconds between the deck's ticks (ages, clock, health badges).
TICK_SECONDS = 1.0
#: ... and over a slow link, where each tick redraws several panes.
LOW_BANDWIDTH_TICK_SECONDS = 5.0

#: Seconds after start-up before theme files are watched for changes.
THEME_WATCH_DELAY = 1.0
#: The longest the first frame waits for the backends' first polls (seconds).
FIRST_POLL_WAIT = 0.2
#: Seconds after start-up before the CSS parsed for it is written to the cache.
CSS_SAVE_DELAY = 3.0
#: The longest the deck's end waits for the theme just chosen to be written (seconds).
THEME_WRITE_WAIT = 2.0

#: Actions that must never run in kiosk mode, wherever they are bound.
KIOSK_BLOCKED_APP_ACTIONS = frozenset({"quit", "command_palette", "change_theme", "next_theme"})


class JobdeckApp(AppThemes, ScreenshotApp):
    """The terminal deck."""

    TITLE = "jobdeck"
    CSS_PATH = "app.tcss"
    # Read-only users get the palette too, but it only lists harmless
    # commands, and every mutation goes through the monitor's gate anyway.
    # Kiosk has none (see __init__).
    ENABLE_COMMAND_PALETTE = True

    def __init__(
        self,
        settings: Settings,
        monitor: Monitor,
        *,
        clock: Clock | None = None,
        kiosk: bool = False,
        theme_folders: Sequence[Path] | None = None,
        watch_themes: bool = False,
        theme_memory: ThemeMemory | None = None,
        handle_sigterm: bool = False,
        css_cache: ParsedCssCache | None = None,
        history_file: Path | None = None,
        watch_memory: WatchMemory | None = None,
        view_shelf: ViewShelf | None = None,
    ) -> None:
        if kiosk and not monitor.read_only:
            # A kiosk must never change a backend, and the monitor's gate is what refuses.
            raise ValueError("a kiosk needs a read-only monitor")
        if kiosk:
            # Read by App.__init__ to decide on the ctrl+p binding, so set it first.
            self.ENABLE_COMMAND_PALETTE = False
        super().__init__()
        dirty_lines.install()  # a partial update draws only the lines that changed
        self._css_cache = css_cache
        if css_cache is not None:
            use_parsed_css_cache(self, css_cache)
        self.settings = settings
        self.monitor = monitor
        #: jobdeck's history (``history.sqlite3``) for the views that read it back, or None
        #: when history is off. Read only, in workers (``jobdeck.store.sqlite.HistoryReader``).
        self.history_file = history_file
        #: Where the jobs watched with + are remembered (None: not across restarts).
        self.watch_memory = watch_memory
        #: The saved views and the one to open on (None: the config's only, nothing saved).
        self.view_shelf = view_shelf if view_shelf is not None else ViewShelf(settings.views, None)
        self.clock: Clock = clock or SystemClock()
        #: The zone times are shown in (the settings' ``time_zone``).
        self.time_zone = display_zone(settings.time_zone)
        self.kiosk = kiosk
        self.ascii = settings.ascii is True  # ("auto" is decided before: wiring.run_deck)
        self.low_bandwidth = settings.low_bandwidth
        self.quit_sequence = QuitSequence(settings.kiosk_quit_keys, settings.kiosk_quit_within)
        self._theme_folders = list(theme_folders) if theme_folders is not None else [shipped_themes_dir()]
        self._watch_themes = watch_themes
        self._theme_memory = theme_memory
        self._handle_sigterm = handle_sigterm
        #: Names of the themes loaded from files, in file order (what ``T`` cycles through).
        self.file_themes: list[str] = []
        self._theme_ready = False
        self._notices_for_mount: list[Callable[[], None]] = []
        self.coalescer: EventCoalescer | None = None
        self.heap = HeapKeeper()
        self._ascii_marks = AsciiMarks()
        if self.low_bandwidth:
            self.animation_level = "none"
        self.set_class(self.ascii, "-ascii")
        follow_theme(self._filters, self.native_ansi_color)  # (Textual's own NO_COLOR filter fails on plain text)

    def get_driver_class(self) -> type[Driver]:
        # A terminal's input thread that sleeps until there is input (ui.runtime.quiet_input).
        return quiet_input.driver_class(super().get_driver_class())

    def get_line_filters(self) -> Sequence[LineFilter]:
        filters = super().get_line_filters()
        return [*filters, self._ascii_marks] if self.ascii else filters

    @property
    def read_only(self) -> bool:
        """Whether actions are refused: the monitor's gate says (it alone holds the mode)."""
        return self.monitor.read_only

    @property
    def tick_seconds(self) -> float:
        return LOW_BANDWIDTH_TICK_SECONDS if self.low_bandwidth else TICK_SECONDS

    # -- lifecycle ------------------------------------------------------------

    def on_load(self) -> None:
        # Before the first screen exists, so its first styles are the chosen theme's: a theme
        # set after mount restyles every widget again. Notices wait for a screen to show them.
        self._notices_for_mount = self._load_themes()
        theme, unknown = self._starting_theme()
        if unknown:
            self._notices_for_mount.append(unknown)
        self.theme = theme
        self._theme_ready = True

    def get_default_screen(self) -> Screen:
        # The deck (or kiosk) is the first screen itself: no blank screen is built, styled
        # and drawn before it (Textual's default), which start-up would wait for.
        if self.kiosk:
            from jobdeck.ui.screens.kiosk import KioskScreen

            return KioskScreen()
        from jobdeck.ui.screens.deck import DeckScreen

        return DeckScreen()

    async def on_mount(self) -> None:
        # The monitor's first poll runs while the screen is built, so the first frame can
        # show jobs already (the screen reads monitor.jobs() on mount, then listens).
        self.heap.install()
        if startup.active():
            self.set_timer(startup.LONGEST, startup.end)
        self.monitor.add_listener(self._count_new_jobs)
        self.run_worker(self.monitor.run(), name="monitor", group="monitor", exit_on_error=False)
        # The app is ready (keys, tests, pilots) only once the deck is built.
        await first_screen_mounted(self)
        # Nothing is drawn until on_mount returns: wait a moment for the first polls, so the
        # first frame shows jobs rather than an empty list drawn again a tenth of a second on.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.monitor.first_polls(), FIRST_POLL_WAIT)
        for notice in self._notices_for_mount:
            notice()
        if self._watch_themes:
            # Not needed for the first frame, and starting it costs ~50 ms: a little later.
            self.set_timer(THEME_WATCH_DELAY, self._watch_theme_files)
        if self._handle_sigterm:
            self._install_sigterm()
        if self._css_cache is not None:
            self.set_timer(CSS_SAVE_DELAY, self._keep_parsed_css)

    def _keep_parsed_css(self) -> None:
        if self._css_cache is not None:
            self.run_worker(self._css_cache.save, name="parsed CSS", group="css-cache", thread=True, exit_on_error=False)

    async def on_unmount(self) -> None:
        if self._css_cache is not None:
            self._css_cache.save()  # what start-up parsed, if the deck ends before CSS_SAVE_DELAY
        if self._handle_sigterm:
            try:
                asyncio.get_running_loop().remove_signal_handler(signal.SIGTERM)
            except (NotImplementedError, RuntimeError):
                pass
        await self.monitor.stop()
        if self._theme_memory is not None:
            # A theme chosen just before quitting is written before the deck is gone (a run_test,
            # a `jobdeck demo` that starts another deck); a disk that hangs is not waited out.
            await asyncio.to_thread(self._theme_memory.flush, THEME_WRITE_WAIT)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every toast, whoever raises it, is plain text made safe: a message may
        quote a backend (a job id, an error body), so markup is never read
        (``markup`` is accepted for Textual's signature and ignored)."""
        super().notify(
            safe_message(message), title=safe_line(title), severity=severity, timeout=timeout, markup=False
        )

    def notify_link(self, url: str, note: str = "", *, title: str = "") -> None:
        """A toast holding ``url`` as a link the terminal can open (OSC 8), then ``note``: the
        one toast that reads markup, made here from a URL checked to hold nothing but URL
        characters (``link_markup``); any other URL is shown as text."""
        markup = link_markup(url)
        if markup is None:
            self.notify(url + note, title=title, timeout=15)
            return
        super().notify(markup + escape(safe_message(note)), title=safe_line(title), timeout=15, markup=True)

    def copy_to_clipboard(self, text: str) -> None:
        """Copy one line of printable text: what a backend wrote may hold control
        characters or bidi overrides that a paste would obey."""
        super().copy_to_clipboard(safe_clipboard(text))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place for workers that failed: the user gets a message, never a traceback."""
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            log.error("worker %s failed", event.worker.name, exc_info=error)
            self.notify(
                f"{event.worker.name or 'background task'} failed: {error}",
                title="Internal error",
                severity="error",
                timeout=8,
            )

    def _install_sigterm(self) -> None:
        # SIGTERM ends the deck cleanly (terminal restored), in kiosk mode too.
        try:
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, self.on_sigterm)
        except (NotImplementedError, RuntimeError):  # not the main thread, or no signals here
            log.info("SIGTERM handler not installed")

    def on_sigterm(self) -> None:
        self.exit(0)

    # -- monitor events -------------------------------------------------------

    def _count_new_jobs(self, event: MonitorEvent) -> None:
        if not isinstance(event, JobsChanged):
            return
        if event.added and startup.active():
            self.call_after_refresh(startup.end)  # once the first frame with jobs is out
        # Many new jobs: freeze them out of the garbage collector's walks (see jobdeck.heap),
        # once the frame showing them is out.
        if self.heap.arrived(len(event.added) + len(event.changed)):
            self.call_after_refresh(self.heap.freeze)

    def add_monitor_listener(self, listener: Callable[[MonitorEvent], None]) -> Callable[[], None]:
        """Subscribe ``listener`` to the monitor; over a slow link it gets merged batches each tick."""
        if not self.low_bandwidth:
            return self.monitor.add_listener(listener)
        # The listener reads monitor.jobs() as it subscribes: if there are some, it shows them.
        self.coalescer = EventCoalescer(listener, jobs_shown=bool(self.monitor.jobs()))
        self.set_interval(self.tick_seconds, self.coalescer.flush)
        return self.monitor.add_listener(self.coalescer)

    # -- kiosk: what may run, and how to leave --------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.kiosk and action in KIOSK_BLOCKED_APP_ACTIONS:
            return False
        return True

    async def on_event(self, event: events.Event) -> None:
        # In kiosk mode the quit keys are taken before any binding sees them.
        if self.kiosk and isinstance(event, events.Key) and not event.is_forwarded and self.quit_sequence.wants(event.key):
            event.stop()
            event.prevent_default()
            self.kiosk_quit_key(event.key)
            return
        await super().on_event(event)

    def kiosk_quit_key(self, key: str) -> None:
        sequence = self.quit_sequence
        if sequence.press(key, self.clock.monotonic()):
            self.exit(0)
        elif sequence.progress:
            self.notify(f"To quit the kiosk: {sequence.describe()}", timeout=sequence.within)

    # -- display --------------------------------------------------------------

    @property
    def plain_states(self) -> bool:
        """Whether states must be spelt out: no colour, ASCII, only the terminal's 16 colours,
        or a wall screen read from across the room."""
        return self.ascii or self.no_color or self.current_theme.ansi or self.kiosk

    def apply_display(self, node: DOMNode) -> None:
        """Apply the display settings to every widget under ``node``: ``ascii``, and state words."""
        plain_states = self.plain_states
        for widget in node.query("*"):
            if self.ascii and isinstance(getattr(type(widget), "ascii", None), Reactive):
                widget.ascii = True  # type: ignore[attr-defined]
            if self.ascii and widget.is_scrollable:
                widget.vertical_scrollbar.renderer = AsciiScrollBarRender
                widget.horizontal_scrollbar.renderer = AsciiScrollBarRender
            if isinstance(widget, JobList):
                widget.state_words = plain_states

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        # Textual's own (Theme, Screenshot …), then a command for every key action of the
        # screen, made from its bindings as `?` is (key_commands): one help, not two.
        from jobdeck.ui.screens.key_commands import REPLACED_SYSTEM_COMMANDS, screen_key_commands

        own = list(screen_key_commands(self, screen)) if not self.kiosk else []
        for command in super().get_system_commands(screen):
            if not (own and command.title in REPLACED_SYSTEM_COMMANDS):
                yield command
        yield from own
