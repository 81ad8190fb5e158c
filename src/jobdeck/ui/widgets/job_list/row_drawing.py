"""One row of the job list drawn (``drawn_row``), and drawn again when only its time cells
moved (``retimed``): what ``JobRows`` caches per job."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from jobdeck import present
from jobdeck.model import Job, JobState
from jobdeck.ui.widgets.job_list.columns import Column, cell, place

STATE_CLASS: dict[JobState, str] = {state: f"job-list--state-{state.value}" for state in JobState}
#: The cells whose text moves with ``now`` alone.
TIME_COLUMNS = frozenset({"age", "duration"})


@dataclass(frozen=True)
class Drawn:
    """A row as drawn, with what a tick needs to make only its time cells again."""

    job: Job
    strip: Strip
    #: The row's segments before fitting to the width; ``time_cells``: (index, column) of the
    #: age and duration cells among them.
    segments: list[Segment]
    time_cells: tuple[tuple[int, Column], ...]
    base: Style
    #: The ``now`` the time cells were measured to.
    now: datetime | None


def drawn_row(
    job: Job,
    is_cursor: bool,
    columns: tuple[Column, ...],
    width: int,
    style_of: Callable[..., Style],
    *,
    stale: bool,
    ascii: bool,
    now: datetime | None,
    tag: str = "",
) -> Drawn:
    """``job``'s row in ``columns``, ``width`` cells wide; ``style_of(*component classes)``
    gives the row's styles (the cursor's and staleness' classes already in); ``tag`` goes
    before its name."""
    base = style_of()
    dim = style_of("job-list--dim")
    marker = ("*" if ascii else "▌") if is_cursor else " "
    segments = [Segment(marker, base)]
    time_cells: list[tuple[int, Column]] = []
    x = 1
    for column in columns:
        text, cell_class = cell(job, column.name, stale=stale, ascii=ascii, now=now)
        if column.x > x:
            segments.append(Segment(" " * (column.x - x), base))
        cell_style = base
        if cell_class == "state":
            cell_style = style_of(STATE_CLASS[job.state])
        elif cell_class == "dim":
            cell_style = dim
        if ascii and text == present.MISSING:
            text = "-"
        if column.name == "name" and tag:
            text = tag + text
        if column.name in TIME_COLUMNS:
            time_cells.append((len(segments), column))
        segments.append(Segment(place(column, text), cell_style))
        x = column.x + column.width
    strip = Strip(segments).adjust_cell_length(width, base)
    return Drawn(job, strip, segments, tuple(time_cells), base, now)


def retimed(
    drawn: Drawn, *, now: datetime | None, stale: bool, ascii: bool, known: tuple[str, str] | None = None
) -> Drawn:
    """``drawn`` with its time cells measured to ``now``; ``known``: its (age, duration)
    texts at ``now`` where the tick measured them already."""
    job = drawn.job
    segments = drawn.segments
    for index, column in drawn.time_cells:
        if known is not None:
            text = known[0] if column.name == "age" else known[1]
        else:
            text, _ = cell(job, column.name, stale=stale, ascii=ascii, now=now)
        if ascii and text == present.MISSING:
            text = "-"
        text = place(column, text)
        if text != segments[index].text:
            if segments is drawn.segments:
                segments = segments.copy()
            segments[index] = Segment(text, segments[index].style)
    if segments is drawn.segments:
        return Drawn(job, drawn.strip, segments, drawn.time_cells, drawn.base, now)
    strip = Strip(segments).adjust_cell_length(drawn.strip.cell_length, drawn.base)
    return Drawn(job, strip, segments, drawn.time_cells, drawn.base, now)
