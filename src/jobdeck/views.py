"""Saved views: a name for a filter, a sort and the job list's columns.

Views come from the config (``[[views]]``) and from the deck (``ctrl+s``, kept in
``views.json`` in the data folder). A view's query is the filter language's
(``jobdeck.query``) and is checked when the view is read, so a bad one is named,
with the position of its error, before anything starts.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from jobdeck.query import SORT_KEYS, QueryError, parse_query
from jobdeck.safe_text import safe_line

#: The job list's columns a view may choose (the name is always shown). "progress"
#: shows a job's counts where it has no percentage.
COLUMNS = ("state", "backend", "age", "duration", "progress", "labels", "note")
#: The columns when a view chooses none: the list as it always was.
DEFAULT_COLUMNS = ("state", "backend", "age", "duration", "progress", "note")
#: The saved views' file, in the data folder.
VIEWS_FILE = "views.json"
#: More than this many saved views is a file gone wrong, not a user's views.
MAX_SAVED_VIEWS = 200


class ViewError(ValueError):
    """A view that cannot be used, in words for the user."""


class View(BaseModel):
    """A named filter, sort and choice of columns for the job list."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    #: The filter, in the filter language ("state:failed since:1d").
    query: str = Field(default="", max_length=2000)
    #: The sort (a key of the `s` cycle); None: the deck's current one stays.
    sort: str | None = None
    #: The columns shown after the name, from COLUMNS; None: the usual ones.
    columns: tuple[str, ...] | None = None
    #: The name column's width in cells; None: what the other columns leave.
    name_width: int | None = Field(default=None, ge=8, le=200)

    @field_validator("name")
    @classmethod
    def _name_is_one_line(cls, name: str) -> str:
        cleaned = safe_line(name).strip()
        if cleaned != name or not cleaned:
            raise ValueError("a view's name is one line of printable text")
        return name

    @field_validator("query")
    @classmethod
    def _query_parses(cls, query: str) -> str:
        try:
            parse_query(query)
        except QueryError as exc:
            raise ValueError(f"its query does not read: {exc}") from None
        return query

    @field_validator("sort")
    @classmethod
    def _sort_is_known(cls, sort: str | None) -> str | None:
        if sort is not None and sort not in SORT_KEYS:
            raise ValueError(f"sort {sort!r} is not one of {', '.join(SORT_KEYS)}")
        return sort

    @field_validator("columns")
    @classmethod
    def _columns_are_known(cls, columns: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if columns is None:
            return None
        unknown = [column for column in columns if column not in COLUMNS]
        if unknown:
            raise ValueError(f"unknown column {unknown[0]!r}: choose from {', '.join(COLUMNS)} (the name is always shown)")
        if len(set(columns)) != len(columns):
            raise ValueError("a column is named twice")
        return columns

    @property
    def shown_columns(self) -> tuple[str, ...]:
        return self.columns if self.columns is not None else DEFAULT_COLUMNS

    def describe(self) -> str:
        """One line saying what the view shows, for the switcher and the palette."""
        parts = [self.query or "every job"]
        if self.sort:
            parts.append(f"sort {self.sort}")
        if self.columns is not None:
            parts.append("columns " + " ".join(self.columns))
        return safe_line(" · ".join(parts))


def find_view(views: Iterable[View], name: str) -> View | None:
    """The view called ``name`` (exactly, else ignoring case), or None."""
    views = list(views)
    for view in views:
        if view.name == name:
            return view
    folded = name.casefold()
    return next((view for view in views if view.name.casefold() == folded), None)


def unknown_view_message(name: str, views: Sequence[View]) -> str:
    known = ", ".join(f"“{view.name}”" for view in views)
    return f"there is no view named “{safe_line(name)}”" + (f"; the views are {known}" if views else
                                                          "; define one with [[views]] in the config or ctrl+s in the deck")


def all_views(configured: Sequence[View], saved: Sequence[View]) -> list[View]:
    """The config's views, then the saved ones whose names the config does not use."""
    taken = {view.name.casefold() for view in configured}
    return [*configured, *(view for view in saved if view.name.casefold() not in taken)]


def read_saved_views(file: Path) -> tuple[list[View], str | None]:
    """The views saved in ``file`` and, when some could not be read, why (they are skipped)."""
    try:
        data: Any = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [], None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return [], f"the saved views in {file} cannot be read ({safe_line(str(exc))[:200]})"
    entries = data.get("views") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return [], f"the saved views in {file} are not a list of views"
    views: list[View] = []
    skipped = 0
    for entry in entries[:MAX_SAVED_VIEWS]:
        try:
            views.append(View.model_validate(entry))
        except ValidationError:
            skipped += 1
    problem = f"{skipped} saved view(s) in {file} could not be read and are skipped" if skipped else None
    return views, problem


def save_view(file: Path, view: View) -> None:
    """Add ``view`` to ``file`` (replacing one of the same name)."""
    views, _ = read_saved_views(file)
    _write(file, [*(old for old in views if old.name.casefold() != view.name.casefold()), view])


def delete_view(file: Path, name: str) -> bool:
    """Remove the saved view ``name`` from ``file``; whether there was one."""
    views, _ = read_saved_views(file)
    kept = [view for view in views if view.name.casefold() != name.casefold()]
    if len(kept) == len(views):
        return False
    _write(file, kept)
    return True


def _write(file: Path, views: Sequence[View]) -> None:
    """Written whole beside ``file``, then moved into place: a reader never sees half of it."""
    payload = {"views": [view.model_dump(exclude_none=True) for view in views][-MAX_SAVED_VIEWS:]}
    file.parent.mkdir(parents=True, exist_ok=True)
    partial = file.with_name(f".{file.name}.{os.getpid()}.tmp")
    partial.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(partial, file)
