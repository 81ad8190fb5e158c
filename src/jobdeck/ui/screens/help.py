"""The key reference (``?``): generated from the live bindings, so it never drifts.

The deck hands it ``KeySection``s (``DeckScreen.key_sections``); the command
palette lists the same sections as commands (``key_commands``), so the keys
are documented in one place: their bindings.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from jobdeck.safe_text import safe_line
from jobdeck.ui.screens.key_commands import KeyDisplay, KeySection, keys_text

FILTER_HELP = [
    ("text", "jobs whose name, id, backend, raw state or labels contain it"),
    ("state:failed", "by state (several: state:failed,running)"),
    ("backend:local", "by backend name"),
    ("machine:m1", "by a label (any label key)"),
    ("group:translate", "the jobs of a group, by its name or id (several: group:a,b)"),
    ("since:2d  until:2026-12-01", "last active since / began by then (30m 12h 7d 2w, or a date)"),
    ("age:<1h  age:>7d", "by the time since the job was last active (<, <=, >, >=)"),
    ("-state:succeeded  NOT etl", "excludes"),
    ("a OR b  (a OR b) c", "either; parentheses group (OR in capitals)"),
    ("name:/^etl-/", "a pattern (case-insensitive)"),
    ("labels.partition:gpu", "a label by its key; detail.FIELD:text a field of the backend's detail"),
    ("ended:today  duration:>10m", "ended that day (started: too); ran longer than that"),
    ("sort:name  sort:-name", "the list's order while the term is there; - reverses it"),
    ('"two words"', "a phrase"),
]

#: What the log pane's keys cannot say: how to keep a whole log.
LOG_HELP = [
    ("jobdeck logs REF > FILE", "saves a job's whole log (the pane keeps its last lines only)"),
    ("jobdeck logs -f REF", "follows it in a plain terminal"),
]


def key_table(sections: Iterable[KeySection], key_display: KeyDisplay) -> Table:
    """One table of every key: section, key, what it does, and why it is unavailable."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for section in sections:
        table.add_row(Text(section.title, style="underline"), "")
        seen: set[str] = set()
        for binding in section.bindings:
            if not binding.description or binding.description in seen:
                continue
            seen.add(binding.description)
            keys = Text(keys_text(binding, key_display))  # (a str would be read as markup)
            what = Text(safe_line(binding.description))
            reason = section.unavailable.get(binding.action)
            if reason:
                what.append(f"  (unavailable: {safe_line(reason)})", style="dim")
            table.add_row(keys, what)
        table.add_row("", "")
    return table


class HelpScreen(ModalScreen[None]):
    """Every key, grouped, with the reason any action is unavailable right now."""

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen > VerticalScroll {
        width: 90;
        max-width: 100%;
        height: 90%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    """

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", id="help.close")]

    def __init__(self, sections: list[KeySection]) -> None:
        super().__init__()
        self._sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "Keys"
            scroll.border_subtitle = "Esc to close"
            yield Static(key_table(self._sections, self.app.get_key_display))
            filters = Table.grid(padding=(0, 2))
            filters.add_column(style="bold", no_wrap=True)
            filters.add_column()
            filters.add_row(Text("Filter terms (/)", style="underline"), "")
            for term, meaning in FILTER_HELP:
                filters.add_row(term, meaning)
            filters.add_row("", "")
            filters.add_row(Text("Logs from the command line", style="underline"), "")
            for command, meaning in LOG_HELP:
                filters.add_row(command, meaning)
            yield Static(filters)

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
