"""One line of backend badges: is each backend answering, since when, and why not.

    ● local ok 2s  ✗ drp down 1m: connection refused  ◐ julep degraded 12s ⚠ TLS verification off
    ● julep ok · live updates reconnecting

A backend whose polls work while its push channel is being reconnected says
so after its status ("live updates reconnecting"), so "ok" never hides it.

When the line is too narrow it sheds detail in a fixed order: error texts
first (shortened to share the room left, then dropped), then ages, then warning texts (their ⚠ stays)
with the live-updates note shortened ("no live updates"), then the word "ok"
(its glyph stays), then the healthy backends' names (they become one
"● 4 ok" badge; those not ok keep theirs: they are the news), then every name
("● 4 ok  ✗ 1 down"); only then is the line cut with an ellipsis. Every
backend's full health is a click (or ``H``) away (``HealthDetailScreen``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from textual.events import Click
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from jobdeck import present
from jobdeck.monitor.events import BackendHealth, HealthStatus
from jobdeck.ui.deck_text import STATUS_GLYPH, STATUS_GLYPH_ASCII

_SEPARATOR = "  "


@dataclass(frozen=True)
class _Detail:
    """How much of each badge to show."""

    #: Cells of error text per badge (0: none).
    error_width: int = 40
    ages: bool = True
    warning_text: bool = True
    #: The live-updates note in full ("live updates reconnecting"), else short.
    push_text: bool = True
    #: The word "ok" after a healthy backend's name (its glyph says it too).
    ok_word: bool = True
    #: The statuses whose backends are counted in one badge ("● 4 ok") instead of named.
    counted: frozenset[HealthStatus] = frozenset()
    #: The backend's notes ("2 workers online, 3 active tasks"): only where everything else fits.
    notes: bool = False


_TERSE = _Detail(error_width=0, ages=False, warning_text=False, push_text=False)

# From the most detail to the least; the first that fits is drawn.
_DETAIL_LEVELS = (
    _Detail(notes=True),
    _Detail(),
    _Detail(error_width=16),
    _Detail(error_width=0),
    _Detail(error_width=0, ages=False),
    _TERSE,
    replace(_TERSE, ok_word=False),
    replace(_TERSE, ok_word=False, counted=frozenset({HealthStatus.OK})),
    replace(_TERSE, ok_word=False, counted=frozenset(HealthStatus)),
)

#: After the status of a backend whose polls work while its push channel is reconnected.
PUSH_NOTE = "live updates reconnecting"
PUSH_NOTE_SHORT = "no live updates"

# (text, component class or None for the base style)
_Piece = tuple[str, str | None]


class HealthBar(Widget):
    """A one-line summary of every backend's health."""

    DEFAULT_CSS = """
    HealthBar {
        height: 1;
        background: $panel;
        color: $foreground;
        & > .health-bar--ok { color: $success; }
        & > .health-bar--degraded { color: $warning; }
        & > .health-bar--down { color: $error; text-style: bold; }
        & > .health-bar--starting { color: $text-muted; }
        & > .health-bar--warning { color: $warning; }
        & > .health-bar--detail { color: $text-muted; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "health-bar--ok",
        "health-bar--degraded",
        "health-bar--down",
        "health-bar--starting",
        "health-bar--warning",
        "health-bar--detail",
    }
    """
    | Class | Description |
    | :- | :- |
    | `health-bar--<status>` | The glyph and status word of a backend in that status (ok, degraded, down, starting). |
    | `health-bar--warning` | A backend's warnings. |
    | `health-bar--detail` | Ages and error texts. |
    """

    #: Health by backend name, in display order. Replace the dict to update.
    health: reactive[dict[str, BackendHealth]] = reactive(dict, repaint=False)
    #: The time ages are measured to.
    now: reactive[datetime | None] = reactive(None, repaint=False)
    #: Plain ASCII glyphs instead of unicode ones.
    ascii: reactive[bool] = reactive(False)

    #: The line's pieces at every level of detail (most first), as last repainted.
    _shown: tuple[list[_Piece], ...] = ()
    #: Everything the pieces are made of (``_said``), as they were last made.
    _said_last: object = None

    class DetailWanted(Message):
        """The user clicked the badges: show every backend's health in full."""

    def on_click(self, event: Click) -> None:
        event.stop()
        self.post_message(self.DetailWanted())

    # Health and the time are set once a second; the bar repaints only when its text changes.
    def watch_health(self) -> None:
        self._refresh_if_changed()

    def watch_now(self) -> None:
        self._refresh_if_changed()

    def watch_ascii(self) -> None:
        self._refresh_if_changed()

    def _refresh_if_changed(self) -> None:
        # What the badges say, read first: a tick that moves no text the bar shows (a poll's
        # time, an age not shown) works out none of its pieces.
        said = (self.ascii, tuple(self._said(health) for health in self.health.values()))
        if said == self._said_last:
            return
        self._said_last = said
        shown = tuple(self._pieces(detail) for detail in _DETAIL_LEVELS)
        if shown != self._shown:
            self._shown = shown
            self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y != 0:
            return Strip.blank(width, base)
        pieces = self._fitted(width)
        segments = [
            Segment(text, base if name is None else self.get_visual_style(name).rich_style)
            for text, name in pieces
        ]
        return Strip(segments).adjust_cell_length(width, base)

    def _fitted(self, width: int) -> list[_Piece]:
        if not self.health or not self._shown:
            return [(" no backends configured", "health-bar--detail")]
        for detail, pieces in zip(_DETAIL_LEVELS, self._shown, strict=True):
            if _width(pieces) <= width:
                return self._widened(detail, pieces, width)
        return _cut(pieces, width)

    def _widened(self, detail: _Detail, pieces: list[_Piece], width: int) -> list[_Piece]:
        """``pieces`` whose shortened errors share the room the line leaves, up to the most
        an error is given (``_Detail().error_width``): "unreachable: drp: cannot co…" rather
        than "unreachable: dr…" and 20 blank cells."""
        erring = sum(1 for h in self.health.values() if h.last_error and h.status is not HealthStatus.OK)
        spare = width - _width(pieces)
        most = _Detail().error_width
        if not detail.error_width or detail.error_width >= most or not erring or spare < erring:
            return pieces
        wider = self._pieces(replace(detail, error_width=min(most, detail.error_width + spare // erring)))
        return wider if _width(wider) <= width else pieces

    def _pieces(self, detail: _Detail) -> list[_Piece]:
        badges: list[list[_Piece]] = []
        counted: dict[HealthStatus, list[BackendHealth]] = {}
        for health in self.health.values():
            if health.status not in detail.counted:
                badges.append(self._badge(health, detail))
                continue
            if health.status not in counted:
                counted[health.status] = []
                badges.append([])  # the count's place: where the first of them was
            counted[health.status].append(health)
        counts = iter(counted.values())
        pieces: list[_Piece] = [(" ", None)]
        for number, badge in enumerate(badges):
            if number:
                pieces.append((_SEPARATOR, None))
            if not badge:
                alike = next(counts)
                # One of a kind keeps its name: "● local" says more than "● 1 ok".
                badge = self._badge(alike[0], detail) if len(alike) == 1 else self._count_badge(alike)
            pieces.extend(badge)
        return pieces

    def _count_badge(self, backends: list[BackendHealth]) -> list[_Piece]:
        """One badge for backends in the same status: "● 4 ok", with a ⚠ if any has a warning."""
        status = backends[0].status
        status_class = f"health-bar--{status.value}"
        glyphs = STATUS_GLYPH_ASCII if self.ascii else STATUS_GLYPH
        pieces: list[_Piece] = [(f"{glyphs[status]} {len(backends)} {status.value}", status_class)]
        if any(b.warnings or (b.push_error and status is not HealthStatus.DOWN) for b in backends):
            pieces.append((" !" if self.ascii else " ⚠", "health-bar--warning"))
        return pieces

    def _said(self, health: BackendHealth) -> tuple[object, ...]:
        """What ``health``'s badge may show at any level of detail (all ``_pieces`` reads of it)."""
        age = None
        if health.last_ok is not None and self._age_worth_showing(health):
            age = present.age(health.last_ok, self.now)
        return (health.name, health.status, health.last_error, health.push_error, health.warnings, health.notes, age)

    def _age_worth_showing(self, health: BackendHealth) -> bool:
        if health.status is not HealthStatus.OK:
            return True  # when it last answered is the news
        if self.now is None or health.last_ok is None:
            return False
        overdue_after = max(QUIET_AGE_SECONDS, 2 * (health.next_poll_in or 0.0))
        return (self.now - health.last_ok).total_seconds() > overdue_after

    def _badge(self, health: BackendHealth, detail: _Detail) -> list[_Piece]:
        status_class = f"health-bar--{health.status.value}"
        glyphs = STATUS_GLYPH_ASCII if self.ascii else STATUS_GLYPH
        pieces: list[_Piece] = [(glyphs[health.status] + " ", status_class)]
        if detail.ok_word or health.status is not HealthStatus.OK:
            pieces += [(present.one_line(health.name) + " ", None), (health.status.value, status_class)]
        else:
            pieces.append((present.one_line(health.name), None))
        if detail.ages and health.last_ok is not None and self._age_worth_showing(health):
            pieces.append((" " + present.age(health.last_ok, self.now), "health-bar--detail"))
        if detail.error_width and health.last_error and health.status is not HealthStatus.OK:
            error = present.truncate(present.one_line(health.last_error), detail.error_width)
            pieces.append((": " + error, "health-bar--detail"))
        if health.push_error and health.status in (HealthStatus.OK, HealthStatus.DEGRADED):
            # (When it is down, polls fail too: the push channel's state is no news.)
            dot = "-" if self.ascii else "·"
            pieces.append((f" {dot} {PUSH_NOTE if detail.push_text else PUSH_NOTE_SHORT}", "health-bar--warning"))
        if detail.notes:
            dot = "-" if self.ascii else "·"
            pieces += [(f" {dot} {present.one_line(note)}", "health-bar--detail") for note in health.notes]
        warning_glyph = "!" if self.ascii else "⚠"
        for warning in health.warnings:
            text = f" {warning_glyph} {present.one_line(warning)}" if detail.warning_text else f" {warning_glyph}"
            pieces.append((text, "health-bar--warning"))
        return pieces


#: A healthy backend's badge says when it last answered only once that is overdue:
#: longer ago than this, and than two of its poll intervals. An age ticking by every
#: second on a healthy backend says nothing, and would repaint the bar every second.
QUIET_AGE_SECONDS = 10.0


def _width(pieces: list[_Piece]) -> int:
    return sum(cell_len(text) for text, _ in pieces)


def _cut(pieces: list[_Piece], width: int) -> list[_Piece]:
    """``pieces`` cut to ``width`` cells, the last one ending in an ellipsis."""
    kept: list[_Piece] = []
    room = width
    for text, name in pieces:
        size = cell_len(text)
        if size < room:
            kept.append((text, name))
            room -= size
            continue
        # Something always follows here (the whole line did not fit), so mark the cut.
        kept.append((present.fit(set_cell_size(text, max(0, room - 1)).rstrip() + "…", room), name))
        break
    return kept
