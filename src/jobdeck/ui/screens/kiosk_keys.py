"""The kiosk's keys as a user meets them: ``?`` lists only those that work there, first
the way out (the quit sequence); a key the kiosk refuses (``q``, ``c``, ``a``, ``esc`` …)
says so, and how to leave.

Whether a key works is asked of the same ``check_action`` that refuses it (the
kiosk screen's allow-list, the App's blocked actions, a widget's own), or of the
panes' actions the kiosk refuses (``KIOSK_REFUSED_PANE_ACTIONS``, refused by the
kiosk's hint before the pane sees the key), so the help cannot list a key the kiosk
refuses nor leave out one it takes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode

from jobdeck.ui.runtime.quit_sequence import QuitSequence
from jobdeck.ui.screens.key_commands import KeySection


#: The panes' actions the kiosk does not take, though the panes would: it opens no pager
#: (the log pane would only say so), and no search starts there (``/`` is off), so the
#: log's filter mode and its next and previous match have nothing to work on.
KIOSK_REFUSED_PANE_ACTIONS = frozenset({"open_pager", "toggle_finder_mode", "search_next", "search_previous"})

#: The actions whose key people press to leave: refused, their hint says only how to quit.
_LEAVING = frozenset({"app.quit", "escape"})


def action_works(app: App[Any], target: DOMNode | None, action: str) -> bool:
    """Whether ``action`` (as a binding spells it: ``app.quit``, ``show_pane('log')``) runs
    in the kiosk where its binding is (``target``; None: the App), as its key would run it."""
    name = action.split("(", 1)[0]
    namespace, _, name = name.rpartition(".")
    if name in KIOSK_REFUSED_PANE_ACTIONS:
        return False
    node: DOMNode = app if namespace == "app" or target is None else target
    if namespace == "screen":
        node = app.screen
    return node.check_action(name, ()) is not False


def quit_key(sequence: QuitSequence) -> Binding:
    """The quit sequence as a line of ``?``: its keys, then what they do."""
    return Binding(sequence.keys[0], "kiosk_quit", "Quit the kiosk", key_display=sequence.describe())


def kiosk_sections(app: App[Any], sections: Iterable[KeySection], sequence: QuitSequence) -> list[KeySection]:
    """``sections`` with only the keys that work in the kiosk, after one that says how to
    leave it (the deck's ``q`` and Textual's ``ctrl+q`` do not). A section left empty goes."""
    kept = [KeySection("Kiosk", [quit_key(sequence)])]
    for section in sections:
        bindings = [b for b in section.bindings if action_works(app, section.target, b.action)]
        if bindings:
            kept.append(replace(section, bindings=bindings))
    return kept


def refused_key_hint(key: str, bindings: Iterable[tuple[Binding, DOMNode | None]], app: App[Any],
                     sequence: QuitSequence) -> str | None:
    """What to say when ``key`` is pressed in the kiosk: why it does nothing and how to
    quit, when a binding of it is refused there; None when one works (or none exists)."""
    refused: Binding | None = None
    for binding, target in bindings:
        if key not in (part.strip() for part in binding.key.split(",")):
            continue
        if action_works(app, target, binding.action):
            return None
        refused = refused or binding
    if refused is None:
        return None
    shown = app.get_key_display(replace(refused, key=key, key_display=None))
    if refused.action in _LEAVING:
        return f"This is a kiosk: {shown} does not quit it. To quit the kiosk: {sequence.describe()}"
    what = f"{shown} ({refused.description})" if refused.description else shown
    return f"This is a kiosk: {what} is off here. To quit the kiosk: {sequence.describe()}"
