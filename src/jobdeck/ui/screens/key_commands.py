"""The command palette's key commands: one for every key action of the screen, its key shown.

They are made from the same ``KeySection``s as ``?`` (``DeckScreen.key_sections``),
so a key added to a binding is in the help and the palette at once, and neither
is written by hand. A command runs its action where the key would (the deck,
the job list, the log), so it is refused or explained exactly as the key is.

Left out: keys that only move (cursor, scrolling, focus), which mean nothing
without a place to move from, and the palette's own key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen

from jobdeck.safe_text import safe_line
from jobdeck.ui.deck_text import literal

KeyDisplay = Callable[[Binding], str]


@dataclass(frozen=True)
class KeySection:
    """One group of keys: what ``?`` shows under ``title`` and the palette offers."""

    title: str
    bindings: list[Binding]
    #: Why an action is unavailable right now, by the binding's action string.
    unavailable: Mapping[str, str] = field(default_factory=dict)
    #: Where the section's actions run (a widget, the screen); None: the App.
    target: DOMNode | None = None


def keys_text(binding: Binding, key_display: KeyDisplay) -> str:
    """The keys of ``binding`` as a user reads them ("ctrl+r", "up, k", "?")."""
    return binding.key_display or ", ".join(
        key_display(replace(binding, key=key.strip(), key_display=None)) for key in binding.key.split(",")
    )


#: Textual's own keys (the App's and every Screen's), said as the deck says things.
TEXTUAL_KEY_DESCRIPTIONS = {
    "command_palette": "Command palette",
    "app.focus_next": "Next pane",
    "app.focus_previous": "Previous pane",
    "quit": "Quit",
}


def everywhere_keys(app: App[Any]) -> list[Binding]:
    """Textual's keys that work on every screen (ctrl+p, tab, shift+tab, ctrl+q), described."""
    keys: list[Binding] = []
    bindings = [b for _, b in app._bindings] + [b for b in Screen.BINDINGS if isinstance(b, Binding)]
    for binding in bindings:
        description = TEXTUAL_KEY_DESCRIPTIONS.get(binding.action)
        if description is not None:
            keys.append(replace(binding, description=description))
    return keys


#: Actions that only move the cursor, the view or the focus: no palette command.
MOVES = frozenset({
    "cursor_up", "cursor_down", "page_up", "page_down", "first", "last",
    "scroll_up", "scroll_down", "scroll_home", "scroll_end",
    "app.focus_next", "app.focus_previous", "command_palette", "app.command_palette",
    "screen.copy_text",
})

#: Textual's own palette entries replaced by the generated ones: its "Keys" opens
#: Textual's generic help panel (a second help system), its "Quit" is the deck's ``q``.
REPLACED_SYSTEM_COMMANDS = frozenset({"Keys", "Quit"})


def command_help(binding: Binding, keys: str, reason: str | None) -> str:
    """The palette's second line for a command: its key, what it does, why not now.
    Escaped: the palette reads it as markup, and a reason quotes the backend (a state,
    a machine's name) as a tooltip may quote a plugin."""
    parts = [f"Key {keys}"]
    if binding.tooltip:
        parts.append(binding.tooltip)
    if reason:
        parts.append(f"unavailable: {reason}")
    return literal(safe_line(" · ".join(parts)))


def key_commands(app: App[Any], sections: Iterable[KeySection], key_display: KeyDisplay) -> Iterator[SystemCommand]:
    """A palette command per key action of ``sections``: the first binding of a key or
    a title wins (the deck's ``n`` and the log's ``n`` are one command)."""
    keys_seen: set[str] = set()
    titles_seen: set[str] = set()
    for section in sections:
        for binding in section.bindings:
            title = binding.description
            keys = [key.strip() for key in binding.key.split(",")]
            if not title or binding.action in MOVES or title in titles_seen or keys_seen.issuperset(keys):
                continue
            titles_seen.add(title)
            keys_seen.update(keys)
            reason = section.unavailable.get(binding.action)
            help_text = command_help(binding, keys_text(binding, key_display), reason)
            action = binding.action
            if reason:
                # What the key does then: its hidden twin says why (action_keys.action_bindings).
                action = next((b.action for b in section.bindings if b.key == binding.key and b.action != action), action)
            # (The title is read as markup too: an added action's verb is a plugin's.)
            yield SystemCommand(literal(safe_line(title)), help_text, _runner(app, section, action))


def _runner(app: App[Any], section: KeySection, action: str) -> Callable[[], None]:
    """Run ``action`` as its key would (checked, in its section's namespace), next in the queue."""
    target = section.target

    def run() -> None:
        app.call_next(app.run_action, action, target)

    return run


def screen_key_commands(app: App[Any], screen: object) -> Iterator[SystemCommand]:
    """The key commands of ``screen``, if it has key sections (the deck does); else none."""
    key_sections = getattr(screen, "key_sections", None)
    if key_sections is None:
        return
    yield from key_commands(app, key_sections(), app.get_key_display)
    # Commands that are no key's: the deck's saved views, one command each.
    view_commands = getattr(screen, "view_commands", None)
    if view_commands is not None:
        yield from view_commands()
