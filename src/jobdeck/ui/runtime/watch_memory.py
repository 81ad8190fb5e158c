"""The jobs watched with ``+`` (known to the deck only by id), remembered across restarts.

A backend that cannot list its jobs (Julep) shows only those the config names
and those the user adds with ``+``; without this, an added one is gone at the
next start. They are kept in ``ui-state.json`` in the data folder, beside the
remembered theme (``ui_state``: each keeps the other's keys as it writes its own),
and watched again when the deck starts. The config file is never rewritten.
Each is kept with when it was first watched, so a job watched again at the next start
is shown as observed since then, not since that start (``recall_since``).
Reading and writing are file I/O (a write is synced): the deck calls them in a thread.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from jobdeck.ui.runtime.ui_state import default_file, read_ui_state, update_ui_state

log = logging.getLogger(__name__)

#: The most jobs remembered (the oldest go first): a bound on the file and on start-up's calls.
MAX_WATCHED = 200
_KEY = "watched"


class WatchMemory:
    """``(backend, job id)`` pairs, oldest first, each with when it was first watched, in a small JSON file."""

    def __init__(self, file: Path | None = None) -> None:
        self.file = file or default_file()

    def recall(self) -> list[tuple[str, str]]:
        """Every job remembered, oldest first (entries that are not a pair of strings are skipped)."""
        return [(backend, job_id) for backend, job_id, _ in _entries(read_ui_state(self.file))]

    def recall_since(self) -> list[tuple[str, str, datetime | None]]:
        """Every job remembered, oldest first, with when it was first watched (None: not known,
        as in a file an older jobdeck wrote)."""
        return _entries(read_ui_state(self.file))

    def remember(self, backend: str, job_id: str, at: datetime | None = None) -> None:
        """Add ``job_id`` on ``backend`` (again: it moves to the end), first watched ``at``
        (a time already kept for it stays: it was first watched then)."""

        def add(data: dict[str, Any]) -> None:
            entries = _entries(data)
            since = next((when for b, j, when in entries if (b, j) == (backend, job_id) and when), at)
            kept = [(b, j, when) for b, j, when in entries if (b, j) != (backend, job_id)]
            kept.append((backend, job_id, since))
            data[_KEY] = [[b, j, when.isoformat()] if when else [b, j] for b, j, when in kept[-MAX_WATCHED:]]

        try:
            update_ui_state(self.file, add)
        except OSError as exc:
            # The watch itself worked; only the next start will not know of it.
            log.warning("cannot remember the watched jobs in %s: %s", self.file, exc)


def _entries(data: dict[str, Any]) -> list[tuple[str, str, datetime | None]]:
    entries = data.get(_KEY)
    if not isinstance(entries, list):
        return []
    return [
        (entry[0], entry[1], _when(entry[2]) if len(entry) == 3 else None)
        for entry in entries
        if isinstance(entry, list) and len(entry) in (2, 3) and all(isinstance(part, str) and part for part in entry[:2])
    ]


def _when(text: object) -> datetime | None:
    """A time the file keeps (ISO 8601, with its zone); None for anything else (a hand edit)."""
    if not isinstance(text, str):
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None
