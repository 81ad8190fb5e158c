"""The job list's columns: which show at a width, where they go, and what each cell says.

No Textual here. A layout is computed once per width (the list caches it);
a cell's text is computed when its row is drawn, and the row is cached.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len

from jobdeck import present
from jobdeck.model import Job
from jobdeck.query import last_activity
from jobdeck.ui import deck_text as fmt

#: Width from which the state word is shown next to its glyph.
WIDE = 100
#: Width from which a note column (error text, archive note) is shown.
NOTE_MIN_WIDTH = 110

#: Bar widths inside the progress columns (the rest of the column is " 100%").
_BAR_WIDTH = 6
_BAR_WIDTH_WIDE = 10


@dataclass(frozen=True)
class Column:
    """One column at one width: where it starts and how wide it is."""

    name: str
    title: str
    x: int
    width: int
    align_right: bool = False


def layout(
    width: int, backend_width: int, widget_width: int, *, words: bool = False,
    chosen: Collection[str] | None = None, name_width: int | None = None,
) -> tuple[Column, ...]:
    """The columns at ``width`` cells; column 0 is left for the cursor marker.

    The name takes what the fixed columns leave (at most ``name_width`` when a
    view sets it); the narrower the list, the more of the secondary columns are
    dropped (duration first, then backend). ``chosen``: a view's columns
    (``jobdeck.views.COLUMNS``), None for the usual ones.
    """
    wide = widget_width >= WIDE
    fixed: list[tuple[str, str, int, bool]] = [
        ("state_word", "state", 11, False) if wide or words else ("state", "", 1, False),
        ("name", "name", 0, False),
        ("backend", "backend", backend_width, False),
        ("age", "age", 5, True),
        ("duration", "took", 6, True),
        ("progress_wide", "progress", _BAR_WIDTH_WIDE + 5, False)
        if wide
        else ("progress", "progress", _BAR_WIDTH + 5, False),
        ("labels", "labels", _LABELS_WIDTH, False),
    ]
    fixed = [column for column in fixed if _shown(column[0], chosen)]
    if width < 60:
        fixed = [column for column in fixed if column[0] != "duration"]
    if width < 48:
        fixed = [column for column in fixed if column[0] != "backend"]
    used = 1 + sum(column[2] + 1 for column in fixed if column[0] != "name")
    note_width = 0
    if widget_width >= NOTE_MIN_WIDTH and _shown("note", chosen):
        note_width = max(12, min(40, (width - used - 30) // 2))
        fixed.append(("note", "note", note_width, False))
        used += note_width + 1
    name_width = max(4, width - used) if name_width is None else max(4, min(name_width, width - used))
    columns: list[Column] = []
    x = 1
    for name, title, size, align_right in fixed:
        if name == "name":
            size = name_width
        columns.append(Column(name, title, x, size, align_right))
        x += size + 1
    return tuple(columns)


#: The labels column's width (its text is cut to it).
_LABELS_WIDTH = 24
#: A column's name as a view chooses it (state words and the wide bar are the same column).
_CHOSEN_AS = {"state_word": "state", "progress_wide": "progress"}


def _shown(column: str, chosen: Collection[str] | None) -> bool:
    """Whether ``column`` shows: the name always; labels only when chosen; the others unless a view leaves them out."""
    if column == "name":
        return True
    if chosen is None:
        return column != "labels"
    return _CHOSEN_AS.get(column, column) in chosen


def names_width(names: Iterable[str]) -> int:
    """The backend column's width for these backend names."""
    longest = max((cell_len(name) for name in names), default=0)
    return max(7, min(12, longest))


def place(column: Column, text: str) -> str:
    """``text`` fitted to ``column``: cut or padded, aligned as the column is."""
    return present.fit(text, column.width, align_right=column.align_right)


def header_text(columns: Iterable[Column], width: int) -> str:
    """The column titles, each over its column, fitted to ``width``."""
    text = ""
    for column in columns:
        text = text.ljust(column.x) + place(column, column.title)
    return present.fit(text, width)


def cell(job: Job, column: str, *, stale: bool, ascii: bool, now: datetime | None) -> tuple[str, str | None]:
    """The text of one cell and its kind of style ("state", "dim" or None)."""
    if column == "state":
        return present.state_glyph(job.state, ascii), "state"
    if column == "state_word":
        return f"{present.state_glyph(job.state, ascii)} {present.state_word(job.state)}", "state"
    if column == "name":
        prefix = ""
        if job.archived and job.archived_by == "jobdeck":
            prefix = "[A] " if ascii else "⌂ "
        if job.gone_since is not None:
            prefix += present.gone_mark(ascii)
        return prefix + present.one_line(job.name), None
    if column == "backend":
        return present.one_line(job.ref.backend), "dim"
    if column == "age":
        return ("stale" if stale else present.age(last_activity(job), now)), "dim"
    if column == "duration":
        return duration_text(job, now), "dim"
    if column == "progress":
        return _progress_text(job, _BAR_WIDTH, ascii), None
    if column == "progress_wide":
        return _progress_text(job, _BAR_WIDTH_WIDE, ascii), None
    if column == "note":
        return _note(job, stale, ascii), "dim"
    if column == "labels":
        return present.one_line(" ".join(f"{key}={value}" for key, value in job.labels.items())), "dim"
    return "", None


def duration_text(job: Job, now: datetime | None) -> str:
    """How long ``job`` has run (to ``now``, or to its end when there is no ``now``)."""
    until = now or job.ended
    return fmt.duration(job.duration(until) if until is not None else None)


def times(job: Job, now: datetime | None) -> tuple[str, str]:
    """The age and duration texts of ``job``'s row, measured to ``now``."""
    return present.age(last_activity(job), now), duration_text(job, now)


def _progress_text(job: Job, bar_width: int, ascii: bool) -> str:
    if job.progress is not None:
        return f"{fmt.bar(job.progress / 100, bar_width, ascii)} {fmt.percent(job.progress):>4}"
    counts = job.counts
    if counts is not None and (counts.total or counts.done):
        text = present.counts_text(counts, ascii)
        if cell_len(text) <= bar_width + 5 or counts.fraction is None:
            return text
        return f"{fmt.bar(counts.fraction, bar_width, ascii)} {int(counts.fraction * 100):>3}%"
    return ""


def _note(job: Job, stale: bool, ascii: bool) -> str:
    notes: list[str] = []
    if stale:
        notes.append("backend down, may be out of date")
    if job.gone_since is not None:
        notes.append(present.GONE_NOTE)
    if job.archived and job.archived_by == "jobdeck":
        notes.append("⌂ archived in jobdeck" if not ascii else "archived in jobdeck")
    if job.error:
        notes.append(present.one_line(job.error))
    return "; ".join(notes)
