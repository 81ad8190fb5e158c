"""A widget drawn in parts, each part's lines kept until what it shows moves.

The run detail, the timeline and the run-history strip show a few texts that tick
once a second (ages, durations, "for 5s") among many that do not. Drawn as one
renderable, every tick rendered all of it again (their tables were half the cost
of an idle deck with a running job selected). Drawn in parts, a tick
(``redraw_parts``) renders only the parts whose key moved, and repaints only the
lines that differ from what is on screen. A part that moved while scrolled out of
sight (the run detail's runs below the pane's edge) keeps its old lines, marked
dirty, and is rendered when a line of it is drawn (``render_line``), if ever.

A part's ``key`` names what it shows that may move on a tick (its ticking texts);
everything else about it moves only with a full ``refresh()`` (another job, runs,
theme, size), which forgets every part's lines, as does a change of styles or
theme. The lines of a part are made the
way Textual makes a widget's ``render()`` into lines (``Visual.to_strips``), so a
widget drawn in parts looks as it did drawn whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable
from typing import NamedTuple

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.dom import NoScreen
from textual.errors import NoWidget
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.visual import Visual, visualize
from textual.widget import Widget


class Part(NamedTuple):
    """One part of a widget: its lines are made by ``make`` and kept while ``key`` holds."""

    key: Hashable
    make: Callable[[], RenderableType]
    #: A name to find where the part was drawn (``part_span``); parts may share one.
    name: str = ""


class PartsWidget(Widget):
    """A widget whose content is ``parts(width)``, one after another, each kept as lines."""

    #: The lines of each part's key at ``_parts_width``, as last drawn.
    _part_lines: dict[Hashable, list[Strip]] | None = None
    _parts_width: int = -1
    #: All lines as last drawn, and where each part's lines start and how many there are.
    _lines: list[Strip] | None = None
    _spans: tuple[tuple[str, int, int], ...] = ()
    #: The theme the lines were drawn in, and the component styles looked up since.
    _parts_theme: str | None = None
    _styles: dict[str, Style] | None = None
    #: Parts that moved out of sight, not rendered yet: (part, first line, lines), their
    #: old lines standing in (see ``_draw_late``).
    _late: tuple[tuple[Part, int, int], ...] = ()

    def parts(self, width: int) -> list[Part]:
        """The parts to draw at ``width`` cells, top to bottom."""
        raise NotImplementedError

    def refresh(
        self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False
    ) -> PartsWidget:
        if repaint and not regions:
            # Something beside the ticking texts moved: no part's lines are kept.
            self.forget_parts()
        super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)
        return self

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.forget_parts()

    def forget_parts(self) -> None:
        """Keep nothing drawn: the next lines are all drawn anew."""
        self._part_lines, self._lines, self._styles, self._late = None, None, None, ()

    def part_style(self, component: str) -> Style:
        """A component class's style (looked up once until the parts are forgotten)."""
        styles = self._styles
        if styles is None:
            styles = self._styles = {}
        style = styles.get(component)
        if style is None:
            style = styles[component] = self.get_component_rich_style(component, partial=True)
        return style

    def redraw_parts(self) -> None:
        """Draw again the parts whose key moved, and repaint only the lines that changed."""
        old = self._lines
        width = self._parts_width
        if old is None or width != self.size.width or width <= 0 or self._parts_theme != self.app.theme:
            self.refresh()
            return
        new = self._draw(width, shown=self._shown_lines())
        if len(new) != len(old):
            self.refresh(layout=True)
            return
        changed = [Region(0, y, width, 1) for y, (was, now) in enumerate(zip(old, new, strict=True)) if was != now]
        # A part out of sight is drawn when one of its lines is (dirty lines are drawn again).
        changed += [Region(0, start, width, count) for _, start, count in self._late]
        if changed:
            super().refresh(*changed)

    def _shown_lines(self) -> range:
        """The lines of the widget in sight now (none when it is not on screen)."""
        try:
            geometry = self.screen.find_widget(self)
        except (NoWidget, NoScreen):
            return range(0)
        content = geometry.region.shrink(self.styles.gutter)
        shown = content.intersection(geometry.clip)
        if not shown:
            return range(0)
        return range(shown.y - content.y, shown.bottom - content.y)

    def part_span(self, name: str) -> tuple[int, int] | None:
        """Where the parts named ``name`` were drawn: (first line, lines), or None."""
        if self._lines is None:
            self._draw(max(1, self.size.width))
        spans = [(start, count) for part_name, start, count in self._spans if part_name == name]
        if not spans:
            return None
        return spans[0][0], sum(count for _, count in spans)

    def render(self) -> RenderableType:
        # (What Textual asks of a widget beside its lines, such as its width when auto.)
        return Group(*(part.make() for part in self.parts(max(1, self.size.width))))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._draw(width))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        lines = self._lines if self._lines is not None and self._parts_width == width else self._draw(width)
        if self._late:
            lines = self._draw_late(y, lines)
        if 0 <= y < len(lines):
            return lines[y]
        return Strip.blank(width, self.visual_style.rich_style)

    def _draw_late(self, y: int, lines: list[Strip]) -> list[Strip]:
        """``lines`` with the part out of sight that holds line ``y`` (if any) drawn now."""
        late = next((entry for entry in self._late if entry[1] <= y < entry[1] + entry[2]), None)
        if late is None:
            return lines
        part, start, count = late
        self._late = tuple(entry for entry in self._late if entry is not late)
        strips = self._make(part)
        if len(strips) != count:
            # Its lines moved the parts below it: the widget is laid out and drawn again.
            self.refresh(layout=True)
            return lines[:start] + strips + lines[start + count :]
        lines[start : start + count] = strips
        if self._part_lines is not None:
            self._part_lines[part.key] = strips
        return lines

    def _make(self, part: Part) -> list[Strip]:
        return Visual.to_strips(self, visualize(self, part.make()), self._parts_width, None, self.visual_style)

    def _draw(self, width: int, shown: range | None = None) -> list[Strip]:
        """All lines at ``width``: a part whose key holds keeps its lines. With ``shown`` (the
        lines in sight), a part that moved but was, and stays, out of sight keeps its old
        lines for now (``_late``), when the parts are the same ones as last drawn."""
        theme = self.app.theme
        if theme != self._parts_theme:
            self.forget_parts()
        kept = self._part_lines if self._part_lines is not None and width == self._parts_width else {}
        parts = self.parts(width)
        old_lines, old_spans = self._lines, self._spans
        may_wait = shown is not None and bool(kept) and old_lines is not None and len(old_spans) == len(parts)
        self._parts_width = width
        drawn: dict[Hashable, list[Strip]] = {}
        lines: list[Strip] = []
        spans: list[tuple[str, int, int]] = []
        late: list[tuple[Part, int, int]] = []
        for index, part in enumerate(parts):
            strips = drawn.get(part.key)
            if strips is None:
                strips = kept.get(part.key)
            if strips is None and may_wait:
                _, start, count = old_spans[index]
                if count and old_lines is not None and _out_of(shown, start, count, len(lines)):
                    late.append((part, len(lines), count))
                    spans.append((part.name, len(lines), count))
                    lines.extend(old_lines[start : start + count])
                    continue
            if strips is None:
                strips = self._make(part)
            drawn[part.key] = strips
            spans.append((part.name, len(lines), len(strips)))
            lines.extend(strips)
        self._part_lines, self._lines, self._spans = drawn, lines, tuple(spans)
        self._late = tuple(late)
        self._parts_theme = theme
        return lines


def _out_of(shown: range | None, start: int, count: int, new_start: int) -> bool:
    """Whether a part's lines, at ``start`` when last drawn and at ``new_start`` now, are out
    of the lines ``shown`` at both places."""
    if shown is None:
        return False
    return all(first + count <= shown.start or first >= shown.stop for first in (start, new_start))


def widest(console: Console, renderables: Iterable[RenderableType], room: int) -> int:
    """The widest of ``renderables`` as a table would draw them in ``room`` cells."""
    options = console.options.update_width(max(1, room))
    return max((Measurement.get(console, options, renderable).maximum for renderable in renderables), default=0)


def value_column(widest: int | None, room: int) -> dict[str, int | None]:
    """The last column of a table drawn in parts: as wide as the widest of its values (the
    whole table's), or the room left when they do not fit. Given as a fixed width, Rich
    draws it as one table would without measuring its cells again; without the widths
    known, as wide as its cells."""
    if widest is None or widest < 1 or room < 1:
        return {"min_width": widest}
    return {"width": min(widest, room)}


class GridRows:
    """Rows of a two-column ``Table.grid(padding=(0, 1))`` whose widths are known and whose
    cells each fit on one line, drawn segment for segment as Rich draws that table, without
    its machinery (the rows that tick are drawn every second). ``grid_rows`` says whether
    the rows fit; the others are drawn by the table."""

    def __init__(self, rows: list[tuple[str, Text]], first_width: int, last_width: int, first_style: Style) -> None:
        self.rows = rows
        self.first_width = first_width
        self.last_width = last_width
        self.first_style = first_style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for first, last in self.rows:
            # A value wider than its column (``grid_rows(wrap=True)``) is wrapped as the table
            # wraps it, its first column blank on the lines after the first.
            lines = [last] if last.cell_len <= self.last_width else last.wrap(console, self.last_width, overflow="fold")
            for number, value in enumerate(lines):
                if number:
                    yield Segment(" " * (self.first_width + 1), self.first_style)
                else:
                    yield Segment(first.ljust(self.first_width), self.first_style)
                    yield Segment(" ", self.first_style)
                line = value.copy()
                line.end = ""
                line.truncate(self.last_width, overflow="fold", pad=True)
                # (A table joins its cell's lines, which makes the text's own style a span.)
                yield from Text("\n").join([line]).render(console, end="")
                yield Segment.line()


def grid_rows(
    rows: list[tuple[str, Text]], first_width: int, last_width: int, first_style: Style, *, wrap: bool = False
) -> GridRows | None:
    """``GridRows`` of ``rows`` when each fits on its line as it is (plain words in the first
    column, one line of text in the last, nothing of its own that would lay it out), else None.
    ``wrap``: a last column's text may also be wider than its column (it is wrapped).
    A table reads a first column's words as markup and ``:name:`` as an emoji: words that
    may be either are left to it (a time, ``11:55:02``, is neither)."""
    for first, last in rows:
        plain = last.plain
        if (
            cell_len(first) > first_width
            or "[" in first
            or "\n" in first
            or (":" in first and not _TIME_LIKE.fullmatch(first))
            or (last.cell_len > last_width and not wrap)
            or "\n" in plain
            or "\t" in plain
            or last.justify is not None
            or last.overflow is not None
            or last.no_wrap is not None
        ):
            return None
    return GridRows(rows, first_width, last_width, first_style)


#: A time or date: digits, colons, dashes and spaces (never markup nor an emoji's name).
_TIME_LIKE = re.compile(r"[0-9: -]*")
