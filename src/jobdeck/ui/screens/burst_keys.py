"""``/`` then text in one burst (a fast typist, a slow link), for a screen with a filter box.

Every key is handed to the focused widget before App-level bindings run, so ``/`` is
handled as it bubbles, and the keys after it, already queued for the list, are sent on to
the box (an ``Input`` with the class ``finder``) as text rather than run as commands ("a"
would ask to archive). The box's own keys never bubble here.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.events import Key
from textual.screen import Screen
from textual.widgets import Input


def slash_then_text(screen: Screen, event: Key, find: Callable[[], None]) -> None:
    """A screen's ``on_key``: ``find`` opens and focuses its filter box at once (set_focus)."""
    focused = screen.focused
    if isinstance(focused, Input):
        if focused.has_class("finder") and event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            focused.post_message(Key(event.key, event.character))
    elif event.key == "slash":
        event.stop()
        event.prevent_default()
        find()
