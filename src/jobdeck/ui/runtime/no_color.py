"""NO_COLOR that follows the theme: greys for a theme of set colours, none for the terminal's own.

Textual picks its NO_COLOR filter once, when the App is made, from the theme
it starts with (textual-dark, not ANSI): ``Monochrome``, which turns a colour
into a grey by its RGB value. The terminal's own colours (a theme with
``ansi = true``, such as jobdeck-16) have no RGB value in Textual, so every one
of them became black, and most of the screen was drawn black on black.

So the filter is chosen again whenever the theme changes. For a theme of the
terminal's own colours, ``TerminalNoColor`` draws everything in the terminal's
default colours, whatever its palette, and shows a cell that had a background
colour of its own (the cursor row, a scrollbar's thumb) in reverse video, so
it still stands out without colour.

Both pass a segment drawn with no style at all as it is: Textual's ``Monochrome``
failed on one (a line cut with an ellipsis has such a segment) and ended the deck;
``PlainSafeMonochrome`` replaces it.
"""

from __future__ import annotations

from collections.abc import MutableSequence
from functools import lru_cache

from rich.color import ColorType
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.filter import LineFilter, Monochrome, NoColor

#: The terminal's default foreground and background.
_DEFAULT_COLOURS = Style.parse("default on default")
_REVERSED = Style(reverse=True)


@lru_cache(1024)
def terminal_no_color_style(style: Style) -> Style:
    """``style`` in the terminal's default colours; reversed where it had a background colour."""
    background = style.bgcolor
    highlighted = background is not None and background.type is not ColorType.DEFAULT
    plain = style + _DEFAULT_COLOURS
    return plain + _REVERSED if highlighted else plain


class TerminalNoColor(LineFilter):
    """NO_COLOR for a theme of the terminal's own colours: default colours, highlights reversed."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [
            Segment(text, None if style is None else terminal_no_color_style(style), control)
            for text, style, control in segments
        ]


class PlainSafeMonochrome(Monochrome):
    """Textual's NO_COLOR filter for a theme of set colours (greys), with a segment without a
    style passed as it is (Textual's reads its colour, and fails)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if all(style is not None for _, style, _ in segments):
            return super().apply(segments, background)
        return [
            segment if segment.style is None else super(PlainSafeMonochrome, self).apply([segment], background)[0]
            for segment in segments
        ]


def follow_theme(filters: MutableSequence[LineFilter], ansi: bool) -> None:
    """Swap the NO_COLOR filter among ``filters`` (Textual's list, changed in place) for the one
    a theme with (``ansi``) or without the terminal's own colours needs. No NO_COLOR filter, no change."""
    wanted = TerminalNoColor if ansi else PlainSafeMonochrome
    for index, line_filter in enumerate(filters):
        if isinstance(line_filter, (Monochrome, NoColor, TerminalNoColor)) and type(line_filter) is not wanted:
            filters[index] = wanted(enabled=line_filter.enabled)
