"""Mixed into the deck screen (its @on handlers stay in ``deck.py``: Textual collects them
from the screen's own class): the screens its keys open over it (``H`` the backends' health,
``h`` the history); each is imported when first opened."""

from __future__ import annotations

from typing import TYPE_CHECKING

from jobdeck.ui.widgets.health_bar import HealthBar

if TYPE_CHECKING:
    from textual.screen import Screen

    from jobdeck.ui.deck_host import DeckHost

    _ScreenBase = Screen[None]
else:
    _ScreenBase = object


class DeckDialogs(_ScreenBase):
    """The screens ``DeckScreen`` opens over itself."""

    host: DeckHost

    def action_health(self) -> None:
        from jobdeck.ui.screens.health_detail import HealthDetailScreen

        bar = self.query_one(HealthBar)
        own = self.host.monitor.warnings()  # jobdeck's own: its history, its archive
        self.app.push_screen(HealthDetailScreen(bar.health, bar.now, ascii=bar.ascii, own_warnings=own, follow=bar,
                                                own_warnings_now=self.host.monitor.warnings))

    def action_history(self) -> None:
        """The history view, or why there is none (history off)."""
        path = getattr(self.app, "history_file", None)
        if path is None:
            from jobdeck.ui.screens.history import HISTORY_OFF

            self.notify(HISTORY_OFF, title="History", severity="warning", timeout=8)
            return
        from jobdeck.ui.screens.history import HistoryScreen

        self.app.push_screen(HistoryScreen(path))
