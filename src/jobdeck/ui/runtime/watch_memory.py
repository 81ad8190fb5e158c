"""The jobs watched with ``+`` (known to the deck only by id), remembered across restarts.

A backend that cannot list its jobs (Julep) shows only those the config names
and those the user adds with ``+``; without this, an added one is gone at the
next start. They are kept in ``ui-state.json`` in the data folder, beside the
remembered theme (``ui_state``: each keeps the other's keys as it writes its own),
and watched again when the deck starts. The config file is never rewritten.
Reading and writing are file I/O (a write is synced): the deck calls them in a thread.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from jobdeck.ui.runtime.ui_state import default_file, read_ui_state, update_ui_state

log = logging.getLogger(__name__)

#: The most jobs remembered (the oldest go first): a bound on the file and on start-up's calls.
MAX_WATCHED = 200
_KEY = "watched"


class WatchMemory:
    """``(backend, job id)`` pairs, oldest first, in a small JSON file."""

    def __init__(self, file: Path | None = None) -> None:
        self.file = file or default_file()

    def recall(self) -> list[tuple[str, str]]:
        """Every job remembered, oldest first (entries that are not a pair of strings are skipped)."""
        return _pairs(read_ui_state(self.file))

    def remember(self, backend: str, job_id: str) -> None:
        """Add ``job_id`` on ``backend`` (again: it moves to the end)."""

        def add(data: dict[str, Any]) -> None:
            kept = [pair for pair in _pairs(data) if pair != (backend, job_id)]
            kept.append((backend, job_id))
            data[_KEY] = [list(pair) for pair in kept[-MAX_WATCHED:]]

        try:
            update_ui_state(self.file, add)
        except OSError as exc:
            # The watch itself worked; only the next start will not know of it.
            log.warning("cannot remember the watched jobs in %s: %s", self.file, exc)


def _pairs(data: dict[str, Any]) -> list[tuple[str, str]]:
    entries = data.get(_KEY)
    if not isinstance(entries, list):
        return []
    return [
        (entry[0], entry[1])
        for entry in entries
        if isinstance(entry, list) and len(entry) == 2 and all(isinstance(part, str) and part for part in entry)
    ]
