"""Textual's Footer, rebuilt once per batch of binding changes.

The stock footer recomposes all its keys (a dozen widgets, styled afresh)
for every ``refresh_bindings``; start-up alone sends a dozen of those (focus,
mounts, the first job shown), and each rebuild is a few milliseconds of a
frame the user is waiting for. One rebuild after the batch shows the same.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    """A Footer that coalesces rebuilds requested before the next refresh."""

    _rebuild_queued = False

    def bindings_changed(self, screen: Screen) -> None:
        if self._rebuild_queued:
            return  # the queued rebuild reads the bindings as they are by then
        self._rebuild_queued = True
        super().bindings_changed(screen)
        self.call_after_refresh(self._rebuilt)

    def _rebuilt(self) -> None:
        self._rebuild_queued = False
