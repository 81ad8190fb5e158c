"""The run detail's texts: times with their age, short run ids, the backend's own
fields flattened, error lines, and the counts and progress lines whose bar takes the
width left over. Every string from a backend is made safe here before it is drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.style import Style
from rich.text import Text

from jobdeck.clock import as_utc
from jobdeck.model import Counts
from jobdeck.present import MISSING, counts_text
from jobdeck.safe_text import safe_line, to_plain
from jobdeck.ui.deck_text import ago, bar, duration, percent, wall_time

#: How many runs of a page the detail lists (a page longer than this is cut).
MAX_RUNS_SHOWN = 25
#: Run ids longer than this are listed by their first SHORT_ID_LENGTH characters.
LONG_ID = 12
SHORT_ID_LENGTH = 8
#: How many backend fields, and how wide their values may be.
MAX_DETAIL_FIELDS = 60
MAX_DETAIL_VALUE = 80
#: Nesting deeper than this is shown as "{…}" rather than flattened further.
MAX_DETAIL_DEPTH = 6
#: Error lines kept (a stack trace belongs in the log, not here).
MAX_ERROR_LINES = 6

def time_with_age(moment: datetime | None, now: datetime | None) -> str:
    """The time in the zone of ``now`` (UTC without one) and how long ago:
    ``2026-01-01 12:00:03 · 5m ago``."""
    if moment is None:
        return MISSING
    shown = wall_time(moment, now.tzinfo or UTC) if now is not None else wall_time(moment)
    when = ago(as_utc(moment), as_utc(now) if now is not None else None)
    return shown if when == MISSING else f"{shown} · {when}"


def short_run_id(run_id: str) -> str:
    """A run id for the list: long ids (UUIDs) by their first characters, like git."""
    clean = safe_line(run_id)
    return clean[:SHORT_ID_LENGTH] if len(clean) > LONG_ID else clean


def flatten_detail(detail: dict[str, Any], prefix: str = "", depth: int = 0) -> Iterator[tuple[str, str]]:
    """The backend's own fields as (``a.b.c``, value) pairs, both sanitised."""
    for key, value in detail.items():
        path = f"{prefix}{safe_line(str(key))}"
        if isinstance(value, dict) and value:
            if depth + 1 >= MAX_DETAIL_DEPTH:
                yield path, "{…}"
            else:
                yield from flatten_detail(value, f"{path}.", depth + 1)
        elif isinstance(value, list | tuple):
            if all(isinstance(item, str | int | float | bool) or item is None for item in value):
                yield path, _short(", ".join("null" if item is None else str(item) for item in value)) or "[]"
            else:
                yield path, f"[{len(value)} {'item' if len(value) == 1 else 'items'}]"
        elif value is None:
            yield path, "null"
        elif isinstance(value, dict):
            yield path, "{}"
        else:
            yield path, _short(str(value))


def _short(text: str) -> str:
    """A field value sanitised, cut first so a megabyte value costs nothing."""
    return safe_line(text[: MAX_DETAIL_VALUE * 4])


class FillLine:
    """A line whose bar takes the width left over: ``prefix [bar] suffix``.

    Rich asks renderables for their size at render time, so the bar fits the
    pane at any width without the widget knowing its own width in advance.
    """

    def __init__(self, prefix: Text, make_bar: Callable[[int], Text], suffix: Text, max_bar: int = 40) -> None:
        self.prefix = prefix
        self.make_bar = make_bar
        self.suffix = suffix
        self.max_bar = max_bar

    def _fixed_width(self) -> int:
        # The prefix and suffix, and a space between each part that is there.
        return sum(part.cell_len + 1 for part in (self.prefix, self.suffix) if part)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        fixed = self._fixed_width()
        return Measurement(fixed + 4, fixed + self.max_bar)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        bar_width = max(4, min(self.max_bar, options.max_width - self._fixed_width()))
        parts = [part for part in (self.prefix, self.make_bar(bar_width), self.suffix) if part]
        line = Text(" ", end="").join(parts)
        line.truncate(options.max_width, overflow="ellipsis")
        yield line


def split_cells(counts: Counts, width: int) -> tuple[int, int]:
    """Cells of a ``width``-wide bar for successes and for failures.

    Against the total when known, else against what is done. A non-zero
    count always gets at least one cell, so a single failure is never invisible.
    """
    whole = max(counts.total or 0, counts.done, 1)
    ok_cells = round(width * counts.succeeded / whole)
    failed_cells = round(width * counts.failed / whole)
    if counts.failed and not failed_cells:
        failed_cells = 1
    if counts.succeeded and not ok_cells:
        ok_cells = 1
    overflow = ok_cells + failed_cells - width
    if overflow > 0:
        # Rounding up both can overshoot; take the extra from the larger share.
        if ok_cells >= failed_cells:
            ok_cells -= overflow
        else:
            failed_cells -= overflow
    return max(0, ok_cells), max(0, failed_cells)


def error_lines(text: str) -> str:
    lines = [to_plain(line).rstrip() for line in text.strip().splitlines()]
    lines = [line for line in lines if line]
    if len(lines) > MAX_ERROR_LINES:
        lines = [*lines[:MAX_ERROR_LINES], f"… {len(lines) - MAX_ERROR_LINES} more lines"]
    return "\n".join(lines)


def duration_at(started: datetime | None, ended: datetime | None, now: datetime | None) -> str:
    """How long from ``started`` to ``ended`` (else to ``now``)."""
    if started is None:
        return MISSING
    end = ended or now
    if end is None:
        return MISSING
    return duration((as_utc(end) - as_utc(started)).total_seconds())


def counts_line(counts: Counts, ascii: bool, ok_style: Style, error_style: Style, muted_style: Style) -> FillLine:
    """``9/12 ✓9 ✗1 [bar] 83%``: the counts, a bar of successes, failures and the rest, the share done."""

    def make_bar(width: int) -> Text:
        # Successes, then failures, then what is left. The glyphs differ so
        # the bar reads without colour (NO_COLOR, 16-colour terminals).
        ok_cells, failed_cells = split_cells(counts, width)
        rest = width - ok_cells - failed_cells
        return Text.assemble(
            (("#" if ascii else "█") * ok_cells, ok_style),
            (("x" if ascii else "▒") * failed_cells, error_style),
            (("-" if ascii else "░") * rest, muted_style),
        )

    fraction = counts.fraction
    suffix = Text(percent(fraction * 100) if fraction is not None else "")
    return FillLine(Text(counts_text(counts, ascii)), make_bar, suffix)


def progress_line(progress: float, ascii: bool, style: Style) -> FillLine:
    """A bar of ``progress`` (0–100) and its percentage."""
    return FillLine(
        Text(""), lambda width: Text(bar(progress / 100, width, ascii), style=style), Text(percent(progress))
    )
