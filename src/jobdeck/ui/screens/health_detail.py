"""Every backend's health in full (``H``, or a click on the header's badges).

The header has one line for every backend, so it cuts an error to a few
words ("cannot connect to htt…") and drops it when narrow. Here each backend
gets its status, when it last answered, how many polls failed in a row, when
the next one is, its live-updates state, its warnings, and its last error in
full, wrapped rather than cut. All of it is the backend's text: made safe. Above them,
jobdeck's own warnings, if any (its history or archive: a file set aside, the history
over its size cap with nothing left to prune). Open, it follows the header's bar: a backend
that answers again, or stops answering, is shown so without closing it (the table is drawn
again only when its text changed, not at every tick).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from jobdeck import present
from jobdeck.monitor.events import BackendHealth, HealthStatus
from jobdeck.safe_text import safe_message
from jobdeck.ui.deck_text import STATUS_GLYPH, STATUS_GLYPH_ASCII

if TYPE_CHECKING:
    from jobdeck.ui.widgets.health_bar import HealthBar


#: One line of the health table: its label, its value (both safe text), and whether it heads a section.
HealthRow = tuple[str, str, bool]


def health_rows(
    health: Mapping[str, BackendHealth], now: datetime | None, *, ascii: bool = False, own_warnings: Sequence[str] = ()
) -> list[HealthRow]:
    """jobdeck's own warnings (``own_warnings``: its store's), then one section per backend:
    its status, then its fields, the last error in full. Plain values: two equal lists draw
    the same table (the open screen redraws only when they differ)."""
    rows: list[HealthRow] = []
    glyphs = STATUS_GLYPH_ASCII if ascii else STATUS_GLYPH
    if own_warnings:
        rows.append(("jobdeck", "its own records", True))
        rows.extend(("warning", safe_message(warning), False) for warning in own_warnings)
        rows.append(("", "", False))
    if not health:
        rows.append(("", "no backends configured", False))
    for backend in health.values():
        status = f"{backend.status.value} ({present.one_line(backend.kind)})"
        rows.append((f"{glyphs[backend.status]} {present.one_line(backend.name)}", status, True))
        rows.extend((label, value, False) for label, value in _fields(backend, now))
        rows.append(("", "", False))
    return rows


def rows_table(rows: Sequence[HealthRow]) -> Table:
    """The health rows as a two-column grid, each section's head underlined."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for label, value, head in rows:
        table.add_row(Text(label, style="underline" if head else ""), Text(value))
    return table


def health_table(
    health: Mapping[str, BackendHealth], now: datetime | None, *, ascii: bool = False, own_warnings: Sequence[str] = ()
) -> Table:
    """The health of ``health_rows`` as a table."""
    return rows_table(health_rows(health, now, ascii=ascii, own_warnings=own_warnings))


def _fields(backend: BackendHealth, now: datetime | None) -> list[tuple[str, str]]:
    fields: list[tuple[str, str]] = []
    if backend.last_ok is not None:
        age = present.age(backend.last_ok, now)
        fields.append(("last answer", "just now" if age == "now" else f"{age} ago"))
    elif backend.status is not HealthStatus.STARTING:
        fields.append(("last answer", "never"))
    if backend.consecutive_failures:
        noun = "poll" if backend.consecutive_failures == 1 else "polls"
        fields.append(("failed", f"{backend.consecutive_failures} {noun} in a row"))
    if backend.next_poll_in is not None:
        fields.append(("next poll", f"in {backend.next_poll_in:.0f}s"))
    if backend.push_error:
        fields.append(("live updates", f"reconnecting: {safe_message(backend.push_error)}"))
    elif backend.pushing:
        fields.append(("live updates", "connected"))
    for note in backend.notes:
        fields.append(("note", safe_message(note)))
    for warning in backend.warnings:
        fields.append(("warning", safe_message(warning)))
    if backend.last_error:
        fields.append(("last error", safe_message(backend.last_error)))
    return fields


def refresh_summary(health: Mapping[str, BackendHealth]) -> tuple[str, bool]:
    """What a refresh (ctrl+r) found, in a sentence; and whether every backend answered."""
    failed = [backend for backend in health.values() if backend.status is HealthStatus.DOWN]
    count = len(health)
    noun = "backend" if count == 1 else "backends"
    if not failed:
        return (f"{'The' if count == 1 else 'All'} {count} {noun} answered" if count else "No backends configured"), True
    names = ", ".join(present.one_line(backend.name) for backend in failed[:3]) + (" …" if len(failed) > 3 else "")
    return f"{count - len(failed)} of {count} {noun} answered; not {names} (H: why)", False


class HealthDetailScreen(ModalScreen[None]):
    """Each backend's health with its full error; Esc closes."""

    DEFAULT_CSS = """
    HealthDetailScreen {
        align: center middle;
    }
    HealthDetailScreen > VerticalScroll {
        width: 100;
        max-width: 100%;
        height: auto;
        max-height: 90%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    """

    BINDINGS = [Binding("escape,q,H", "dismiss", "Close", id="health.close")]

    def __init__(
        self,
        health: Mapping[str, BackendHealth],
        now: datetime | None,
        *,
        ascii: bool = False,
        own_warnings: Sequence[str] = (),
        follow: HealthBar | None = None,
        own_warnings_now: Callable[[], Sequence[str]] | None = None,
    ) -> None:
        """``follow``: the header's bar, whose health (and clock) the screen redraws from while
        open; ``own_warnings_now`` reads jobdeck's own warnings again for each redraw."""
        super().__init__()
        self._ascii = ascii
        self._follow = follow
        self._own_warnings_now = own_warnings_now
        #: What the table shows now: it is drawn again only when this changes.
        self._rows = health_rows(health, now, ascii=ascii, own_warnings=own_warnings)

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "Backend health"
            scroll.border_subtitle = "Esc to close"
            yield Static(rows_table(self._rows), id="health-detail")

    def on_mount(self) -> None:
        if self._follow is not None:
            self.watch(self._follow, "health", self._redraw, init=False)
            self.watch(self._follow, "now", self._redraw, init=False)

    def _redraw(self) -> None:
        bar = self._follow
        if bar is None:
            return
        own = self._own_warnings_now() if self._own_warnings_now is not None else ()
        rows = health_rows(bar.health, bar.now, ascii=self._ascii, own_warnings=own)
        if rows == self._rows:  # a tick that moved nothing it says ("5m ago" still): no new table
            return
        self._rows = rows
        self.query_one("#health-detail", Static).update(rows_table(rows))

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
