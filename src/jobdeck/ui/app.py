"""The App: holds settings, the clock and the monitor, and shows the deck.

Deliberately thin: the deck screen coordinates the widgets, the monitor does
the work. The monitor runs inside one worker of this app, so every backend
call happens off the UI's critical path and ends when the app ends.
"""

from __future__ import annotations

import logging

from textual.app import App
from textual.worker import Worker, WorkerState

from jobdeck.clock import Clock, SystemClock
from jobdeck.config import Settings
from jobdeck.monitor import Monitor
from jobdeck.ui.screens.deck import DeckScreen

log = logging.getLogger(__name__)


class JobdeckApp(App[int]):
    """The terminal deck."""

    TITLE = "jobdeck"
    CSS_PATH = "app.tcss"
    # Kiosk and read-only users get the palette too, but it only lists
    # harmless commands: every mutation goes through the monitor's gate.
    ENABLE_COMMAND_PALETTE = True

    def __init__(
        self,
        settings: Settings,
        monitor: Monitor,
        *,
        clock: Clock | None = None,
        read_only: bool = False,
        kiosk: bool = False,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.monitor = monitor
        self.clock: Clock = clock or SystemClock()
        self.read_only = read_only or kiosk
        self.kiosk = kiosk
        if kiosk:
            self.ENABLE_COMMAND_PALETTE = False

    def on_mount(self) -> None:
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        self.push_screen(DeckScreen())
        self.run_worker(
            self.monitor.run(), name="monitor", group="monitor", exit_on_error=False
        )

    async def on_unmount(self) -> None:
        await self.monitor.stop()

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


def run_deck(settings: Settings, *, read_only: bool, kiosk: bool) -> int:
    """Build the monitor for ``settings`` and run the deck until the user quits."""
    from jobdeck.wiring import build_monitor

    clock = SystemClock()
    monitor = build_monitor(settings, read_only=read_only or kiosk, clock=clock)
    app = JobdeckApp(settings, monitor, clock=clock, read_only=read_only, kiosk=kiosk)
    result = app.run()
    return result or 0
