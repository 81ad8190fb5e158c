"""Textual's Footer, rebuilt only when the keys it shows change.

The stock footer recomposes all its keys (a dozen widgets, styled afresh)
for every ``refresh_bindings``; start-up alone sends a dozen of those (focus,
mounts, the first job shown), and most leave the keys as they were. Each
rebuild costs a few milliseconds of a frame the user is waiting for, and over
SSH it repaints the footer line for nothing.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    """A Footer that coalesces rebuilds and skips those that would show the same keys."""

    _rebuild_queued = False
    #: What the keys on show were built from (see ``_keys_shown``).
    _built_from: Any = None

    def bindings_changed(self, screen: Screen) -> None:
        if self._rebuild_queued:
            return  # the queued rebuild reads the bindings as they are by then
        self._rebuild_queued = True
        super().bindings_changed(screen)
        self.call_after_refresh(self._rebuilt)

    def _rebuilt(self) -> None:
        self._rebuild_queued = False

    async def recompose(self) -> None:
        keys = self._keys_shown()
        if keys == self._built_from:
            return
        await super().recompose()
        self._built_from = keys

    def _keys_shown(self) -> Any:
        """Everything Footer.compose reads: the shown bindings, their state and display."""
        if not self._bindings_ready or not self.is_attached:
            return None
        app = self.app
        active = self.screen.active_bindings
        shown = tuple(
            (binding, enabled, tooltip, app.get_key_display(binding))
            for (_, binding, enabled, tooltip) in active.values()
            if binding.show
        )
        palette = None
        if self.show_command_palette and app.ENABLE_COMMAND_PALETTE:
            entry = active.get(app.COMMAND_PALETTE_BINDING)
            palette = entry and (entry[1], entry[2], entry[3], app.get_key_display(entry[1]))
        return shown, palette
