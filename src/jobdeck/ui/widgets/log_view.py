"""The streaming log pane: a bounded buffer drawn with the Line API.

Only the visible rows are ever converted and rendered, so a fire-hose of
appends costs little: ``append`` stores raw text and updates a few counters;
``render_line`` converts a line with ``to_rich_text`` when it scrolls into
view and keeps the result in a small LRU cache keyed by the line's text.

The pane's rows, top to bottom:

* an optional notice banner (``set_notice``), fixed, never scrolled;
* the content: "… N earlier lines not kept" when the buffer has dropped
  lines, then the kept lines, then the pending partial line (if any);
* while following is paused, a status row, fixed at the bottom.

The fixed rows count in the virtual height so the last content line can
still be scrolled into view above the status row.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from jobdeck.safe_text import display_width, to_plain, to_rich_text
from jobdeck.sizes import byte_size

_LINE_SPLIT = re.compile(r"\r?\n")

#: Longer lines are cut: one runaway line must not make every render slow.
MAX_LINE_CHARS = 16_384


def _bounded(line: str) -> str:
    """``line`` cut to ``MAX_LINE_CHARS``, saying so."""
    if len(line) <= MAX_LINE_CHARS:
        return line
    return f"{line[:MAX_LINE_CHARS]} … [{len(line) - MAX_LINE_CHARS:,} more characters not shown]"


def _bounded_partial(partial: str) -> tuple[str, str | None]:
    """(pending text, a line to flush) for the pending line after an append.

    A progress bar redraws itself after ``\r`` and may never end its line:
    once text follows the last ``\r``, what came before can never show again,
    so it is forgotten (with its colour; a small price). A runaway line
    without ``\r`` is flushed as a complete line, as a terminal would wrap it.
    """
    rewind = partial.rfind("\r", 0, len(partial) - 1)
    if rewind > 0 and to_plain(partial[rewind:]):
        partial = partial[rewind:]
    if len(partial) <= MAX_LINE_CHARS:
        return partial, None
    return "", partial


#: Anything that makes a line's width differ from its length: control characters
#: (escape sequences, tabs, carriage returns) and everything beyond ASCII.
_NOT_PLAIN_ASCII = re.compile(r"[^\x0a\x20-\x7e]")


def _widest(lines: list[str], chunk: str) -> int:
    """The widest of ``lines`` (all taken from ``chunk``) in cells.

    Measuring every line cell by cell costs more than everything else an
    append does; a chunk of plain printable ASCII (most logs) is measured
    by length instead, in one pass of C code.
    """
    if not _NOT_PLAIN_ASCII.search(chunk):
        return max(map(len, lines))
    return max(map(display_width, lines))


#: A pending line longer than this is measured by its length, not cell by cell,
#: so a line that grows a character at a time stays cheap to append to.
_MEASURED_PARTIAL = 2048


class LogView(ScrollView, can_focus=True):
    """A log that follows its tail, pauses when scrolled up, wraps and searches."""

    # Mouse selection would need per-line selection spans; copy uses lines_text().
    ALLOW_SELECT = False

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "log-view--notice",
        "log-view--status",
        "log-view--match",
        "log-view--dropped",
    }

    DEFAULT_CSS = """
    LogView {
        background: $surface;
        color: $foreground;
        overflow-x: auto;
        /* Always reserve the scrollbar so the wrap width never flips. */
        overflow-y: scroll;
        &:focus {
            background-tint: $foreground 5%;
        }
        &.-wrap {
            overflow-x: hidden;
        }
        & > .log-view--notice {
            background: $warning-muted;
            color: $foreground;
            text-style: bold;
        }
        & > .log-view--status {
            background: $primary-muted;
            color: $foreground;
            text-style: bold;
        }
        & > .log-view--match {
            background: $accent;
            color: $background;
            text-style: bold;
        }
        & > .log-view--dropped {
            color: $text-muted;
            text-style: italic;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "scroll_up", "Scroll up", show=False),
        Binding("down", "scroll_down", "Scroll down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "scroll_home", "Top", show=False),
        Binding("end", "scroll_end", "End (follow)", show=False),
        Binding("f", "follow", "Follow", tooltip="Jump to the end and follow new lines", id="log.follow"),
        Binding("b", "earlier", "Earlier lines", show=False, id="log.earlier",
                tooltip="Load the lines before the first one shown (the pane keeps a bounded window)"),
        Binding("n", "search_next", "Next match", show=False, id="log.search_next"),
        Binding("N,shift+n", "search_previous", "Previous match", show=False, id="log.search_previous"),
    ]

    following: reactive[bool] = reactive(True, init=False)
    """New lines keep the view at the bottom. Scrolling up pauses it."""

    wrap: reactive[bool] = reactive(False, init=False, toggle_class="-wrap")
    """Wrap long lines to the width of the pane (else scroll horizontally)."""

    class _Asked(Message):
        """The user asked the pane's owner for other lines of the log."""

        def __init__(self, log_view: LogView) -> None:
            super().__init__()
            self.log_view = log_view

        @property
        def control(self) -> LogView:
            return self.log_view

    class EarlierWanted(_Asked):
        """The user asked for the lines before the first one in the pane (``b``)."""

    class TailWanted(_Asked):
        """The pane shows an earlier window and the user asked for the end again (``f``, End)."""

    class FollowChanged(Message):
        """Following the tail was paused or resumed."""

        def __init__(self, log_view: LogView, following: bool) -> None:
            super().__init__()
            self.log_view = log_view
            self.following = following

        @property
        def control(self) -> LogView:
            return self.log_view

    def __init__(
        self,
        *,
        max_lines: int = 10_000,
        show_status: bool = True,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.max_lines = max(1, max_lines)
        # Whether the pane draws its own "paused · N new lines" row; a parent
        # showing the same in a border subtitle can turn it off.
        self.show_status = show_status
        self._lines: list[str] = []
        self._partial = ""
        self._dropped = 0
        # Bytes before the first line loaded: a long log is opened at its tail (``start_at``).
        self._skipped_bytes = 0
        # Where an earlier window of the log ends (``show_window``); None while on the tail.
        self._window_end: int | None = None
        self._notice: str | None = None
        self.new_since_pause = 0
        # Widest line in cells, for horizontal scrolling without wrap.
        self._max_width = 0
        # Wrap layout: rows per kept line, their total, and lazily built starts.
        self._wrap_width = 0
        self._wrap_rows: list[int] = []
        self._wrap_total = 0
        self._wrap_starts: list[int] | None = None
        # Search state: the term and the absolute number of the matched line.
        self._search_term: str | None = None
        self._search_pattern: re.Pattern[str] | None = None
        self._match_line: int | None = None
        # Set while we move the view ourselves, so it does not count as the user scrolling.
        self._moving = False
        # Converted lines by raw text; rendered strips by (raw text, search term).
        self._text_cache: LRUCache[str, Text] = LRUCache(1024)
        self._strip_cache: LRUCache[tuple[str, str | None], Strip] = LRUCache(1024)
        self._component_rich_styles: dict[str, Style] = {}

    # -- public API -----------------------------------------------------------

    @property
    def line_count(self) -> int:
        """Lines kept, the pending partial line included."""
        return len(self._lines) + (1 if self._partial else 0)

    @property
    def dropped_lines(self) -> int:
        """How many of the oldest lines were dropped to respect ``max_lines``."""
        return self._dropped

    @property
    def start_offset(self) -> int:
        """The byte offset of the log this pane started from (0: the beginning)."""
        return self._skipped_bytes

    @property
    def window_end(self) -> int | None:
        """Where the earlier window shown ends (byte offset), or None: the pane is on the tail."""
        return self._window_end

    @property
    def search_term(self) -> str | None:
        return self._search_term

    def lines_text(self) -> list[str]:
        """The kept lines as plain, terminal-safe text (partial line included)."""
        return [to_plain(line) for line in self._entries()]

    def append(self, text: str) -> None:
        """Add a raw chunk of log; a trailing partial line waits for its newline."""
        if not text:
            return
        joined = self._partial + text
        # str.split is several times faster than the regex; most logs have no \r.
        pieces = joined.split("\n") if "\r" not in joined else _LINE_SPLIT.split(joined)
        self._partial, flushed = _bounded_partial(pieces.pop())
        if flushed is not None:
            pieces.append(flushed)
        longest = max(map(len, pieces), default=0)
        new_lines = pieces if longest <= MAX_LINE_CHARS else [_bounded(line) for line in pieces]
        self._lines.extend(new_lines)
        if new_lines:
            self._max_width = max(self._max_width, _widest(new_lines, joined))
            if self._wrap_width:
                self._extend_wrap_rows(new_lines)
            if not self.following:
                self.new_since_pause += len(new_lines)
        if self._partial:
            partial_width = (
                display_width(self._partial) if len(self._partial) <= _MEASURED_PARTIAL else len(self._partial)
            )
            self._max_width = max(self._max_width, partial_width)
        shift = self._trim()
        self._update_virtual_size()
        if self.following:
            self._scroll_to_end()
        elif shift:
            # The lines above the view went away; keep the view on the same lines.
            self._move_to(y=self.scroll_y - shift)
        self.refresh()

    def clear(self, notice: str | None = None) -> None:
        """Forget every line, show ``notice`` (if any) and follow again."""
        self._lines.clear()
        self._partial = ""
        self._dropped = 0
        self._skipped_bytes = 0
        self._window_end = None
        self._max_width = 0
        self._wrap_rows.clear()
        self._wrap_total = 0
        self._wrap_starts = None
        self._match_line = None
        self.new_since_pause = 0
        self._notice = notice or None
        self._text_cache.clear()
        self._strip_cache.clear()
        self._set_following(True)
        self._update_virtual_size()
        self._move_to(x=0, y=0)
        self.refresh()

    def start_at(self, offset: int) -> None:
        """Say the lines to come start at byte ``offset`` of the log: what is before it
        was not loaded (a long log opens at its tail). Call after ``clear``."""
        self._skipped_bytes = max(0, offset)
        self._update_virtual_size()
        if self.following:
            self._scroll_to_end()
        self.refresh()

    def show_window(self, text: str, start: int, end: int) -> None:
        """Show bytes ``start`` to ``end`` of the log (``text``) in place of the tail: an
        earlier window, paged to with ``b``. The view rests on its last lines, where the
        earlier view began; ``f`` or End asks for the tail again (``TailWanted``)."""
        notice = self._notice
        self.clear(notice)
        self._skipped_bytes = max(0, start)
        self._window_end = end
        self.append(text)
        if self._partial:  # the window ends where a line began: this one is whole
            self.append("\n")
        self._set_following(False)
        self._update_virtual_size()
        self._move_to(y=self.max_scroll_y)
        self.refresh()

    def set_notice(self, text: str | None) -> None:
        """Show ``text`` in a one-line banner above the log (None hides it)."""
        self._notice = text or None
        self._update_virtual_size()
        if self.following:
            self._scroll_to_end()
        self.refresh()

    def follow(self) -> None:
        """Resume following: jump to the end and stay there as lines arrive. From an
        earlier window, the tail is asked for (``TailWanted``) and shown when it comes."""
        if self._window_end is not None:
            self.post_message(self.TailWanted(self))
            return
        self._set_following(True)
        self._scroll_to_end()

    def action_earlier(self) -> None:
        if not self._skipped_bytes and not self._dropped:
            self.notify("The log's first line is shown already", timeout=2)
            return
        self.post_message(self.EarlierWanted(self))

    def toggle_wrap(self) -> None:
        self.wrap = not self.wrap

    def search(self, term: str, *, backwards: bool = False) -> bool:
        """Find the next (or previous) line containing ``term``, case-insensitively.

        Starts after the current match when it is on screen, else from the
        view's first (or last) line, and wraps around the buffer. On a match:
        scrolls to it, highlights every occurrence and pauses following.
        Returns False, leaving the view alone, when no line matches.
        """
        if not term:
            self.clear_search()
            return False
        pattern = re.compile(re.escape(term), re.IGNORECASE)
        entries = self._entries()
        if not entries:
            return False
        start = self._search_start(term, backwards)
        step = -1 if backwards else 1
        for offset in range(len(entries)):
            index = (start + step * offset) % len(entries)
            match = pattern.search(to_plain(entries[index]))
            if match is not None:
                break
        else:
            return False
        self._search_term = term
        self._search_pattern = pattern
        self._match_line = self._dropped + index
        self._strip_cache.clear()
        self._set_following(False)
        self._reveal(index, to_plain(entries[index])[: match.start()])
        self.refresh()
        return True

    def search_next(self) -> bool:
        return self.search(self._search_term, backwards=False) if self._search_term else False

    def search_previous(self) -> bool:
        return self.search(self._search_term, backwards=True) if self._search_term else False

    def clear_search(self) -> None:
        self._search_term = None
        self._search_pattern = None
        self._match_line = None
        self._strip_cache.clear()
        self.refresh()

    # -- actions --------------------------------------------------------------

    def action_scroll_up(self) -> None:
        self._user_scroll(self.scroll_y - 1)

    def action_scroll_down(self) -> None:
        self._user_scroll(self.scroll_y + 1)

    def action_page_up(self) -> None:
        self._user_scroll(self.scroll_y - max(1, self._content_height() - 1))

    def action_page_down(self) -> None:
        self._user_scroll(self.scroll_y + max(1, self._content_height() - 1))

    def action_scroll_home(self) -> None:
        self._user_scroll(0)

    def action_scroll_end(self) -> None:
        self.follow()

    def action_follow(self) -> None:
        self.follow()

    def action_search_next(self) -> None:
        self.search_next()

    def action_search_previous(self) -> None:
        self.search_previous()

    # -- reactive watchers and events -----------------------------------------

    def watch_following(self, following: bool) -> None:
        if following:
            self.new_since_pause = 0
        self._update_virtual_size()
        self.refresh()
        self.post_message(self.FollowChanged(self, following))

    def watch_wrap(self, wrap: bool) -> None:
        top = self._top_entry()
        self._relayout()
        if self.following:
            self._move_to(x=0, y=self.max_scroll_y)
        else:
            self._move_to(x=0, y=self._entry_row(top))
        self.refresh()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._moving:
            return
        # Scrolling up (keys, wheel, scrollbar) pauses; reaching the end resumes.
        # A clamp after the content shrank lands exactly on the end: not a pause.
        # The end of an earlier window is not the log's end: nothing resumes there.
        if self._window_end is not None:
            return
        if new_value < old_value and new_value < self.max_scroll_y:
            self._set_following(False)
        elif new_value > old_value and new_value >= self.max_scroll_y and not self.following:
            self._set_following(True)

    def on_resize(self, event: events.Resize) -> None:
        if self.wrap and self._text_width() != self._wrap_width:
            top = self._top_entry()
            self._relayout()
            if not self.following:
                self._move_to(y=self._entry_row(top))
        if self.following:
            self._scroll_to_end()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._component_rich_styles.clear()
        self._strip_cache.clear()

    # -- rendering ------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self._text_width()
        height = self.scrollable_content_region.height
        base = self.rich_style
        banner_rows = 1 if self._notice else 0
        if banner_rows and y == 0:
            return self._fixed_row(f" {self._notice}", "log-view--notice", width)
        if self._status_rows and y == height - 1:
            return self._fixed_row(f" {self._status_text()}", "log-view--status", width)
        row = int(self.scroll_y) + y - banner_rows
        strip = self._content_row(row, width)
        if strip is None:
            return Strip.blank(width, base)
        if self.wrap:
            return strip.apply_style(base).crop_extend(0, width, base)
        scroll_x = int(self.scroll_x)
        return strip.apply_style(base).crop_extend(scroll_x, scroll_x + width, base)

    def _content_row(self, row: int, width: int) -> Strip | None:
        """The unstyled strip of one content row, or None past the end."""
        if row < 0:
            return None
        if self._earlier_rows:
            if row == 0:
                text = Text(self._earlier_text(), style=self._style("log-view--dropped"))
                return Strip(text.render(self.app.console), text.cell_len)
            row -= 1
        if not self.wrap:
            entries_count = self.line_count
            return self._line_strip(self._entry(row)) if row < entries_count else None
        index, sub_row = self._locate_wrapped(row)
        if index is None:
            return None
        pieces = self._wrapped_strips(self._entry(index), width)
        return pieces[sub_row] if sub_row < len(pieces) else None

    def _line_strip(self, raw: str) -> Strip:
        key = (raw, self._search_term)
        strip = self._strip_cache.get(key)
        if strip is None:
            text = self._converted(raw)
            if self._search_pattern is not None:
                text = text.copy()
                match_style = self._style("log-view--match")
                for match in self._search_pattern.finditer(text.plain):
                    text.stylize(match_style, match.start(), match.end())
            strip = Strip(text.render(self.app.console), text.cell_len)
            self._strip_cache[key] = strip
        return strip

    def _wrapped_strips(self, raw: str, width: int) -> list[Strip]:
        strip = self._line_strip(raw)
        length = strip.cell_length
        if length <= width:
            return [strip]
        cuts = [*range(width, length, width), length]
        return list(strip.divide(cuts))

    def _converted(self, raw: str) -> Text:
        text = self._text_cache.get(raw)
        if text is None:
            text = to_rich_text(raw)
            self._text_cache[raw] = text
        return text

    @property
    def _earlier_rows(self) -> int:
        """1 while the row about earlier lines (not loaded, or dropped) is drawn, else 0."""
        return 1 if self._dropped or self._skipped_bytes else 0

    def _earlier_text(self) -> str:
        if not self._skipped_bytes:
            return f"… {self._dropped:,} earlier lines not kept · b loads them"
        text = f"… earlier lines not loaded (the first {_size_text(self._skipped_bytes)})"
        text = f"{text}, then {self._dropped:,} not kept" if self._dropped else text
        return f"{text} · b loads them"

    def _fixed_row(self, text: str, component: str, width: int) -> Strip:
        style = self.rich_style + self._style(component)
        line = Text(to_plain(text), style=style, end="")
        line.truncate(width, overflow="ellipsis")
        return Strip(line.render(self.app.console), line.cell_len).extend_cell_length(width, style)

    def _status_text(self) -> str:
        if self._window_end is not None:
            parts = [f"earlier lines, up to {_size_text(self._window_end)} into the log", "b earlier", "f back to the end"]
            if self._search_term:
                parts.insert(1, f"/{self._search_term}")
            return " · ".join(parts)
        parts = ["paused"]
        if self.new_since_pause:
            noun = "line" if self.new_since_pause == 1 else "lines"
            parts.append(f"{self.new_since_pause:,} new {noun}")
        if self._search_term:
            parts.append(f"/{self._search_term}")
        parts.append("f to follow")
        return " · ".join(parts)

    def _style(self, component: str) -> Style:
        style = self._component_rich_styles.get(component)
        if style is None:
            style = self.get_component_rich_style(component, partial=True)
            self._component_rich_styles[component] = style
        return style

    # -- layout ---------------------------------------------------------------

    def _entries(self) -> list[str]:
        return [*self._lines, self._partial] if self._partial else self._lines

    def _entry(self, index: int) -> str:
        return self._lines[index] if index < len(self._lines) else self._partial

    def _text_width(self) -> int:
        return max(1, self.scrollable_content_region.width)

    @property
    def _status_rows(self) -> int:
        """1 while the paused status row is drawn, else 0."""
        return 1 if self.show_status and not self.following else 0

    def _content_height(self) -> int:
        """Rows available to content: the viewport minus banner and status rows."""
        height = self.scrollable_content_region.height
        return max(1, height - (1 if self._notice else 0) - self._status_rows)

    def _rows_of(self, raw: str) -> int:
        return max(1, -(-display_width(raw) // self._wrap_width))

    def _extend_wrap_rows(self, new_lines: list[str]) -> None:
        rows = [self._rows_of(line) for line in new_lines]
        self._wrap_rows.extend(rows)
        if self._wrap_starts is not None:
            starts = accumulate(rows, initial=self._wrap_starts[-1])
            next(starts)  # the old end, already there
            self._wrap_starts.extend(starts)
        self._wrap_total += sum(rows)

    def _relayout(self) -> None:
        """Recompute row counts for the current mode and width (O(lines))."""
        if self.wrap:
            self._wrap_width = self._text_width()
            self._wrap_rows = [self._rows_of(line) for line in self._lines]
            self._wrap_total = sum(self._wrap_rows)
        else:
            self._wrap_width = 0
            self._wrap_rows = []
            self._wrap_total = 0
        self._wrap_starts = None
        self._update_virtual_size()

    def _locate_wrapped(self, row: int) -> tuple[int | None, int]:
        """(line index, row within the line) of a content row in wrap mode."""
        if row < self._wrap_total:
            starts = self._starts()
            index = bisect_right(starts, row) - 1
            return index, row - starts[index]
        if self._partial and row - self._wrap_total < self._rows_of(self._partial):
            return len(self._lines), row - self._wrap_total
        return None, 0

    def _entry_row(self, index: int) -> int:
        """The first content row of a kept line (dropped-lines row included)."""
        offset = self._earlier_rows
        if not self.wrap:
            return offset + index
        if index >= len(self._lines):
            return offset + self._wrap_total
        return offset + self._starts()[index]

    def _starts(self) -> list[int]:
        """The first wrapped row of each kept line, built when first needed after a change."""
        if self._wrap_starts is None:
            self._wrap_starts = list(accumulate(self._wrap_rows, initial=0))
        return self._wrap_starts

    def _top_entry(self) -> int:
        """The kept line shown at the top of the view."""
        return self._entry_at_row(int(self.scroll_y))

    def _entry_at_row(self, row: int) -> int:
        """The kept line drawn on content row ``row`` (clamped to the kept lines)."""
        row -= self._earlier_rows
        if row <= 0:
            return 0
        if not self.wrap:
            return min(row, max(0, self.line_count - 1))
        index, _ = self._locate_wrapped(row)
        return index if index is not None else max(0, self.line_count - 1)

    def _content_rows(self) -> int:
        rows = (
            self._wrap_total + (self._rows_of(self._partial) if self._partial else 0) if self.wrap else self.line_count
        )
        return rows + self._earlier_rows

    def _update_virtual_size(self) -> None:
        fixed = (1 if self._notice else 0) + self._status_rows
        width = 0 if self.wrap else self._max_width
        self.virtual_size = Size(width, self._content_rows() + fixed)

    def _trim(self) -> int:
        """Drop the oldest lines beyond ``max_lines``; return how many rows went from the top."""
        excess = len(self._lines) - self.max_lines
        if excess <= 0:
            return 0
        rows_before = self._entry_row(excess)
        del self._lines[:excess]
        if self.wrap:
            self._wrap_total -= sum(self._wrap_rows[:excess])
            del self._wrap_rows[:excess]
            self._wrap_starts = None
        self._dropped += excess
        if self._match_line is not None and self._match_line < self._dropped:
            self._match_line = None
        # The first kept line now sits just below the earlier-lines row.
        return rows_before - 1

    # -- moving the view ------------------------------------------------------

    def _set_following(self, following: bool) -> None:
        if self.following != following:
            self.following = following

    def _scroll_to_end(self) -> None:
        self._move_to(y=self.max_scroll_y)

    def _move_to(self, *, x: float | None = None, y: float | None = None) -> None:
        self._moving = True
        try:
            self.scroll_to(x, y, animate=False, force=True)
        finally:
            self._moving = False

    def _user_scroll(self, y: float) -> None:
        self.scroll_to(y=y, animate=False)

    def _search_start(self, term: str, backwards: bool) -> int:
        """Where a search begins: next to the current match if on screen, else the view's edge."""
        first = self._top_entry()
        if self._match_line is not None and term.casefold() == (self._search_term or "").casefold():
            current = self._match_line - self._dropped
            last_visible = self._entry_at_row(int(self.scroll_y) + self._content_height() - 1)
            if first <= current <= last_visible:
                return current + (-1 if backwards else 1)
        if backwards:
            return self._entry_at_row(int(self.scroll_y) + self._content_height() - 1)
        return first

    def _reveal(self, index: int, before_match: str) -> None:
        """Scroll so line ``index`` is in the middle of the view and its match on screen."""
        y = self._entry_row(index) - self._content_height() // 2
        x: float | None = None
        if not self.wrap:
            column = display_width(before_match)
            width = self._text_width()
            if not self.scroll_x <= column < self.scroll_x + width:
                x = max(0, column - width // 3)
        self._move_to(x=x, y=y)


def _size_text(size: int) -> str:
    """A byte count for people: 812 bytes, 3.4 KB, 1.0 GB."""
    return byte_size(size, ("bytes", "KB", "MB", "GB"), grouping=",")
