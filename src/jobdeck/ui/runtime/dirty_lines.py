"""A partial update draws the lines that changed, not every line of every widget near them.

Textual's compositor (8.2.8) answers a partial update — a few cells changed — by taking
the box around all the changed regions and rendering *every line* of every widget that
box touches, then keeping only the changed lines. A deck with running jobs changes a few
cells a second all over the screen (ages in the list, durations in the run detail, the
timeline's ticking line), so the box is the whole screen: each second, every visible
widget's every line went through Textual's render path (cache look-ups, filters, crops,
cuts) for the twenty-odd lines that moved; it was most of an idle deck's CPU (issue 22).

``render_partial_update`` here renders, for each widget, only the rows where a changed
span crosses a part of it no widget in front of it has drawn: the same chops for those
rows, front to back, so the same bytes reach the terminal (tests/test_dirty_lines.py
compares them with Textual's own). Installed on
the Textual version it was written against only; any other keeps Textual's own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import textual
from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region

if TYPE_CHECKING:
    from rich.console import Console
    from textual.strip import Strip

#: The Textual release whose compositor this replaces a method of (pinned in pyproject).
TEXTUAL_VERSION = "8.2.8"

#: Textual's own method, kept to compare with (tests/test_dirty_lines.py).
textual_render_partial_update = Compositor.render_partial_update


def render_partial_update(self: Compositor) -> ChopsUpdate | None:
    """Textual's ``Compositor.render_partial_update``, rendering only the changed rows."""
    update_regions = self._dirty_regions.copy()
    self._dirty_regions.clear()
    if not update_regions:
        return None
    crop = Region.from_union(update_regions).intersection(self.size.region)
    spans = list(self._regions_to_spans(update_regions))
    chops = changed_chops(self, crop, spans)
    chop_ends = [cut_set[1:] for cut_set in self.cuts]
    return ChangedLines(chops, spans, chop_ends)


class ChangedLines(ChopsUpdate):
    """Textual's ChopsUpdate, written to the terminal the same, byte for byte, with the
    cursor moves made as strings (Rich's Control objects were a third of the writing)."""

    def render_segments(self, console: Console) -> str:
        sequences: list[str] = []
        append = sequences.append
        chops, chop_ends = self.chops, self.chop_ends
        last_y = self.spans[-1][0]
        for y, x1, x2 in self.spans:
            for end, (x, strip) in zip(chop_ends[y], chops[y].items()):
                if strip is None or x > x2 or end <= x1:
                    continue
                append(f"\x1b[{y + 1};{x + 1}H")
                if not (x2 > x >= x1 and end <= x2):
                    strip = strip.crop(0, min(end, x2) - x)
                append(strip.render(console))
            if y != last_y:
                append("\n")
        return "".join(sequences)


def changed_chops(
    compositor: Compositor, crop: Region, spans: Sequence[tuple[int, int, int]]
) -> Sequence[Mapping[int, Strip | None]]:
    """The chops of the rows ``spans`` cross. Front to back, a widget renders the rows from
    the first to the last where a cut it covers, crossed by a span, is not given yet; the
    widgets behind every such cut (the panes and the screen under a list's row) render
    nothing."""
    cuts = compositor.cuts
    unchanged: dict[int, Strip | None] = {}  # (rows no span crosses are not read)
    chops: list[dict[int, Strip | None]] = [unchanged] * len(cuts)
    # Per row, the cuts (start → end) a span crosses that no widget has given yet, crossed as
    # ChopsUpdate.render_segments writes them.
    wanted: dict[int, dict[int, int]] = {}
    for y, x1, x2 in spans:
        row_cuts = cuts[y]
        if chops[y] is unchanged:
            chops[y] = dict.fromkeys(row_cuts[:-1])
        row = wanted.setdefault(y, {})
        for cut, end in zip(row_cuts, row_cuts[1:]):
            if not (cut > x2 or end <= x1):
                row[cut] = end
    wanted = {y: row for y, row in wanted.items() if row}
    crop_overlaps = crop.overlaps
    intersection = Region.intersection
    for widget, (region, clip) in compositor.visible_widgets.items():
        if not wanted:
            break
        if not crop_overlaps(clip):
            continue
        x, y, width, height = intersection(region, clip)
        if not (width and height):
            continue
        right, bottom = x + width, y + height
        rows = sorted(
            row for row, cuts_wanted in wanted.items() if y <= row < bottom and any(x <= cut < right for cut in cuts_wanted)
        )
        if not rows:
            continue
        top = rows[0]
        strips = widget.render_lines(Region(x - region.x, top - region.y, width, rows[-1] + 1 - top))
        for row in rows:
            line = chops[row]
            row_cuts = [cut for cut in cuts[row] if right >= cut >= x]
            cuts_wanted = wanted[row]
            # Front to back: the first strip given for a cut is the one seen.
            for cut, piece in zip(row_cuts, strips[row - top].divide([cut - x for cut in row_cuts[1:]])):
                if line.get(cut) is None:
                    line[cut] = piece
                    cuts_wanted.pop(cut, None)
            if not cuts_wanted:
                del wanted[row]
    return chops


def install() -> bool:
    """Use ``render_partial_update`` for every compositor, if Textual is the release it was
    written against; whether it is in use."""
    if getattr(textual, "__version__", None) != TEXTUAL_VERSION:
        return False
    Compositor.render_partial_update = render_partial_update  # type: ignore[method-assign]
    return True
