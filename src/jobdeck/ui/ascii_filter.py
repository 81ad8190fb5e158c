"""ASCII mode's last pass: the few non-ASCII marks jobdeck's own text uses.

Widgets draw ASCII glyphs themselves in ASCII mode (states, bars, borders,
scrollbars); what is left are separators and ellipses inside sentences
(" · " in titles, "…" where text is cut), spread over many modules. This
filter maps them, one cell for one cell so nothing moves, on every line
drawn; the same marks in backend text are mapped too (ASCII mode means the
terminal cannot show them). Other characters are left alone: replacing a
wide one with one cell would shift the columns.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

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
