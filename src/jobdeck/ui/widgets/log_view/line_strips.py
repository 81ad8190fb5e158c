"""The log pane's content rows as strips: what ``LogView.render_line`` draws under its fixed rows.

A kept line is converted with ``to_rich_text`` (terminal-safe, colours kept)
only when it is drawn, and kept in a small LRU cache keyed by its raw text;
its strip (the search's matches styled) in another, keyed by the raw text,
the search term and where the current match is on it (if it is). Wrapped, a line's strip is cut into rows of the pane's width.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.strip import Strip

from jobdeck.safe_text import to_plain, to_rich_text
from jobdeck.sizes import byte_size
from jobdeck.ui.widgets.log_view.buffer import LogBuffer
from jobdeck.ui.widgets.log_view.search import LogSearch
from jobdeck.ui.widgets.log_view.wrap_layout import WrapLayout


class LineStrips:
    """Draws the content rows of ``buffer`` as laid out by ``layout``, marking ``search``'s matches.

    ``style`` gives a component class's style (the pane's ``log-view--*`` classes);
    ``console`` the console a strip is rendered for (asked only when one is made).
    """

    def __init__(
        self,
        buffer: LogBuffer,
        layout: WrapLayout,
        search: LogSearch,
        *,
        style: Callable[[str], Style],
        console: Callable[[], Console],
    ) -> None:
        self._buffer = buffer
        self._layout = layout
        self._search = search
        self._style = style
        self._console = console
        # Converted lines by raw text; rendered strips by (raw text, search term).
        self._text_cache: LRUCache[str, Text] = LRUCache(1024)
        self._strip_cache: LRUCache[tuple[str, str | None, int | None], Strip] = LRUCache(1024)

    def clear(self) -> None:
        """Forget every line converted (the lines were replaced)."""
        self._text_cache.clear()
        self._strip_cache.clear()

    def restyle(self) -> None:
        """Draw every line afresh (the search or the styles changed)."""
        self._strip_cache.clear()

    def content_row(self, row: int, width: int, *, wrap: bool) -> Strip | None:
        """The unstyled strip of one content row, or None past the end."""
        if row < 0:
            return None
        if self._layout.earlier_rows:
            if row == 0:
                text = Text(self._earlier_text(), style=self._style("log-view--dropped"))
                return Strip(text.render(self._console()), text.cell_len)
            row -= 1
        buffer = self._buffer
        if not wrap:
            return self._line_strip(row) if row < buffer.count else None
        index, sub_row = self._layout.locate(row)
        if index is None:
            return None
        pieces = self._wrapped_strips(index, width)
        return pieces[sub_row] if sub_row < len(pieces) else None

    def _line_strip(self, index: int) -> Strip:
        """Kept line ``index`` as a strip, the search's matches marked (the current one apart)."""
        raw = self._buffer.entry(index)
        search = self._search
        current = search.current_start(self._buffer.dropped + index)
        key = (raw, search.term, current)
        strip = self._strip_cache.get(key)
        if strip is None:
            text = self._converted(raw)
            if search.pattern is not None:
                text = text.copy()
                match_style = self._style("log-view--match")
                current_style = self._style("log-view--match-current")
                for match in search.pattern.finditer(text.plain):
                    style = current_style if match.start() == current else match_style
                    text.stylize(style, match.start(), match.end())
            strip = Strip(text.render(self._console()), text.cell_len)
            self._strip_cache[key] = strip
        return strip

    def _wrapped_strips(self, index: int, width: int) -> list[Strip]:
        strip = self._line_strip(index)
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

    def _earlier_text(self) -> str:
        dropped, skipped = self._buffer.dropped, self._buffer.skipped_bytes
        if not skipped:
            if self._buffer.earlier_unavailable:
                return f"… {dropped:,} earlier lines not kept ({self._buffer.earlier_unavailable})"
            return f"… {dropped:,} earlier lines not kept · b loads them"
        text = f"… earlier lines not loaded (the first {size_text(skipped)})"
        text = f"{text}, then {dropped:,} not kept" if dropped else text
        return f"{text} · b loads them"


def fixed_row(text: str, style: Style, width: int, console: Console) -> Strip:
    """A row that does not scroll (the notice, the status): ``text`` made plain, cut to ``width``."""
    line = Text(to_plain(text), style=style, end="")
    line.truncate(width, overflow="ellipsis")
    return Strip(line.render(console), line.cell_len).extend_cell_length(width, style)


def size_text(size: int) -> str:
    """A byte count for people: 812 bytes, 3.4 KB, 1.0 GB."""
    return byte_size(size, ("bytes", "KB", "MB", "GB"), grouping=",")
