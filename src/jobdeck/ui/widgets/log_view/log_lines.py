"""The log pane drawn with Textual's Line API: ``LogLines``, the base of ``LogView``.

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

from typing import ClassVar

from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from jobdeck.safe_text import display_width
from jobdeck.ui.widgets.log_view.buffer import LogBuffer
from jobdeck.ui.widgets.log_view.line_strips import LineStrips, fixed_row, size_text
from jobdeck.ui.widgets.log_view.search import LogSearch
from jobdeck.ui.widgets.log_view.wrap_layout import WrapLayout


class LogLines(ScrollView):
    """A bounded log buffer in a scroll view, following its tail or paused, wrapped or not.

    This class draws and moves the view; what the pane does with its lines
    (appending, earlier windows, the notice, search, keys, messages) is
    ``LogView``'s.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "log-view--notice",
        "log-view--status",
        "log-view--match",
        "log-view--match-current",
        "log-view--dropped",
    }

    following: reactive[bool] = reactive(True, init=False)
    """New lines keep the view at the bottom. Scrolling up pauses it."""

    wrap: reactive[bool] = reactive(False, init=False, toggle_class="-wrap")
    """Wrap long lines to the width of the pane (else scroll horizontally)."""

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
        # Whether the pane draws its own "paused · N new lines" row; a parent
        # showing the same in a border subtitle can turn it off.
        self.show_status = show_status
        self.new_since_pause = 0
        #: The log is complete (its job ended): no line will come, nothing to follow.
        self.log_ended = False
        self._buffer = LogBuffer(max_lines)
        self._layout = WrapLayout(self._buffer)
        self._search = LogSearch()
        self._notice: str | None = None
        # Set while we move the view ourselves, so it does not count as the user scrolling.
        self._moving = False
        self._component_rich_styles: dict[str, Style] = {}
        self._strips = LineStrips(
            self._buffer, self._layout, self._search, style=self._style, console=lambda: self.app.console
        )

    def watch_wrap(self, wrap: bool) -> None:
        top = self._top_entry()
        self._relayout()
        if self.following:
            self._move_to(x=0, y=self.max_scroll_y)
        else:
            self._move_to(x=0, y=self._layout.entry_row(top))
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        if self.wrap and self._text_width() != self._layout.width:
            top = self._top_entry()
            self._relayout()
            if not self.following:
                self._move_to(y=self._layout.entry_row(top))
        if self.following:
            self._scroll_to_end()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._component_rich_styles.clear()
        self._strips.restyle()

    # -- rendering ------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self._text_width()
        height = self.scrollable_content_region.height
        base = self.rich_style
        banner_rows = 1 if self._notice else 0
        if banner_rows and y == 0:
            return self._fixed_row(f" {self._notice}", "log-view--notice", width)
        if self._status_rows and y == height - 1:
            return self._fixed_row(f" {self.status_text()}", "log-view--status", width)
        row = int(self.scroll_y) + y - banner_rows
        strip = self._strips.content_row(row, width, wrap=self.wrap)
        if strip is None:
            return Strip.blank(width, base)
        if self.wrap:
            return strip.apply_style(base).crop_extend(0, width, base)
        scroll_x = int(self.scroll_x)
        return strip.apply_style(base).crop_extend(scroll_x, scroll_x + width, base)

    def _fixed_row(self, text: str, component: str, width: int) -> Strip:
        return fixed_row(text, self.rich_style + self._style(component), width, self.app.console)

    def status_text(self) -> str:
        """The pane's state in words: following; paused, with the lines come since; ended
        (the log is complete); or the earlier window shown. The status row draws it while
        not following; a parent may show it in a border instead (``show_status``)."""
        term = self._search.term
        window_end = self._buffer.window_end
        if window_end is not None:
            parts = [f"earlier lines, up to {size_text(window_end)} into the log", "b earlier", "f back to the end"]
            if term:
                parts.insert(1, f"/{term}")
            return " · ".join(parts)
        if self.log_ended:
            parts = ["ended"]
        elif self.following:
            parts = ["following"]
        else:
            parts = ["paused"]
            if self.new_since_pause:
                noun = "line" if self.new_since_pause == 1 else "lines"
                parts.append(f"{self.new_since_pause:,} new {noun}")
        if term:
            parts.append(f"/{term}")
        if not self.following:
            parts.append("f to the end" if self.log_ended else "f to follow")
        return " · ".join(parts)

    def _style(self, component: str) -> Style:
        style = self._component_rich_styles.get(component)
        if style is None:
            style = self.get_component_rich_style(component, partial=True)
            self._component_rich_styles[component] = style
        return style

    # -- layout ---------------------------------------------------------------

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

    def _relayout(self) -> None:
        """Lay the lines out afresh for the current mode and width (O(lines))."""
        self._layout.relayout(self._text_width() if self.wrap else 0)
        self._update_virtual_size()

    def _top_entry(self) -> int:
        """The kept line shown at the top of the view."""
        return self._layout.entry_at_row(int(self.scroll_y))

    def _update_virtual_size(self) -> None:
        fixed = (1 if self._notice else 0) + self._status_rows
        width = 0 if self.wrap else self._buffer.widest
        self.virtual_size = Size(width, self._layout.content_rows() + fixed)

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

    def _reveal(self, index: int, before_match: str) -> None:
        """Scroll so line ``index`` is in the middle of the view and its match on screen."""
        y = self._layout.entry_row(index) - self._content_height() // 2
        x: float | None = None
        if not self.wrap:
            column = display_width(before_match)
            width = self._text_width()
            if not self.scroll_x <= column < self.scroll_x + width:
                x = max(0, column - width // 3)
        self._move_to(x=x, y=y)

