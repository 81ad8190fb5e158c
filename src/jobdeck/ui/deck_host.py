"""What the deck's screens need from the App, as a protocol.

The screens read the monitor, the settings and the display choices through
this, never through ``JobdeckApp`` itself: the App builds the screens, so a
screen naming the App would be an arrow pointing back up (and an import
cycle). ``JobdeckApp`` satisfies it; a test may hand any object that does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from jobdeck.clock import Clock
    from jobdeck.config import Settings
    from jobdeck.monitor import Monitor, MonitorEvent
    from jobdeck.ui.runtime.quit_sequence import QuitSequence
    from jobdeck.ui.runtime.view_shelf import ViewShelf
    from jobdeck.ui.runtime.watch_memory import WatchMemory


class DeckHost(Protocol):
    """The App as its screens see it: modes, display settings, clock, monitor."""

    settings: Settings
    monitor: Monitor
    clock: Clock
    #: The zone times are shown in (the settings' ``time_zone``).
    time_zone: tzinfo
    kiosk: bool
    #: The kiosk's way out (the keys and time its ``?`` and hints tell).
    quit_sequence: QuitSequence
    ascii: bool
    #: jobdeck's history file, read back in workers (read only); None when history is off.
    history_file: Path | None
    #: Where the jobs watched with + are remembered across restarts (None: they are not).
    watch_memory: WatchMemory | None
    #: The saved views (config and ctrl+s) and the one to open on; None: no views.
    view_shelf: ViewShelf | None

    @property
    def read_only(self) -> bool:
        """Whether actions are refused (read from the monitor's gate, which holds the mode)."""
        ...

    @property
    def tick_seconds(self) -> float:
        """Seconds between the deck's ticks (ages, clock, health badges)."""
        ...

    def apply_display(self, node: DOMNode) -> None:
        """Apply the display settings (ASCII, state words) to every widget under ``node``."""
        ...

    def notify_link(self, url: str, note: str = "", *, title: str = "") -> None:
        """A toast with ``url`` as a link the terminal can open (OSC 8), then ``note``."""
        ...

    def add_monitor_listener(self, listener: Callable[[MonitorEvent], None]) -> Callable[[], None]:
        """Subscribe ``listener`` to the monitor; returns the call that unsubscribes it."""
        ...
