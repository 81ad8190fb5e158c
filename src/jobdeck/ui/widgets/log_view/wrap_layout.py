"""Where the log pane's kept lines fall in its content rows, wrapped or not.

No Textual here. The content rows are: the "earlier lines" row (while lines
were dropped or never loaded), then the lines, one row each or, wrapped, as
many as each needs. While wrapping, appended lines add their row counts
(O(new lines)), dropped ones take theirs off, and the rows where lines start
(a running sum, bisected to find the line on a row) are rebuilt only when
first needed after a change.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate

from jobdeck.safe_text import display_width
from jobdeck.ui.widgets.log_view.buffer import LogBuffer


class WrapLayout:
    """The lines of ``buffer`` in content rows; wrapped at ``width`` cells (0: not wrapping)."""

    def __init__(self, buffer: LogBuffer) -> None:
        self._buffer = buffer
        self.width = 0
        # While wrapping: the rows each complete line takes, their sum, and where each starts.
        self._rows: list[int] = []
        self._total = 0
        self._starts: list[int] | None = None

    @property
    def earlier_rows(self) -> int:
        """1 while the row about earlier lines (not loaded, or dropped) is drawn, else 0."""
        buffer = self._buffer
        return 1 if buffer.dropped or buffer.skipped_bytes else 0

    def content_rows(self) -> int:
        """Every content row: the earlier-lines row and the lines."""
        buffer = self._buffer
        if self.width:
            rows = self._total + (self.rows_of(buffer.partial) if buffer.partial else 0)
        else:
            rows = buffer.count
        return rows + self.earlier_rows

    def rows_of(self, raw: str) -> int:
        """Rows one line takes wrapped at ``width``."""
        return max(1, -(-display_width(raw) // self.width))

    def relayout(self, width: int) -> None:
        """Lay every kept line out afresh at ``width`` (O(lines)); 0 stops wrapping."""
        self.width = width
        if width:
            self._rows = [self.rows_of(line) for line in self._buffer.lines]
            self._total = sum(self._rows)
        else:
            self._rows = []
            self._total = 0
        self._starts = None

    def clear(self) -> None:
        """The buffer was emptied; the width stays."""
        self._rows.clear()
        self._total = 0
        self._starts = None

    def appended(self, new_lines: list[str]) -> None:
        """``new_lines`` were appended to the buffer."""
        if not self.width:
            return
        rows = [self.rows_of(line) for line in new_lines]
        self._rows.extend(rows)
        if self._starts is not None:
            starts = accumulate(rows, initial=self._starts[-1])
            next(starts)  # the old end, already there
            self._starts.extend(starts)
        self._total += sum(rows)

    def trim(self) -> int:
        """Drop the buffer's oldest lines beyond its ``max_lines``; return how many rows went from the top."""
        buffer = self._buffer
        excess = buffer.excess
        if not excess:
            return 0
        rows_before = self.entry_row(excess)
        buffer.drop_oldest(excess)
        if self.width:
            self._total -= sum(self._rows[:excess])
            del self._rows[:excess]
            self._starts = None
        # The first kept line now sits just below the earlier-lines row.
        return rows_before - 1

    def locate(self, row: int) -> tuple[int | None, int]:
        """(line index, row within the line) of wrapped row ``row``, counted from the
        first kept line; the partial line follows the complete ones. (None, 0) past the end."""
        if row < self._total:
            starts = self._starts_of_lines()
            index = bisect_right(starts, row) - 1
            return index, row - starts[index]
        partial = self._buffer.partial
        if partial and row - self._total < self.rows_of(partial):
            return len(self._rows), row - self._total
        return None, 0

    def entry_row(self, index: int) -> int:
        """The first content row of kept line ``index`` (the earlier-lines row counted)."""
        offset = self.earlier_rows
        if not self.width:
            return offset + index
        if index >= len(self._rows):
            return offset + self._total
        return offset + self._starts_of_lines()[index]

    def entry_at_row(self, row: int) -> int:
        """The kept line drawn on content row ``row`` (clamped to the kept lines)."""
        row -= self.earlier_rows
        if row <= 0:
            return 0
        last = max(0, self._buffer.count - 1)
        if not self.width:
            return min(row, last)
        index, _ = self.locate(row)
        return index if index is not None else last

    def _starts_of_lines(self) -> list[int]:
        """The first wrapped row of each complete line, built when first needed after a change."""
        if self._starts is None:
            self._starts = list(accumulate(self._rows, initial=0))
        return self._starts
