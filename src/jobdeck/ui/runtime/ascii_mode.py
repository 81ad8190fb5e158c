"""ASCII mode's terminal-wide parts: the last pass over every line, and the scrollbars.

Widgets draw ASCII glyphs themselves in ASCII mode (states, bars, borders);
what is left are separators and ellipses inside sentences (" · " in titles,
"…" where text is cut), spread over many modules. ``AsciiMarks`` maps them,
one cell for one cell so nothing moves, on every line drawn; the same marks
in backend text are mapped too (ASCII mode means the terminal cannot show
them). Other characters are left alone: replacing a wide one with one cell
would shift the columns. Scrollbars are Textual's, drawn with block glyphs:
``AsciiScrollBarRender`` draws them with spaces.

ASCII mode is the config's ``ascii``: ``"auto"`` (the default) turns it on by
itself on a terminal known to lack the glyphs: the Linux console (``TERM=linux``)
draws ``✓ ✗ ◌`` and block bars as blobs; ``true`` or ``false`` (or ``--ascii`` /
``--no-ascii``) is the user's choice, whatever the terminal (``ascii_for_terminal``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter
from textual.scrollbar import ScrollBarRender

if TYPE_CHECKING:
    from jobdeck.config import Settings

#: ``$TERM`` of terminals whose fonts lack jobdeck's glyphs: the Linux console, and the
#: DEC terminals it and others emulate.
ASCII_TERMS = frozenset({"linux", "vt100", "vt102", "vt220"})


def terminal_needs_ascii(env: Mapping[str, str] | None = None) -> bool:
    """Whether the terminal ``env`` describes cannot draw jobdeck's glyphs (``TERM=linux`` …)."""
    env = os.environ if env is None else env
    if env.get("TERM_PROGRAM") == "textual":
        return False  # a browser tab (jobdeck serve): xterm.js draws every glyph, whatever TERM says
    term = env.get("TERM", "").strip().lower()
    return term in ASCII_TERMS or term.startswith("linux-")  # linux-16color, linux-m …


def ascii_for_terminal(settings: Settings, env: Mapping[str, str] | None = None) -> Settings:
    """``settings`` with ``ascii`` decided: ``"auto"`` becomes whether the terminal needs it;
    ``true`` and ``false`` stand (a user who knows the console's font has the glyphs, or
    wants ASCII anywhere)."""
    if settings.ascii != "auto":
        return settings
    return settings.model_copy(update={"ascii": terminal_needs_ascii(env)})

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
