"""Builds the running parts from settings: the adapters, the monitor and the deck.

The one place that knows how settings, adapters, the monitor, the deck and
jobdeck's own files fit together, so the CLI, the deck and the demo build
them alike. It sits above ``ui``: the App is handed a monitor, never builds one.
The deck's modules are imported only when a deck is run, so ``jobdeck ls``
(which builds a monitor here) does not load Textual.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

from jobdeck import paths
from jobdeck.adapters.base import Adapter
from jobdeck.adapters.registry import adapter_class
from jobdeck.clock import Clock, SystemClock
from jobdeck.config import Settings
from jobdeck.monitor import Monitor
from jobdeck.store.base import Store
from jobdeck.store.memory import MemoryStore
from jobdeck.views import View

#: Over a slow link, no backend is polled more often than this.
LOW_BANDWIDTH_MIN_INTERVAL = 10.0
#: Seconds after a backend's first poll before its push channel opens (see Monitor).
PUSH_DELAY = 1.0


def build_adapters(settings: Settings, *, clock: Clock) -> list[Adapter]:
    """One adapter per enabled backend, in config order."""
    return [adapter_class(backend.kind)(backend, clock=clock) for backend in settings.enabled_backends]


def build_monitor(
    settings: Settings, *, read_only: bool, clock: Clock | None = None, push_delay: float = 0.0
) -> Monitor:
    """A monitor over every enabled backend, with its store: jobdeck's archive, action
    log and history where ``jobdeck.paths`` says (``JOBDECK_DATA_DIR`` moves them: tests, the demo).
    ``push_delay``: see Monitor."""
    clock = clock or SystemClock()
    return Monitor(
        build_adapters(settings, clock=clock),
        clock=clock,
        store=build_store(settings, clock=clock),
        read_only=read_only,
        push_delay=push_delay,
        live_keep=timedelta(hours=settings.live_keep_hours),
        log_tail_bytes=settings.history_log_kb * 1024 if settings.history else 0,
    )


def build_store(settings: Settings, *, clock: Clock) -> Store:
    """jobdeck's own files in the data folder: with the history when ``settings.history``
    (whatever the mode: recording changes no backend)."""
    if not settings.history:
        return MemoryStore(clock=clock)
    from jobdeck.store.sqlite import HistoryStore  # sqlite3 is loaded only where history is on

    return HistoryStore(clock=clock, keep_days=settings.history_days, max_mb=settings.history_max_mb)


def history_file(settings: Settings) -> Path | None:
    """Where the history is kept, for the deck to read back; None when history is off."""
    if not settings.history:
        return None
    from jobdeck.store.sqlite import FILE_NAME

    return paths.data_dir() / FILE_NAME


def run_deck(
    settings: Settings, *, read_only: bool, kiosk: bool, saved_views: tuple[list[View], str | None] | None = None
) -> int:
    """Build the monitor for ``settings`` and run the deck until the user quits. ``saved_views``:
    ``views.json`` as the command read it already (for ``--view``), so the deck reads it no more."""
    from jobdeck.ui.app import JobdeckApp
    from jobdeck.ui.runtime.ascii_mode import ascii_for_terminal
    from jobdeck.ui.runtime.css_cache import ParsedCssCache
    from jobdeck.ui.runtime.hangup import watch_terminal
    from jobdeck.ui.runtime.themes import ThemeMemory, theme_dirs
    from jobdeck.ui.runtime.view_shelf import ViewShelf
    from jobdeck.ui.runtime.watch_memory import WatchMemory
    from jobdeck.views import VIEWS_FILE

    clock = SystemClock()
    settings = ascii_for_terminal(settings)  # TERM=linux: the console has no glyph for ✓ ✗ ◌
    if settings.low_bandwidth:
        settings = slower_polls(settings)
    monitor = build_monitor(settings, read_only=read_only or kiosk, clock=clock, push_delay=PUSH_DELAY)
    app = JobdeckApp(
        settings,
        monitor,
        clock=clock,
        kiosk=kiosk,
        theme_folders=theme_dirs(),
        watch_themes=True,
        theme_memory=ThemeMemory(),
        handle_sigterm=True,
        css_cache=ParsedCssCache(paths.cache_dir() / "css"),
        history_file=history_file(settings),
        watch_memory=WatchMemory(),
        view_shelf=ViewShelf(settings.views, paths.data_dir() / VIEWS_FILE, start=settings.view, saved=saved_views),
    )
    terminal = sys.__stdin__.fileno() if sys.__stdin__ is not None and sys.__stdin__.isatty() else None
    stop_watching = watch_terminal(terminal) if terminal is not None else None
    try:
        result = app.run()
    finally:
        if stop_watching is not None:
            stop_watching.set()
    return result or 0


def theme_names() -> set[str]:
    """Every theme the deck can start with: Textual's own and the theme files (shipped and the user's)."""
    from textual.theme import BUILTIN_THEMES

    from jobdeck.ui.runtime.themes import load_all_themes, theme_dirs

    from_files, _ = load_all_themes(theme_dirs())
    return set(BUILTIN_THEMES) | set(from_files)


def terminal_needs_ascii() -> bool:
    """Whether this terminal cannot draw the deck's glyphs: what ``ascii = "auto"`` decides."""
    from jobdeck.ui.runtime.ascii_mode import terminal_needs_ascii as needs_ascii

    return needs_ascii()


def slower_polls(settings: Settings) -> Settings:
    """``settings`` with no backend polled more often than LOW_BANDWIDTH_MIN_INTERVAL."""
    backends = [
        backend.model_copy(update={"interval": max(backend.interval, LOW_BANDWIDTH_MIN_INTERVAL)})
        for backend in settings.backends
    ]
    return settings.model_copy(update={"backends": backends})
