"""The history list's columns and cells: which show at a width, and what each says.
No Textual here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jobdeck import present
from jobdeck.store.sqlite.history_pages import HistoryEntry

#: From this width, the state's word shows beside its glyph and the backend has a column.
WIDE = 100


@dataclass(frozen=True)
class Column:
    name: str
    title: str
    width: int
    align_right: bool = False


def layout(width: int) -> tuple[Column, ...]:
    """The columns at ``width`` cells (the first cell of a row is the cursor's marker)."""
    wide = width >= WIDE
    fixed = [
        Column("state", "state" if wide else "", 11 if wide else 1),
        Column("name", "name", 0),
        Column("backend", "backend", 10),
        Column("first", "first seen", 10, align_right=True),
        Column("last", "last seen", 10, align_right=True),
        Column("listed", "listed", 6),
    ]
    if not wide:
        fixed = [c for c in fixed if c.name != "listed"]
        fixed = [Column(c.name, {"first": "first", "last": "last"}.get(c.name, c.title), 6 if c.name in ("first", "last") else c.width, c.align_right) for c in fixed]
    used = 1 + sum(column.width + 1 for column in fixed if column.name != "name")
    name_width = max(6, width - used)
    return tuple(Column(c.name, c.title, name_width, c.align_right) if c.name == "name" else c for c in fixed)


def cell(entry: HistoryEntry, column: str, *, now: datetime | None, ascii: bool, words: bool) -> str:
    """The text of one cell (made safe for the terminal)."""
    job = entry.job
    if column == "state":
        glyph = present.state_glyph(job.state, ascii)
        return f"{glyph} {present.state_word(job.state)}" if words else glyph
    if column == "name":
        mark = present.gone_mark(ascii) if job.gone_since is not None else ""
        return mark + present.one_line(job.name) + f"  {present.one_line(job.ref.id)}"
    if column == "backend":
        return present.one_line(job.ref.backend)
    if column == "first":
        return present.age(entry.first_seen, now)
    if column == "last":
        return present.age(entry.last_seen, now)
    if column == "listed":
        return "gone" if job.gone_since is not None else "listed"
    return ""


def header(columns: tuple[Column, ...], width: int) -> str:
    text = ""
    for column in columns:
        text = text.ljust(len(text) + 1) + present.fit(column.title, column.width, align_right=column.align_right)
    return present.fit(text, width)


def row_text(entry: HistoryEntry, columns: tuple[Column, ...], width: int, *, now: datetime | None, ascii: bool) -> list[tuple[str, str]]:
    """The row's cells fitted to their columns: (text, column name), with the spaces between."""
    words = any(c.name == "state" and c.width > 1 for c in columns)
    parts: list[tuple[str, str]] = []
    for column in columns:
        text = cell(entry, column.name, now=now, ascii=ascii, words=words)
        parts.append((" ", ""))
        parts.append((present.fit(text, column.width, align_right=column.align_right), column.name))
    return parts
