"""Which cells of a frame would be drawn in their own background colour on a terminal.

Textual renders every frame in full colour; the colour system (24-bit, 256 or
the 16 standard colours) comes in only when a line is written out
(``Strip.render_ansi``: ``color.downgrade(color_system)``). Two colours that
differ in the frame can become one on a 256- or 16-colour terminal, so each
cell is judged as that call would write it. The terminal's default foreground
and default background are taken to differ (that is what they are for).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from rich.color import Color, ColorSystem, ColorType
from textual.strip import Strip

COLOUR_SYSTEMS = {"truecolor": ColorSystem.TRUECOLOR, "256": ColorSystem.EIGHT_BIT, "16": ColorSystem.STANDARD}


def _as_written(colour: Color | None, system: ColorSystem, role: str) -> tuple[object, ...]:
    if colour is None or colour.type is ColorType.DEFAULT:
        return ("default", role)
    written = colour.downgrade(system)
    if written.type is ColorType.TRUECOLOR:
        return ("rgb", *written.get_truecolor())
    return ("palette", written.number)


def unreadable_cells(strips: Iterable[Strip], system: ColorSystem) -> Counter[str]:
    """Text drawn in its own background colour, with how many cells of it: ``{'"word" #000000 on #000000': 5}``."""
    found: Counter[str] = Counter()
    for strip in strips:
        for text, style, control in strip:
            if control or style is None or not text.strip():
                continue
            foreground = _as_written(style.color, system, "foreground")
            background = _as_written(style.bgcolor, system, "background")
            if foreground == background:
                found[f"{text.strip()[:24]!r} {style}"] += sum(1 for ch in text if not ch.isspace())
    return found
