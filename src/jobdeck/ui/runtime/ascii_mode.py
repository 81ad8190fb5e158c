"""ASCII mode's terminal-wide parts: the last pass over every line, and the scrollbars.

Widgets draw ASCII glyphs themselves in ASCII mode (states, bars, borders);
what is left are separators and ellipses inside sentences (" · " in titles,
"…" where text is cut), spread over many modules. ``AsciiMarks`` maps them,
one cell for one cell so nothing moves, on every line drawn; the same marks
in backend text are mapped too (ASCII mode means the terminal cannot show
them). Other characters are left alone: replacing a wide one with one cell
would shift the columns. Scrollbars are Textual's, drawn with block glyphs:
``AsciiScrollBarRender`` draws them with spaces.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter
from textual.scrollbar import ScrollBarRender

#: One-cell marks and their one-cell ASCII stand-ins.
ASCII_MARKS = str.maketrans({"·": "-", "…": "~", "—": "-", "–": "-", "‘": "'", "’": "'", "“": '"', "”": '"'})


class AsciiMarks(LineFilter):
    """Replaces jobdeck's typographic marks with ASCII ones, cell for cell."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [
            Segment(text.translate(ASCII_MARKS), style, control) if not text.isascii() else segment
            for segment in segments
            for text, style, control in (segment,)
        ]


class AsciiScrollBarRender(ScrollBarRender):
    """Scrollbars drawn with spaces only (the thumb is its colour): no block glyphs."""

    VERTICAL_BARS: ClassVar[list[str]] = [" "] * 8
    HORIZONTAL_BARS: ClassVar[list[str]] = [" "] * 8
